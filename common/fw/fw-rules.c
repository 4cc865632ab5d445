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

int fw_rules_build(const struct hp_guard *g, int strict, struct fw_rules *r)
{
	size_t i, j;

	memset(r, 0, sizeof(*r));
	if (!g || !g->ifname || hp_parse_ifname(g->ifname) || !fw_family_valid(g->family) ||
	    (g->naddrs && !g->addrs))
		return -EINVAL;
	snprintf(r->ifname, sizeof(r->ifname), "%s", g->ifname);
	r->family = g->family;
	r->guarded = g->naddrs > 0 || strict;
	r->has_mac = g->has_mac;
	memcpy(r->mac, g->mac, sizeof(r->mac));
	if (!g->naddrs)
		return 0;
	if (!(r->addrs = calloc(g->naddrs, sizeof(*r->addrs))))
		return -ENOMEM;
	for (i = 0; i < g->naddrs; i++) {
		struct hp_prefix p = g->addrs[i];

		if ((p.family != AF_INET || p.len > 32) && (p.family != AF_INET6 || p.len > 128)) {
			fw_rules_free(r);
			return -EINVAL;
		}
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

void fw_rules_free(struct fw_rules *r)
{
	free(r->addrs);
	r->addrs = NULL;
	r->n = 0;
}
