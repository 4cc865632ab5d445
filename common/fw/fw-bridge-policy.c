/* network-bridge's strict policy on its bridge: see fw-bridge-policy.h.
 * Written in nft syntax and run through libnftables (fw-nftables.c), as
 * the guard's one-time table creation is: this runs once per
 * `network-bridge start`, never on a vif's hot path. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hp/conf.h"
#include "hp/fw-bridge-policy.h"
#include "fw-nftables.h"
#include "fw-priv.h"
#include "hp/log.h"
#include "hp/parse.h"

#define POLICY_TABLE "bridge xen_hotplug"

/* The policy reads the guard's `guarded` set, which only antispoof=nft
 * fills: with another backend every guest, guarded or not, would be cut
 * off while vif-bridge reports it guarded. */
int hp_fw_bridge_policy_check(void)
{
	int rc = hp_fw_filters();

	if (rc < 0)
		return rc;
	if (rc == 0) {
		hp_err("unable to use antispoof=yes with guard backend '%s' (%s): it guards no vif, "
		       "so every guest would be cut off; set antispoof=nft in '%s' (and no "
		       "XEN_HOTPLUG_ANTISPOOF), or do not use antispoof=yes",
		       fw_backend_name(), fw_backend_origin(), hp_conf_path());
		return -EOPNOTSUPP;
	}
	return 0;
}

int hp_fw_bridge_policy_add(const char *bridge, const char *uplink, int *full)
{
	char *text = NULL, err[256];
	struct fw_nftables n;
	int rc;

	*full = 0;
	if (hp_parse_ifname(bridge) || hp_parse_ifname(uplink))
		return -EINVAL;
	if ((rc = hp_fw_bridge_policy_check()))
		return rc;
	if ((rc = fw_nftables_open(&n, "install the antispoof policy")))
		return rc;
	/* the guard module makes its table, so that the layout is its own */
	if ((rc = hp_fw_tables_ensure(HP_FW_BRIDGE)))
		goto out;
	/* flush + add: the one rule, however often this runs */
	if (asprintf(&text,
		     "add set " POLICY_TABLE " strict_uplinks { type ifname; comment \"uplinks of "
		     "network-bridge antispoof=yes bridges\"; }\n"
		     "add chain " POLICY_TABLE
		     " strict_forward { type filter hook forward priority "
		     "-300; policy accept; }\n"
		     "flush chain " POLICY_TABLE " strict_forward\n"
		     "add rule " POLICY_TABLE " strict_forward oifname @strict_uplinks iifname != "
		     "@guarded drop\n"
		     "add element " POLICY_TABLE " strict_uplinks { \"%s\" }\n",
		     uplink) < 0) {
		rc = -ENOMEM;
		goto out;
	}
	if ((rc = fw_nftables_run(&n, text, err, sizeof(err)))) {
		hp_err("unable to install the antispoof policy of '%s' in table " POLICY_TABLE
		       ": %s",
		       bridge, err);
		goto out;
	}
	free(text);
	text = NULL;
	if (asprintf(&text,
		     "add set " POLICY_TABLE
		     " strict_bridges { type ifname; comment \"network-bridge "
		     "antispoof=yes bridges\"; }\n"
		     "add chain " POLICY_TABLE
		     " strict_ports { type filter hook prerouting priority "
		     "-299; policy accept; }\n"
		     "flush chain " POLICY_TABLE " strict_ports\n"
		     "add rule " POLICY_TABLE
		     " strict_ports meta ibrname @strict_bridges iifname != "
		     "@strict_uplinks iifname != @guarded drop\n"
		     "add element " POLICY_TABLE " strict_bridges { \"%s\" }\n",
		     bridge) < 0) {
		rc = -ENOMEM;
		goto out;
	}
	if (fw_nftables_run(&n, text, err, sizeof(err)))
		hp_warn("the kernel refused 'meta ibrname' (%s; needs CONFIG_NFT_BRIDGE_META): "
			"unguarded guests on '%s' are kept off the uplink '%s' only, not off dom0 "
			"and the other guests",
			err, bridge, uplink);
	else
		*full = 1;
out:
	free(text);
	fw_nftables_close(&n);
	return rc;
}

int hp_fw_bridge_policy_del(const char *bridge, const char *uplink)
{
	char *text = NULL, err[256];
	struct fw_nftables n;
	int rc;

	if (hp_parse_ifname(bridge) || hp_parse_ifname(uplink))
		return -EINVAL;
	if ((rc = fw_nftables_open(&n, "remove the antispoof policy")))
		return rc;
	/* One element per run: a missing one fails only its own run
	 * (nft 1.0.6 has no `destroy element`). */
	if (asprintf(&text, "delete element " POLICY_TABLE " strict_uplinks { \"%s\" }", uplink) >=
	    0)
		fw_nftables_run(&n, text, err, sizeof(err));
	free(text);
	if (asprintf(&text, "delete element " POLICY_TABLE " strict_bridges { \"%s\" }", bridge) >=
	    0)
		fw_nftables_run(&n, text, err, sizeof(err));
	free(text);
	fw_nftables_close(&n);
	return 0;
}
