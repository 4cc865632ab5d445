/* network-bridge's antispoof=yes: on a bridge it made, ports that carry
 * no anti-spoofing guard (fw.h) get nothing forwarded; the uplink is
 * exempt.  Rules live in the guard's own table, `table bridge
 * xen_hotplug` (they must read its `guarded` set; nftables cannot look
 * into another table's sets), in chains and sets of their own that the
 * guard never touches:
 *
 *   set strict_uplinks { type ifname }   the uplinks (p<netdev>)
 *   set strict_bridges { type ifname }   the bridges
 *   chain strict_forward (bridge forward, priority -300):
 *       oifname @strict_uplinks iifname != @guarded drop
 *   chain strict_ports (bridge prerouting, priority -299), only when the
 *   kernel has nft_meta_bridge (CONFIG_NFT_BRIDGE_META):
 *       meta ibrname @strict_bridges iifname != @strict_uplinks
 *       iifname != @guarded drop
 *
 * The forward rule needs no bridge name: a forwarded frame's output port
 * is on its input port's bridge, so only the ports of a bridge with a
 * strict uplink are concerned.  It keeps unguarded guests off the
 * uplink (the outside world); the prerouting rule also keeps them from
 * dom0 and from the other guests.  Nothing global changes: no iptables
 * policy, no other bridge. */
#ifndef HP_FW_BRIDGE_POLICY_H
#define HP_FW_BRIDGE_POLICY_H

/* 0 when the policy can be installed: the guard backend is nftables
 * (antispoof=nft), the only one that puts guarded vifs in the `guarded`
 * set.  -EOPNOTSUPP otherwise (logged: the backend, where it was set,
 * the file to change), -EINVAL on a bad configuration.  For a caller that
 * checks before changing anything; hp_fw_bridge_policy_add() checks too. */
int hp_fw_bridge_policy_check(void);
/* Installs the policy for bridge/uplink (idempotent).  *full is set to 1
 * when the prerouting rule is in force, 0 when the kernel only allowed the
 * forward rule.  The guard table is created (or upgraded) when needed.
 * -EOPNOTSUPP with another guard backend (hp_fw_bridge_policy_check),
 * -ELIBACC/-ELIBBAD when libnftables cannot be used. */
int hp_fw_bridge_policy_add(const char *bridge, const char *uplink, int *full);
/* Removes bridge and uplink from the policy; what is not there is a
 * success. */
int hp_fw_bridge_policy_del(const char *bridge, const char *uplink);

#endif
