/* What one vif may send, normalised (fw-rules.h): pure, no I/O. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fw-rules.h"

static void prefix_mask(struct hp_prefix *p)
{
	unsigned int max = p->family == AF_INET ? 32 : 128, i;

	for (i = p->len; i < max; i++)
		p->addr[i / 8] &= (unsigned char)~(0x80u >> (i % 8));
	if (p->family == AF_INET)
		memset(p->addr + 4, 0, 12);
}

static int addrs_build(const struct hp_guard *g, struct fw_rules *r)
{
	size_t i, j;

	if (!(r->addrs = calloc(g->naddrs, sizeof(*r->addrs))))
		return -ENOMEM;
	for (i = 0; i < g->naddrs; i++) {
		struct hp_prefix p = g->addrs[i];

		if ((p.family != AF_INET || p.len > 32) && (p.family != AF_INET6 || p.len > 128))
			return -EINVAL;
		prefix_mask(&p);
		for (j = 0; j < r->n && !hp_prefix_contains(&r->addrs[j], &p); j++)
			;
		if (j < r->n)
			continue;
		/* p is new: drop the entries it covers, then keep it. */
		for (j = 0; j < r->n;) {
			if (hp_prefix_contains(&p, &r->addrs[j]))
				r->addrs[j] = r->addrs[--r->n];
			else
				j++;
		}
		r->addrs[r->n++] = p;
	}
	return 0;
}

/* Every VLAN of the port but its PVID, which it sends untagged, as
 * ranges (hp_vlans lists ascending ids). */
static int vlans_build(const struct hp_vlans *v, struct fw_rules *r)
{
	size_t i;

	for (i = 0; v && i < v->n; i++) {
		unsigned short id = v->v[i].id;
		struct fw_vlan_range *last = r->nvlans ? &r->vlans[r->nvlans - 1] : NULL;

		if (id < HP_VLAN_MIN || id > HP_VLAN_MAX)
			return -EINVAL;
		if (id == v->pvid)
			continue;
		if (last && id == last->hi + 1) {
			last->hi = id;
			continue;
		}
		if (r->nvlans >= FW_MAX_VLAN_RANGES)
			return -E2BIG;
		r->vlans[r->nvlans].lo = r->vlans[r->nvlans].hi = id;
		r->nvlans++;
	}
	return 0;
}

int fw_rules_build(const struct hp_guard *g, const struct fw_conf *c, struct fw_rules *r)
{
	int rc;

	memset(r, 0, sizeof(*r));
	r->log_group = -1;
	if (!g || !c || !g->ifname || hp_parse_ifname(g->ifname) || !fw_family_valid(g->family) ||
	    (g->naddrs && !g->addrs) || (g->ifb && hp_parse_ifname(g->ifb)) ||
	    g->isolated_bridge < 0)
		return -EINVAL;
	snprintf(r->ifname, sizeof(r->ifname), "%s", g->ifname);
	r->family = g->family;
	r->hairpin = g->isolated_bridge;
	memcpy(r->hairpin_mac, g->isolated_mac, sizeof(r->hairpin_mac));
	r->guarded = g->naddrs > 0 || c->strict;
	if (!r->guarded)
		return 0;
	r->has_mac = g->has_mac;
	memcpy(r->mac, g->mac, sizeof(r->mac));
	r->p2p = g->family == HP_FW_INET;
	r->br = g->family == HP_FW_BRIDGE;
	r->lldp = c->lldp;
	r->nofrag = c->nofrag;
	r->log_group = c->log_group;
	if (g->ifb)
		snprintf(r->ifb, sizeof(r->ifb), "%s", g->ifb);
	if ((g->naddrs && (rc = addrs_build(g, r))) || (rc = vlans_build(g->vlans, r))) {
		fw_rules_free(r);
		return rc;
	}
	return 0;
}

void fw_rules_free(struct fw_rules *r)
{
	free(r->addrs);
	r->addrs = NULL;
	r->n = 0;
}
