/* The rtnetlink socket (hp/nl.h) that every file of common/nl/ sends
 * through: one per run, and the one request path all of them use.  Requests are built with libnl (or by hand) and sent here;
 * the kernel's own errno comes back, not libnl's folded code. */
#include <errno.h>
#include <stdlib.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>

#include "nl-priv.h"

struct hp_nl {
	struct nl_sock *sk;
};

int hp_nl_open(struct hp_nl **out)
{
	struct hp_nl *nl = calloc(1, sizeof(*nl));
	int rc;

	if (!nl)
		return -ENOMEM;
	nl->sk = nl_socket_alloc();
	if (!nl->sk) {
		free(nl);
		return -ENOMEM;
	}
	rc = nl_connect(nl->sk, NETLINK_ROUTE);
	if (rc < 0) {
		nl_socket_free(nl->sk);
		free(nl);
		return hp_nl_errno(rc);
	}
	*out = nl;
	return 0;
}

void hp_nl_close(struct hp_nl *nl)
{
	if (!nl)
		return;
	nl_socket_free(nl->sk);
	free(nl);
}

struct nl_sock *hp_nl_sock(struct hp_nl *nl)
{
	return nl->sk;
}

/* For failures inside libnl itself (memory, a local check); the kernel's
 * answers go through hp_nl_talk and keep their errno. */
int hp_nl_errno(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case 0:
		return 0;
	case NLE_NODEV:
	case NLE_OBJ_NOTFOUND:
		return -ENODEV;
	case NLE_EXIST:
		return -EEXIST;
	case NLE_PERM:
		return -EPERM;
	case NLE_NOACCESS:
		return -EACCES;
	case NLE_INVAL:
		return -EINVAL;
	case NLE_RANGE:
		return -ERANGE;
	case NLE_BUSY:
		return -EBUSY;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_AGAIN:
		return -EAGAIN;
	case NLE_INTR:
		return -EINTR;
	case NLE_OPNOTSUPP:
		return -EOPNOTSUPP;
	case NLE_AF_NOSUPPORT:
		return -EAFNOSUPPORT;
	case NLE_NOADDR:
		return -EADDRNOTAVAIL;
	case NLE_MSGSIZE:
		return -EMSGSIZE;
	default:
		return -EIO;
	}
}

struct talk {
	int error; /* the kernel's, negative; 0 with an ACK */
	int perr; /* the first error of parse */
	int done;
	int (*parse)(struct nl_msg *msg, void *arg);
	void *arg;
};

static int on_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *data)
{
	struct talk *t = data;

	(void)who;
	t->error = e->error;
	t->done = 1;
	return NL_STOP;
}

static int on_ack(struct nl_msg *msg, void *data)
{
	struct talk *t = data;

	(void)msg;
	t->done = 1;
	return NL_STOP;
}

static int on_valid(struct nl_msg *msg, void *data)
{
	struct talk *t = data;

	int rc;

	/* read on to the ACK whatever parse says: the socket stays in step */
	if (t->parse && !t->perr && (rc = t->parse(msg, t->arg)) < 0)
		t->perr = rc;
	return NL_OK;
}

static int exchange(struct hp_nl *nl, struct nl_msg *msg, int (*parse)(struct nl_msg *, void *),
		    void *arg)
{
	struct talk t = { .parse = parse, .arg = arg };
	struct nl_cb *cb, *own = nl_socket_get_cb(nl->sk); /* a reference */
	int rc;

	cb = own ? nl_cb_clone(own) : NULL;
	if (own)
		nl_cb_put(own);
	if (!cb)
		return -ENOMEM;
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, &t);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, &t);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_ack, &t);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, &t);
	rc = nl_send_auto(nl->sk, msg);
	while (rc >= 0 && !t.done)
		rc = nl_recvmsgs(nl->sk, cb);
	nl_cb_put(cb);
	if (t.error)
		return t.error;
	if (rc < 0)
		return hp_nl_errno(rc);
	return t.perr;
}

int hp_nl_talk(struct hp_nl *nl, struct nl_msg *msg)
{
	int rc;

	if (!msg)
		return -ENOMEM;
	rc = exchange(nl, msg, NULL, NULL);
	nlmsg_free(msg);
	return rc;
}

int hp_nl_get(struct hp_nl *nl, struct nl_msg *msg, int (*parse)(struct nl_msg *, void *),
	      void *arg)
{
	int rc;

	if (!msg)
		return -ENOMEM;
	rc = exchange(nl, msg, parse, arg);
	nlmsg_free(msg);
	return rc;
}

int hp_nl_link_change(struct hp_nl *nl, int ifindex, struct rtnl_link *chg)
{
	struct rtnl_link *orig = rtnl_link_alloc();
	struct nl_msg *msg = NULL;
	int rc;

	if (!orig || !chg) {
		rc = -ENOMEM;
		goto out;
	}
	if (ifindex <= 0) {
		rc = -ENODEV;
		goto out;
	}
	rtnl_link_set_ifindex(orig, ifindex);
	rc = rtnl_link_build_change_request(orig, chg, 0, &msg);
	rc = rc < 0 ? hp_nl_errno(rc) : hp_nl_talk(nl, msg);
out:
	if (orig)
		rtnl_link_put(orig);
	if (chg)
		rtnl_link_put(chg);
	return rc;
}
