/* Upstream's call_hooks: after every vif command, each executable
 * <XEN_SCRIPT_DIR>/<type>-<hook>.d/*.hook is sourced by a shell with the
 * script's variables in scope.  No hook file: no fork at all. */
#ifndef HP_HOOKS_H
#define HP_HOOKS_H

#include <stddef.h>

struct hp_hook_var {
	const char *name;
	const char *value; /* NULL: not exported */
};

/* The script directory: $XEN_SCRIPT_DIR, else the compiled default. */
const char *hp_script_dir(void);

/* Runs the hooks of "<devtype>-<hook>.d" (e.g. "vif", "post") in one
 * bash, after sourcing hotplug-hook-env.sh for upstream's helper
 * functions.  0 when there are none or all ran; -ECHILD when the shell
 * exited non-zero (*status set), other -errno when it could not run. */
int hp_hooks_run(const char *devtype, const char *hook, const struct hp_hook_var *vars,
		 size_t nvars, int *status);

#endif
