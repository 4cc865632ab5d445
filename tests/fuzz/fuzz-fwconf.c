/* libFuzzer target: the host configuration parser of the anti-spoofing
 * guard (common/fw.c: /etc/xen/xen-hotplug.conf, XEN_HOTPLUG_ANTISPOOF).
 * fw.c is included (its parser is static and caches its result once per
 * process); the Makefile leaves common/fw.c out of this target's link.
 * The input is the file, line by line; an input starting with '!' also
 * sets XEN_HOTPLUG_ANTISPOOF to its first line.  Checked: a rejected
 * configuration leaves a message; an accepted one a known backend. */
#include <stdint.h>

#include "../../common/fw.c"

#define CHECK(x)                                                                                   \
	do {                                                                                       \
		if (!(x))                                                                          \
			abort();                                                                   \
	} while (0)

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char path[] = "/tmp/hp-fuzz-fwconf.XXXXXX";
	int fd = mkstemp(path);

	if (fd >= 0)
		close(fd);
	setenv("XEN_HOTPLUG_CONF", path, 1);
	/* log lines to a file nobody reads: the fuzzer's stderr stays readable */
	setenv("XEN_LOG_DIR", "/nonexistent", 1);
	hp_log_init("fuzz-fwconf");
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = getenv("XEN_HOTPLUG_CONF");
	size_t off = 0;
	FILE *f;
	int rc;

	if (size && data[0] == '!') {
		const uint8_t *nl = memchr(data, '\n', size);
		size_t len = nl ? (size_t)(nl - data) : size; /* the line, with '!' */
		char *env = strndup((const char *)data + 1, len - 1);

		if (!env)
			return 0;
		setenv("XEN_HOTPLUG_ANTISPOOF", env, 1);
		free(env);
		off = nl ? len + 1 : size;
	} else {
		unsetenv("XEN_HOTPLUG_ANTISPOOF");
	}
	if (!(f = fopen(path, "we")))
		return 0;
	fwrite(data + off, 1, size - off, f);
	fclose(f);

	memset(&conf, 0, sizeof(conf));
	rc = hp_fw_init();
	CHECK(rc == hp_fw_init()); /* cached */
	if (rc) {
		CHECK(rc == -EINVAL && hp_fw_config_error() != NULL);
		CHECK(strlen(hp_fw_config_error()) < sizeof(conf.err));
	} else {
		CHECK(conf.backend == FW_NFT || conf.backend == FW_IPTABLES || conf.backend == FW_NONE);
		CHECK(conf.strict == 0 || conf.strict == 1);
		CHECK(hp_fw_config_error() == NULL);
	}
	return 0;
}
