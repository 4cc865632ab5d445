/* nf_tables netlink for the guard, the writing half: batches of set
 * elements, counters, chains' flushes and deletions, sets; see fw-nl.h.
 * Element and counter messages, the hot path, are written with libmnl
 * directly (no allocation per item). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <libnftnl/common.h>
#include <libnftnl/set.h>
#include <libnftnl/udata.h>

#include "fw-nl.h"
#include "fw-rules.h"

/* ---- writing: batches ------------------------------------------------- */

/* nftnl_batch_begin(), and the generation the batch is valid for: the
 * kernel refuses the whole batch with ERESTART when another transaction
 * committed since (nfnetlink_rcv_batch, NFNL_BATCH_GENID). */
int fw_nl_batch_begin(struct fw_nl *nl, uint32_t genid)
{
	struct nlmsghdr *nlh;
	struct nfgenmsg *nfg;

	fw_nl_batch_abort(nl);
	if (!(nl->batch = mnl_nlmsg_batch_start(nl->buf, FW_NL_BATCH_LIMIT)))
		return -ENOMEM;
	nlh = mnl_nlmsg_put_header(mnl_nlmsg_batch_current(nl->batch));
	nlh->nlmsg_type = NFNL_MSG_BATCH_BEGIN;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = ++nl->seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = AF_UNSPEC;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = htons(NFNL_SUBSYS_NFTABLES);
	if (genid)
		mnl_attr_put_u32(nlh, NFNL_BATCH_GENID, htonl(genid));
	mnl_nlmsg_batch_next(nl->batch);
	return 0;
}

static struct nlmsghdr *msg_start(struct fw_nl *nl, int type, uint16_t flags, enum fw_table t,
				  size_t max)
{
	struct nlmsghdr *nlh;
	struct nfgenmsg *nfg;
	void *room;

	if (!(room = fw_nl_batch_room(nl, max)))
		return NULL;
	nlh = mnl_nlmsg_put_header(room);
	nlh->nlmsg_type = (uint16_t)((NFNL_SUBSYS_NFTABLES << 8) | type);
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = fw_nl_seq(nl);
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = fw_nfproto(t);
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;
	return nlh;
}

/* A counter object: NFT_MSG_NEWOBJ (at zero) or NFT_MSG_DELOBJ. */
static int batch_counter(struct fw_nl *nl, int type, const struct fw_elem *e)
{
	struct nlmsghdr *nlh;
	struct nlattr *d;

	if (!(nlh = msg_start(nl, type, type == NFT_MSG_NEWOBJ ? NLM_F_CREATE : 0, e->table, 256)))
		return -E2BIG;
	mnl_attr_put_strz(nlh, NFTA_OBJ_TABLE, FW_TABLE);
	mnl_attr_put_strz(nlh, NFTA_OBJ_NAME, e->data);
	mnl_attr_put_u32(nlh, NFTA_OBJ_TYPE, htonl(NFT_OBJECT_COUNTER));
	if (type == NFT_MSG_NEWOBJ) {
		d = mnl_attr_nest_start(nlh, NFTA_OBJ_DATA);
		mnl_attr_put_u64(nlh, NFTA_COUNTER_BYTES, 0);
		mnl_attr_put_u64(nlh, NFTA_COUNTER_PACKETS, 0);
		mnl_attr_nest_end(nlh, d);
	}
	fw_nl_batch_next(nl);
	return 0;
}

/* The message nftnl_set_elems_nlmsg_build_payload() would write for one
 * element: table, set, and the list of one element (key, key end, the
 * map's data, comment as libnftnl's userdata TLV). */
int fw_nl_batch_elem(struct fw_nl *nl, int type, const struct fw_elem *e)
{
	size_t clen = e->comment && type == NFT_MSG_NEWSETELEM ? strlen(e->comment) + 1 : 0;
	struct nlattr *list, *el, *k, *d, *v;
	struct nlmsghdr *nlh;
	unsigned char ud[2 + FW_COMMENT_MAX];

	if (!nl->batch || clen > FW_COMMENT_MAX)
		return -EINVAL;
	if (e->kind == FW_COUNTER)
		return batch_counter(nl,
				     type == NFT_MSG_NEWSETELEM ? NFT_MSG_NEWOBJ :
				     type == NFT_MSG_DELSETELEM ? NFT_MSG_DELOBJ :
								  type,
				     e);
	/* the largest message: headers, names, two keys, data, the comment */
	if (e->len > FW_KEY_MAX ||
	    !(nlh = msg_start(nl, type, type == NFT_MSG_NEWSETELEM ? NLM_F_CREATE : 0, e->table,
			      512 + 2 * e->len + clen)))
		return -E2BIG;
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, FW_TABLE);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, e->set);
	list = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
	el = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
	k = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_KEY);
	mnl_attr_put(nlh, NFTA_DATA_VALUE, e->len, e->key);
	mnl_attr_nest_end(nlh, k);
	if (e->has_end) {
		k = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_KEY_END);
		mnl_attr_put(nlh, NFTA_DATA_VALUE, e->len, e->key_end);
		mnl_attr_nest_end(nlh, k);
	}
	if (type == NFT_MSG_NEWSETELEM && e->data_kind == FW_DATA_OBJREF) {
		mnl_attr_put_strz(nlh, NFTA_SET_ELEM_OBJREF, e->data);
	} else if (type == NFT_MSG_NEWSETELEM && e->data_kind == FW_DATA_JUMP) {
		d = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_DATA);
		v = mnl_attr_nest_start(nlh, NFTA_DATA_VERDICT);
		mnl_attr_put_u32(nlh, NFTA_VERDICT_CODE, htonl((uint32_t)NFT_JUMP));
		mnl_attr_put_strz(nlh, NFTA_VERDICT_CHAIN, e->data);
		mnl_attr_nest_end(nlh, v);
		mnl_attr_nest_end(nlh, d);
	}
	if (clen) {
		ud[0] = NFTNL_UDATA_SET_ELEM_COMMENT;
		ud[1] = (unsigned char)clen;
		memcpy(ud + 2, e->comment, clen);
		mnl_attr_put(nlh, NFTA_SET_ELEM_USERDATA, 2 + clen, ud);
	}
	mnl_attr_nest_end(nlh, el);
	mnl_attr_nest_end(nlh, list);
	fw_nl_batch_next(nl);
	return 0;
}

int fw_nl_batch_del(struct fw_nl *nl, int type, enum fw_table t, const char *name)
{
	struct nlmsghdr *nlh;

	if (!nl->batch || (type != NFT_MSG_DELTABLE && !name))
		return -EINVAL;
	if (!(nlh = msg_start(nl, type, 0, t, 256)))
		return -E2BIG;
	if (type == NFT_MSG_DELTABLE) {
		mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, FW_TABLE);
	} else if (type == NFT_MSG_DELRULE) {
		mnl_attr_put_strz(nlh, NFTA_RULE_TABLE, FW_TABLE);
		mnl_attr_put_strz(nlh, NFTA_RULE_CHAIN, name);
	} else if (type == NFT_MSG_DELCHAIN) {
		mnl_attr_put_strz(nlh, NFTA_CHAIN_TABLE, FW_TABLE);
		mnl_attr_put_strz(nlh, NFTA_CHAIN_NAME, name);
	} else {
		mnl_attr_put_strz(nlh, NFTA_SET_TABLE, FW_TABLE);
		mnl_attr_put_strz(nlh, NFTA_SET_NAME, name);
	}
	fw_nl_batch_next(nl);
	return 0;
}

/* nft's `type ifname` (TYPE_IFNAME in nftables' datatype.h) */
#define FW_TYPE_IFNAME 41

int fw_nl_batch_marker(struct fw_nl *nl, enum fw_table t, const char *name, const char *comment)
{
	struct nftnl_udata_buf *ud;
	struct nftnl_set *s;
	struct nlmsghdr *nlh;
	void *room;

	if (!nl->batch || !(room = fw_nl_batch_room(nl, 512)))
		return -E2BIG;
	if (!(s = nftnl_set_alloc()))
		return -ENOMEM;
	if (!(ud = nftnl_udata_buf_alloc(FW_COMMENT_MAX + 8))) {
		nftnl_set_free(s);
		return -ENOMEM;
	}
	nftnl_udata_put_strz(ud, NFTNL_UDATA_SET_COMMENT, comment);
	nftnl_set_set_str(s, NFTNL_SET_TABLE, FW_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, name);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, FW_TYPE_IFNAME);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, FW_IFLEN);
	nftnl_set_set_u32(s, NFTNL_SET_ID, 1);
	nftnl_set_set_data(s, NFTNL_SET_USERDATA, nftnl_udata_buf_data(ud),
			   nftnl_udata_buf_len(ud));
	nlh = nftnl_nlmsg_build_hdr(room, NFT_MSG_NEWSET, fw_nfproto(t), NLM_F_CREATE,
				    fw_nl_seq(nl));
	nftnl_set_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	nftnl_udata_buf_free(ud);
	fw_nl_batch_next(nl);
	return 0;
}

void *fw_nl_batch_room(struct fw_nl *nl, size_t max)
{
	void *room;

	if (!nl->batch || mnl_nlmsg_batch_size(nl->batch) + max > FW_NL_BATCH_LIMIT)
		return NULL;
	/* zeroed: libmnl 1.0.4 does not write an attribute's padding */
	room = mnl_nlmsg_batch_current(nl->batch);
	memset(room, 0, max);
	return room;
}

void fw_nl_batch_next(struct fw_nl *nl)
{
	mnl_nlmsg_batch_next(nl->batch);
	nl->nbatch++;
}

/* A batch is processed synchronously inside sendmsg(): when it returns,
 * every error the kernel had to report is queued on the socket already.
 * No message asks for an ACK, so an empty queue means success. */
static int batch_send(struct fw_nl *nl)
{
	char rbuf[MNL_SOCKET_BUFFER_SIZE];
	int first = 0;
	ssize_t len;

	if (mnl_socket_sendto(nl->sock, mnl_nlmsg_batch_head(nl->batch),
			      mnl_nlmsg_batch_size(nl->batch)) < 0)
		return -errno;
	for (;;) {
		const struct nlmsghdr *nlh;
		int left;

		len = recv(mnl_socket_get_fd(nl->sock), rbuf, sizeof(rbuf), MSG_DONTWAIT);
		if (len < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return -errno;
		}
		left = (int)len;
		for (nlh = (const struct nlmsghdr *)rbuf; mnl_nlmsg_ok(nlh, left);
		     nlh = mnl_nlmsg_next(nlh, &left)) {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

			if (nlh->nlmsg_type == NLMSG_ERROR && e->error && !first)
				first = e->error;
		}
	}
	return first;
}

int fw_nl_batch_commit(struct fw_nl *nl)
{
	int rc = 0;

	if (!nl->batch)
		return -EINVAL;
	if (nl->nbatch) {
		nftnl_batch_end(mnl_nlmsg_batch_current(nl->batch), ++nl->seq);
		mnl_nlmsg_batch_next(nl->batch);
		rc = batch_send(nl);
	}
	fw_nl_batch_abort(nl);
	return rc;
}

void fw_nl_batch_abort(struct fw_nl *nl)
{
	if (nl->batch)
		mnl_nlmsg_batch_stop(nl->batch);
	nl->batch = NULL;
	nl->nbatch = 0;
}
