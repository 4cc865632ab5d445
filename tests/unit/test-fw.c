/* Unit tests for the guard's pure parts: common/fw/fw-rules.c (a vif's
 * rules, its trunk's VLANs as ranges), common/fw/fw-elems.c (the items of
 * a vif, the comment codec, the rules of an old layout's vif),
 * common/fw/fw-counters.c (the reasons and the counters' names) and
 * hp_fw_filters() (common/fw/fw.c), each configuration in a child. */
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
static const struct fw_conf conf0 = { .log_group = -1 };

/* elements of set (FW_ELEM items only) */
static size_t count(const struct fw_elems *l, const char *set)
{
	size_t i, n = 0;

	for (i = 0; i < l->n; i++)
		n += l->v[i].kind == FW_ELEM && !strcmp(l->v[i].set, set) &&
		     l->v[i].table == FW_T_NETDEV;
	return n;
}

static size_t count_kind(const struct fw_elems *l, enum fw_kind k, enum fw_table t)
{
	size_t i, n = 0;

	for (i = 0; i < l->n; i++)
		n += l->v[i].kind == k && l->v[i].table == t;
	return n;
}

static const struct fw_elem *find(const struct fw_elems *l, const char *set, size_t nth)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->v[i].kind == FW_ELEM && !strcmp(l->v[i].set, set) && !nth--)
			return &l->v[i];
	return NULL;
}

/* The items of a guard for `ip` (and a `vlan` key), in a family, with or
 * without a MAC, under conf c. */
static int build_with(const char *ip, const char *vlan, enum hp_fw_family family, int has_mac,
		      const struct fw_conf *c, struct fw_elems *l, char *comment)
{
	struct hp_prefix *ips = NULL;
	struct hp_vlans v = { 0 };
	struct hp_guard g = { .ifname = "vif1.0", .family = family, .has_mac = has_mac };
	struct fw_rules r;
	char err[128];
	size_t n = 0;
	int rc;

	memcpy(g.mac, mac1, 6);
	if (hp_parse_ip_list(ip, &ips, &n) || (vlan && hp_vlan_parse(vlan, &v, err, sizeof(err))))
		return -100;
	g.addrs = ips;
	g.naddrs = n;
	g.vlans = vlan ? &v : NULL;
	memset(l, 0, sizeof(*l));
	if (!(rc = fw_rules_build(&g, c, &r))) {
		fw_rules_comment(&r, comment, FW_COMMENT_MAX);
		rc = fw_elems_build(&r, comment, l);
		fw_rules_free(&r);
	}
	free(ips);
	hp_vlans_free(&v);
	return rc;
}

static int build(const char *ip, enum hp_fw_family family, int has_mac, struct fw_elems *l,
		 char *comment)
{
	return build_with(ip, NULL, family, has_mac, &conf0, l, comment);
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
	size_t i;

	/* bridge: the MAC twice, the address twice, the link-local twice;
	 * ten counters and their map elements; its name in table bridge */
	CHECK(build("10.0.0.1 fd00::1", HP_FW_BRIDGE, 1, &l, comment) == 0);
	CHECK(l.n == 8 + 2 * HP_FW_NREASONS + 1);
	CHECK(!strcmp(comment, "mac=00:16:3e:01:00:01 10.0.0.1/32 fd00::1/128 br"));
	CHECK(count(&l, "macs") == 1 && count(&l, "nd_macs") == 1 && count(&l, "addrs4") == 1);
	CHECK(count(&l, "addrs6") == 2 && count(&l, "nd_addrs6") == 2);
	CHECK(count_kind(&l, FW_COUNTER, FW_T_NETDEV) == HP_FW_NREASONS);
	CHECK(count_kind(&l, FW_ELEM, FW_T_BRIDGE) == 1);
	CHECK(!strcmp(l.v[l.n - 1].set, "guarded") && l.v[l.n - 1].comment == comment &&
	      l.v[l.n - 1].table == FW_T_NETDEV);
	/* counters first (the map elements name them), named vif/reason */
	CHECK(l.v[0].kind == FW_COUNTER && !strcmp(l.v[0].data, "vif1.0/mac"));
	CHECK((e = find(&l, "c_dhcp", 0)) && e->data_kind == FW_DATA_OBJREF &&
	      !strcmp(e->data, "vif1.0/dhcp"));
	for (i = 0; i < l.n; i++)
		if (l.v[i].kind == FW_ELEM && !strncmp(l.v[i].set, "c_", 2))
			CHECK(i >= HP_FW_NREASONS);
	CHECK((e = find(&l, "nd_macs", 0)) && e->len == FW_IFLEN + 8 &&
	      !memcmp(e->key + FW_IFLEN, mac1, 6) && !memcmp(e->key, "vif1.0\0", 7));
	CHECK((e = find(&l, "addrs6", 1)) && e->key[FW_IFLEN] == 0xfe &&
	      e->key[FW_IFLEN + 1] == 0x80);
	/* netdev (Open vSwitch ports): the same but the bridge table's */
	CHECK(build("10.0.0.1 fd00::1", HP_FW_NETDEV, 1, &l, comment) == 0);
	CHECK(l.n == 8 + 2 * HP_FW_NREASONS && count_kind(&l, FW_ELEM, FW_T_BRIDGE) == 0);
	CHECK(!strcmp(comment, "mac=00:16:3e:01:00:01 10.0.0.1/32 fd00::1/128"));
	/* inet: a point-to-point link, any link-local allowed, none added */
	CHECK(build("10.0.0.1 fd00::1", HP_FW_INET, 1, &l, comment) == 0);
	CHECK(count(&l, "addrs6") == 1 && count(&l, "p2p") == 1);
	CHECK(!strcmp(comment, "mac=00:16:3e:01:00:01 10.0.0.1/32 fd00::1/128 p2p"));
	/* no MAC: nomac, no link-local */
	CHECK(build("fd00::1", HP_FW_BRIDGE, 0, &l, comment) == 0);
	CHECK(count(&l, "nomac") == 1 && count(&l, "nd_macs") == 0 && count(&l, "addrs6") == 1);
	CHECK(!strcmp(comment, "mac=any fd00::1/128 br"));
	/* the link-local listed in ip is not added twice; a network is an
	 * interval in nets6 and nd_nets6 */
	CHECK(build("fe80::216:3eff:fe01:1 fd01::/64", HP_FW_BRIDGE, 1, &l, comment) == 0);
	CHECK(count(&l, "addrs6") == 1 && count(&l, "nd_addrs6") == 1);
	CHECK(count(&l, "nets6") == 1 && count(&l, "nd_nets6") == 1);
	CHECK((e = find(&l, "nd_nets6", 0)) && e->has_end && e->key_end[FW_IFLEN + 7] == 0 &&
	      e->key_end[FW_IFLEN + 8] == 0xff && e->key_end[FW_IFLEN + 15] == 0xff);
}

/* The host's settings and a trunk's VLANs become elements and words. */
static void test_conf_vlans(void)
{
	static struct fw_elems l;
	struct fw_conf c = { .lldp = 1, .nofrag = 1, .log_group = 7 };
	char comment[FW_COMMENT_MAX];
	const struct fw_elem *e;

	CHECK(build_with("10.0.0.1", "10p/20/30-39/100+10x2", HP_FW_BRIDGE, 1, &c, &l, comment) ==
	      0);
	CHECK(!strcmp(comment, "mac=00:16:3e:01:00:01 10.0.0.1/32 br lldp nofrag log=7 "
			       "vlan=20,30-39,100,110,120"));
	CHECK(count(&l, "lldp") == 1 && count(&l, "nofrag") == 1 && count(&l, "vlans") == 5);
	/* the PVID (10) is sent untagged: not a tagged VLAN */
	CHECK((e = find(&l, "vlans", 1)) && e->len == FW_IFLEN + 4 && e->has_end &&
	      e->key[FW_IFLEN] == 0 && e->key[FW_IFLEN + 1] == 30 &&
	      e->key_end[FW_IFLEN + 1] == 39 && e->key[FW_IFLEN + 2] == 0 &&
	      e->key_end[FW_IFLEN + 3] == 0);
	CHECK((e = find(&l, "logged", 0)) && e->data_kind == FW_DATA_JUMP &&
	      !strcmp(e->data, "log_7"));
	/* an access port: no tagged VLAN */
	CHECK(build_with("10.0.0.1", "10", HP_FW_BRIDGE, 1, &conf0, &l, comment) == 0);
	CHECK(count(&l, "vlans") == 0 && !strstr(comment, "vlan="));
	/* more ranges than a trunk's guard takes */
	CHECK(build_with("10.0.0.1",
			 "1p/3/5/7/9/11/13/15/17/19/21/23/25/27/29/31/33/35/37/39/41/43/45/47/49/"
			 "51/53/55/57/59/61/63/65/67",
			 HP_FW_BRIDGE, 1, &conf0, &l, comment) == -E2BIG);
	/* strict, no ip: guarded, nothing but the flags and counters */
	c = (struct fw_conf){ .strict = 1, .log_group = -1 };
	CHECK(build_with("", NULL, HP_FW_NETDEV, 1, &c, &l, comment) == 0);
	CHECK(count(&l, "guarded") == 1 && count(&l, "macs") == 1 &&
	      count_kind(&l, FW_COUNTER, FW_T_NETDEV) == HP_FW_NREASONS);
	/* not guarded: nothing */
	CHECK(build_with("", NULL, HP_FW_NETDEV, 1, &conf0, &l, comment) == 0 && l.n == 0);
}

static void test_comment(void)
{
	static struct fw_elems a, b;
	struct fw_conf c = { .lldp = 1, .nofrag = 1, .log_group = 65535 };
	char comment[FW_COMMENT_MAX];
	struct fw_rules r;
	size_t i;

	CHECK(build_with("10.0.0.1 10.1.0.0/16 fd00::1 fd01::/64", "1p/20-29/40", HP_FW_INET, 1, &c,
			 &a, comment) == 0);
	CHECK(fw_comment_rules("vif1.0", comment, &r) == 0);
	CHECK(r.family == HP_FW_INET && r.p2p && !r.br && r.lldp && r.nofrag &&
	      r.log_group == 65535);
	memset(&b, 0, sizeof(b));
	CHECK(fw_elems_build(&r, comment, &b) == 0);
	fw_rules_free(&r);
	CHECK(a.n == b.n);
	for (i = 0; i < a.n; i++)
		CHECK(fw_elems_has(&b, &a.v[i]));
	CHECK(fw_comment_rules("vif1.0", "mac=00:16:3e:01:00:01 fd00::1/128 +", &r) == -EINVAL);
	CHECK(fw_comment_rules("vif1.0", "mac=00:16:3e:01:00:01 vlan=0", &r) == -EINVAL);
	CHECK(fw_comment_rules("vif1.0", "mac=00:16:3e:01:00:01 log=65536", &r) == -EINVAL);
	CHECK(fw_comment_rules("vif1.0", "edited", &r) == -EINVAL);
	/* a v2 comment reads as an Open vSwitch port's */
	CHECK(fw_comment_rules("vif1.0", "mac=00:16:3e:01:00:01 10.0.0.1/32", &r) == 0);
	CHECK(r.family == HP_FW_NETDEV && r.n == 1 && r.log_group == -1);
	fw_rules_free(&r);
}

/* An old layout's vif whose comment cannot be read: its rules from what
 * the old sets hold (v2 added the MAC's link-local address itself). */
static void test_old(void)
{
	static struct fw_elems l, old;
	char comment[FW_COMMENT_MAX], back[FW_COMMENT_MAX];
	struct fw_rules r;
	size_t i;

	CHECK(build("10.0.0.1 10.1.0.0/16 fd00::1 fd01::/64", HP_FW_BRIDGE, 1, &l, comment) == 0);
	memset(&old, 0, sizeof(old));
	for (i = 0; i < l.n; i++)
		if (l.v[i].kind == FW_ELEM && l.v[i].table == FW_T_NETDEV &&
		    strncmp(l.v[i].set, "c_", 2))
			CHECK(fw_elems_add(&old, &l.v[i]) == 0);
	CHECK(fw_rules_from_old("vif1.0", HP_FW_BRIDGE, &old, &r) == 0);
	CHECK(r.has_mac && !memcmp(r.mac, mac1, 6) && r.n == 4 && r.br);
	fw_rules_comment(&r, back, sizeof(back));
	fw_rules_free(&r);
	CHECK(!strcmp(back, comment));
	/* without a guarded element it is not a guarded vif */
	old.n = 0;
	CHECK(fw_elems_add(&old, find(&l, "macs", 0)) == 0);
	CHECK(fw_rules_from_old("vif1.0", HP_FW_BRIDGE, &old, &r) == -EINVAL);
}

static void test_reasons(void)
{
	char name[32], ifname[HP_IFNAMSIZ];
	unsigned int reason, i;

	for (i = 0; i < HP_FW_NREASONS; i++) {
		CHECK(hp_fw_reason_name(i) && hp_fw_reason_parse(hp_fw_reason_name(i)) == (int)i);
		CHECK(hp_fw_counter_name("vif12.3-emu", i, name, sizeof(name)) == 0);
		CHECK(hp_fw_counter_parse(name, ifname, &reason) == 0 && reason == i &&
		      !strcmp(ifname, "vif12.3-emu"));
	}
	CHECK(!hp_fw_reason_name(HP_FW_NREASONS));
	CHECK(!strcmp(hp_fw_reason_name(HP_FW_R_GROUP), "group"));
	CHECK(hp_fw_reason_parse("bogus") == -EINVAL && hp_fw_reason_parse(NULL) == -EINVAL);
	CHECK(hp_fw_counter_name("vif1.0", HP_FW_R_DHCP, name, sizeof(name)) == 0 &&
	      !strcmp(name, "vif1.0/dhcp"));
	CHECK(hp_fw_counter_name("vif1.0", HP_FW_R_DHCP, name, 8) == -ENOSPC);
	CHECK(hp_fw_counter_name("a/b", 0, name, sizeof(name)) == -EINVAL);
	CHECK(hp_fw_counter_name("vif1.0", HP_FW_NREASONS, name, sizeof(name)) == -EINVAL);
	CHECK(hp_fw_counter_parse("vif1.0/bogus", ifname, &reason) == -EINVAL);
	CHECK(hp_fw_counter_parse("vif1.0", ifname, &reason) == -EINVAL);
	CHECK(hp_fw_counter_parse("/mac", ifname, &reason) == -EINVAL);
	CHECK(hp_fw_counter_parse("0123456789abcdef/mac", ifname, &reason) == -EINVAL);
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
	CHECK(filters_with("guard_lldp=yes\nguard_fragments=drop\nguard_log_group=4\n", NULL) == 1);
	CHECK(filters_with("guard_fragments=maybe\n", NULL) == -EINVAL);
	CHECK(filters_with("guard_log_group=65536\n", NULL) == -EINVAL);
	CHECK(filters_with("guard_log_group=none\n", NULL) == 1);
	CHECK(filters_with("guard_lldp=sometimes\n", NULL) == -EINVAL);
}

int main(void)
{
	test_linklocal();
	test_build();
	test_conf_vlans();
	test_comment();
	test_old();
	test_reasons();
	test_filters();
	printf("test-fw: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
