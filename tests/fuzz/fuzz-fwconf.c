/* libFuzzer target: the host configuration parser of the anti-spoofing
 * guard (common/fw/fw.c: /etc/xen/xen-hotplug.conf, XEN_HOTPLUG_ANTISPOOF).
 * conf.c (the file reader, hp_conf_get) and fw.c (the guard's keys) are
 * included: both cache their state once per process, reset here for each
 * input; the Makefile leaves them out of this target's link.  The input
 * is the file's text, handed to conf.c as if read; an input starting with
 * '!' also sets XEN_HOTPLUG_ANTISPOOF to its first line.  Checked: a rejected
 * configuration leaves a message; an accepted one a known backend. */
#include <stdint.h>

#include "../../common/base/conf.c"
#include "../../common/fw/fw.c"

#define CHECK(x)                 \
	do {                     \
		if (!(x))        \
			abort(); \
	} while (0)

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	setenv("XEN_HOTPLUG_CONF", "/nonexistent/xen-hotplug.conf", 1);
	/* log lines to no file: the fuzzer's stderr stays readable */
	setenv("XEN_LOG_DIR", "/nonexistent", 1);
	hp_log_init("fuzz-fwconf");
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;
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
	if (size - off > CONF_MAX_SIZE)
		return 0;
	/* conf.c's state as if it had read the file */
	free(st.text);
	st.text = strndup((const char *)data + off, size - off);
	st.loaded = 1;
	st.rc = st.text ? 0 : -ENOMEM;
	memset(&conf, 0, sizeof(conf));
	rc = hp_fw_init();
	CHECK(rc == hp_fw_init()); /* cached */
	if (rc) {
		CHECK(rc == -EINVAL && hp_fw_config_error() != NULL);
		CHECK(strlen(hp_fw_config_error()) < sizeof(conf.err));
	} else {
		CHECK(conf.backend == FW_NFT || conf.backend == FW_IPTABLES ||
		      conf.backend == FW_NONE);
		CHECK(conf.guard.strict == 0 || conf.guard.strict == 1);
		CHECK(conf.guard.lldp == 0 || conf.guard.lldp == 1);
		CHECK(conf.guard.nofrag == 0 || conf.guard.nofrag == 1);
		CHECK(conf.guard.log_group >= -1 && conf.guard.log_group <= 65535);
		CHECK(hp_fw_config_error() == NULL);
	}
	return 0;
}
