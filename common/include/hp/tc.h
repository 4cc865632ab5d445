/* Rate limits on a link, both ways, with tc over rtnetlink (libnl-route-3).
 *
 * What the link sends (for a tap: what the guest receives) goes through a
 * tbf as the link's root qdisc.  What the link receives (what the guest
 * sends) is its ingress, where no qdisc can queue: an ingress qdisc with a
 * u32 filter matching everything redirects it (the mirred action) to an
 * ifb link, whose root tbf limits it, and the ifb hands it back to the
 * stack as if it came from the link.  (The police action would do it
 * without an ifb; Debian's kernels have it, this project's CI kernel has
 * not.)
 *
 * Our qdiscs carry handle 4850: (ingress: ffff:), the ifb an alias
 * beginning "xen-hotplug rate limit" that says it is ours; nothing else is
 * touched or removed. */
#ifndef HP_TC_H
#define HP_TC_H

#include "hp/link.h"
#include "hp/rate.h"

#define HP_TC_IFB_ALIAS "xen-hotplug rate limit of "

/* Limits link ifindex to r both ways, through the ifb named ifb (created
 * when missing, with the alias HP_TC_IFB_ALIAS + the link's name, and
 * brought up).  ingress: the link's ingress is redirected to the ifb by
 * tc, as above; 0: by the caller (the anti-spoofing guard's ingress chain
 * hands what it passes to the ifb: a tc redirect would skip it), and an
 * ingress qdisc of ours is removed.  Idempotent: a second call replaces
 * the rate in place, without a moment unlimited.  *created is set when
 * the ifb was made by this call (so that an undo takes away only what it
 * added).  -EEXIST when a link named ifb exists and is not ours.  On
 * failure, part of it may be in place: hp_tc_unlimit() removes it. */
int hp_tc_limit(struct hp_nl *nl, int ifindex, const char *ifname, const char *ifb,
		const struct hp_rate *r, int ingress, int *created);
/* Removes what hp_tc_limit set, when the ifb named ifb is there and ours
 * (the two are set together, the ifb first): the link's qdiscs (unless
 * ifindex is 0: the link is gone, and its qdiscs with it), then the ifb.
 * Whatever is gone already is fine; *found (may be NULL) says whether our
 * ifb was there. */
int hp_tc_unlimit(struct hp_nl *nl, int ifindex, const char *ifb, int *found);

/* What hp_tc_limit() set on link ifindex through ifb, as the kernel has
 * it now (reads only, for xen-hotplug and the tools' verify). */
struct hp_tc_state {
	int root; /* our tbf (4850:) is the link's root qdisc */
	unsigned int root_rate; /* its rate, bytes/s */
	int ingress; /* the link has the ingress qdisc (ffff:) */
	int redirect; /* a u32 filter there redirects to the ifb (mirred) */
	int ifb; /* a link named ifb exists and is ours (kind ifb, our alias) */
	int ifb_up;
	int ifb_root; /* the ifb's root qdisc is our tbf */
	unsigned int ifb_rate; /* its rate, bytes/s */
};
/* ifindex 0: the link is gone, only the ifb is looked at. */
int hp_tc_limit_get(struct hp_nl *nl, int ifindex, const char *ifb, struct hp_tc_state *st);
/* 1 when st is the limit r, both ways, as hp_tc_limit() sets it. */
int hp_tc_limit_same(const struct hp_tc_state *st, const struct hp_rate *r);

#endif
