/* libFuzzer target: values passed to hooks (common/vif/hooks.c).  The input,
 * split at its first NUL, is the value of a tool hook variable (`bridge`,
 * as vif-bridge passes it) and of a key=value argument (`foo=...`).  A
 * hook writes both back; they must arrive byte for byte, and nothing in
 * them may run (the seeds try command substitution, quotes and function
 * definitions; none may create the canary file).  One bash per input:
 * slow, a few hundred runs a second. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hp/hooks.h"
#include "hp/log.h"
#include "hp/params.h"

#define CHECK(x)                 \
	do {                     \
		if (!(x))        \
			abort(); \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static char dir[] = "/tmp/hp-fuzz-hookenv.XXXXXX";
static char out[64], canary[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char path[128];
	FILE *f;

	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/vif-post.d", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/vif-post.d/00-echo.hook", dir);
	snprintf(out, sizeof(out), "%s/out", dir);
	snprintf(canary, sizeof(canary), "/tmp/hp-fuzz-canary");
	if (!(f = fopen(path, "w")))
		abort();
	fprintf(f, "printf '%%s\\0%%s' \"$bridge\" \"$foo\" >'%s'\n", out);
	fclose(f);
	chmod(path, 0755);
	setenv("XEN_SCRIPT_DIR", dir, 1);
	setenv("XEN_LOG_DIR", "/nonexistent", 1);
	hp_log_init("fuzz-hookenv");
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hp_params p;
	struct hp_hook_var var = { "bridge", NULL };
	char *in, *arg, *argv[4], *got = NULL;
	size_t alen, blen, n = 0;
	int status, rc;
	FILE *f;

	if (!(in = malloc(size + 1)))
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	alen = strlen(in);
	blen = alen < size ? strlen(in + alen + 1) : 0;
	if (asprintf(&arg, "foo=%s", alen < size ? in + alen + 1 : "") < 0) {
		free(in);
		return 0;
	}
	argv[0] = (char *)"vif-bridge";
	argv[1] = (char *)"online";
	argv[2] = arg;
	argv[3] = NULL;
	CHECK(hp_params_parse(&p, 3, argv) == 0);
	var.value = in;
	unlink(out);
	rc = hp_hooks_run("vif", "post", "/etc/xen/scripts/vif-bridge", &p, &var, 1, &status);
	CHECK(rc == 0 && status == 0);
	if ((f = fopen(out, "r"))) {
		got = malloc(alen + blen + 2);
		if (got)
			n = fread(got, 1, alen + blen + 2, f);
		fclose(f);
	}
	CHECK(got != NULL);
	CHECK(n == alen + 1 + blen);
	CHECK(!memcmp(got, in, alen) && got[alen] == '\0');
	CHECK(!memcmp(got + alen + 1, alen < size ? in + alen + 1 : "", blen));
	CHECK(access(canary, F_OK) != 0);
	free(got);
	free(arg);
	free(in);
	return 0;
}
