/* The upstream calling convention: a command word and key=value
 * arguments, the libxl environment, then xenstore (read by the tool),
 * each overriding the one before. */
#ifndef HP_PARAMS_H
#define HP_PARAMS_H

#include <stddef.h>

#define HP_MAX_ARGS 32

struct hp_params {
	const char *command; /* the first argument without '=' (findCommand) */
	size_t n;
	const char *key[HP_MAX_ARGS]; /* point into argv */
	size_t keylen[HP_MAX_ARGS];
	const char *val[HP_MAX_ARGS];
	const char *refused; /* the argument behind -EPERM */
};

/* 0, or -EINVAL for a malformed key=value or too many of them.  argv is
 * borrowed and must outlive p.  "--help"/"-h" gives command "--help".
 * Parameters become variables of the hook shell (hooks.h), as upstream's
 * evalVariables exported them; a name that would change how that shell,
 * or the loader of the programs it runs, behaves (BASH_ENV, ENV,
 * SHELLOPTS, BASHOPTS, PS4, IFS, LD_*...) is refused: -EPERM, with
 * p->refused the argument. */
int hp_params_parse(struct hp_params *p, int argc, char **argv);
/* The value of a parameter: the last key=value argument, else the
 * environment variable of that name, else NULL. */
const char *hp_param(const struct hp_params *p, const char *key);
/* The same, with "" for NULL. */
const char *hp_param_str(const struct hp_params *p, const char *key);

#endif
