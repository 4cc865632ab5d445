/* libFuzzer target: the calling convention (hp_params_parse, hp_param).
 * The input split on NUL bytes is argv (argv[0] first).  Checked: a
 * parameter the parser accepted is found by hp_param with the value of
 * its last assignment; the command is the first word without '='. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hp/params.h"

#define CHECK(x)                 \
	do {                     \
		if (!(x))        \
			abort(); \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hp_params p;
	char *buf, **argv, key[64];
	size_t i, j, argc = 0;

	if (!(buf = malloc(size + 1)))
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	for (i = 0; i <= size; i++)
		if (buf[i] == '\0')
			argc++;
	if (!(argv = calloc(argc + 1, sizeof(*argv)))) {
		free(buf);
		return 0;
	}
	for (i = 0, j = 0; j < argc; j++) {
		argv[j] = buf + i;
		i += strlen(buf + i) + 1;
	}
	if (hp_params_parse(&p, (int)argc, argv) == 0) {
		CHECK(p.n <= HP_MAX_ARGS);
		for (i = 0; i < p.n; i++) {
			const char *v;

			CHECK(p.keylen[i] > 0 && p.key[i][p.keylen[i]] == '=');
			CHECK(p.val[i] == p.key[i] + p.keylen[i] + 1);
			if (p.keylen[i] >= sizeof(key))
				continue;
			memcpy(key, p.key[i], p.keylen[i]);
			key[p.keylen[i]] = '\0';
			v = hp_param(&p, key);
			CHECK(v != NULL);
			/* the last assignment of this key wins */
			for (j = p.n; j-- > 0;)
				if (p.keylen[j] == p.keylen[i] &&
				    !memcmp(p.key[j], key, p.keylen[j]))
					break;
			CHECK(v == p.val[j]);
			CHECK(hp_param_str(&p, key) == v);
		}
		if (p.command && strcmp(p.command, "--help"))
			CHECK(!strchr(p.command, '='));
	}
	free(argv);
	free(buf);
	return 0;
}
