/* nf_tables netlink for the guard, the socket and the reading half: see
 * fw-nl.h.  Requests are built and parsed with libnftnl; batches are in
 * fw-nl-batch.c. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <libnftnl/chain.h>
#include <libnftnl/object.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>

#include "fw-nl.h"
#include "fw-rules.h"

#define FW_RELEASE_DELAY_MS 100 /* well over an RCU grace period */

uint8_t fw_nfproto(enum fw_table t)
{
	return t == FW_T_BRIDGE ? NFPROTO_BRIDGE : t == FW_T_INET ? NFPROTO_INET : NFPROTO_NETDEV;
}

const char *fw_table_family(enum fw_table t)
{
	return t == FW_T_BRIDGE ? "bridge" : t == FW_T_INET ? "inet" : "netdev";
}

void fw_nl_backoff(int attempt)
{
	static unsigned int seed;
	struct timespec ts;
	long base_us = 1000L << (attempt < 5 ? attempt : 5);
	long us;

	if (!seed) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		seed = (unsigned int)getpid() ^ (unsigned int)ts.tv_nsec;
	}
	us = base_us / 2 + rand_r(&seed) % base_us;
	ts.tv_sec = us / 1000000;
	ts.tv_nsec = us % 1000000 * 1000;
	nanosleep(&ts, NULL);
}

int fw_nl_open(struct fw_nl *nl)
{
	int rc;

	memset(nl, 0, sizeof(*nl));
	nl->seq = (uint32_t)time(NULL);
	/* The batch buffer is not zeroed (64 KiB was a twentieth of a run):
	 * fw_nl_batch_room() zeroes each message's room instead.  Debian
	 * 12's libmnl (1.0.4) leaves an attribute's padding as it was, and
	 * the kernel would be sent those bytes (valgrind says so). */
	if (!(nl->buf = malloc(FW_NL_BATCH_SIZE)) || !(nl->req = calloc(1, FW_NL_REQ_SIZE))) {
		free(nl->buf);
		return -ENOMEM;
	}
	if (!(nl->sock = mnl_socket_open(NETLINK_NETFILTER)) ||
	    mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		rc = -errno;
		if (nl->sock)
			mnl_socket_close(nl->sock);
		free(nl->buf);
		free(nl->req);
		memset(nl, 0, sizeof(*nl));
		return rc;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	return 0;
}

/* After a transaction that deleted elements, the kernel frees them after
 * an RCU grace period, and releasing the last nf_tables socket of the
 * process waits for that (nft_rcv_nl_event flushes nf_tables_destroy_list
 * on NETLINK_URELEASE, under the commit mutex, so that every other
 * nf_tables transaction on the host waits too): 5 to 15 ms here, two
 * thirds of an offline.  Left alone, the destroy work drains the list
 * within a grace period without that mutex.  So a child, forked without
 * exec, holds a reference to the socket until this process has exited
 * (the pipe's EOF) and a little longer, and its close then finds nothing
 * to flush: neither libxl nor the next vif waits.  If the fork fails, we
 * wait ourselves. */
static void release_later(int fd)
{
	int p[2], lo, hi;
	pid_t pid;
	char c;

	if (pipe2(p, O_CLOEXEC))
		return;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return;
	}
	if (pid == 0) {
		lo = fd < p[0] ? fd : p[0];
		hi = fd < p[0] ? p[0] : fd;
		/* stdio too: nobody waits on our pipes for this child */
		if (lo > 0)
			close_range(0, (unsigned int)lo - 1, 0);
		if (hi > lo + 1)
			close_range((unsigned int)lo + 1, (unsigned int)hi - 1, 0);
		close_range((unsigned int)hi + 1, ~0U, 0);
		while (read(p[0], &c, 1) < 0 && errno == EINTR)
			;
		nanosleep(&(struct timespec){ .tv_nsec = FW_RELEASE_DELAY_MS * 1000000L }, NULL);
		_exit(0);
	}
	/* p[1] stays open until we exit: that is the child's signal */
	close(p[0]);
}

void fw_nl_close(struct fw_nl *nl)
{
	fw_nl_batch_abort(nl);
	if (nl->sock && nl->deleted)
		release_later(mnl_socket_get_fd(nl->sock));
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl->buf);
	free(nl->req);
	memset(nl, 0, sizeof(*nl));
}

/* Sends one request and runs cb on the answer (a dump: every part).  No
 * ACK is asked for: a lookup is answered by one message, the object or
 * an error. */
int fw_nl_request(struct fw_nl *nl, struct nlmsghdr *nlh, int dump, mnl_cb_t cb, void *data)
{
	char rbuf[32768]; /* MNL_SOCKET_DUMP_SIZE in newer libmnl */
	uint32_t seq = nlh->nlmsg_seq;
	ssize_t len;
	int ret;

	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		len = mnl_socket_recvfrom(nl->sock, rbuf, sizeof(rbuf));
		if (len < 0)
			return -errno;
		ret = mnl_cb_run(rbuf, (size_t)len, seq, nl->portid, cb, data);
		if (ret < 0)
			return errno ? -errno : -EPROTO;
	} while (dump && ret == MNL_CB_OK);
	return 0;
}

/* ---- reading: comments and elements ------------------------------------ */

struct udata_find {
	uint8_t type;
	const char *value;
};

static int udata_cb(const struct nftnl_udata *attr, void *data)
{
	struct udata_find *f = data;
	const char *v = nftnl_udata_get(attr);
	uint8_t len = nftnl_udata_len(attr);

	if (nftnl_udata_type(attr) == f->type && len && !v[len - 1])
		f->value = v;
	return MNL_CB_OK;
}

/* The NUL-terminated string of type `type` in a userdata blob, or NULL. */
static const char *udata_str(const void *ud, uint32_t len, uint8_t type)
{
	struct udata_find f = { .type = type };

	if (ud && len)
		nftnl_udata_parse(ud, len, udata_cb, &f);
	return f.value;
}

struct comment_reply {
	int set; /* a set, else the table */
	int *found;
	char *comment;
	size_t size;
};

static int comment_cb(const struct nlmsghdr *nlh, void *data)
{
	struct comment_reply *cr = data;
	const void *ud = NULL;
	const char *c = NULL;
	uint32_t len = 0;

	if (cr->set) {
		struct nftnl_set *s = nftnl_set_alloc();

		if (!s)
			return MNL_CB_ERROR;
		if (nftnl_set_nlmsg_parse(nlh, s) == 0) {
			*cr->found = 1;
			if (nftnl_set_is_set(s, NFTNL_SET_USERDATA))
				ud = nftnl_set_get_data(s, NFTNL_SET_USERDATA, &len);
			c = udata_str(ud, len, NFTNL_UDATA_SET_COMMENT);
			snprintf(cr->comment, cr->size, "%s", c ? c : "");
		}
		nftnl_set_free(s);
	} else {
		struct nftnl_table *t = nftnl_table_alloc();

		if (!t)
			return MNL_CB_ERROR;
		if (nftnl_table_nlmsg_parse(nlh, t) == 0) {
			*cr->found = 1;
			if (nftnl_table_is_set(t, NFTNL_TABLE_USERDATA))
				ud = nftnl_table_get_data(t, NFTNL_TABLE_USERDATA, &len);
			c = udata_str(ud, len, NFTNL_UDATA_TABLE_COMMENT);
			snprintf(cr->comment, cr->size, "%s", c ? c : "");
		}
		nftnl_table_free(t);
	}
	return MNL_CB_OK;
}

int fw_nl_table_comment(struct fw_nl *nl, enum fw_table tb, int *found, char *comment, size_t size)
{
	struct comment_reply cr = { 0, found, comment, size };
	struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh;
	int rc;

	*found = 0;
	comment[0] = '\0';
	if (!t)
		return -ENOMEM;
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, FW_TABLE);
	nlh = nftnl_nlmsg_build_hdr(nl->req, NFT_MSG_GETTABLE, fw_nfproto(tb), 0, ++nl->seq);
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	rc = fw_nl_request(nl, nlh, 0, comment_cb, &cr);
	return rc == -ENOENT ? 0 : rc;
}

int fw_nl_set_comment(struct fw_nl *nl, enum fw_table t, const char *set, int *found, char *comment,
		      size_t size)
{
	struct comment_reply cr = { 1, found, comment, size };
	struct nftnl_set *s = nftnl_set_alloc();
	struct nlmsghdr *nlh;
	int rc;

	*found = 0;
	comment[0] = '\0';
	if (!s)
		return -ENOMEM;
	nftnl_set_set_str(s, NFTNL_SET_TABLE, FW_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, set);
	nlh = nftnl_nlmsg_build_hdr(nl->req, NFT_MSG_GETSET, fw_nfproto(t), 0, ++nl->seq);
	nftnl_set_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	rc = fw_nl_request(nl, nlh, 0, comment_cb, &cr);
	return rc == -ENOENT ? 0 : rc;
}

struct names_reply {
	int sets;
	fw_nl_name_cb cb;
	void *data;
	int rc;
};

static int names_cb(const struct nlmsghdr *nlh, void *data)
{
	struct names_reply *nr = data;
	const char *name = NULL;
	struct nftnl_chain *c = NULL;
	struct nftnl_set *s = NULL;

	if (nr->rc)
		return MNL_CB_OK;
	if (nr->sets) {
		if (!(s = nftnl_set_alloc()))
			return MNL_CB_ERROR;
		if (!nftnl_set_nlmsg_parse(nlh, s) &&
		    !(nftnl_set_get_u32(s, NFTNL_SET_FLAGS) & NFT_SET_ANONYMOUS))
			name = nftnl_set_get_str(s, NFTNL_SET_NAME);
	} else {
		if (!(c = nftnl_chain_alloc()))
			return MNL_CB_ERROR;
		if (!nftnl_chain_nlmsg_parse(nlh, c))
			name = nftnl_chain_get_str(c, NFTNL_CHAIN_NAME);
	}
	if (name)
		nr->rc = nr->cb(name, nr->data);
	if (s)
		nftnl_set_free(s);
	if (c)
		nftnl_chain_free(c);
	return MNL_CB_OK;
}

int fw_nl_names(struct fw_nl *nl, enum fw_table t, int sets, fw_nl_name_cb cb, void *data)
{
	struct names_reply nr = { sets, cb, data, 0 };
	struct nlmsghdr *nlh;
	int rc;

	if (sets) {
		struct nftnl_set *s = nftnl_set_alloc();

		if (!s)
			return -ENOMEM;
		nftnl_set_set_str(s, NFTNL_SET_TABLE, FW_TABLE);
		nlh = nftnl_nlmsg_build_hdr(nl->req, NFT_MSG_GETSET, fw_nfproto(t), NLM_F_DUMP,
					    ++nl->seq);
		nftnl_set_nlmsg_build_payload(nlh, s);
		nftnl_set_free(s);
	} else {
		struct nftnl_chain *c = nftnl_chain_alloc();

		if (!c)
			return -ENOMEM;
		nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, FW_TABLE);
		nlh = nftnl_nlmsg_build_hdr(nl->req, NFT_MSG_GETCHAIN, fw_nfproto(t), NLM_F_DUMP,
					    ++nl->seq);
		nftnl_chain_nlmsg_build_payload(nlh, c);
		nftnl_chain_free(c);
	}
	rc = fw_nl_request(nl, nlh, 1, names_cb, &nr);
	return rc ? rc : nr.rc;
}

struct elems_reply {
	fw_nl_elem_cb cb;
	void *data;
	int rc;
};

static int elem_cb(struct nftnl_set_elem *se, void *data)
{
	struct elems_reply *er = data;
	const void *k, *ke = NULL, *ud = NULL;
	uint32_t klen = 0, kelen = 0, udlen = 0;

	if (er->rc)
		return 0;
	k = nftnl_set_elem_get(se, NFTNL_SET_ELEM_KEY, &klen);
	if (!k)
		return 0;
	if (nftnl_set_elem_is_set(se, NFTNL_SET_ELEM_KEY_END)) {
		ke = nftnl_set_elem_get(se, NFTNL_SET_ELEM_KEY_END, &kelen);
		if (kelen != klen)
			ke = NULL;
	}
	if (nftnl_set_elem_is_set(se, NFTNL_SET_ELEM_USERDATA))
		ud = nftnl_set_elem_get(se, NFTNL_SET_ELEM_USERDATA, &udlen);
	er->rc = er->cb(k, klen, ke, udata_str(ud, udlen, NFTNL_UDATA_SET_ELEM_COMMENT), er->data);
	return 0;
}

static int elems_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_set *s = nftnl_set_alloc();

	if (!s)
		return MNL_CB_ERROR;
	if (nftnl_set_elems_nlmsg_parse(nlh, s) == 0)
		nftnl_set_elem_foreach(s, elem_cb, data);
	nftnl_set_free(s);
	return MNL_CB_OK;
}

int fw_nl_set_elems(struct fw_nl *nl, enum fw_table t, const char *set, const unsigned char *key,
		    uint32_t len, fw_nl_elem_cb cb, void *data)
{
	struct elems_reply er = { cb, data, 0 };
	struct nftnl_set *s = nftnl_set_alloc();
	struct nftnl_set_elem *e;
	struct nlmsghdr *nlh;
	int rc;

	if (!s)
		return -ENOMEM;
	nftnl_set_set_str(s, NFTNL_SET_TABLE, FW_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, set);
	if (key) {
		if (!(e = nftnl_set_elem_alloc())) {
			nftnl_set_free(s);
			return -ENOMEM;
		}
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, key, len);
		nftnl_set_elem_add(s, e);
	}
	nlh = nftnl_nlmsg_build_hdr(nl->req, NFT_MSG_GETSETELEM, fw_nfproto(t),
				    key ? 0 : NLM_F_DUMP, ++nl->seq);
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	rc = fw_nl_request(nl, nlh, !key, elems_cb, &er);
	if (rc == -ENOENT)
		return 0;
	return rc ? rc : er.rc;
}

/* ---- reading: the generation and counters ------------------------------ */

static int genid_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nlattr *a;

	mnl_attr_for_each(a, nlh,
			  sizeof(struct nfgenmsg)) if (mnl_attr_get_type(a) == NFTA_GEN_ID &&
						       !mnl_attr_validate(a, MNL_TYPE_U32)) *
		(uint32_t *)data = ntohl(mnl_attr_get_u32(a));
	return MNL_CB_OK;
}

int fw_nl_genid(struct fw_nl *nl, uint32_t *genid)
{
	struct nlmsghdr *nlh;

	*genid = 0;
	nlh = nftnl_nlmsg_build_hdr(nl->req, NFT_MSG_GETGEN, AF_UNSPEC, 0, ++nl->seq);
	return fw_nl_request(nl, nlh, 0, genid_cb, genid);
}

struct counters_reply {
	fw_nl_counter_cb cb;
	void *data;
	int rc;
};

static int counters_cb(const struct nlmsghdr *nlh, void *data)
{
	struct counters_reply *cr = data;
	struct nftnl_obj *o;

	if (cr->rc)
		return MNL_CB_OK;
	if (!(o = nftnl_obj_alloc()))
		return MNL_CB_ERROR;
	if (nftnl_obj_nlmsg_parse(nlh, o) == 0 && nftnl_obj_is_set(o, NFTNL_OBJ_NAME) &&
	    nftnl_obj_get_u32(o, NFTNL_OBJ_TYPE) == NFT_OBJECT_COUNTER)
		cr->rc = cr->cb(nftnl_obj_get_str(o, NFTNL_OBJ_NAME),
				nftnl_obj_get_u64(o, NFTNL_OBJ_CTR_PKTS),
				nftnl_obj_get_u64(o, NFTNL_OBJ_CTR_BYTES), cr->data);
	nftnl_obj_free(o);
	return MNL_CB_OK;
}

int fw_nl_counters(struct fw_nl *nl, const char *name, fw_nl_counter_cb cb, void *data)
{
	struct counters_reply cr = { cb, data, 0 };
	struct nftnl_obj *o = nftnl_obj_alloc();
	struct nlmsghdr *nlh;
	int rc;

	if (!o)
		return -ENOMEM;
	nftnl_obj_set_str(o, NFTNL_OBJ_TABLE, FW_TABLE);
	nftnl_obj_set_u32(o, NFTNL_OBJ_TYPE, NFT_OBJECT_COUNTER);
	if (name)
		nftnl_obj_set_str(o, NFTNL_OBJ_NAME, name);
	nlh = nftnl_nlmsg_build_hdr(nl->req, NFT_MSG_GETOBJ, NFPROTO_NETDEV, name ? 0 : NLM_F_DUMP,
				    ++nl->seq);
	nftnl_obj_nlmsg_build_payload(nlh, o);
	nftnl_obj_free(o);
	rc = fw_nl_request(nl, nlh, !name, counters_cb, &cr);
	if (rc == -ENOENT)
		return 0;
	return rc ? rc : cr.rc;
}
