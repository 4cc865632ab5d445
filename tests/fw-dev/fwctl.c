/* A driver for the guard's public API (hp/fw.h), built by the Makefile as
 * build/hp-fwctl for the tests (a trunk's guard on a bridge without VLAN
 * filtering, the counters as the library reads them) and for measuring:
 *   hp-fwctl add IFNAME bridge|inet|netdev MAC|- [IP-LIST [VLANS]]
 *            (VLANS in the `vlan` key's syntax: "10p/20/30")
 *   hp-fwctl del IFNAME bridge|inet|netdev
 *   hp-fwctl loop N IFNAME bridge|inet|netdev MAC IP-LIST  (N add+del, timed)
 *   hp-fwctl counters [IFNAME]   "IFNAME REASON PACKETS" for each counter
 *            that is not 0 (IFNAME: hp_fw_guard_counters, every reason;
 *            none: hp_fw_counters_dump of each kind)
 * Set XEN_HOTPLUG_DEBUG=1 to see the debug log. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hp/fw.h"
#include "hp/log.h"
#include "hp/parse.h"
#include "hp/vlan.h"

static int family(const char *s, enum hp_fw_family *f)
{
	if (!strcmp(s, "bridge"))
		*f = HP_FW_BRIDGE;
	else if (!strcmp(s, "inet"))
		*f = HP_FW_INET;
	else if (!strcmp(s, "netdev"))
		*f = HP_FW_NETDEV;
	else
		return -1;
	return 0;
}

static int guard(struct hp_guard *g, int argc, char **argv, struct hp_prefix **ips,
		 struct hp_vlans *vlans)
{
	char err[160];

	memset(g, 0, sizeof(*g));
	g->ifname = argv[0];
	if (argc < 2 || family(argv[1], &g->family))
		return -1;
	if (argc > 2 && strcmp(argv[2], "-")) {
		if (hp_parse_mac(argv[2], g->mac, 1))
			return -1;
		g->has_mac = 1;
	}
	if (argc > 3 && hp_parse_ip_list(argv[3], ips, &g->naddrs))
		return -1;
	g->addrs = *ips;
	if (argc > 4) {
		if (hp_vlan_parse(argv[4], vlans, err, sizeof(err))) {
			fprintf(stderr, "fwctl: %s\n", err);
			return -1;
		}
		g->vlans = vlans;
	}
	return 0;
}

static void print(const char *ifname, const uint64_t *packets)
{
	unsigned int r;

	for (r = 0; r < HP_FW_NREASONS; r++)
		if (packets[r])
			printf("%s %s %" PRIu64 "\n", ifname, hp_fw_reason_name(r), packets[r]);
}

static int dump_cb(const struct hp_fw_counters *c, void *arg)
{
	(void)arg;
	print(c->ifname, c->packets);
	return 0;
}

static int counters(int argc, char **argv)
{
	uint64_t packets[HP_FW_NREASONS];
	enum hp_fw_family f;
	int rc = 0;

	if (argc > 0) {
		if (!(rc = hp_fw_guard_counters(argv[0], HP_FW_BRIDGE, packets)))
			print(argv[0], packets);
		return rc;
	}
	for (f = HP_FW_BRIDGE; !rc && f <= HP_FW_NETDEV; f++)
		rc = hp_fw_counters_dump(f, dump_cb, NULL);
	return rc;
}

int main(int argc, char **argv)
{
	struct hp_prefix *ips = NULL;
	struct hp_vlans vlans = { 0 };
	struct hp_guard g;
	enum hp_fw_family f;
	struct timespec a, b;
	long i, n;
	int rc = 0;

	hp_log_init("fwctl");
	if (argc >= 4 && !strcmp(argv[1], "add")) {
		if (guard(&g, argc - 2, argv + 2, &ips, &vlans))
			return 2;
		rc = hp_fw_guard_add(&g);
	} else if (argc == 4 && !strcmp(argv[1], "del")) {
		if (family(argv[3], &f))
			return 2;
		rc = hp_fw_guard_del(argv[2], f);
	} else if (argc >= 5 && !strcmp(argv[1], "loop")) {
		n = atol(argv[2]);
		if (guard(&g, argc - 3, argv + 3, &ips, &vlans))
			return 2;
		clock_gettime(CLOCK_MONOTONIC, &a);
		for (i = 0; i < n && !rc; i++)
			if (!(rc = hp_fw_guard_add(&g)))
				rc = hp_fw_guard_del(g.ifname, g.family);
		clock_gettime(CLOCK_MONOTONIC, &b);
		fprintf(stderr, "%ld add+del: %.1f us each\n", i,
			((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / 1e3 / (double)i);
	} else if (argc >= 2 && !strcmp(argv[1], "counters")) {
		rc = counters(argc - 2, argv + 2);
	} else {
		fprintf(stderr, "usage: hp-fwctl add|del|loop|counters ...\n");
		return 2;
	}
	free(ips);
	hp_vlans_free(&vlans);
	if (rc)
		fprintf(stderr, "fwctl: %s\n", strerror(-rc));
	hp_log_close();
	return rc ? 1 : 0;
}
