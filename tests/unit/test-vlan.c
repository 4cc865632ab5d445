/* Unit tests for common/base/vlan.c: the `vlan` key of xl-network-configuration(5)
 * and vif-openvswitch's `bridge` syntax. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hp/vlan.h"
#include "check.h"

/* The list as text, "10pu 20 30u", for compact expectations. */
static const char *show(const struct hp_vlans *v)
{
	static char buf[65536];
	size_t i, o = 0;

	buf[0] = '\0';
	for (i = 0; i < v->n && o < sizeof(buf) - 16; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%u%s%s", i ? " " : "",
				      v->v[i].id, v->v[i].flags & HP_VLAN_PVID ? "p" : "",
				      v->v[i].flags & HP_VLAN_UNTAGGED ? "u" : "");
	return buf;
}

static int ok(const char *s, const char *want, unsigned int pvid)
{
	struct hp_vlans v = { 0 };
	char err[128] = "";
	int rc, good;

	rc = hp_vlan_parse(s, &v, err, sizeof(err));
	good = rc == 0 && !strcmp(show(&v), want) && v.pvid == pvid;
	if (!good)
		fprintf(stderr, "  '%s': rc %d, got '%s' pvid %u (%s), want '%s' pvid %u\n", s, rc,
			rc ? "" : show(&v), v.pvid, err, want, pvid);
	hp_vlans_free(&v);
	return good;
}

/* Fails with -EINVAL, leaves *out alone, and the reason contains `why`. */
static int bad(const char *s, const char *why)
{
	struct hp_vlans v = { .n = 77 };
	char err[128] = "";
	int rc, good;

	rc = hp_vlan_parse(s, &v, err, sizeof(err));
	good = rc == -EINVAL && v.n == 77 && v.v == NULL && strstr(err, why);
	if (!good)
		fprintf(stderr, "  '%s': rc %d, reason '%s', want -EINVAL and '%s'\n", s, rc, err,
			why);
	if (rc == 0)
		hp_vlans_free(&v);
	return good;
}

static void test_man_page(void)
{
	/* xl-network-configuration(5)'s examples */
	CHECK(ok("10", "10pu", 10));
	CHECK(ok("10p/20", "10pu 20", 10));
	/* "10, 100, 110, 120, 130, 140, 150" in the man page, but its own
	 * definition ("count additional entries") gives 100..140 */
	CHECK(ok("10p/100+10x4", "10pu 100 110 120 130 140", 10));
	/* the form */
	CHECK(ok("10p/20/30", "10pu 20 30", 10));
}

static void test_terms(void)
{
	CHECK(ok("", "", 0)); /* no VLAN configuration */
	CHECK(ok("7p", "7pu", 7));
	CHECK(ok("7u", "7pu", 7)); /* a lone VLAN is the PVID; p implies u */
	CHECK(ok("7pu", "7pu", 7)); /* redundant, accepted */
	CHECK(ok("5p/1-3", "1 2 3 5pu", 5));
	CHECK(ok("5p/1-3u", "1u 2u 3u 5pu", 5));
	CHECK(ok("2-2/1p", "1pu 2", 1));
	CHECK(ok("30/20/10p", "10pu 20 30", 10)); /* sorted */
	CHECK(ok("1p/2+1x0", "1pu 2", 1)); /* no additional entry */
	CHECK(ok("1p/2+3x2u", "1pu 2u 5u 8u", 1));
	CHECK(ok("1p/20u/30", "1pu 20u 30", 1));
	CHECK(ok("0010p", "10pu", 10)); /* leading zeros, 4 digits at most */
}

static void test_limits(void)
{
	struct hp_vlans v = { 0 };
	char err[128];

	CHECK(ok("1", "1pu", 1));
	CHECK(ok("4094", "4094pu", 4094));
	CHECK(ok("4094p/1", "1 4094pu", 4094));
	CHECK(bad("0", "out of range"));
	CHECK(bad("4095", "out of range"));
	CHECK(bad("1p/4090-4095", "out of range"));
	CHECK(bad("1p/0-3", "out of range"));
	CHECK(bad("1p/4000+100x1", "past VLAN 4094"));
	CHECK(ok("1p/3994+100x1", "1pu 3994 4094", 1));
	/* every VLAN at once */
	CHECK(hp_vlan_parse("1p/2-4094", &v, err, sizeof(err)) == 0);
	CHECK(v.n == 4094 && v.pvid == 1 && v.v[0].id == 1 && v.v[4093].id == 4094);
	CHECK(v.v[4093].flags == 0 && v.v[0].flags == (HP_VLAN_PVID | HP_VLAN_UNTAGGED));
	hp_vlans_free(&v);
	CHECK(v.n == 0 && v.v == NULL && v.pvid == 0);
	CHECK(hp_vlan_parse("1p/2+1x4092", &v, err, sizeof(err)) == 0 && v.n == 4094);
	hp_vlans_free(&v);
}

static void test_pvid(void)
{
	CHECK(bad("10p/20p", "two PVIDs"));
	CHECK(bad("10/20", "no PVID"));
	CHECK(bad("10-20", "no PVID")); /* a range cannot be the PVID */
	CHECK(bad("10+1x2", "no PVID"));
	CHECK(bad("10u/20u", "no PVID"));
	CHECK(bad("10-20p", "not N[p][u]"));
	CHECK(bad("1+2x3p", "not N[p][u]"));
}

static void test_overlaps(void)
{
	CHECK(bad("10p/10", "VLAN 10 is given twice"));
	CHECK(bad("10p/5-15", "VLAN 10 is given twice"));
	CHECK(bad("1p/5-15/15-20", "VLAN 15 is given twice"));
	CHECK(bad("1p/10+5x2/20", "VLAN 20 is given twice"));
	CHECK(bad("1p/2+2x3/4+2x3", "VLAN 4 is given twice"));
	CHECK(ok("1p/2+2x3/3+2x3", "1pu 2 3 4 5 6 7 8 9", 1)); /* interleaved */
	CHECK(bad("1p/2+0x3", "step 0"));
}

static void test_junk(void)
{
	CHECK(bad("10p/", "empty term"));
	CHECK(bad("/10p", "empty term"));
	CHECK(bad("10p//20", "empty term"));
	CHECK(bad("/", "empty term"));
	CHECK(bad("p", "not N[p][u]"));
	CHECK(bad("u", "not N[p][u]"));
	CHECK(bad("10x", "not N[p][u]"));
	CHECK(bad("10P", "not N[p][u]"));
	CHECK(bad("10up", "not N[p][u]"));
	CHECK(bad("10uu", "not N[p][u]"));
	CHECK(bad("10pp", "not N[p][u]"));
	CHECK(bad(" 10", "not N[p][u]"));
	CHECK(bad("10 ", "not N[p][u]"));
	CHECK(bad("10p,20", "not N[p][u]"));
	CHECK(bad("-10", "not N[p][u]"));
	CHECK(bad("+10", "not N[p][u]"));
	CHECK(bad("10-", "not N[p][u]"));
	CHECK(bad("10-x", "not N[p][u]"));
	CHECK(bad("1p/20-10", "runs backwards"));
	CHECK(bad("1p/10+", "not N[p][u]"));
	CHECK(bad("1p/10+5", "not N[p][u]"));
	CHECK(bad("1p/10+5x", "not N[p][u]"));
	CHECK(bad("1p/10+x5", "not N[p][u]"));
	CHECK(bad("1p/10+0x5", "step 0"));
	CHECK(bad("1p/10+5*2", "not N[p][u]"));
	CHECK(bad("1p/10-20-30", "not N[p][u]"));
	CHECK(bad("1p/0x10", "not N[p][u]"));
	CHECK(bad("10p\n", "not N[p][u]"));
	CHECK(bad("1\xc3\xa9", "not N[p][u]"));
	CHECK(hp_vlan_parse(NULL, &(struct hp_vlans){ 0 }, NULL, 0) == -EINVAL);
}

static void test_huge(void)
{
	CHECK(bad("1p/2+1x99999999999999999999", "too large"));
	CHECK(bad("1p/2+4294967297x1", "too large"));
	CHECK(bad("18446744073709551617", "too large"));
	CHECK(bad("1p/1+9999x9999", "past VLAN 4094"));
	CHECK(bad("1p/2+1x4093", "past VLAN 4094"));
	CHECK(bad("99999p", "too large"));
	CHECK(bad("1p/1-99999", "too large"));
}

static int ovs(const char *s, const char *want_name, const char *want, unsigned int pvid)
{
	struct hp_vlans v = { 0 };
	char name[16] = "", err[128] = "";
	int rc, good;

	rc = hp_vlan_parse_ovs_bridge(s, name, sizeof(name), &v, err, sizeof(err));
	good = rc == 0 && !strcmp(name, want_name) && !strcmp(show(&v), want) && v.pvid == pvid;
	if (!good)
		fprintf(stderr, "  bridge '%s': rc %d (%s), got '%s' '%s' pvid %u\n", s, rc, err,
			name, rc ? "" : show(&v), v.pvid);
	hp_vlans_free(&v);
	return good;
}

static int ovs_bad(const char *s, const char *why)
{
	struct hp_vlans v = { 0 };
	char name[16], err[128] = "";
	int rc, good;

	rc = hp_vlan_parse_ovs_bridge(s, name, sizeof(name), &v, err, sizeof(err));
	good = rc == -EINVAL && v.v == NULL && strstr(err, why);
	if (!good)
		fprintf(stderr, "  bridge '%s': rc %d, reason '%s', want '%s'\n", s, rc, err, why);
	if (!rc)
		hp_vlans_free(&v);
	return good;
}

static void test_ovs_bridge(void)
{
	CHECK(ovs("ovsbr0", "ovsbr0", "", 0));
	CHECK(ovs("ovsbr0.10", "ovsbr0", "10pu", 10));
	CHECK(ovs("ovsbr0:20:30", "ovsbr0", "20 30", 0));
	CHECK(ovs("ovsbr0.10:20:30", "ovsbr0", "10pu 20 30", 10));
	CHECK(ovs("br.10:10:20", "br", "10pu 20", 10)); /* the tag in the trunks */
	CHECK(ovs("br:20:20", "br", "20", 0)); /* ovs-vsctl's set */
	CHECK(ovs("br:4094:1", "br", "1 4094", 0));
	CHECK(ovs("abcdefghijklmno.5", "abcdefghijklmno", "5pu", 5));
	CHECK(ovs_bad("", "not NAME"));
	CHECK(ovs_bad(".10", "not NAME"));
	CHECK(ovs_bad(":10", "not NAME"));
	CHECK(ovs_bad("abcdefghijklmnop", "not NAME"));
	CHECK(ovs_bad("br 0", "not a valid interface name"));
	CHECK(ovs_bad("br/0", "not a valid interface name"));
	CHECK(ovs_bad("br.", "tag"));
	CHECK(ovs_bad("br.x", "tag"));
	CHECK(ovs_bad("br.0", "out of range"));
	CHECK(ovs_bad("br.4095", "out of range"));
	CHECK(ovs_bad("br.10.20", "tag"));
	CHECK(ovs_bad("br:", "trunk"));
	CHECK(ovs_bad("br:10:", "trunk"));
	CHECK(ovs_bad("br:10::20", "trunk"));
	CHECK(ovs_bad("br:0", "out of range"));
	CHECK(ovs_bad("br:10a", "trunk"));
	CHECK(ovs_bad("br:99999", "trunk"));
	CHECK(ovs_bad("br.10:20.5", "trunk"));
	CHECK(ovs_bad(NULL, "missing"));
}

int main(void)
{
	test_man_page();
	test_terms();
	test_limits();
	test_pvid();
	test_overlaps();
	test_junk();
	test_huge();
	test_ovs_bridge();
	printf("test-vlan: %d passed, %d failed\n", passed, failed);
	return failed != 0;
}
