/* The rtnetlink socket (libnl-route-3) that every request of a run goes
 * through: one per run, opened by the tool and handed to the link, addr,
 * route, neigh, devconf, netmove, tc, brport and brvlan calls.  The
 * socket itself and the one request path are common/nl/'s own
 * (nl-priv.h). */
#ifndef HP_NL_H
#define HP_NL_H

struct hp_nl;

/* 0, -ENOMEM, or the errno of the connect. */
int hp_nl_open(struct hp_nl **nl);
/* NULL is accepted. */
void hp_nl_close(struct hp_nl *nl);

#endif
