/* Link events over their own rtnetlink socket (see link.h), parsed with
 * libnl-route's link objects. */
#include <errno.h>
#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "hp/link.h"
#include "nl-priv.h"

struct hp_link_watch {
	struct nl_sock *sk;
	void (*cb)(const struct hp_link_event *e, void *data);
	void *data;
	int type; /* of the message being parsed */
};

int hp_link_watch_open(struct hp_link_watch **out)
{
	struct hp_link_watch *w = calloc(1, sizeof(*w));
	int rc;

	if (!w)
		return -ENOMEM;
	if (!(w->sk = nl_socket_alloc())) {
		free(w);
		return -ENOMEM;
	}
	nl_socket_disable_seq_check(w->sk);
	rc = nl_connect(w->sk, NETLINK_ROUTE);
	if (rc >= 0)
		rc = nl_socket_add_membership(w->sk, RTNLGRP_LINK);
	if (rc >= 0)
		rc = nl_socket_set_nonblocking(w->sk);
	if (rc < 0) {
		nl_socket_free(w->sk);
		free(w);
		return hp_nl_errno(rc);
	}
	*out = w;
	return 0;
}

void hp_link_watch_close(struct hp_link_watch *w)
{
	if (!w)
		return;
	nl_socket_free(w->sk);
	free(w);
}

int hp_link_watch_fd(const struct hp_link_watch *w)
{
	return nl_socket_get_fd(w->sk);
}

static void seen(struct nl_object *o, void *arg)
{
	struct hp_link_watch *w = arg;
	struct rtnl_link *l = (struct rtnl_link *)o;
	struct hp_link_event e = { 0 };
	const char *s;

	e.ifindex = rtnl_link_get_ifindex(l);
	snprintf(e.name, sizeof(e.name), "%s", rtnl_link_get_name(l) ?: "");
	s = rtnl_link_get_type(l);
	snprintf(e.kind, sizeof(e.kind), "%s", s ? s : "");
	e.gone = w->type == RTM_DELLINK;
	e.up = !!(rtnl_link_get_flags(l) & IFF_UP);
	e.master = rtnl_link_get_master(l);
	w->cb(&e, w->data);
}

static int on_msg(struct nl_msg *msg, void *arg)
{
	struct hp_link_watch *w = arg;

	w->type = nlmsg_hdr(msg)->nlmsg_type;
	if (w->type == RTM_NEWLINK || w->type == RTM_DELLINK)
		nl_msg_parse(msg, seen, w);
	return NL_OK;
}

int hp_link_watch_read(struct hp_link_watch *w,
		       void (*cb)(const struct hp_link_event *e, void *data), void *data)
{
	int rc;

	w->cb = cb;
	w->data = data;
	nl_socket_modify_cb(w->sk, NL_CB_VALID, NL_CB_CUSTOM, on_msg, w);
	do
		rc = nl_recvmsgs_default(w->sk);
	while (rc >= 0);
	if (rc == -NLE_AGAIN)
		return 0;
	if (rc == -NLE_NOMEM) /* ENOBUFS from recvmsg: events were lost */
		return -ENOBUFS;
	return hp_nl_errno(rc);
}
