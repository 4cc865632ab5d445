/* Upstream's findCommand + evalVariables, without eval. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "params.h"
#include "parse.h"

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
