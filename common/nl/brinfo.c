/* Bridge ports as the kernel has them (see brinfo.h): an AF_BRIDGE link
 * dump with the VLANs (RTEXT_FILTER_BRVLAN), an AF_BRIDGE neighbour dump
 * of one port, parsed by hand (libnl-route has no bridge port objects),
 * through nl.c's one request path. */
#include <errno.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "hp/brinfo.h"
#include "nl-priv.h"

struct collect {
	int want; /* one port's ifindex, or 0 for all */
	struct hp_brport_info *v;
	size_t n, cap;
};

static int flag(struct nlattr **pt, int attr)
{
	return pt[attr] ? nla_get_u8(pt[attr]) != 0 : -1;
}

static int add_vlan(struct hp_vlans *v, unsigned short vid, unsigned short flags)
{
	struct hp_vlan *nv;

	if (vid < HP_VLAN_MIN || vid > HP_VLAN_MAX)
		return 0;
	if (!(v->n & (v->n + 1))) { /* 0, 1, 3, 7...: grow to the next power of two */
		if (!(nv = realloc(v->v, (2 * v->n + 1) * sizeof(*nv))))
			return -ENOMEM;
		v->v = nv;
	}
	v->v[v->n].id = vid;
	v->v[v->n].flags = 0;
	if (flags & BRIDGE_VLAN_INFO_PVID) {
		v->v[v->n].flags |= HP_VLAN_PVID;
		v->pvid = vid;
	}
	if (flags & BRIDGE_VLAN_INFO_UNTAGGED)
		v->v[v->n].flags |= HP_VLAN_UNTAGGED;
	v->n++;
	return 0;
}

/* IFLA_AF_SPEC: the port's VLANs, ranges as a BEGIN and an END entry. */
static int parse_vlans(struct nlattr *spec, struct hp_vlans *v)
{
	struct nlattr *a;
	unsigned short begin = 0;
	int rem, rc;

	nla_for_each_nested(a, spec, rem)
	{
		struct bridge_vlan_info *vi;
		unsigned int id;

		if (nla_type(a) != IFLA_BRIDGE_VLAN_INFO || nla_len(a) < (int)sizeof(*vi))
			continue;
		vi = nla_data(a);
		if (vi->flags & BRIDGE_VLAN_INFO_RANGE_BEGIN) {
			begin = vi->vid;
			continue;
		}
		id = vi->flags & BRIDGE_VLAN_INFO_RANGE_END && begin ? begin : vi->vid;
		for (; id <= vi->vid; id++)
			if ((rc = add_vlan(v, (unsigned short)id, vi->flags)))
				return rc;
		begin = 0;
	}
	return 0;
}

/* The IFLA_BRPORT_* attributes (IFLA_PROTINFO of the AF_BRIDGE dump, or
 * IFLA_INFO_SLAVE_DATA of a port's own link message: the kernel fills
 * both with br_port_fill_attrs) into p's state and flags.  IFLA_PROTINFO
 * is nested (NLA_F_NESTED) in every kernel that has these flags, and
 * holds something else without it; the slave data never carries the
 * flag (rtnetlink's nla_nest_start_noflag). */
static void port_attrs(struct hp_brport_info *p, struct nlattr *attrs, int need_nested)
{
	struct nlattr *pt[IFLA_BRPORT_MAX + 1];

	p->state = -1;
	p->flags = (struct hp_brport_flags)HP_BRPORT_FLAGS_LEAVE;
	if (!attrs || (need_nested && !(attrs->nla_type & NLA_F_NESTED)) ||
	    nla_parse_nested(pt, IFLA_BRPORT_MAX, attrs, NULL) < 0)
		return;
	p->state = pt[IFLA_BRPORT_STATE] ? nla_get_u8(pt[IFLA_BRPORT_STATE]) : -1;
	p->flags.learning = flag(pt, IFLA_BRPORT_LEARNING);
	p->flags.unicast_flood = flag(pt, IFLA_BRPORT_UNICAST_FLOOD);
	p->flags.locked = flag(pt, IFLA_BRPORT_LOCKED);
	p->flags.isolated = flag(pt, IFLA_BRPORT_ISOLATED);
	p->flags.bpdu_guard = flag(pt, IFLA_BRPORT_GUARD);
	p->flags.root_block = flag(pt, IFLA_BRPORT_PROTECT);
}

static int parse_port(struct nl_msg *msg, void *arg)
{
	struct collect *c = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct nlattr *tb[IFLA_MAX + 1];
	struct ifinfomsg *ifi;
	struct hp_brport_info *p, *nv;

	if (h->nlmsg_type != RTM_NEWLINK ||
	    nlmsg_parse(h, sizeof(struct ifinfomsg), tb, IFLA_MAX, NULL) < 0)
		return 0;
	ifi = nlmsg_data(h);
	if (c->want && ifi->ifi_index != c->want)
		return 0;
	/* ports carry their flags; the bridge itself (its own VLANs) none */
	if (!tb[IFLA_PROTINFO] || !tb[IFLA_MASTER] ||
	    (int)nla_get_u32(tb[IFLA_MASTER]) == ifi->ifi_index)
		return 0;
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 16;

		if (!(nv = realloc(c->v, cap * sizeof(*nv))))
			return -ENOMEM;
		c->v = nv;
		c->cap = cap;
	}
	p = &c->v[c->n++];
	memset(p, 0, sizeof(*p));
	p->ifindex = ifi->ifi_index;
	p->master = (int)nla_get_u32(tb[IFLA_MASTER]);
	port_attrs(p, tb[IFLA_PROTINFO], 1);
	if (tb[IFLA_AF_SPEC])
		return parse_vlans(tb[IFLA_AF_SPEC], &p->vlans);
	return 0;
}

static int dump(struct hp_nl *nl, struct collect *c)
{
	struct ifinfomsg ifi = { .ifi_family = AF_BRIDGE };
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_GETLINK, NLM_F_DUMP);
	int rc;

	if (msg && (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
		    nla_put_u32(msg, IFLA_EXT_MASK, RTEXT_FILTER_BRVLAN) < 0)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	rc = hp_nl_get(nl, msg, parse_port, c);
	if (rc)
		hp_brport_list_free(c->v, c->n);
	return rc;
}

int hp_brport_list(struct hp_nl *nl, struct hp_brport_info **out, size_t *n)
{
	struct collect c = { 0 };
	int rc = dump(nl, &c);

	*out = rc ? NULL : c.v;
	*n = rc ? 0 : c.n;
	return rc;
}

int hp_brport_info_get(struct hp_nl *nl, int ifindex, struct hp_brport_info *out)
{
	struct collect c = { .want = ifindex };
	int rc;

	memset(out, 0, sizeof(*out));
	if (ifindex <= 0)
		return -ENODEV;
	if ((rc = dump(nl, &c)))
		return rc;
	if (!c.n) {
		free(c.v);
		return -ENODEV;
	}
	*out = c.v[0];
	free(c.v); /* one port: its vlans now belong to out */
	return 0;
}

/* One port's own link message: its master and, when that is a bridge,
 * its IFLA_INFO_SLAVE_DATA. */
static int parse_one(struct nl_msg *msg, void *arg)
{
	struct hp_brport_info *p = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct nlattr *tb[IFLA_MAX + 1], *li[IFLA_INFO_MAX + 1];
	struct nlattr *slave = NULL;
	struct ifinfomsg *ifi;

	if (h->nlmsg_type != RTM_NEWLINK ||
	    nlmsg_parse(h, sizeof(struct ifinfomsg), tb, IFLA_MAX, NULL) < 0)
		return 0;
	ifi = nlmsg_data(h);
	if (ifi->ifi_index != p->ifindex || !tb[IFLA_MASTER])
		return 0;
	if (tb[IFLA_LINKINFO] &&
	    nla_parse_nested(li, IFLA_INFO_MAX, tb[IFLA_LINKINFO], NULL) >= 0 &&
	    li[IFLA_INFO_SLAVE_KIND] && !strcmp(nla_get_string(li[IFLA_INFO_SLAVE_KIND]), "bridge"))
		slave = li[IFLA_INFO_SLAVE_DATA];
	if (!slave)
		return 0; /* enslaved, but not to a bridge (a bond, an OVS datapath) */
	p->master = (int)nla_get_u32(tb[IFLA_MASTER]);
	port_attrs(p, slave, 0);
	return 0;
}

int hp_brport_flags_get(struct hp_nl *nl, int ifindex, struct hp_brport_info *out)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex };
	struct nl_msg *msg;
	int rc;

	memset(out, 0, sizeof(*out));
	if (ifindex <= 0)
		return -ENODEV;
	out->ifindex = ifindex;
	msg = nlmsg_alloc_simple(RTM_GETLINK, 0);
	if (msg && nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0) {
		nlmsg_free(msg);
		msg = NULL;
	}
	if ((rc = hp_nl_get(nl, msg, parse_one, out)))
		return rc;
	return out->master ? 0 : -ENODEV;
}

void hp_brport_info_free(struct hp_brport_info *p)
{
	if (p)
		hp_vlans_free(&p->vlans);
}

void hp_brport_list_free(struct hp_brport_info *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		hp_brport_info_free(&v[i]);
	free(v);
}

/* ---- forwarding entries ------------------------------------------------- */

struct fdb {
	int ifindex;
	const unsigned char *mac;
	int found, is_static, sticky;
};

static int parse_fdb(struct nl_msg *msg, void *arg)
{
	struct fdb *f = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct nlattr *tb[NDA_MAX + 1];
	struct ndmsg *nd;

	if (h->nlmsg_type != RTM_NEWNEIGH || nlmsg_parse(h, sizeof(*nd), tb, NDA_MAX, NULL) < 0)
		return 0;
	nd = nlmsg_data(h);
	if (nd->ndm_ifindex != f->ifindex || !tb[NDA_LLADDR] || nla_len(tb[NDA_LLADDR]) != 6 ||
	    memcmp(nla_data(tb[NDA_LLADDR]), f->mac, 6))
		return 0;
	/* a port's own entry for the bridge (NTF_MASTER) and its driver's
	 * (NTF_SELF) may both be listed: the bridge's counts */
	if (!(nd->ndm_flags & NTF_MASTER) && f->found)
		return 0;
	f->found = 1;
	f->is_static = !!(nd->ndm_state & (NUD_NOARP | NUD_PERMANENT));
	f->sticky = !!(nd->ndm_flags & NTF_STICKY);
	return 0;
}

int hp_brport_fdb_get(struct hp_nl *nl, int ifindex, const unsigned char mac[6], int *found,
		      int *is_static, int *sticky)
{
	struct ndmsg nd = { .ndm_family = AF_BRIDGE, .ndm_ifindex = ifindex };
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_GETNEIGH, NLM_F_DUMP);
	struct fdb f = { .ifindex = ifindex, .mac = mac };
	int rc;

	*found = *is_static = *sticky = 0;
	if (ifindex <= 0)
		return -ENODEV;
	/* the kernel keeps to one port when the dump names it (rtnl_fdb_dump) */
	if (msg && nlmsg_append(msg, &nd, sizeof(nd), NLMSG_ALIGNTO) < 0) {
		nlmsg_free(msg);
		msg = NULL;
	}
	if ((rc = hp_nl_get(nl, msg, parse_fdb, &f)))
		return rc;
	*found = f.found;
	*is_static = f.is_static;
	*sticky = f.sticky;
	return 0;
}

static int parse_fdb_port(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct ndmsg *nd;

	if (h->nlmsg_type != RTM_NEWNEIGH || !nlmsg_valid_hdr(h, sizeof(*nd)))
		return 0;
	nd = nlmsg_data(h);
	*(int *)arg = nd->ndm_ifindex;
	return 0;
}

int hp_brport_fdb_port(struct hp_nl *nl, int br_ifindex, const unsigned char mac[6], int *port)
{
	/* one entry, not a dump: no state, no type, only NDA_MASTER and
	 * NDA_LLADDR (net/core/rtnetlink.c, valid_fdb_get_strict) */
	struct ndmsg nd = { .ndm_family = AF_BRIDGE, .ndm_flags = NTF_MASTER };
	struct nl_msg *msg;
	int rc;

	*port = 0;
	if (br_ifindex <= 0)
		return -ENODEV;
	msg = nlmsg_alloc_simple(RTM_GETNEIGH, 0);
	if (msg && (nlmsg_append(msg, &nd, sizeof(nd), NLMSG_ALIGNTO) < 0 ||
		    nla_put_u32(msg, NDA_MASTER, (uint32_t)br_ifindex) < 0 ||
		    nla_put(msg, NDA_LLADDR, 6, mac) < 0)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	rc = hp_nl_get(nl, msg, parse_fdb_port, port);
	if (!rc && *port <= 0)
		rc = -ENOENT;
	return rc;
}

/* ---- words -------------------------------------------------------------- */

void hp_vlans_format(const struct hp_vlans *v, char *buf, size_t size)
{
	size_t i, j, len;

	if (!size)
		return;
	buf[0] = '\0';
	if (!v->n) {
		snprintf(buf, size, "none");
		return;
	}
	for (i = 0; i < v->n; i = j + 1) {
		const struct hp_vlan *x = &v->v[i];

		/* runs of consecutive ids with the same flags as A-B */
		for (j = i; j + 1 < v->n && v->v[j + 1].id == v->v[j].id + 1 &&
			    v->v[j + 1].flags == x->flags && !(x->flags & HP_VLAN_PVID);
		     j++)
			;
		len = strlen(buf);
		if (len + 32 >= size) {
			snprintf(buf + len, size - len, "%s...", len ? ", " : "");
			return;
		}
		if (j > i)
			snprintf(buf + len, size - len, "%s%u-%u%s", len ? ", " : "", x->id,
				 v->v[j].id, x->flags & HP_VLAN_UNTAGGED ? " untagged" : "");
		else
			snprintf(buf + len, size - len, "%s%u%s%s", len ? ", " : "", x->id,
				 x->flags & HP_VLAN_PVID ? " PVID" : "",
				 x->flags & HP_VLAN_UNTAGGED ? " untagged" : "");
	}
}
