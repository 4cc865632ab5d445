/* libFuzzer target: network-bridge's state file reader (common/nb/nbstate.c,
 * its messages checked by hp_nm_snap_add in common/nl/netmove.c).  The input
 * is the file's text.  Checked: a rejected file names a line of the input
 * (or 0, an item missing); an accepted one is written back to a text that
 * reads again to the same state and writes to the same bytes, and each of
 * its messages can be described (what `stop` logs when one fails). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hp/log.h"
#include "hp/nbstate.h"

#define CHECK(x)                 \
	do {                     \
		if (!(x))        \
			abort(); \
	} while (0)

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* log lines to no file: the fuzzer's stderr stays readable */
	setenv("XEN_LOG_DIR", "/nonexistent", 1);
	hp_log_init("fuzz-nbstate");
	(void)argc;
	(void)argv;
	return 0;
}

/* st as text, malloc'd */
static char *text_of(const struct hp_nbstate *st, size_t *len)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len);

	CHECK(f);
	CHECK(hp_nbstate_write(f, st) == 0);
	CHECK(fclose(f) == 0);
	return text;
}

static int read_text(const char *text, size_t len, struct hp_nbstate *st, unsigned int *line)
{
	FILE *f = fmemopen((void *)(uintptr_t)text, len, "r");
	int rc;

	CHECK(f);
	rc = hp_nbstate_read(f, st, line);
	fclose(f);
	return rc;
}

static int same_msgs(const struct hp_nm_msg *a, const struct hp_nm_msg *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (a[i].len != b[i].len || memcmp(a[i].data, b[i].data, a[i].len))
			return 0;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hp_nbstate st, again;
	unsigned int line, lines = 1;
	char *text, *text2, desc[256];
	size_t i, len, len2;
	int rc;

	if (!size)
		return 0;
	for (i = 0; i < size; i++)
		lines += data[i] == '\n';
	rc = read_text((const char *)data, size, &st, &line);
	if (rc) {
		CHECK(rc == -EINVAL || rc == -ENOMEM);
		CHECK(line <= lines);
		hp_nbstate_free(&st);
		return 0;
	}
	for (i = 0; i < st.snap.naddrs; i++)
		hp_nm_describe(&st.snap.addrs[i], desc, sizeof(desc));
	for (i = 0; i < st.snap.nroutes; i++)
		hp_nm_describe(&st.snap.routes[i], desc, sizeof(desc));
	text = text_of(&st, &len);
	CHECK(read_text(text, len, &again, &line) == 0);
	CHECK(!strcmp(st.netdev, again.netdev) && !strcmp(st.port, again.port) &&
	      !strcmp(st.bridge, again.bridge) && !strcmp(st.tmp, again.tmp));
	CHECK(st.nic_ifindex == again.nic_ifindex && st.nic_up == again.nic_up &&
	      st.nic_mtu == again.nic_mtu && st.antispoof == again.antispoof &&
	      !memcmp(st.nic_mac, again.nic_mac, 6));
	CHECK(st.snap.naddrs == again.snap.naddrs && st.snap.nroutes == again.snap.nroutes);
	CHECK(same_msgs(st.snap.addrs, again.snap.addrs, st.snap.naddrs));
	CHECK(same_msgs(st.snap.routes, again.snap.routes, st.snap.nroutes));
	text2 = text_of(&again, &len2);
	CHECK(len == len2 && !memcmp(text, text2, len));
	free(text);
	free(text2);
	hp_nbstate_free(&st);
	hp_nbstate_free(&again);
	return 0;
}
