/* Hooks: upstream-style shell fragments, sourced by one bash. */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hooks.h"
#include "log.h"

#ifndef HP_XEN_SCRIPT_DIR
#define HP_XEN_SCRIPT_DIR "/etc/xen/scripts"
#endif
#define HP_MAX_HOOKS 64

/* build/hook-env.h: hooks/hotplug-hook-env.sh as one string */
static const char hook_env[] =
#include "hook-env.h"
	;

/* Sources each hook named by the first $1 arguments, with the rest as
 * the positional parameters the hooks see (the tool's own arguments). */
static const char hook_main[] =
	"_hp_n=$1; shift\n"
	"_hp_hooks=(\"${@:1:_hp_n}\"); shift \"$_hp_n\"\n"
	"for _hp_f in \"${_hp_hooks[@]}\"; do . \"$_hp_f\"; done\n"
	"unset _hp_n _hp_hooks _hp_f\n";

const char *hp_script_dir(void)
{
	const char *d = getenv("XEN_SCRIPT_DIR");

	return d && *d ? d : HP_XEN_SCRIPT_DIR;
}

/* execv takes char *const[]; the strings are never written. */
static char *unconst(const char *s)
{
	return (char *)(uintptr_t)s;
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
				hp_warn("ignoring hook '%s': more than %d hooks", path, HP_MAX_HOOKS);
			free(path);
			continue;
		}
		out[(*n)++] = path;
	}
	closedir(d);
	qsort(out, (size_t)*n, sizeof(*out), cmp);
	return rc;
}

static void child(const char *argv0, char **hooks, int nhooks, const struct hp_params *params,
		  const struct hp_hook_var *vars, size_t nvars)
{
	char *argv[4 + HP_MAX_HOOKS + 2 * HP_MAX_ARGS + 2];
	char script[sizeof(hook_env) + sizeof(hook_main) + 1];
	char nbuf[16], key[64];
	size_t i;
	int a = 0, k;

	for (i = 0; i < params->n; i++) {
		if (params->keylen[i] >= sizeof(key))
			continue;
		memcpy(key, params->key[i], params->keylen[i]);
		key[params->keylen[i]] = '\0';
		setenv(key, params->val[i], 1);
	}
	for (i = 0; i < nvars; i++)
		if (vars[i].value)
			setenv(vars[i].name, vars[i].value, 1);
	snprintf(script, sizeof(script), "%s\n%s", hook_env, hook_main);
	snprintf(nbuf, sizeof(nbuf), "%d", nhooks);
	argv[a++] = (char *)"bash";
	argv[a++] = (char *)"-c";
	argv[a++] = script;
	argv[a++] = unconst(argv0);
	argv[a++] = nbuf;
	for (k = 0; k < nhooks; k++)
		argv[a++] = hooks[k];
	if (params->command)
		argv[a++] = unconst(params->command);
	for (i = 0; i < params->n; i++)
		argv[a++] = unconst(params->key[i]);
	argv[a] = NULL;
	execv("/bin/bash", argv);
	_exit(127);
}

int hp_hooks_run(const char *devtype, const char *hook, const char *argv0,
		 const struct hp_params *params, const struct hp_hook_var *vars, size_t nvars,
		 int *status)
{
	char *hooks[HP_MAX_HOOKS], *dir = NULL;
	int n = 0, rc, i, ws;
	pid_t pid;

	*status = 0;
	if (asprintf(&dir, "%s/%s-%s.d", hp_script_dir(), devtype, hook) < 0)
		return -ENOMEM;
	rc = find_hooks(dir, hooks, &n);
	if (rc || n == 0)
		goto out;
	hp_dbg("running %d hook(s) from '%s'", n, dir);
	pid = fork();
	if (pid < 0) {
		rc = -errno;
		goto out;
	}
	if (pid == 0)
		child(argv0, hooks, n, params, vars, nvars);
	while (waitpid(pid, &ws, 0) < 0) {
		if (errno != EINTR) {
			rc = -errno;
			goto out;
		}
	}
	if (WIFEXITED(ws))
		*status = WEXITSTATUS(ws);
	else
		*status = 128 + WTERMSIG(ws);
	if (*status)
		rc = -ECHILD;
out:
	for (i = 0; i < n; i++)
		free(hooks[i]);
	free(dir);
	return rc;
}
