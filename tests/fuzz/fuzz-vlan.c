/* libFuzzer target: the `vlan` key parser and vif-openvswitch's `bridge`
 * syntax (common/base/vlan.c).  The first byte picks the parser, the rest is
 * the string.  Checked beyond "no crash": a parsed list is ascending,
 * each id once, in 1..4094, with exactly one PVID that is untagged (none
 * for an empty list from the `vlan` key); written back in the same syntax
 * it parses to the same list; a failure always says why.
 * `make fuzz` builds and runs it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hp/parse.h"
#include "hp/vlan.h"

#define CHECK(x)                 \
	do {                     \
		if (!(x))        \
			abort(); \
	} while (0)

static void well_formed(const struct hp_vlans *v, int need_pvid)
{
	size_t i, npvid = 0;

	CHECK((v->n == 0) == (v->v == NULL));
	CHECK(v->n <= HP_VLAN_MAX);
	for (i = 0; i < v->n; i++) {
		CHECK(v->v[i].id >= HP_VLAN_MIN && v->v[i].id <= HP_VLAN_MAX);
		CHECK(i == 0 || v->v[i - 1].id < v->v[i].id);
		CHECK(!(v->v[i].flags & ~(HP_VLAN_PVID | HP_VLAN_UNTAGGED)));
		if (v->v[i].flags & HP_VLAN_PVID) {
			npvid++;
			CHECK(v->v[i].id == v->pvid && (v->v[i].flags & HP_VLAN_UNTAGGED));
		}
	}
	CHECK(npvid == (v->pvid ? 1u : 0u));
	if (need_pvid)
		CHECK((v->n == 0) == (v->pvid == 0));
}

static int same(const struct hp_vlans *a, const struct hp_vlans *b)
{
	return a->n == b->n && a->pvid == b->pvid &&
	       (!a->n || !memcmp(a->v, b->v, a->n * sizeof(*a->v)));
}

/* Every entry as its own term: "5p/7u/9". */
static void vlan_roundtrip(const struct hp_vlans *v)
{
	struct hp_vlans w;
	size_t i, o = 0, size = v->n * 8 + 1;
	char *s = malloc(size), err[128];

	CHECK(s != NULL);
	s[0] = '\0';
	for (i = 0; i < v->n; i++)
		o += (size_t)snprintf(s + o, size - o, "%s%u%s", i ? "/" : "", v->v[i].id,
				      v->v[i].flags & HP_VLAN_PVID     ? "p" :
				      v->v[i].flags & HP_VLAN_UNTAGGED ? "u" :
									 "");
	CHECK(hp_vlan_parse(s, &w, err, sizeof(err)) == 0);
	CHECK(same(v, &w));
	hp_vlans_free(&w);
	free(s);
}

/* NAME[.PVID][:TRUNK...] */
static void bridge_roundtrip(const char *name, const struct hp_vlans *v)
{
	struct hp_vlans w;
	size_t i, o, size = v->n * 6 + 32;
	char *s = malloc(size), err[128], name2[HP_IFNAMSIZ];

	CHECK(s != NULL);
	o = (size_t)snprintf(s, size, "%s", name);
	if (v->pvid)
		o += (size_t)snprintf(s + o, size - o, ".%u", v->pvid);
	for (i = 0; i < v->n; i++)
		if (v->v[i].id != v->pvid)
			o += (size_t)snprintf(s + o, size - o, ":%u", v->v[i].id);
	CHECK(hp_vlan_parse_ovs_bridge(s, name2, sizeof(name2), &w, err, sizeof(err)) == 0);
	CHECK(!strcmp(name, name2) && same(v, &w));
	hp_vlans_free(&w);
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hp_vlans v = { 0 };
	char name[HP_IFNAMSIZ], err[128];
	char *s;
	size_t i;

	if (size < 1)
		return 0;
	if (!(s = malloc(size)))
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	err[0] = '\0';
	if (data[0] & 1) {
		if (hp_vlan_parse(s, &v, err, sizeof(err)) == 0) {
			well_formed(&v, 1);
			vlan_roundtrip(&v);
			hp_vlans_free(&v);
		} else {
			CHECK(err[0] != '\0' && v.v == NULL);
		}
	} else {
		if (hp_vlan_parse_ovs_bridge(s, name, sizeof(name), &v, err, sizeof(err)) == 0) {
			CHECK(hp_parse_ifname(name) == 0 && !strchr(name, '.'));
			well_formed(&v, 0);
			for (i = 0; i < v.n; i++)
				CHECK(v.v[i].id == v.pvid || !(v.v[i].flags & HP_VLAN_UNTAGGED));
			bridge_roundtrip(name, &v);
			hp_vlans_free(&v);
		} else {
			CHECK(err[0] != '\0' && v.v == NULL);
		}
	}
	free(s);
	return 0;
}
