/* Upstream's findCommand + evalVariables, without eval. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hp/params.h"
#include "hp/parse.h"

/* bash(1) and ld.so(8): read at start-up or on every command, they run
 * code or change the meaning of the hooks' commands. */
static int refused(const char *key, size_t len)
{
	static const char *const names[] = {
		"BASH_ENV",	 "ENV",
		"SHELLOPTS",	 "BASHOPTS",
		"PS4",		 "PROMPT_COMMAND",
		"IFS",		 "CDPATH",
		"GLOBIGNORE",	 "POSIXLY_CORRECT",
		"EXECIGNORE",	 "FUNCNEST",
		"BASH_XTRACEFD", "BASH_COMPAT",
		"INPUTRC",	 "TMOUT",
		"HOSTALIASES",	 "GCONV_PATH",
		"MALLOC_CHECK_", "LOCPATH",
		"NLSPATH",
	};
	size_t i;

	if ((len >= 3 && !memcmp(key, "LD_", 3)) || (len >= 5 && !memcmp(key, "BASH_", 5)) ||
	    (len >= 6 && !memcmp(key, "GLIBC_", 6)))
		return 1;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == len && !memcmp(key, names[i], len))
			return 1;
	return 0;
}

int hp_params_parse(struct hp_params *p, int argc, char **argv)
{
	int i;

	memset(p, 0, sizeof(*p));
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *eq = strchr(a, '=');

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			p->command = "--help";
			return 0;
		}
		if (!eq) {
			/* findCommand: the first word without '=' */
			if (!p->command)
				p->command = a;
			continue;
		}
		if (hp_parse_param_name(a, (size_t)(eq - a)) || p->n >= HP_MAX_ARGS)
			return -EINVAL;
		if (refused(a, (size_t)(eq - a))) {
			p->refused = a;
			return -EPERM;
		}
		p->key[p->n] = a;
		p->keylen[p->n] = (size_t)(eq - a);
		p->val[p->n] = eq + 1;
		p->n++;
	}
	return 0;
}

const char *hp_param(const struct hp_params *p, const char *key)
{
	size_t i = p->n, len = strlen(key);

	/* the last assignment wins, as with eval in order */
	while (i-- > 0)
		if (p->keylen[i] == len && !memcmp(p->key[i], key, len))
			return p->val[i];
	return getenv(key);
}

const char *hp_param_str(const struct hp_params *p, const char *key)
{
	const char *v = hp_param(p, key);

	return v ? v : "";
}
