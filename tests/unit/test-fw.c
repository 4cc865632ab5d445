/* Unit tests for the guard's pure parts: common/fw/fw-elems.c (the elements
 * of a vif, the comment codec, the upgrade from layout v1, nft syntax)
 * and hp_fw_filters() (common/fw/fw.c), each configuration in a child. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "fw-elems.h"
#include "hp/fw.h"
#include "hp/log.h"
#include "check.h"

static const unsigned char mac1[6] = { 0x00, 0x16, 0x3e, 0x01, 0x00, 0x01 };

static size_t count(const struct fw_elems *l, const char *set)
{
	size_t i, n = 0;

	for (i = 0; i < l->n; i++)
		n += !strcmp(l->v[i].set, set);
	return n;
}

static const struct fw_elem *find(const struct fw_elems *l, const char *set, size_t nth)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].set, set) && !nth--)
			return &l->v[i];
	return NULL;
}

/* The elements of a guard for `ip`, in a family, with or without a MAC. */
static int build(const char *ip, enum hp_fw_family family, int has_mac, struct fw_elems *l,
		 char *comment)
{
	struct hp_prefix *ips = NULL;
	struct hp_guard g = { .ifname = "vif1.0", .family = family, .has_mac = has_mac };
	struct fw_rules r;
	size_t n = 0;
	int rc;

	memcpy(g.mac, mac1, 6);
	if (hp_parse_ip_list(ip, &ips, &n))
		return -100;
	g.addrs = ips;
	g.naddrs = n;
	memset(l, 0, sizeof(*l));
	if (!(rc = fw_rules_build(&g, 0, &r))) {
		fw_rules_comment(&r, comment, FW_COMMENT_MAX);
		rc = fw_elems_build(&r, comment, l);
		fw_rules_free(&r);
	}
	free(ips);
	return rc;
}

static void test_linklocal(void)
{
	unsigned char a[16];
	char s[INET6_ADDRSTRLEN];

	fw_mac_linklocal(mac1, a);
	inet_ntop(AF_INET6, a, s, sizeof(s));
	CHECK(!strcmp(s, "fe80::216:3eff:fe01:1"));
}

static void test_build(void)
{
	static struct fw_elems l;
	char comment[FW_COMMENT_MAX];
	const struct fw_elem *e;

	/* bridge: the MAC twice, the address twice, the link-local twice */
	CHECK(build("10.0.0.1 fd00::1", HP_FW_BRIDGE, 1, &l, comment) == 0);
	CHECK(l.n == 8);
	CHECK(!strcmp(comment, "mac=00:16:3e:01:00:01 10.0.0.1/32 fd00::1/128"));
	CHECK(count(&l, "macs") == 1 && count(&l, "nd_macs") == 1 && count(&l, "addrs4") == 1);
	CHECK(count(&l, "addrs6") == 2 && count(&l, "nd_addrs6") == 2);
	CHECK(!strcmp(l.v[l.n - 1].set, "guarded") && l.v[l.n - 1].comment == comment);
	CHECK((e = find(&l, "nd_macs", 0)) && e->len == FW_IFLEN + 8 &&
	      !memcmp(e->key + FW_IFLEN, mac1, 6) && !memcmp(e->key, "vif1.0\0", 7));
	CHECK((e = find(&l, "addrs6", 1)) && e->key[FW_IFLEN] == 0xfe &&
	      e->key[FW_IFLEN + 1] == 0x80);
	/* netdev (Open vSwitch ports): the bridge family's sets, the same
	 * elements, the link-local one included */
	{
		static struct fw_elems nb;
		size_t i;

		CHECK(build("10.0.0.1 fd00::1", HP_FW_NETDEV, 1, &nb, comment) == 0);
		CHECK(nb.n == l.n);
		for (i = 0; i < nb.n; i++)
			CHECK(fw_elem_eq(&nb.v[i], &l.v[i]));
	}
	/* inet: any link-local is allowed by the ruleset, none is added */
	CHECK(build("10.0.0.1 fd00::1", HP_FW_INET, 1, &l, comment) == 0);
	CHECK(l.n == 6 && count(&l, "addrs6") == 1);
	/* no MAC: nomac, no link-local */
	CHECK(build("fd00::1", HP_FW_BRIDGE, 0, &l, comment) == 0);
	CHECK(l.n == 4 && count(&l, "nomac") == 1 && count(&l, "nd_macs") == 0);
	CHECK(!strcmp(comment, "mac=any fd00::1/128"));
	/* the link-local listed in ip is not added twice; a network is an
	 * interval in nets6 and nd_nets6 */
	CHECK(build("fe80::216:3eff:fe01:1 fd01::/64", HP_FW_BRIDGE, 1, &l, comment) == 0);
	CHECK(count(&l, "addrs6") == 1 && count(&l, "nd_addrs6") == 1);
	CHECK(count(&l, "nets6") == 1 && count(&l, "nd_nets6") == 1);
	CHECK((e = find(&l, "nd_nets6", 0)) && e->has_end && e->key_end[FW_IFLEN + 7] == 0 &&
	      e->key_end[FW_IFLEN + 8] == 0xff && e->key_end[FW_IFLEN + 15] == 0xff);
}

static void test_comment(void)
{
	static struct fw_elems a, b;
	char comment[FW_COMMENT_MAX];
	struct fw_rules r;
	size_t i;

	CHECK(build("10.0.0.1 10.1.0.0/16 fd00::1 fd01::/64", HP_FW_BRIDGE, 1, &a, comment) == 0);
	CHECK(fw_comment_rules("vif1.0", HP_FW_BRIDGE, comment, &r) == 0);
	memset(&b, 0, sizeof(b));
	CHECK(fw_elems_build(&r, comment, &b) == 0);
	fw_rules_free(&r);
	CHECK(a.n == b.n);
	for (i = 0; i < a.n; i++)
		CHECK(fw_elems_has(&b, &a.v[i]));
	CHECK(fw_comment_rules("vif1.0", HP_FW_BRIDGE, "mac=00:16:3e:01:00:01 fd00::1/128 +", &r) ==
	      -EINVAL);
	CHECK(fw_comment_rules("vif1.0", HP_FW_BRIDGE, "edited", &r) == -EINVAL);
}

/* Every v1 element's upgrade gives what a v2 build has and v1 had not. */
static void test_upgrade(void)
{
	static struct fw_elems v2, extra;
	static const char *const v1_sets[] = { "guarded", "nomac",  "macs", "addrs4",
					       "nets4",	  "addrs6", "nets6" };
	char comment[FW_COMMENT_MAX];
	size_t i, j, v1n = 0;

	CHECK(build("10.0.0.1 fd00::1 fd01::/64", HP_FW_BRIDGE, 1, &v2, comment) == 0);
	memset(&extra, 0, sizeof(extra));
	/* what v1 made: the same, but the link-local address and nd_* */
	for (i = 0; i < v2.n; i++) {
		const struct fw_elem *e = &v2.v[i];

		if (!strcmp(e->set, "addrs6") && e->key[FW_IFLEN] == 0xfe)
			continue;
		for (j = 0; j < sizeof(v1_sets) / sizeof(v1_sets[0]); j++)
			if (!strcmp(e->set, v1_sets[j])) {
				CHECK(fw_elems_v1_upgrade(HP_FW_BRIDGE, e, &extra) == 0);
				v1n++;
			}
	}
	CHECK(v1n == 5); /* guarded macs addrs4 addrs6 nets6 */
	CHECK(v1n + extra.n == v2.n);
	for (i = 0; i < extra.n; i++)
		CHECK(fw_elems_has(&v2, &extra.v[i]));
}

static void test_format(void)
{
	static struct fw_elems l;
	char comment[FW_COMMENT_MAX], buf[160];
	struct fw_elem e;

	CHECK(build("10.0.0.1 fd00::1 fd01::/64", HP_FW_BRIDGE, 1, &l, comment) == 0);
	CHECK(fw_elem_format(find(&l, "nd_macs", 0), buf, sizeof(buf)) == 0);
	CHECK(!strcmp(buf, "\"vif1.0\" . 0x00163e010001"));
	CHECK(fw_elem_format(find(&l, "macs", 0), buf, sizeof(buf)) == 0);
	CHECK(!strcmp(buf, "\"vif1.0\" . 00:16:3e:01:00:01"));
	CHECK(fw_elem_format(find(&l, "addrs4", 0), buf, sizeof(buf)) == 0);
	CHECK(!strcmp(buf, "\"vif1.0\" . 10.0.0.1"));
	CHECK(fw_elem_format(find(&l, "addrs6", 1), buf, sizeof(buf)) == 0);
	CHECK(!strcmp(buf, "\"vif1.0\" . fe80::216:3eff:fe01:1"));
	CHECK(fw_elem_format(find(&l, "nd_nets6", 0), buf, sizeof(buf)) == 0);
	CHECK(!strcmp(buf, "\"vif1.0\" . 0xfd010000000000000000000000000000-"
			   "0xfd01000000000000ffffffffffffffff"));
	CHECK(fw_elem_format(find(&l, "guarded", 0), buf, sizeof(buf)) == 0);
	CHECK(!strcmp(buf, "\"vif1.0\""));
	CHECK(fw_elem_format(find(&l, "guarded", 0), buf, 5) == -ENOSPC);
	e = *find(&l, "guarded", 0);
	e.key[2] = '"';
	CHECK(fw_elem_format(&e, buf, sizeof(buf)) == -EINVAL);
}

/* hp_fw_filters() under a configuration, in a child (it is read once). */
static int filters_with(const char *file_text, const char *env)
{
	char path[] = "/tmp/test-fw.XXXXXX";
	int fd, status;
	pid_t pid;

	if ((fd = mkstemp(path)) < 0)
		return -100;
	if (write(fd, file_text, strlen(file_text)) < 0) {
		close(fd);
		return -100;
	}
	close(fd);
	pid = fork();
	if (pid == 0) {
		/* a bad value is logged: not in the test's output */
		if (!freopen("/dev/null", "w", stderr))
			_exit(0);
		setenv("XEN_HOTPLUG_CONF", path, 1);
		setenv("XEN_LOG_DIR", "/nonexistent", 1);
		if (env)
			setenv("XEN_HOTPLUG_ANTISPOOF", env, 1);
		else
			unsetenv("XEN_HOTPLUG_ANTISPOOF");
		hp_log_init("test-fw");
		_exit(hp_fw_filters() + 100);
	}
	waitpid(pid, &status, 0);
	unlink(path);
	return WIFEXITED(status) ? WEXITSTATUS(status) - 100 : -100;
}

static void test_filters(void)
{
	CHECK(filters_with("", NULL) == 1);
	CHECK(filters_with("antispoof=nft\n", NULL) == 1);
	CHECK(filters_with("antispoof=none\n", NULL) == 0);
	CHECK(filters_with("antispoof=iptables\n", NULL) == 0);
	CHECK(filters_with("antispoof=nft\n", "none") == 0);
	CHECK(filters_with("antispoof=none\n", "nft") == 1);
	CHECK(filters_with("antispoof=maybe\n", NULL) == -EINVAL);
}

int main(void)
{
	test_linklocal();
	test_build();
	test_comment();
	test_upgrade();
	test_format();
	test_filters();
	printf("test-fw: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
