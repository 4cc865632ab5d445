/* The vif's ingress chain of the netdev guard: see fw-netdev.h.
 *
 * Frames a vif sends reach Open vSwitch's kernel datapath through the
 * rx_handler it sets on the port, which __netif_receive_skb_core() runs
 * after the netdev ingress hook: a drop there is final.  (AF_PACKET taps,
 * which the userspace datapath reads, and tc ingress run before it.)
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
	nlh = nftnl_nlmsg_build_hdr(nl->buf, NFT_MSG_GETCHAIN, nl->nfproto, 0, fw_nl_seq(nl));
	nftnl_chain_nlmsg_build_payload(nlh, c);
	nftnl_chain_free(c);
	rc = fw_nl_request(nl, nlh, 0, found_cb, found);
	return rc == -ENOENT ? 0 : rc;
}

static int chain_msg(struct fw_nl *nl, int type, const char *ifname, int hook)
{
	struct nftnl_chain *c;
	struct nlmsghdr *nlh;
	char name[64];
	void *room;
	int rc;

	if ((rc = chain_name(ifname, name, sizeof(name))))
		return rc;
	if (!(room = fw_nl_batch_room(nl, FW_NETDEV_MSG_MAX)))
		return -E2BIG;
	if (!(c = nftnl_chain_alloc()))
		return -ENOMEM;
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, FW_TABLE);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	if (hook) {
		nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, NF_NETDEV_INGRESS);
		nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, FW_NETDEV_PRIO);
		nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "filter");
		nftnl_chain_set_str(c, NFTNL_CHAIN_DEV, ifname);
		nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	}
	nlh = nftnl_chain_nlmsg_build_hdr(room, (uint16_t)type, nl->nfproto,
					  type == NFT_MSG_NEWCHAIN ? NLM_F_CREATE : 0,
					  fw_nl_seq(nl));
	nftnl_chain_nlmsg_build_payload(nlh, c);
	nftnl_chain_free(c);
	fw_nl_batch_next(nl);
	return 0;
}

/* No expression: the chain flushed; else its one rule, `jump guard`. */
static int rule_msg(struct fw_nl *nl, int type, const char *ifname)
{
	struct nftnl_expr *e = NULL;
	struct nftnl_rule *r;
	struct nlmsghdr *nlh;
	char name[64];
	void *room;
	int rc;

	if ((rc = chain_name(ifname, name, sizeof(name))))
		return rc;
	if (!(room = fw_nl_batch_room(nl, FW_NETDEV_MSG_MAX)))
		return -E2BIG;
	if (!(r = nftnl_rule_alloc()))
		return -ENOMEM;
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, FW_TABLE);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, name);
	if (type == NFT_MSG_NEWRULE) {
		if (!(e = nftnl_expr_alloc("immediate"))) {
			nftnl_rule_free(r);
			return -ENOMEM;
		}
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)NFT_JUMP);
		nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, "guard");
		nftnl_rule_add_expr(r, e);
	}
	nlh = nftnl_rule_nlmsg_build_hdr(room, (uint16_t)type, nl->nfproto,
					 type == NFT_MSG_NEWRULE ? NLM_F_CREATE | NLM_F_APPEND : 0,
					 fw_nl_seq(nl));
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
	fw_nl_batch_next(nl);
	return 0;
}

int fw_netdev_batch_add(struct fw_nl *nl, const char *ifname)
{
	int rc;

	if ((rc = chain_msg(nl, NFT_MSG_NEWCHAIN, ifname, 1)) ||
	    (rc = rule_msg(nl, NFT_MSG_DELRULE, ifname)))
		return rc;
	return rule_msg(nl, NFT_MSG_NEWRULE, ifname);
}

int fw_netdev_batch_del(struct fw_nl *nl, const char *ifname)
{
	return chain_msg(nl, NFT_MSG_DELCHAIN, ifname, 0);
}
