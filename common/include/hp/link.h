/* Links over rtnetlink (libnl-route-3), on the run's socket (hp/nl.h).
 *
 * struct hp_link is a reading of the kernel, for decisions taken right
 * after it; the setters take an ifindex and always ask the kernel, which
 * is the source of truth: setting what is already set succeeds there
 * (hp_link_set_mac looks at the link when a driver refuses a running
 * link's address change: -EBUSY for the address it has is a success).
 * A missing link is -ENODEV. */
#ifndef HP_LINK_H
#define HP_LINK_H

#include <stddef.h>

#include "hp/nl.h"
#include "hp/parse.h"

struct hp_link {
	int ifindex;
	char name[HP_IFNAMSIZ];
	char kind[16]; /* rtnl kind ("bridge", "veth", "vif"...) or "" */
	char alias[64]; /* IFLA_IFALIAS or "" */
	int master; /* ifindex of the master, 0 if none */
	unsigned int mtu;
	unsigned int flags; /* IFF_* */
	unsigned char mac[6];
	int is_bridge;
};

/* -ENODEV when there is no such link. */
int hp_link_get(struct hp_nl *nl, const char *name, struct hp_link *out);
int hp_link_get_index(struct hp_nl *nl, int ifindex, struct hp_link *out);
/* Waits up to timeout_ms until a link named one of names[0..n-1] exists
 * (the first of them that does, looked for in that order each time);
 * *which is its index in names.  -ETIMEDOUT. */
int hp_link_wait_any(struct hp_nl *nl, const char *const *names, size_t n, unsigned int timeout_ms,
		     struct hp_link *out, size_t *which);

int hp_link_set_up(struct hp_nl *nl, int ifindex, int up);
int hp_link_set_mtu(struct hp_nl *nl, int ifindex, unsigned int mtu);
int hp_link_set_mac(struct hp_nl *nl, int ifindex, const unsigned char mac[6]);
/* "" removes the alias. */
int hp_link_set_alias(struct hp_nl *nl, int ifindex, const char *alias);
/* The kernel refuses a running link (-EBUSY) and a taken name (-EEXIST). */
int hp_link_rename(struct hp_nl *nl, int ifindex, const char *newname);
/* master 0 releases the link from its master. */
int hp_link_set_master(struct hp_nl *nl, int ifindex, int master);
/* Down and released from its master, in one request.  Kernels since
 * 6.8 (and the stable ones that took the change back, 6.1.74) bring it
 * down first, as `ip link set DEV down nomaster` says; 5.1 to 6.7
 * release it first (do_setlink's order). */
int hp_link_release(struct hp_nl *nl, int ifindex);

/* Several settings of a link in one request, so that the kernel takes
 * them in one go (do_setlink: the address, the MTU, the flags, then each
 * family's settings, every one of which is validated before anything
 * changes).  A failure may leave the settings before the failing one
 * applied; each of them is idempotent, so the caller may set them again
 * one by one, to tell which failed.  HP_LINK_CHANGE_NONE changes nothing. */
struct hp_link_change {
	int up; /* 1 up, 0 down, -1 as it is */
	const unsigned char *mac; /* NULL: as it is */
	int rp_filter; /* net.ipv4.conf.DEV.rp_filter, -1: as it is */
	int addrgen_none; /* IPv6 addr_gen_mode none (no link-local address) */
};
#define HP_LINK_CHANGE_NONE               \
	{                                 \
		.up = -1, .rp_filter = -1 \
	}
int hp_link_change(struct hp_nl *nl, int ifindex, const struct hp_link_change *c);
/* No IPv6 link-local address on a bridge port (addr_gen_mode none). */
int hp_link_set_addrgen_none(struct hp_nl *nl, int ifindex);
/* Removes every IPv4 and IPv6 address of the link. */
int hp_addr_flush(struct hp_nl *nl, int ifindex);
/* Async-signal-safe, for a watchdog that cannot wait: one request to
 * take the link down, sent without waiting for the answer. */
int hp_link_down_now(int ifindex);
/* fn for every link (one dump); after its first negative return it is
 * not called again, and that is returned. */
int hp_link_each(struct hp_nl *nl, int (*fn)(const struct hp_link *l, void *arg), void *arg);
/* The names of all bridges: *n set, names copied into out (at most max). */
int hp_link_list_bridges(struct hp_nl *nl, char (*out)[HP_IFNAMSIZ], int max, int *n);
/* The same for the ports of link master (its slaves). */
int hp_link_list_ports(struct hp_nl *nl, int master, char (*out)[HP_IFNAMSIZ], int max, int *n);
/* Creates a bridge with STP off, forward delay 0, no_linklocal_learn (a
 * frame to an 802.1D group address moves no MAC to its port), the given
 * MTU and MAC (set explicitly: the bridge then keeps it whatever ports
 * join).
 * -EEXIST when the name is taken. */
int hp_link_add_bridge(struct hp_nl *nl, const char *name, unsigned int mtu,
		       const unsigned char mac[6]);
/* Deletes a link.  A missing link is a success. */
int hp_link_del(struct hp_nl *nl, int ifindex);

/* Link events (RTNLGRP_LINK), for a process that waits for links to come
 * and go (xen-hotplug repair --watch).  The socket is its own, not the
 * run's. */
struct hp_link_watch;
struct hp_link_event {
	int ifindex;
	char name[HP_IFNAMSIZ];
	char kind[16]; /* as struct hp_link's */
	int gone; /* RTM_DELLINK */
	int up; /* IFF_UP */
	int master;
};
int hp_link_watch_open(struct hp_link_watch **w);
void hp_link_watch_close(struct hp_link_watch *w);
/* For poll(2): readable when events are queued. */
int hp_link_watch_fd(const struct hp_link_watch *w);
/* Hands every queued event to cb, without waiting.  0, or -ENOBUFS when
 * the kernel dropped events (the socket's buffer was full): the caller
 * then looks at every link again. */
int hp_link_watch_read(struct hp_link_watch *w,
		       void (*cb)(const struct hp_link_event *e, void *data), void *data);

#endif
