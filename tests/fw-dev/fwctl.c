/* Development driver for the firewall module; not built by the Makefile.
 *   cc -std=gnu11 -Icommon -o build/fwctl tests/fw-dev/fwctl.c build/libhotplug.a \
 *      $(pkg-config --libs libnl-3.0 libnl-route-3.0 xenstore libnftnl libmnl)
 *   fwctl add IFNAME bridge|inet [MAC|-] [IP-LIST]
 *   fwctl del IFNAME bridge|inet
 *   fwctl loop N IFNAME bridge|inet MAC IP-LIST   (N times add+del, timed)
 * Set XEN_HOTPLUG_DEBUG=1 to see the debug log. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hp/fw.h"
#include "hp/log.h"
#include "hp/parse.h"

static int guard(struct hp_guard *g, int argc, char **argv, struct hp_prefix **ips)
{
	memset(g, 0, sizeof(*g));
	g->ifname = argv[0];
	g->family = !strcmp(argv[1], "inet") ? HP_FW_INET : HP_FW_BRIDGE;
	if (argc > 2 && strcmp(argv[2], "-")) {
		if (hp_parse_mac(argv[2], g->mac, 1))
			return -1;
		g->has_mac = 1;
	}
	if (argc > 3 && hp_parse_ip_list(argv[3], ips, &g->naddrs))
		return -1;
	g->addrs = *ips;
	return 0;
}

int main(int argc, char **argv)
{
	struct hp_prefix *ips = NULL;
	struct hp_guard g;
	struct timespec a, b;
	long i, n;
	int rc = 0;

	hp_log_init("fwctl");
	if (argc >= 4 && !strcmp(argv[1], "add")) {
		if (guard(&g, argc - 2, argv + 2, &ips))
			return 2;
		rc = hp_fw_guard_add(&g);
	} else if (argc == 4 && !strcmp(argv[1], "del")) {
		rc = hp_fw_guard_del(argv[2], !strcmp(argv[3], "inet") ? HP_FW_INET : HP_FW_BRIDGE);
	} else if (argc >= 5 && !strcmp(argv[1], "loop")) {
		n = atol(argv[2]);
		if (guard(&g, argc - 3, argv + 3, &ips))
			return 2;
		clock_gettime(CLOCK_MONOTONIC, &a);
		for (i = 0; i < n && !rc; i++)
			if (!(rc = hp_fw_guard_add(&g)))
				rc = hp_fw_guard_del(g.ifname, g.family);
		clock_gettime(CLOCK_MONOTONIC, &b);
		fprintf(stderr, "%ld add+del: %.1f us each\n", i,
			((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / 1e3 / (double)i);
	} else {
		fprintf(stderr, "usage: fwctl add|del|loop ...\n");
		return 2;
	}
	free(ips);
	if (rc)
		fprintf(stderr, "fwctl: %s\n", strerror(-rc));
	hp_log_close();
	return rc ? 1 : 0;
}
