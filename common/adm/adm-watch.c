/* xen-hotplug repair --watch (hp/adm.h): link events over rtnetlink; a
 * bridge created again (a new ifindex under its name) or brought up is
 * repaired once its events settle, so that what the distribution's
 * network configuration does when it restarts (delete the bridge, create
 * it, add its uplink, bring it up) costs one repair, after the last event.
 * Events the kernel dropped (a full socket buffer) mean every bridge. */
#include <errno.h>
#include <linux/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hp/adm.h"
#include "hp/log.h"

#define QUIET_MS 500 /* a bridge's events settle before its repair */
#define WATCH_MAX 256 /* bridges watched */

struct watched {
	char name[HP_IFNAMSIZ];
	int ifindex, up;
	long due; /* ms: when its repair runs; 0: none pending */
};

struct watch {
	struct watched v[WATCH_MAX];
	size_t n;
	const char *only; /* one bridge, or NULL */
	int lost; /* events were lost: repair every bridge */
};

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Bridges: a Linux bridge, Open vSwitch's bridge port (kernel datapath:
 * "openvswitch"; userspace datapath: a tap, "tun"). */
static int bridge_like(const char *kind)
{
	return !strcmp(kind, "bridge") || !strcmp(kind, "openvswitch") || !strcmp(kind, "tun");
}

static struct watched *find(struct watch *w, const char *name)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		if (!strcmp(w->v[i].name, name))
			return &w->v[i];
	if (w->n == WATCH_MAX)
		return NULL;
	memset(&w->v[w->n], 0, sizeof(w->v[0]));
	snprintf(w->v[w->n].name, sizeof(w->v[0].name), "%s", name);
	return &w->v[w->n++];
}

static void on_event(const struct hp_link_event *e, void *data)
{
	struct watch *w = data;
	struct watched *b;

	if (!bridge_like(e->kind) || (w->only && strcmp(w->only, e->name)) ||
	    !(b = find(w, e->name)))
		return;
	if (e->gone) {
		b->ifindex = b->up = 0;
		return;
	}
	if (b->ifindex != e->ifindex || (e->up && !b->up)) {
		hp_dbg("bridge '%s' %s", e->name, b->ifindex != e->ifindex ? "created" : "up");
		b->due = now_ms() + QUIET_MS;
	}
	b->ifindex = e->ifindex;
	b->up = e->up;
}

/* What is there when the watch starts is no event. */
static int seed(const struct hp_link *l, void *data)
{
	struct watch *w = data;
	struct watched *b;

	if (bridge_like(l->kind) && (!w->only || !strcmp(w->only, l->name)) &&
	    (b = find(w, l->name))) {
		b->ifindex = l->ifindex;
		b->up = !!(l->flags & IFF_UP);
	}
	return 0;
}

int hp_adm_watch(const char *only, int (*repair)(const char *bridge, void *data), void *data,
		 volatile sig_atomic_t *stop)
{
	struct hp_link_watch *lw = NULL;
	struct watch *w = calloc(1, sizeof(*w));
	struct hp_nl *nl = NULL;
	struct pollfd pfd;
	long next, t;
	size_t i;
	int rc;

	if (!w)
		return -ENOMEM;
	w->only = only;
	if ((rc = hp_link_watch_open(&lw)) || (rc = hp_nl_open(&nl)) ||
	    (rc = hp_link_each(nl, seed, w)))
		goto out;
	hp_nl_close(nl);
	nl = NULL;
	pfd = (struct pollfd){ .fd = hp_link_watch_fd(lw), .events = POLLIN };
	while (!*stop) {
		for (i = 0, next = -1; i < w->n; i++)
			if (w->v[i].due && (next < 0 || w->v[i].due < next))
				next = w->v[i].due;
		t = next < 0 ? -1 : next - now_ms();
		if (poll(&pfd, 1, t < 0 && next >= 0 ? 0 : (int)t) > 0) {
			rc = hp_link_watch_read(lw, on_event, w);
			if (rc == -ENOBUFS) {
				hp_warn("link events were lost: repairing every bridge's vifs");
				w->lost = 1;
			} else if (rc) {
				break;
			}
			rc = 0;
		}
		if (w->lost) {
			w->lost = 0;
			repair(NULL, data);
		}
		for (i = 0; i < w->n && !*stop; i++) {
			if (!w->v[i].due || w->v[i].due > now_ms())
				continue;
			w->v[i].due = 0;
			repair(w->v[i].name, data);
		}
	}
out:
	hp_nl_close(nl);
	hp_link_watch_close(lw);
	free(w);
	return rc;
}
