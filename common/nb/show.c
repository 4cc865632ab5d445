/* A link in plain words: see show.h. */
#include <errno.h>
#include <linux/if.h>
#include <stdio.h>
#include <string.h>

#include "hp/log.h"
#include "hp/netmove.h"
#include "hp/show.h"

#define MAX_PORTS 64

static void show_objs(FILE *out, const char *title, const struct hp_nm_msg *v, size_t n)
{
	char buf[256];
	size_t i;

	fprintf(out, "  %s:%s\n", title, n ? "" : " none");
	for (i = 0; i < n; i++) {
		hp_nm_describe(&v[i], buf, sizeof(buf));
		fprintf(out, "    %s\n", buf);
	}
}

int hp_show_link(FILE *out, struct hp_nl *nl, const struct hp_link *l)
{
	char ports[MAX_PORTS][HP_IFNAMSIZ], what[64];
	const unsigned char *mac = l->mac;
	struct hp_nm_snap s;
	struct hp_link m;
	int n = 0, i, rc;

	fprintf(out, "%s: %s, %s, mtu %u, mac %02x:%02x:%02x:%02x:%02x:%02x", l->name,
		l->is_bridge ? "bridge" :
		*l->kind     ? l->kind :
			       "device",
		l->flags & IFF_UP ? "up" : "down", l->mtu, mac[0], mac[1], mac[2], mac[3], mac[4],
		mac[5]);
	if (l->master && !hp_link_get_index(nl, l->master, &m))
		fprintf(out, ", port of bridge %s", m.name);
	fprintf(out, "\n");
	if (l->is_bridge) {
		if ((rc = hp_link_list_ports(nl, l->ifindex, ports, MAX_PORTS, &n))) {
			hp_err("unable to list the ports of '%s': %s", l->name, strerror(-rc));
			return rc;
		}
		fprintf(out, "  ports:%s", n ? "" : " none");
		for (i = 0; i < n && i < MAX_PORTS; i++)
			fprintf(out, " %s", ports[i]);
		fprintf(out, "\n");
	}
	if ((rc = hp_nm_snapshot(nl, l->ifindex, 1, &s, what, sizeof(what)))) {
		hp_err("unable to read the addresses and routes of '%s': %s", l->name,
		       strerror(-rc));
		return rc;
	}
	show_objs(out, "addresses", s.addrs, s.naddrs);
	show_objs(out, "routes", s.routes, s.nroutes);
	hp_nm_snap_free(&s);
	return 0;
}
