/* Upstream's call_hooks: after every vif command, each executable
 * file named <XEN_SCRIPT_DIR>/<devtype>-<hook>.d/NAME.hook is sourced, in name order,
 * by one bash with the script's variables in scope and upstream's helper
 * functions (log, fatal, xenstore_read...) defined: the text of
 * hooks/hotplug-hook-env.sh, built into the tool.  No hook file: no fork.
 * The shell runs in its own process group (process.h): hp_process_abort()
 * stops it and what it started. */
#ifndef HP_HOOKS_H
#define HP_HOOKS_H

#include <stddef.h>

#include "hp/params.h"

struct hp_hook_var {
	const char *name;
	const char *value; /* NULL: left as it is in the environment */
};

/* $XEN_SCRIPT_DIR, else the compiled-in default (/etc/xen/scripts). */
const char *hp_script_dir(void);

/* argv0 becomes the hooks' $0 and the key=value arguments in params
 * become variables, as upstream's evalVariables made them.  vars are
 * exported last and win.  0 when there are no hooks or all ran; -ECHILD
 * when the shell exited non-zero (*status holds its exit status);
 * another -errno when it could not be started. */
int hp_hooks_run(const char *devtype, const char *hook, const char *argv0,
		 const struct hp_params *params, const struct hp_hook_var *vars, size_t nvars,
		 int *status);

#endif
