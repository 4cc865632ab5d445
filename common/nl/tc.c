/* Rate limits with tc (see tc.h): tbf qdiscs, an ingress qdisc with a u32
 * match-all filter and a mirred redirect, an ifb link.  Requests are
 * built with libnl-route-3 and sent through nl.c's one path, so every
 * failure carries the kernel's own errno. */
#include <errno.h>
#include <linux/if.h>
#include <linux/if_ether.h>
#include <linux/pkt_sched.h>
#include <linux/tc_act/tc_mirred.h>
#include <netlink/route/act/mirred.h>
#include <netlink/route/action.h>
#include <netlink/route/classifier.h>
#include <netlink/route/cls/u32.h>
#include <netlink/route/link.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/qdisc/tbf.h>
#include <netlink/route/tc.h>
#include <stdio.h>
#include <string.h>

#include "hp/log.h"
#include "nl-priv.h"
#include "hp/tc.h"

#define OUR_MAJOR 0x4850U /* "HP": the handle of our root tbf qdiscs */
#define INGRESS_MAJOR 0xffffU /* the ingress qdisc's fixed handle */
#define FILTER_PRIO 1
/* u32's first table (800:), first node: one fixed handle, so that a
 * second call replaces the filter instead of adding another */
#define FILTER_HT 0x800
#define FILTER_NODE 0x800

static int ours(const struct hp_link *l)
{
	return !strcmp(l->kind, "ifb") &&
	       !strncmp(l->alias, HP_TC_IFB_ALIAS, sizeof(HP_TC_IFB_ALIAS) - 1);
}

/* The ifb, up, with our alias; *created when this call made it. */
static int ifb_ensure(struct hp_nl *nl, const char *name, const char *owner, struct hp_link *out,
		      int *created)
{
	char alias[sizeof(out->alias)];
	struct rtnl_link *l;
	struct nl_msg *msg = NULL;
	int rc;

	snprintf(alias, sizeof(alias), "%s%s", HP_TC_IFB_ALIAS, owner);
	rc = hp_link_get(nl, name, out);
	if (rc == -ENODEV) {
		if (!(l = rtnl_link_alloc()))
			return -ENOMEM;
		rtnl_link_set_name(l, name);
		rtnl_link_set_flags(l, IFF_UP);
		rc = rtnl_link_set_type(l, "ifb");
		if (rc >= 0)
			rc = rtnl_link_build_add_request(l, NLM_F_CREATE | NLM_F_EXCL, &msg);
		rtnl_link_put(l);
		rc = rc < 0 ? hp_nl_errno(rc) : hp_nl_talk(nl, msg);
		if (rc)
			return rc;
		*created = 1;
		if ((rc = hp_link_get(nl, name, out)))
			return rc;
	} else if (rc) {
		return rc;
	} else if (!ours(out)) {
		return -EEXIST;
	}
	/* marked ours before anything is redirected to it */
	if (strcmp(out->alias, alias) && (rc = hp_link_set_alias(nl, out->ifindex, alias)))
		return rc;
	if (!(out->flags & IFF_UP))
		return hp_link_set_up(nl, out->ifindex, 1);
	return 0;
}

/* Our qdisc on ifindex, replacing whatever it had there: with r, the
 * root tbf (a tap starts with the default root qdisc); without, the
 * ingress qdisc. */
static int qdisc(struct hp_nl *nl, int ifindex, const struct hp_rate *r)
{
	struct rtnl_qdisc *q = rtnl_qdisc_alloc();
	struct nl_msg *msg = NULL;
	int rc;

	if (!q)
		return -ENOMEM;
	rtnl_tc_set_ifindex(TC_CAST(q), ifindex);
	rtnl_tc_set_parent(TC_CAST(q), r ? TC_H_ROOT : TC_H_INGRESS);
	rtnl_tc_set_handle(TC_CAST(q), TC_HANDLE(r ? OUR_MAJOR : INGRESS_MAJOR, 0));
	rc = rtnl_tc_set_kind(TC_CAST(q), r ? "tbf" : "ingress");
	if (rc >= 0 && r) {
		rtnl_qdisc_tbf_set_limit(q, (int)r->limit);
		rtnl_qdisc_tbf_set_rate(q, (int)r->rate, (int)r->bucket, 0);
	}
	if (rc >= 0)
		rc = rtnl_qdisc_build_add_request(q, NLM_F_CREATE | NLM_F_REPLACE, &msg);
	rtnl_qdisc_put(q);
	return rc < 0 ? hp_nl_errno(rc) : hp_nl_talk(nl, msg);
}

/* Everything ifindex receives, to the ifb (u32 with one key that matches
 * any packet, terminal; mirred egress redirect, the packet stolen). */
static int redirect(struct hp_nl *nl, int ifindex, int ifb)
{
	struct rtnl_cls *c = rtnl_cls_alloc();
	struct rtnl_act *a = rtnl_act_alloc();
	struct nl_msg *msg = NULL;
	int rc = -NLE_NOMEM; /* libnl's codes until the request is built */

	if (!c || !a)
		goto out;
	rtnl_tc_set_ifindex(TC_CAST(c), ifindex);
	rtnl_tc_set_parent(TC_CAST(c), TC_HANDLE(INGRESS_MAJOR, 0));
	rtnl_cls_set_prio(c, FILTER_PRIO);
	rtnl_cls_set_protocol(c, ETH_P_ALL);
	if ((rc = rtnl_tc_set_kind(TC_CAST(c), "u32")) < 0 ||
	    (rc = rtnl_tc_set_kind(TC_CAST(a), "mirred")) < 0)
		goto out;
	rtnl_u32_set_handle(c, FILTER_HT, 0, FILTER_NODE);
	if ((rc = rtnl_u32_add_key_uint32(c, 0, 0, 0, 0)) < 0 ||
	    (rc = rtnl_u32_set_cls_terminal(c)) < 0 ||
	    (rc = rtnl_mirred_set_action(a, TCA_EGRESS_REDIR)) < 0 ||
	    (rc = rtnl_mirred_set_policy(a, TC_ACT_STOLEN)) < 0 ||
	    (rc = rtnl_mirred_set_ifindex(a, (uint32_t)ifb)) < 0 ||
	    (rc = rtnl_u32_add_action(c, a)) < 0)
		goto out;
	rc = rtnl_cls_build_add_request(c, NLM_F_CREATE | NLM_F_REPLACE, &msg);
out:
	if (a)
		rtnl_act_put(a); /* the filter holds its own reference */
	if (c)
		rtnl_cls_put(c);
	return rc < 0 ? hp_nl_errno(rc) : hp_nl_talk(nl, msg);
}

static int qdisc_del(struct hp_nl *nl, int ifindex, uint32_t parent, uint32_t handle,
		     const char *kind);

int hp_tc_limit(struct hp_nl *nl, int ifindex, const char *ifname, const char *ifb,
		const struct hp_rate *r, int ingress, int *created)
{
	struct hp_link l;
	int rc;

	*created = 0;
	if (ifindex <= 0)
		return -ENODEV;
	/* the ifb first, limited, then what leads to it */
	if ((rc = ifb_ensure(nl, ifb, ifname, &l, created)) || (rc = qdisc(nl, l.ifindex, r)) ||
	    (rc = qdisc(nl, ifindex, r)))
		return rc;
	if (ingress)
		rc = qdisc(nl, ifindex, NULL) ?: redirect(nl, ifindex, l.ifindex);
	else
		rc = qdisc_del(nl, ifindex, TC_H_INGRESS, TC_HANDLE(INGRESS_MAJOR, 0), "ingress");
	if (rc)
		return rc;
	hp_dbg("'%s' limited to %u bytes/s (bucket %u, queue %u bytes) both ways, through '%s'%s",
	       ifname, r->rate, r->bucket, r->limit, ifb, ingress ? "" : " (by the guard)");
	return 0;
}

/* The kernel deletes the qdisc at parent only when its handle and its
 * kind are ours (clsact also sits at ffff:). */
static int qdisc_del(struct hp_nl *nl, int ifindex, uint32_t parent, uint32_t handle,
		     const char *kind)
{
	struct rtnl_qdisc *q = rtnl_qdisc_alloc();
	struct nl_msg *msg = NULL;
	int rc;

	if (!q)
		return -ENOMEM;
	rtnl_tc_set_ifindex(TC_CAST(q), ifindex);
	rtnl_tc_set_parent(TC_CAST(q), parent);
	rtnl_tc_set_handle(TC_CAST(q), handle);
	rc = rtnl_tc_set_kind(TC_CAST(q), kind);
	if (rc >= 0)
		rc = rtnl_qdisc_build_delete_request(q, &msg);
	rtnl_qdisc_put(q);
	rc = rc < 0 ? hp_nl_errno(rc) : hp_nl_talk(nl, msg);
	/* gone: the link (ENODEV), the qdisc (ENOENT), or a qdisc there
	 * that is not ours, by handle or kind (EINVAL) */
	return rc == -ENODEV || rc == -ENOENT || rc == -EINVAL ? 0 : rc;
}

int hp_tc_unlimit(struct hp_nl *nl, int ifindex, const char *ifb, int *found)
{
	struct rtnl_link *k;
	struct nl_msg *msg = NULL;
	struct hp_link l;
	int rc, ret = 0;

	if (found)
		*found = 0;
	rc = hp_link_get(nl, ifb, &l);
	if (rc == -ENODEV)
		return 0;
	if (rc)
		return rc;
	if (!ours(&l)) {
		hp_dbg("'%s' is not a rate limit of ours: left alone", ifb);
		return 0;
	}
	if (found)
		*found = 1;
	/* the redirect goes before its target */
	if (ifindex > 0) {
		ret = qdisc_del(nl, ifindex, TC_H_INGRESS, TC_HANDLE(INGRESS_MAJOR, 0), "ingress");
		rc = qdisc_del(nl, ifindex, TC_H_ROOT, TC_HANDLE(OUR_MAJOR, 0), "tbf");
		if (!ret)
			ret = rc;
	}
	if (!(k = rtnl_link_alloc()))
		return -ENOMEM;
	rtnl_link_set_ifindex(k, l.ifindex);
	rc = rtnl_link_build_delete_request(k, &msg);
	rtnl_link_put(k);
	rc = rc < 0 ? hp_nl_errno(rc) : hp_nl_talk(nl, msg);
	if (rc == -ENODEV)
		rc = 0;
	return ret ? ret : rc;
}

/* ---- reading ------------------------------------------------------------ */

struct qdiscs {
	int ifindex;
	int root, ingress;
	unsigned int rate;
};

static void qdisc_seen(struct nl_object *o, void *arg)
{
	struct rtnl_qdisc *q = (struct rtnl_qdisc *)o;
	struct qdiscs *st = arg;
	const char *kind = rtnl_tc_get_kind(TC_CAST(q));
	int rate;

	if (rtnl_tc_get_ifindex(TC_CAST(q)) != st->ifindex || !kind)
		return;
	if (rtnl_tc_get_parent(TC_CAST(q)) == TC_H_ROOT &&
	    rtnl_tc_get_handle(TC_CAST(q)) == TC_HANDLE(OUR_MAJOR, 0) && !strcmp(kind, "tbf")) {
		st->root = 1;
		rate = rtnl_qdisc_tbf_get_rate(q);
		st->rate = rate > 0 ? (unsigned int)rate : 0;
	} else if (rtnl_tc_get_parent(TC_CAST(q)) == TC_H_INGRESS && !strcmp(kind, "ingress")) {
		st->ingress = 1;
	}
}

static int parse_qdisc(struct nl_msg *msg, void *arg)
{
	int rc = nl_msg_parse(msg, qdisc_seen, arg);

	return rc < 0 ? hp_nl_errno(rc) : 0;
}

/* The kernel dumps every link's qdiscs; the link's are kept. */
static int qdiscs_get(struct hp_nl *nl, int ifindex, struct qdiscs *st)
{
	struct tcmsg tc = { .tcm_family = AF_UNSPEC, .tcm_ifindex = ifindex };
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_GETQDISC, NLM_F_DUMP);

	memset(st, 0, sizeof(*st));
	st->ifindex = ifindex;
	if (msg && nlmsg_append(msg, &tc, sizeof(tc), NLMSG_ALIGNTO) < 0) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return hp_nl_get(nl, msg, parse_qdisc, st);
}

struct redir {
	int ifb, found;
};

static void filter_seen(struct nl_object *o, void *arg)
{
	struct rtnl_cls *c = (struct rtnl_cls *)o;
	struct redir *r = arg;
	const char *kind = rtnl_tc_get_kind(TC_CAST(c));
	struct rtnl_act *a;

	if (!kind || strcmp(kind, "u32"))
		return;
	for (a = rtnl_u32_get_action(c); a; a = rtnl_act_next(a)) {
		const char *ak = rtnl_tc_get_kind(TC_CAST(a));

		if (ak && !strcmp(ak, "mirred") && rtnl_mirred_get_action(a) == TCA_EGRESS_REDIR &&
		    (int)rtnl_mirred_get_ifindex(a) == r->ifb)
			r->found = 1;
	}
}

static int parse_filter(struct nl_msg *msg, void *arg)
{
	int rc = nl_msg_parse(msg, filter_seen, arg);

	return rc < 0 ? hp_nl_errno(rc) : 0;
}

static int redirect_get(struct hp_nl *nl, int ifindex, int ifb, int *found)
{
	struct tcmsg tc = { .tcm_family = AF_UNSPEC,
			    .tcm_ifindex = ifindex,
			    .tcm_parent = TC_HANDLE(INGRESS_MAJOR, 0) };
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_GETTFILTER, NLM_F_DUMP);
	struct redir r = { .ifb = ifb };
	int rc;

	if (msg && nlmsg_append(msg, &tc, sizeof(tc), NLMSG_ALIGNTO) < 0) {
		nlmsg_free(msg);
		msg = NULL;
	}
	rc = hp_nl_get(nl, msg, parse_filter, &r);
	*found = r.found;
	return rc == -EINVAL || rc == -ENOENT ? 0 : rc; /* no ingress qdisc */
}

int hp_tc_limit_get(struct hp_nl *nl, int ifindex, const char *ifb, struct hp_tc_state *st)
{
	struct qdiscs q;
	struct hp_link l;
	int rc;

	memset(st, 0, sizeof(*st));
	rc = hp_link_get(nl, ifb, &l);
	if (rc && rc != -ENODEV)
		return rc;
	if (!rc && ours(&l)) {
		st->ifb = 1;
		st->ifb_up = !!(l.flags & IFF_UP);
		if ((rc = qdiscs_get(nl, l.ifindex, &q)))
			return rc;
		st->ifb_root = q.root;
		st->ifb_rate = q.rate;
	}
	if (ifindex <= 0)
		return 0;
	if ((rc = qdiscs_get(nl, ifindex, &q)))
		return rc == -ENODEV ? 0 : rc;
	st->root = q.root;
	st->root_rate = q.rate;
	st->ingress = q.ingress;
	if (q.ingress && st->ifb)
		return redirect_get(nl, ifindex, l.ifindex, &st->redirect);
	return 0;
}

int hp_tc_limit_same(const struct hp_tc_state *st, const struct hp_rate *r)
{
	return st->root && st->root_rate == r->rate && st->ingress && st->redirect && st->ifb &&
	       st->ifb_up && st->ifb_root && st->ifb_rate == r->rate;
}
