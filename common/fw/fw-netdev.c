/* The vif's ingress chain of the guard: see fw-netdev.h.
 *
 * Frames a vif sends reach the bridge, Open vSwitch's kernel datapath or
 * dom0's stack through the rx_handler of the port (or the protocol
 * handlers), which __netif_receive_skb_core() runs after the netdev
 * ingress hook: a drop there is final.  (AF_PACKET taps, which Open
 * vSwitch's userspace datapath reads, and tc ingress run before it; a tc
 * redirect to an ifb skips it, since the ifb hands the frame back with
 * tc_skip_classify, which skips the hook too: so a rate-limited tap's
 * redirect is this chain's own `fwd`, after the guard.)
 *
 * The chain is per device, not one chain for every vif: a netdev base
 * chain names its devices, and a per-vif chain is added and removed with
 * the vif's elements in the same transaction.  Kernels before 6.16 delete
 * it with the device; later ones keep it, unbound, until it is deleted
 * (and would bind it again to a new device of that name): offline deletes
 * it when it is there, whether the vif is or not. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>

#include "fw-elems.h"
#include "fw-netdev.h"

/* a chain message with its hook, or a rule of one expression */
#define FW_NETDEV_MSG_MAX 512

static int chain_name(const char *ifname, char *buf, size_t size)
{
	int n = snprintf(buf, size, FW_NETDEV_CHAIN_PREFIX "%s", ifname);

	return n < 0 || (size_t)n >= size ? -EINVAL : 0;
}

static int found_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	*(int *)data = 1;
	return MNL_CB_OK;
}

int fw_netdev_chain_get(struct fw_nl *nl, const char *ifname, int *found)
{
	struct nftnl_chain *c;
	struct nlmsghdr *nlh;
	char name[64];
	int rc;

	*found = 0;
	if ((rc = chain_name(ifname, name, sizeof(name))))
		return rc;
	if (!(c = nftnl_chain_alloc()))
		return -ENOMEM;
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, FW_TABLE);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	nlh = nftnl_nlmsg_build_hdr(nl->req, NFT_MSG_GETCHAIN, NFPROTO_NETDEV, 0, fw_nl_seq(nl));
	nftnl_chain_nlmsg_build_payload(nlh, c);
	nftnl_chain_free(c);
	rc = fw_nl_request(nl, nlh, 0, found_cb, found);
	return rc == -ENOENT ? 0 : rc;
}

/* ifname NULL: a regular chain `name`; else the vif's base chain. */
static int chain_msg(struct fw_nl *nl, int type, const char *name, const char *ifname)
{
	struct nftnl_chain *c;
	struct nlmsghdr *nlh;
	void *room;

	if (!(room = fw_nl_batch_room(nl, FW_NETDEV_MSG_MAX)))
		return -E2BIG;
	if (!(c = nftnl_chain_alloc()))
		return -ENOMEM;
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, FW_TABLE);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	if (ifname && type == NFT_MSG_NEWCHAIN) {
		nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, NF_NETDEV_INGRESS);
		nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, FW_NETDEV_PRIO);
		nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "filter");
		nftnl_chain_set_str(c, NFTNL_CHAIN_DEV, ifname);
		nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	}
	nlh = nftnl_chain_nlmsg_build_hdr(room, (uint16_t)type, NFPROTO_NETDEV,
					  type == NFT_MSG_NEWCHAIN ? NLM_F_CREATE : 0,
					  fw_nl_seq(nl));
	nftnl_chain_nlmsg_build_payload(nlh, c);
	nftnl_chain_free(c);
	fw_nl_batch_next(nl);
	return 0;
}

enum rule_kind { RULE_FLUSH, RULE_JUMP_GUARD, RULE_FWD, RULE_LOG };

static struct nftnl_expr *expr(struct nftnl_rule *r, const char *name)
{
	struct nftnl_expr *e = nftnl_expr_alloc(name);

	if (e)
		nftnl_rule_add_expr(r, e);
	return e;
}

/* The expressions of a rule: `jump guard`; `fwd to <arg>` (an ifindex);
 * `limit rate FW_LOG_RATE/second burst FW_LOG_BURST packets log group
 * <arg> prefix FW_LOG_PREFIX`. */
static int rule_exprs(struct nftnl_rule *r, enum rule_kind kind, int arg)
{
	struct nftnl_expr *e;

	if (kind == RULE_JUMP_GUARD) {
		if (!(e = expr(r, "immediate")))
			return -ENOMEM;
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)NFT_JUMP);
		nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, "guard");
	} else if (kind == RULE_FWD) {
		uint32_t index = (uint32_t)arg;

		if (!(e = expr(r, "immediate")))
			return -ENOMEM;
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_1);
		nftnl_expr_set(e, NFTNL_EXPR_IMM_DATA, &index, sizeof(index));
		if (!(e = expr(r, "fwd")))
			return -ENOMEM;
		nftnl_expr_set_u32(e, NFTNL_EXPR_FWD_SREG_DEV, NFT_REG_1);
	} else if (kind == RULE_LOG) {
		if (!(e = expr(r, "limit")))
			return -ENOMEM;
		nftnl_expr_set_u64(e, NFTNL_EXPR_LIMIT_RATE, FW_LOG_RATE);
		nftnl_expr_set_u64(e, NFTNL_EXPR_LIMIT_UNIT, 1); /* per second */
		nftnl_expr_set_u32(e, NFTNL_EXPR_LIMIT_BURST, FW_LOG_BURST);
		nftnl_expr_set_u32(e, NFTNL_EXPR_LIMIT_TYPE, NFT_LIMIT_PKTS);
		if (!(e = expr(r, "log")))
			return -ENOMEM;
		nftnl_expr_set_u16(e, NFTNL_EXPR_LOG_GROUP, (uint16_t)arg);
		nftnl_expr_set_str(e, NFTNL_EXPR_LOG_PREFIX, FW_LOG_PREFIX);
	}
	return 0;
}

/* RULE_FLUSH: every rule of the chain deleted; else one rule appended. */
static int rule_msg(struct fw_nl *nl, const char *chain, enum rule_kind kind, int arg)
{
	int type = kind == RULE_FLUSH ? NFT_MSG_DELRULE : NFT_MSG_NEWRULE;
	struct nftnl_rule *r;
	struct nlmsghdr *nlh;
	void *room;
	int rc;

	if (!(room = fw_nl_batch_room(nl, FW_NETDEV_MSG_MAX)))
		return -E2BIG;
	if (!(r = nftnl_rule_alloc()))
		return -ENOMEM;
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, FW_TABLE);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	if ((rc = rule_exprs(r, kind, arg))) {
		nftnl_rule_free(r);
		return rc;
	}
	nlh = nftnl_rule_nlmsg_build_hdr(room, (uint16_t)type, NFPROTO_NETDEV,
					 type == NFT_MSG_NEWRULE ? NLM_F_CREATE | NLM_F_APPEND : 0,
					 fw_nl_seq(nl));
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
	fw_nl_batch_next(nl);
	return 0;
}

int fw_netdev_batch_add(struct fw_nl *nl, const char *ifname, int ifb_index)
{
	char name[64];
	int rc;

	if ((rc = chain_name(ifname, name, sizeof(name))) ||
	    (rc = chain_msg(nl, NFT_MSG_NEWCHAIN, name, ifname)) ||
	    (rc = rule_msg(nl, name, RULE_FLUSH, 0)) ||
	    (rc = rule_msg(nl, name, RULE_JUMP_GUARD, 0)))
		return rc;
	return ifb_index ? rule_msg(nl, name, RULE_FWD, ifb_index) : 0;
}

int fw_netdev_batch_del(struct fw_nl *nl, const char *ifname)
{
	char name[64];
	int rc;

	if ((rc = chain_name(ifname, name, sizeof(name))))
		return rc;
	return chain_msg(nl, NFT_MSG_DELCHAIN, name, ifname);
}

int fw_netdev_batch_log(struct fw_nl *nl, int group)
{
	char name[FW_NAME_MAX];
	int rc;

	if (group < 0 || group > 65535)
		return -EINVAL;
	fw_log_chain(group, name, sizeof(name));
	if ((rc = chain_msg(nl, NFT_MSG_NEWCHAIN, name, NULL)) ||
	    (rc = rule_msg(nl, name, RULE_FLUSH, 0)))
		return rc;
	return rule_msg(nl, name, RULE_LOG, group);
}
