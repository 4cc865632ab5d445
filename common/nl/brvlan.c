/* 802.1Q on bridge ports over rtnetlink (see brvlan.h).  The requests
 * are built by hand (libnl-route has no bridge VLAN objects) and go
 * through nl.c, which keeps the kernel's errno. */
#include <errno.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <string.h>
#include <sys/socket.h>

#include "hp/brvlan.h"
#include "nl-priv.h"

/* Entries per request: a trunk of 4094 VLANs in alternate ids would not
 * fit one page; ranges of equal flags are one entry pair. */
#define PER_MSG 128

/* ---- reading the bridge --------------------------------------------- */

static int parse_bridge(struct nl_msg *msg, void *arg)
{
	struct hp_brvlan_bridge *out = arg;
	struct nlattr *tb[IFLA_MAX + 1], *li[IFLA_INFO_MAX + 1], *br[IFLA_BR_MAX + 1];
	struct nlmsghdr *h = nlmsg_hdr(msg);

	if (h->nlmsg_type != RTM_NEWLINK ||
	    nlmsg_parse(h, sizeof(struct ifinfomsg), tb, IFLA_MAX, NULL) < 0)
		return 0;
	if (!tb[IFLA_LINKINFO] ||
	    nla_parse_nested(li, IFLA_INFO_MAX, tb[IFLA_LINKINFO], NULL) < 0 ||
	    !li[IFLA_INFO_KIND] || strcmp(nla_get_string(li[IFLA_INFO_KIND]), "bridge"))
		return -EINVAL;
	if (!li[IFLA_INFO_DATA] || nla_parse_nested(br, IFLA_BR_MAX, li[IFLA_INFO_DATA], NULL) < 0)
		return 0;
	/* vlan_filtering is always sent (0 without VLAN support); the
	 * default PVID only by a kernel with CONFIG_BRIDGE_VLAN_FILTERING
	 * (net/bridge/br_netlink.c, br_fill_info) */
	if (br[IFLA_BR_VLAN_DEFAULT_PVID]) {
		out->supported = 1;
		out->default_pvid = nla_get_u16(br[IFLA_BR_VLAN_DEFAULT_PVID]);
	}
	if (br[IFLA_BR_VLAN_FILTERING])
		out->filtering = out->supported && nla_get_u8(br[IFLA_BR_VLAN_FILTERING]);
	return 0;
}

int hp_brvlan_bridge_get(struct hp_nl *nl, int br_ifindex, struct hp_brvlan_bridge *out)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = br_ifindex };
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_GETLINK, 0);
	int rc;

	memset(out, 0, sizeof(*out));
	if (msg && nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0) {
		nlmsg_free(msg);
		msg = NULL;
	}
	rc = hp_nl_get(nl, msg, parse_bridge, out);
	return rc == -ENOENT ? -ENODEV : rc;
}

/* ---- port entries ----------------------------------------------------- */

/* One request of entries for port ifindex (cmd RTM_SETLINK adds,
 * RTM_DELLINK removes). */
struct req {
	struct hp_nl *nl;
	int cmd, ifindex;
	struct nl_msg *msg;
	struct nlattr *spec;
	int n;
};

static int req_send(struct req *r)
{
	struct nl_msg *msg = r->msg;

	r->msg = NULL;
	if (!msg || !r->n) {
		nlmsg_free(msg);
		return 0;
	}
	nla_nest_end(msg, r->spec);
	r->n = 0;
	return hp_nl_talk(r->nl, msg);
}

static int req_put(struct req *r, unsigned short vid, unsigned short flags)
{
	struct ifinfomsg ifi = { .ifi_family = AF_BRIDGE, .ifi_index = r->ifindex };
	struct bridge_vlan_info vi = { .flags = flags, .vid = vid };
	int rc;

	if (!r->msg) {
		if (!(r->msg = nlmsg_alloc_simple(r->cmd, 0)) ||
		    nlmsg_append(r->msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
		    !(r->spec = nla_nest_start(r->msg, IFLA_AF_SPEC)))
			return -ENOMEM;
	}
	if (nla_put(r->msg, IFLA_BRIDGE_VLAN_INFO, sizeof(vi), &vi) < 0)
		return -ENOMEM;
	/* a range's two entries go in the same request */
	if (++r->n >= PER_MSG && !(flags & BRIDGE_VLAN_INFO_RANGE_BEGIN) && (rc = req_send(r)))
		return rc;
	return 0;
}

/* vids first..last, all with flags: one entry or a range's two. */
static int req_range(struct req *r, unsigned short first, unsigned short last, unsigned short flags)
{
	int rc;

	if (first == last)
		return req_put(r, first, flags);
	if ((rc = req_put(r, first, flags | BRIDGE_VLAN_INFO_RANGE_BEGIN)))
		return rc;
	return req_put(r, last, flags | BRIDGE_VLAN_INFO_RANGE_END);
}

static unsigned short flags_of(const struct hp_vlan *x, int with_flags)
{
	unsigned short f = 0;

	if (!with_flags)
		return 0;
	if (x->flags & HP_VLAN_PVID)
		f |= BRIDGE_VLAN_INFO_PVID | BRIDGE_VLAN_INFO_UNTAGGED;
	if (x->flags & HP_VLAN_UNTAGGED)
		f |= BRIDGE_VLAN_INFO_UNTAGGED;
	return f;
}

/* Every VLAN of v, runs of consecutive ids with the same flags as
 * ranges (the kernel refuses a PVID in a range: it is one alone). */
static int put_all(struct req *r, const struct hp_vlans *v, int with_flags)
{
	size_t i = 0, j;
	unsigned short f;
	int rc;

	while (i < v->n) {
		f = flags_of(&v->v[i], with_flags);
		j = i;
		while (!(f & BRIDGE_VLAN_INFO_PVID) && j + 1 < v->n &&
		       v->v[j + 1].id == v->v[j].id + 1 && flags_of(&v->v[j + 1], with_flags) == f)
			j++;
		if ((rc = req_range(r, v->v[i].id, v->v[j].id, f)))
			return rc;
		i = j + 1;
	}
	return req_send(r);
}

static int lists(const struct hp_vlans *v, unsigned int vid)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if (v->v[i].id == vid)
			return 1;
	return 0;
}

int hp_brvlan_port_set(struct hp_nl *nl, int ifindex, const struct hp_vlans *v,
		       unsigned int default_pvid)
{
	struct req r = { .nl = nl, .cmd = RTM_SETLINK, .ifindex = ifindex };
	int rc;

	if ((rc = put_all(&r, v, 1))) {
		nlmsg_free(r.msg);
		return rc;
	}
	if (!default_pvid || lists(v, default_pvid))
		return 0;
	r.cmd = RTM_DELLINK;
	if (!(rc = req_put(&r, (unsigned short)default_pvid, 0)))
		rc = req_send(&r);
	nlmsg_free(r.msg);
	return rc;
}

int hp_brvlan_port_unset(struct hp_nl *nl, int ifindex, const struct hp_vlans *v,
			 unsigned int default_pvid)
{
	struct req r = { .nl = nl, .cmd = RTM_DELLINK, .ifindex = ifindex };
	int rc;

	/* the kernel ignores a VLAN the port does not have */
	if ((rc = put_all(&r, v, 0))) {
		nlmsg_free(r.msg);
		return rc;
	}
	if (!default_pvid || lists(v, default_pvid))
		return 0;
	r.cmd = RTM_SETLINK;
	if (!(rc = req_put(&r, (unsigned short)default_pvid,
			   BRIDGE_VLAN_INFO_PVID | BRIDGE_VLAN_INFO_UNTAGGED)))
		rc = req_send(&r);
	nlmsg_free(r.msg);
	return rc;
}
