/* Hooks: upstream-style shell fragments, sourced by one bash. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hp/hooks.h"
#include "hp/log.h"
#include "hp/process.h"

#ifndef HP_XEN_SCRIPT_DIR
#define HP_XEN_SCRIPT_DIR "/etc/xen/scripts"
#endif
#define HP_MAX_HOOKS 64

extern char **environ;

/* build/gen/hook-env.h: hooks/hotplug-hook-env.sh as one string */
static const char hook_env[] =
#include "hook-env.h"
	;

/* Sources each hook named by the first $1 arguments, with the rest as
 * the positional parameters the hooks see (the tool's own arguments). */
static const char hook_main[] = "_hp_n=$1; shift\n"
				"_hp_hooks=(\"${@:1:_hp_n}\"); shift \"$_hp_n\"\n"
				"for _hp_f in \"${_hp_hooks[@]}\"; do . \"$_hp_f\"; done\n"
				"unset _hp_n _hp_hooks _hp_f\n";

const char *hp_script_dir(void)
{
	const char *d = getenv("XEN_SCRIPT_DIR");

	return d && *d ? d : HP_XEN_SCRIPT_DIR;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The executable *.hook files of dir, sorted like a shell glob (C locale). */
static int find_hooks(const char *dir, char **out, int *n)
{
	struct dirent *de;
	DIR *d;
	int rc = 0;

	*n = 0;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		char *path;

		if (len < 6 || strcmp(de->d_name + len - 5, ".hook") || de->d_name[0] == '.')
			continue;
		if (asprintf(&path, "%s/%s", dir, de->d_name) < 0) {
			rc = -ENOMEM;
			break;
		}
		if (access(path, X_OK) || *n >= HP_MAX_HOOKS) {
			if (*n >= HP_MAX_HOOKS)
				hp_warn("ignoring hook '%s': more than %d hooks", path,
					HP_MAX_HOOKS);
			free(path);
			continue;
		}
		out[(*n)++] = path;
	}
	closedir(d);
	qsort(out, (size_t)*n, sizeof(*out), cmp);
	return rc;
}

/* The hooks' environment: ours, then the key=value arguments (each is
 * "key=value" already), then vars, a later name replacing an earlier one.
 * The strings of vars are malloc'd into *owned. */
static int environment(const struct hp_params *params, const struct hp_hook_var *vars, size_t nvars,
		       char ***envp, char ***owned)
{
	size_t n = 0, i, j, cap;
	char **e, **own;

	while (environ[n])
		n++;
	cap = n + params->n + nvars + 1;
	if (!(e = calloc(cap, sizeof(*e))) || !(own = calloc(nvars + 1, sizeof(*own)))) {
		free(e);
		return -ENOMEM;
	}
	memcpy(e, environ, n * sizeof(*e));
	for (i = 0; i < params->n + nvars; i++) {
		char *kv;
		size_t klen;

		if (i < params->n) {
			kv = hp_unconst(params->key[i]);
			klen = params->keylen[i];
		} else if (vars[i - params->n].value) {
			if (asprintf(&kv, "%s=%s", vars[i - params->n].name,
				     vars[i - params->n].value) < 0) {
				*owned = own;
				*envp = e;
				return -ENOMEM;
			}
			own[i - params->n] = kv;
			klen = strlen(vars[i - params->n].name);
		} else {
			continue;
		}
		for (j = 0; j < n && (strncmp(e[j], kv, klen + 1)); j++)
			;
		e[j] = kv;
		if (j == n)
			n++;
	}
	e[n] = NULL;
	*envp = e;
	*owned = own;
	return 0;
}

int hp_hooks_run(const char *devtype, const char *hook, const char *argv0,
		 const struct hp_params *params, const struct hp_hook_var *vars, size_t nvars,
		 int *status)
{
	char *hooks[HP_MAX_HOOKS], *dir = NULL, *argv[6 + HP_MAX_HOOKS + HP_MAX_ARGS];
	char script[sizeof(hook_env) + sizeof(hook_main) + 1], nbuf[16];
	char **envp = NULL, **owned = NULL;
	struct hp_process sp = { .path = "/bin/bash", .argv = argv, .own_group = 1 };
	int n = 0, rc, i, a = 0;
	size_t k;

	*status = 0;
	if (asprintf(&dir, "%s/%s-%s.d", hp_script_dir(), devtype, hook) < 0)
		return -ENOMEM;
	rc = find_hooks(dir, hooks, &n);
	if (rc || n == 0)
		goto out;
	hp_dbg("running %d hook(s) from '%s'", n, dir);
	if ((rc = environment(params, vars, nvars, &envp, &owned)))
		goto out;
	snprintf(script, sizeof(script), "%s\n%s", hook_env, hook_main);
	snprintf(nbuf, sizeof(nbuf), "%d", n);
	argv[a++] = hp_unconst("bash");
	argv[a++] = hp_unconst("-c");
	argv[a++] = script;
	argv[a++] = hp_unconst(argv0);
	argv[a++] = nbuf;
	for (i = 0; i < n; i++)
		argv[a++] = hooks[i];
	/* the positional parameters the hooks see: the tool's own arguments */
	if (params->command)
		argv[a++] = hp_unconst(params->command);
	for (k = 0; k < params->n; k++)
		argv[a++] = hp_unconst(params->key[k]);
	argv[a] = NULL;
	sp.envp = envp;
	rc = hp_process_run(&sp, status);
	if (!rc && *status)
		rc = -ECHILD;
out:
	for (i = 0; i < n; i++)
		free(hooks[i]);
	for (k = 0; owned && k < nvars; k++)
		free(owned[k]);
	free(owned);
	free(envp);
	free(dir);
	return rc;
}
