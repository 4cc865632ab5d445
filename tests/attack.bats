#!/usr/bin/env bats
# A hostile guest against the anti-spoofing guard (common/fw/guard-*.nft):
# frames crafted with scapy (tests/attack.py) in the namespace of a
# guarded guest, and the same frames from an unguarded guest on the same
# bridge as the control (they must arrive, so a broken world cannot pass).
# What arrives is seen by an observer on the bridge (a capture), or by
# the victims themselves: a DHCP client's lease, a UDP socket, neighbour
# caches, a route.  World and helpers: tests/attack.bash.

setup() {
	load attack
	attack_setup
}

teardown() {
	world_teardown
}

# ---------------------------------------------------------------- frame by frame

@test "attack: ARP spoofing; probes (RFC 5227) only for its own addresses" {
	attack_world
	attack_expect arp_own arp_probe arp_probe_victim arp_spoof_ip arp_spoof_mac arp_reply_zero \
		arp_hlen
}

@test "attack: MAC spoofing, VLAN tags (single, priority, double) and other ethertypes" {
	attack_world
	attack_expect ip4_own mac_spoof vlan_ip4 vlan0_ip4 qinq_ip4 vlan_arp vlan_ip6 \
		ethertype_local pppoe_disc llc_8023
}

@test "attack: IPv4 sources, options and later fragments" {
	attack_world
	attack_expect ip4_own ip4_spoof ip4_options ip4_later_frag icmp4_echo
}

@test "attack: DHCPv4 server frames from any port, BOOTREPLY to relays, op byte out of reach" {
	attack_world
	attack_expect dhcp4_offer_67 dhcp4_offer_1067 dhcp4_offer_68 dhcp4_offer_options \
		bootreply_to_67 bootp_op_in_frag2 bootp_op_in_padding dhcp4_request_own dhcp4_discover \
		dhcp4_zero_op2
}

@test "attack: ICMPv4 redirects and router advertisements" {
	attack_world
	attack_expect icmp4_echo icmp4_redirect icmp4_router_adv
}

@test "attack: IPv6 sources: its own, its own link-local only" {
	attack_world
	attack_expect ip6_own ip6_ll_own ip6_ll_other ip6_ll_victim ip6_spoof echo6
}

@test "attack: router advertisements, redirects, renumbering, behind extension headers and fragmented" {
	attack_world
	attack_expect ra ra_hbh ra_dstopt ra_atomic ra_frag ra_hdr_in_frag2 redirect6 \
		router_renumbering
}

@test "attack: neighbour advertisements: target, link-layer option, extension headers, fragments" {
	attack_world
	attack_expect na_own na_own_noopt na_ll_own na_victim na_victim_ll na_victim_noopt \
		na_tlla_victim na_two_tlla na_victim_hbh na_victim_dstopt na_victim_atomic \
		na_victim_frag
}

@test "attack: neighbour and router solicitations, duplicate address detection, MLD" {
	attack_world
	attack_expect ns_own ns_own_noopt ns_slla_victim ns_from_victim_ll dad_own dad_own_noopt \
		dad_victim dad_slla rs_own rs_slla_victim mld2_unspec
}

@test "attack: DHCPv6 server messages from any port, behind headers, type out of reach" {
	attack_world
	attack_expect dhcp6_reply_547 dhcp6_reply_5470 dhcp6_advertise_546 dhcp6_reconfigure \
		dhcp6_relay_reply dhcp6_type_in_frag2 dhcp6_type_in_padding dhcp6_reply_dstopt dhcp6_hdr_in_frag2 \
		dhcp6_solicit
}

@test "attack: IPv6 fragments and header chains" {
	attack_world
	attack_expect echo6_frag udp6_later_frag ip6_trunc_chain
}

# The bridge forwards 01:80:c2:00:00:00 (STP off) and, told so, :03 and
# :0e: then the control's frames reach the observer.
group_fwd() { in_dom0 ip link set xenbr0 type bridge group_fwd_mask 0x4008; }

@test "attack: 802.1D group addresses: a BPDU, LLDP, UDP from its own or no address, all dropped" {
	attack_world
	group_fwd
	attack_expect stp_bpdu lldp group_udp group_udp_zero ip4_own
}

@test "guard_lldp=yes: LLDP from its own MAC passes, nothing else to the group addresses" {
	echo "guard_lldp=yes" >"$XEN_HOTPLUG_CONF"
	attack_world
	group_fwd
	ATTACK_VERDICT=(lldp=pass)
	attack_expect lldp stp_bpdu group_udp
	in_dom0 nft list set netdev xen_hotplug lldp | grep -q '"vif1.0"'
}

@test "attack: DHCPv4 client messages carry its own hardware address" {
	attack_world
	attack_expect dhcp4_request_own dhcp4_discover dhcp4_request_victim dhcp4_decline_victim \
		dhcp4_release_victim
}

@test "attack: DHCPv6 client identifiers: an Ethernet DUID-LL or DUID-LLT carries its own MAC" {
	attack_world
	attack_expect dhcp6_solicit dhcp6_solicit_ll_own dhcp6_solicit_llt_own dhcp6_solicit_en \
		dhcp6_solicit_late_victim dhcp6_request_victim dhcp6_decline_victim dhcp6_release_victim \
		dhcp6_decline_late
}

# Guest 1's guard given a trunk, VLANs 20 and 30 (the PVID, 1, untagged):
# this kernel's bridges filter no VLANs, so the key cannot be given to
# vif-bridge here (make check-xen, suite 60-vlan, does that); the guard's
# own API can, and the bridge carries tagged frames as they are.
trunk_world() {
	attack_world
	in_dom0 "$HP_BUILD/hp-fwctl" add vif1.0 bridge 00:16:3e:01:00:01 "10.0.0.1 fd00::1" 1p/20/30
	in_dom0 nft list set netdev xen_hotplug vlans | grep -q '"vif1.0" . 20'
}

@test "attack: a trunk's own frames tagged with its VLANs pass, judged on the inner headers; other tags, nested and 802.1ad ones do not" {
	trunk_world
	attack_expect trunk_ip4_own trunk_arp_own trunk_ip6_own trunk_ip4_spoof trunk_arp_spoof \
		trunk_other_vlan trunk_nested trunk_8021ad vlan_ip4 ip4_own
}

@test "guard_fragments=drop: every fragment of a guarded guest is dropped, and counted" {
	echo "guard_fragments=drop" >"$XEN_HOTPLUG_CONF"
	attack_world
	ATTACK_VERDICT=(ip4_later_frag=drop echo6_frag=drop udp6_later_frag=drop)
	attack_expect ip4_own ip6_own icmp4_echo echo6 ip4_later_frag echo6_frag udp6_later_frag
	counters_of vif1.0
	[ "$(counters_of vif1.0)" = "frag:4" ]
}

# ---------------------------------------------------------------- counters

@test "counters: each kind the guard drops raises exactly its reason's counter on the sending vif, by its frames" {
	trunk_world
	local kinds want got ctx
	want=$("$PY" "$ATTACK_PY" reasons)
	kinds=$(awk '{ print $1 }' <<<"$want" | tr '\n' ' ')
	ctx=$(attack_ctx 1 2)
	# shellcheck disable=SC2086
	got=$(in_guest 1 "$PY" "$ATTACK_PY" count "$ctx" "$DOM0" vif1.0 $kinds)
	diff <(awk '{ print $1, $2 ":" $3 }' <<<"$want") <(echo "$got")
	[ "$(wc -l <<<"$got")" -ge 70 ]
	# the library reads the same numbers: one vif, and every vif
	diff <(counters_of vif1.0 | tr ' ' '\n' | sed 's/^/vif1.0 /; s/:/ /' | sort) \
		<(in_dom0 "$HP_BUILD/hp-fwctl" counters vif1.0 | sort)
	diff <(counters_of vif1.0 | tr ' ' '\n' | sed 's/^/vif1.0 /; s/:/ /' | sort) \
		<(in_dom0 "$HP_BUILD/hp-fwctl" counters | sort)
	# an unguarded vif has none
	run in_dom0 "$HP_BUILD/hp-fwctl" counters vif3.0
	[ "$status" -eq 1 ]
	[[ "$output" == *"No such file or directory"* ]]
}

# nflog group 7 in dom0, read by tcpdump: the frames the guard logged.
nflog_count() {
	local f="$W_DIR/nflog.$1.pcap" pid
	pid=$(dom0_bg tcpdump -q -n -U -i nflog:7 -w "$f")
	wait_for 5000 test -e "$f"
	sleep 0.5
	shift
	"$@"
	sleep 0.5
	kill -INT "$pid"
	wait_for 5000 eval "! kill -0 $pid 2>/dev/null"
	tcpdump -r "$f" -n 2>/dev/null | grep -c "^[0-9]"
}

spoof_burst() { attack_send 1 2 out $(for i in $(seq 1 40); do echo ip4_spoof; done); }

@test "guard_log_group: what the guard drops goes to that nflog group, at most its burst at once; none by default" {
	command -v tcpdump >/dev/null || { echo "needs tcpdump"; false; }
	attack_world
	# by default: no log, whatever is dropped
	[ "$(nflog_count off spoof_burst)" = 0 ]
	[ "$(counters_of vif1.0)" = "ip4:40" ]
	echo "guard_log_group=7" >"$XEN_HOTPLUG_CONF"
	run run_vif vif-bridge 1 0 online type_if=vif
	[ "$status" -eq 0 ]
	in_dom0 nft list chain netdev xen_hotplug log_7 | grep -q 'limit rate 10/second burst 20 packets log prefix "xen-hotplug guard drop: " group 7'
	local n
	n=$(nflog_count on spoof_burst)
	echo "logged $n of 40"
	[ "$n" -ge 20 ] && [ "$n" -le 25 ]
	[ "$(counters_of vif1.0)" = "ip4:80" ]
}

@test "a link-local address listed in ip (RFC 7217 stable privacy) may be used, and only that one" {
	attack_world "10.0.0.1 fd00::1 fe80::1234"
	ATTACK_VERDICT=(ip6_ll_other=pass)
	attack_expect ip6_ll_other ip6_ll_own ip6_ll_victim na_victim_ll
	[ "$(in_dom0 nft -j list set netdev xen_hotplug nd_addrs6 | jq '.nftables[1].set.elem | length')" = 5 ]
}

@test "attack: every frame kind of attack.py is tried by a test of this file" {
	local k missing=0
	for k in $("$PY" "$ATTACK_PY" list | awk '{ print $1 }'); do
		if ! grep -q "attack_expect.*\b$k\b\|^[[:space:]].*\b$k\b" "$BATS_TEST_FILENAME"; then
			echo "not tried: $k"
			missing=1
		fi
	done
	[ "$missing" = 0 ]
	[ "$("$PY" "$ATTACK_PY" list | wc -l)" -ge 80 ]
}

# ---------------------------------------------------------------- the victims' view

# udhcpc_lease D: a DHCP client in guest D; its lease (or nothing) in
# $W_DIR/lease-D.
udhcpc_lease() {
	local d=$1 script="$W_DIR/udhcpc.sh"
	printf '#!/bin/sh\n[ "$1" = bound ] && echo "ip=$ip router=$router dns=$dns" >>"%s"\nexit 0\n' \
		"$W_DIR/lease-$d" >"$script"
	chmod +x "$script"
	: >"$W_DIR/lease-$d"
	in_guest "$d" busybox udhcpc -i eth0 -n -q -t 3 -T 1 -s "$script"
}

# rogue_dhcp S SPORT: guest S answers DHCP as a server, from UDP port
# SPORT; its pid in ROGUE.
rogue_dhcp() {
	local ready="$W_DIR/dhcp-ready.$1.$2"
	ROGUE=$(guest_bg "$1" "$PY" "$ATTACK_PY" dhcp4-server "$(attack_ctx "$1" 2)" "$2" "$ready")
	wait_for 10000 test -e "$ready"
}

@test "rogue DHCPv4 server answering from port 1067 or 68: a udhcpc guest gets no lease" {
	attack_world
	local sport
	for sport in 1067 68; do
		rogue_dhcp 1 "$sport"
		run udhcpc_lease 2
		echo "sport $sport: $output; lease: $(cat "$W_DIR/lease-2")"
		[ "$status" -ne 0 ]
		[ ! -s "$W_DIR/lease-2" ]
		# this server only, while it is ours to stop
		kill "$ROGUE"
		wait "$ROGUE" 2>/dev/null || true
	done
}

@test "control: the same rogue DHCPv4 server in an unguarded guest leases itself as router and DNS" {
	attack_world
	rogue_dhcp 3 1067
	run udhcpc_lease 2
	echo "$output"
	cat "$W_DIR/lease-2"
	[ "$status" -eq 0 ]
	grep -q "ip=10.0.0.77 router=10.0.0.3 dns=10.0.0.3" "$W_DIR/lease-2"
}

# The victim, guest 2, listens as a DHCPv6 client (546) and relay (547);
# guests 1 (guarded) and 3 (unguarded) send it server messages.
@test "DHCPv6 server messages from any port reach no client or relay socket of a guest; the control's do" {
	attack_world
	local rec="$W_DIR/udp6"
	guest_bg 2 "$PY" "$ATTACK_PY" udp-listen "$rec" 546 547 >/dev/null
	wait_for 10000 test -e "$rec.ready"
	local kinds=(dhcp6_reply_547 dhcp6_reply_5470 dhcp6_advertise_546 dhcp6_reconfigure
		dhcp6_relay_reply dhcp6_type_in_frag2 dhcp6_reply_dstopt)
	attack_send 1 2 2 "${kinds[@]}"
	attack_send 3 2 2 "${kinds[@]}"
	sleep 0.5
	cat "$rec"
	# from guest 1: nothing at all
	[ "$(grep -c " fd00::1 \| fe80::216:3eff:fe01:1 " "$rec")" = 0 ]
	# from guest 3: reply (7) from 5470, advertise (2) from 546, reconfigure
	# (10), relay-reply (13) to 547, also fragmented and behind a header
	grep -q "^546 7 fd00::3 5470$" "$rec"
	grep -q "^546 2 fe80::216:3eff:fe03:1 546$" "$rec"
	grep -q "^546 10 fd00::3 1024$" "$rec"
	[ "$(grep -c "^547 13 fd00::3 5470$" "$rec")" = 2 ]
	[ "$(grep -c "^546 7 fd00::3 5470$" "$rec")" = 2 ]
}

# dom0 (fd00::fe on xenbr0) and the observer, neighbours of guest 2.
neigh_world() {
	attack_world
	ip -n "$DOM0" addr add fd00::fe/64 dev xenbr0 nodad
}

# Both know guest 2's addresses at its MAC (an entry ND may update).
neigh_reset() {
	local a
	for a in fd00::2 fe80::216:3eff:fe02:1; do
		ip -n "$DOM0" -6 neigh replace "$a" lladdr 00:16:3e:02:00:01 dev xenbr0 nud reachable
		ip -n "$OUT" -6 neigh replace "$a" lladdr 00:16:3e:02:00:01 dev eth0 nud reachable
	done
}

# spoof_neighbours S: guest S tries, one way at a time, to claim guest 2's
# addresses: advertisements to all nodes (also behind extension headers),
# solicitations from guest 2's link-local address to dom0 and to the
# observer.  Prints "KIND HOST MAC" for what HOST then believes.
spoof_neighbours() {
	local s=$1 try kind addr to host ns dev
	for try in na_victim/fd00::2/ff02::1 na_victim_ll/fe80::216:3eff:fe02:1/ff02::1 \
		na_victim_hbh/fd00::2/ff02::1 na_victim_dstopt/fd00::2/ff02::1 \
		ns_from_victim_ll/fe80::216:3eff:fe02:1/fd00::fe \
		ns_from_victim_ll/fe80::216:3eff:fe02:1/fd00::100; do
		IFS=/ read -r kind addr to <<<"$try"
		neigh_reset
		in_guest "$s" "$PY" "$ATTACK_PY" send "$(attack_ctx "$s" 2 all | sed "s/o6=ff02::1/o6=$to/")" "$kind"
		sleep 0.2
		for host in dom0 out; do
			[ "$host" = dom0 ] && ns=$DOM0 dev=xenbr0 || ns=$OUT dev=eth0
			[ "$to" = fd00::fe ] && [ "$host" = out ] && continue
			[ "$to" = fd00::100 ] && [ "$host" = dom0 ] && continue
			echo "$kind $host $(neigh_mac "$ns" "$addr" "$dev")"
		done
	done
}

@test "neighbour spoofing: advertisements and solicitations for a guest's addresses poison neither dom0 nor a neighbour" {
	neigh_world
	run spoof_neighbours 1
	echo "$output"
	[ "${#lines[@]}" = 10 ]
	[ -z "$(grep -v " 00:16:3e:02:00:01$" <<<"$output")" ]
}

@test "control: the same neighbour spoofing from an unguarded guest poisons both" {
	neigh_world
	run spoof_neighbours 3
	echo "$output"
	[ "${#lines[@]}" = 10 ]
	[ -z "$(grep -v " 00:16:3e:03:00:01$" <<<"$output")" ]
}

redirect_ready() {
	in_out sysctl -qw net.ipv4.conf.all.secure_redirects=0 net.ipv4.conf.eth0.secure_redirects=0
	in_out ip route add 198.51.100.0/24 via "10.0.0.$1"
	in_out ip neigh replace 10.0.0.99 lladdr 00:16:3e:99:99:99 dev eth0 nud permanent
	in_out ip route get 198.51.100.7 | grep -q "via 10.0.0.$1 "
}

@test "an ICMP redirect from a guest does not reroute a neighbour that routes through it" {
	attack_world
	redirect_ready 1
	attack_send 1 2 out icmp4_redirect
	sleep 0.3
	in_out ip route get 198.51.100.7
	in_out ip route get 198.51.100.7 | grep -q "via 10.0.0.1 "
}

@test "control: the same ICMP redirect from an unguarded guest reroutes it" {
	attack_world
	redirect_ready 3
	attack_send 3 2 out icmp4_redirect
	sleep 0.3
	in_out ip route get 198.51.100.7
	in_out ip route get 198.51.100.7 | grep -q "via 10.0.0.99 "
}

# ---------------------------------------------------------------- routed guests

# A routed guest (table inet xen_hotplug) sends to dom0, which listens on
# UDP 4000 and as a DHCPv6 client (546).  ANTISPOOF: the backend.
routed_attack() {
	export XEN_HOTPLUG_ANTISPOOF=$1
	dom0_sysctl net.ipv6.conf.all.forwarding 1
	outside_create
	guest_create 1 0 bridge= script="$HP_BUILD/vif-route" ip="192.0.2.11 2001:db8:1::11" \
		ip4=192.0.2.11/24 ip6=2001:db8:1::11/128 gw4=192.0.2.1 gw6=fe80::1
	run run_vif vif-route 1 0 online type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	local rec="$W_DIR/udp-dom0" ctx
	dom0_bg "$PY" "$ATTACK_PY" udp-listen "$rec" 4000 546 >/dev/null
	wait_for 10000 test -e "$rec.ready"
	ctx="me_mac=00:16:3e:01:00:01,me4=192.0.2.11,me6=2001:db8:1::11,v_mac=00:16:3e:02:00:01"
	ctx+=",v4=192.0.2.12,v6=2001:db8:1::12,o_mac=$(link_mac vif1.0),o4=192.0.2.1"
	ctx+=",o6=2001:db8:1::1,o_ll=fe80::1,base=0"
	in_guest 1 "$PY" "$ATTACK_PY" send "$ctx" ip6_own ip6_ll_other ip6_spoof dhcp6_reply_5470
	sleep 0.5
	cat "$rec"
}

@test "routed guest: any link-local source reaches dom0 (a point-to-point link); a spoofed source or a DHCPv6 reply does not" {
	run routed_attack nft
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q "^4000 72 2001:db8:1::11 " <<<"$output"
	grep -q "^4000 72 fe80::1234 " <<<"$output"
	[ "$(grep -c "2001:db8:1::12 \|^546 " <<<"$output")" = 0 ]
}

@test "control: with antispoof=none the routed guest's spoofed source and DHCPv6 reply reach dom0" {
	run routed_attack none
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q "^4000 72 2001:db8:1::12 " <<<"$output"
	grep -q "^546 7 2001:db8:1::11 5470$" <<<"$output"
}

# Frames to the 802.1D group addresses (01:80:c2:00:00:0X) skip the
# bridge's prerouting hook, where the guard is: :0e (LLDP) goes to dom0's
# own stack on the vif itself, :03 through the bridge's input hook.
# vif-bridge's prepare-port turns on rp_filter (the vif has no address:
# any IPv4 there is dropped) and disable_ipv6 on the port.  The control:
# the same datagram to dom0's bridge MAC, from the guest's own address,
# arrives; and the same spoofed frames to a port without those settings.
group_frames() { # group_frames DOMID SRC4 SRC6
	local mac dst
	mac=$(_mac_of "$1")
	in_guest "$1" "$PY" - "$mac" "$(link_mac xenbr0)" "$2" "$3" <<'PYEOF'
import sys
from scapy.all import Ether, IP, IPv6, UDP, Raw, ICMPv6ND_RA, ICMPv6NDOptPrefixInfo, sendp
mac, brmac, src4, src6 = sys.argv[1:5]
f = []
for g in ("01:80:c2:00:00:0e", "01:80:c2:00:00:03"):
    f.append(Ether(src=mac, dst=g) / IP(src=src4, dst="10.0.0.254") / UDP(sport=1234, dport=4000) / Raw(b"g" * 8))
    f.append(Ether(src=mac, dst=g) / IPv6(src=src6, dst="fd00::254") / UDP(sport=1234, dport=4000) / Raw(b"g" * 8))
    f.append(Ether(src=mac, dst=g) / IPv6(src="fe80::216:3eff:fe01:1", dst="ff02::1", hlim=255) /
             ICMPv6ND_RA(routerlifetime=1800) / ICMPv6NDOptPrefixInfo(prefix="fd99::", prefixlen=64))
sendp(f, iface="eth0", verbose=0)
PYEOF
}

@test "frames to the 802.1D group addresses reach no dom0 socket and give dom0 no route; the control's do" {
	attack_world
	in_dom0 ip addr add 10.0.0.254/24 dev xenbr0
	in_dom0 ip -6 addr add fd00::254/64 dev xenbr0 nodad
	dom0_sysctl net.ipv4.conf.all.rp_filter 0
	local rec="$W_DIR/udp-group" d
	dom0_bg "$PY" "$ATTACK_PY" udp-listen "$rec" 4000 >/dev/null
	wait_for 10000 test -e "$rec.ready"
	# guest 1 (guarded) spoofs, guest 3 sends from its own addresses
	group_frames 1 10.0.0.99 fd00::99
	group_frames 3 10.0.0.3 fd00::3
	# the control of the listener: guest 3's datagram to dom0's bridge MAC
	in_guest 3 "$PY" -c 'import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("10.0.0.254", 4000))'
	sleep 0.5
	cat "$rec"
	grep -q " ::ffff:10.0.0.3 " "$rec"
	[ "$(grep -c "10.0.0.99\|fd00::99" "$rec")" = 0 ]
	# nothing to the group addresses arrived, from anyone: only the one
	# datagram through the bridge
	[ "$(wc -l <"$rec")" = 1 ]
	for d in 1 3; do
		[ -z "$(in_dom0 ip -6 route show dev "vif$d.0")" ]
		[ -z "$(in_dom0 ip -6 addr show dev "vif$d.0")" ]
	done
	# with the port's settings taken off (dom0's sysctls): the guarded
	# guest's spoofed frames still reach nothing, it is judged at its
	# own ingress; the control's reach dom0's stack
	local v
	for v in vif1/0 vif3/0; do
		in_dom0 sysctl -qw "net.ipv6.conf.$v.disable_ipv6=0" "net.ipv4.conf.$v.rp_filter=0"
		in_dom0 sysctl -qw "net.ipv6.conf.$v.accept_ra=1" "net.ipv6.conf.$v.forwarding=0" || true
	done
	group_frames 1 10.0.0.99 fd00::99
	group_frames 3 10.0.0.98 fd00::98
	sleep 0.5
	cat "$rec"
	[ "$(grep -c "10.0.0.99\|fd00::99" "$rec")" = 0 ]
	grep -q "10.0.0.98" "$rec"
	[ -z "$(in_dom0 ip -6 route show dev vif1.0)" ]
}

# ---------------------------------------------------------------- the bridge's view

# fdb_port MAC: the port the bridge has learned MAC on ("" when none).
fdb_port() {
	bridge -n "$DOM0" -j fdb show br xenbr0 |
		jq -r --arg m "$1" '[.[] | select(.mac == $m and (.flags // [] | index("self") | not)) | .ifname][0] // ""'
}

# Guest S sends one frame to the slow protocols group (01:80:c2:00:00:02:
# link-local, learned by the bridge before any netfilter hook) from each
# of the victim's (guest 2's) and the gateway's (the observer's) MACs.
steal_macs() {
	in_guest "$1" "$PY" - <<'PYEOF'
import logging
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import Ether, Raw, sendp
for mac in ("00:16:3e:02:00:01", "00:16:3e:ee:ee:ee"):
    sendp(Ether(src=mac, dst="01:80:c2:00:00:02", type=0x8809) / Raw(bytes([1, 1]) + bytes(40)),
          iface="eth0", verbose=0)
PYEOF
}

# to_victim [CMD...]: the observer sends 10 datagrams to guest 2 (at
# guest 2's MAC): how many guest 2 received.  CMD runs once guest 2's
# listener is ready, just before the datagrams: the victim's own frames
# (a newly made guest's IPv6 start-up: DAD, router solicitations, MLD)
# move its MAC back to its port while a loaded host starts the listener.
to_victim() {
	local rec="$W_DIR/victim-udp" n
	: >"$rec"
	rm -f "$rec.ready"
	guest_bg 2 "$PY" "$ATTACK_PY" udp-listen "$rec" 4000 >/dev/null
	wait_for 10000 test -e "$rec.ready"
	[ $# = 0 ] || "$@" >&2
	in_out ip neigh replace 10.0.0.2 lladdr 00:16:3e:02:00:01 dev eth0 nud permanent
	in_out "$PY" -c 'import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(10):
    s.sendto(b"v", ("10.0.0.2", 4000)); time.sleep(0.02)'
	sleep 0.5
	wc -l <"$rec"
}

@test "MAC stealing through a group address: the bridge learns neither the victim's nor the gateway's MAC on a guarded guest's port" {
	attack_world
	[ "$(fdb_port 00:16:3e:02:00:01)" = vif2.0 ]
	steal_macs 1
	sleep 0.2
	[ "$(fdb_port 00:16:3e:02:00:01)" = vif2.0 ]
	[ "$(fdb_port 00:16:3e:ee:ee:ee)" = out0 ]
	[ "$(to_victim steal_macs 1)" = 10 ]
	[ "$(fdb_port 00:16:3e:02:00:01)" = vif2.0 ]
	[ "$(counters_of vif1.0)" = "mac:4" ]
}

@test "control: the same frames from an unguarded guest move both MACs to its port, and the victim's traffic with them" {
	attack_world
	# The control shows the attack works, so it may take a few tries on a
	# loaded host: the victim's own frames (a new guest's IPv6 start-up)
	# move its MAC back between the steal and the look (the guarded test
	# above gets no second try).
	# Judged on the one look that saw both moved: looking again would race
	# the victim's frames once more.
	local n i moved=0
	for i in 1 2 3 4 5; do
		steal_macs 3
		sleep 0.2
		if [ "$(fdb_port 00:16:3e:02:00:01)" = vif3.0 ] &&
			[ "$(fdb_port 00:16:3e:ee:ee:ee)" = vif3.0 ]; then
			moved=1
			break
		fi
	done
	echo "moved: $moved, at try $i"
	[ "$moved" = 1 ]
	for i in 1 2 3; do
		n=$(to_victim steal_macs 3)
		echo "the victim received $n of 10"
		[ "$n" -lt 10 ] && break
	done
	[ "$n" -lt 10 ]
}

# Guest S sends 200 LLDP frames, each from another made-up source MAC:
# how many of those MACs the bridge then has on S's port.
fdb_fill() {
	in_guest "$1" "$PY" - <<'PYEOF'
import logging
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import Ether, Raw, conf
s = conf.L2socket(iface="eth0")
for i in range(200):
    s.send(Ether(src="02:99:00:00:%02x:%02x" % (i >> 8, i & 0xff), dst="01:80:c2:00:00:0e",
                 type=0x88cc) / Raw(bytes(46)))
PYEOF
	sleep 0.3
	bridge -n "$DOM0" -j fdb show br xenbr0 |
		jq --arg p "vif$1.0" '[.[] | select(.ifname == $p and (.mac | startswith("02:99:")))] | length'
}

@test "200 made-up MACs through 01:80:c2:00:00:0e fill no forwarding table from a guarded guest; the control's do" {
	attack_world
	[ "$(fdb_fill 1)" = 0 ]
	[ "$(fdb_fill 3)" = 200 ]
}

# UDP from 0.0.0.0 (which rp_filter does not judge) to the broadcast and
# all-hosts addresses, through a group address, to a dom0 socket.
zero_to_dom0() {
	in_guest "$1" "$PY" - "$(_mac_of "$1")" <<'PYEOF'
import logging, sys
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import Ether, IP, UDP, Raw, sendp
for dst in ("255.255.255.255", "224.0.0.1"):
    sendp(Ether(src=sys.argv[1], dst="01:80:c2:00:00:03") / IP(src="0.0.0.0", dst=dst, ttl=1) /
          UDP(sport=68, dport=4000) / Raw(b"zero"), iface="eth0", verbose=0)
PYEOF
}

@test "UDP from 0.0.0.0 through a group address reaches no dom0 socket from a guarded guest; the control's does" {
	attack_world
	local rec="$W_DIR/dom0-zero"
	dom0_bg "$PY" -c 'import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 4000))
open(sys.argv[1] + ".ready", "w").close()
s.settimeout(0.2)
end = time.time() + 20
with open(sys.argv[1], "a", buffering=1) as f:
    while time.time() < end:
        try:
            d, a = s.recvfrom(100)
            f.write("%s %s\n" % (a[0], d.decode()))
        except socket.timeout:
            pass' "$rec" >/dev/null
	wait_for 10000 test -e "$rec.ready"
	zero_to_dom0 1
	sleep 0.5
	[ ! -s "$rec" ]
	[ "$(counters_of vif1.0)" = "group:2" ]
	zero_to_dom0 3
	sleep 0.5
	cat "$rec"
	[ "$(grep -c "^0.0.0.0 zero" "$rec")" = 2 ]
}

# STP on (kernel STP): a BPDU claiming the root, from guest S.
stp_on() {
	in_dom0 ip link set xenbr0 type bridge stp_state 1
	sleep 0.3
}
# the root bridge's id (iproute2 6.1's root_id prints the bridge's own)
root_id() { in_dom0 cat /sys/class/net/xenbr0/bridge/root_id; }
port_state() { bridge -n "$DOM0" -j link show dev "$1" | jq -r '.[0].state'; }

@test "STP on: a guarded guest's BPDUs make it neither the root nor change the topology; an unguarded guest's port is disabled (bpdu_guard, root_block)" {
	attack_world
	stp_on
	local own
	own=$(root_id)
	bridge -n "$DOM0" -d -j link show dev vif3.0 | jq -e '.[0].guard == true and .[0].root_block == true'
	attack_send 1 2 out stp_bpdu stp_bpdu
	sleep 0.5
	[ "$(root_id)" = "$own" ]
	[ "$(counters_of vif1.0)" = "group:2" ]
	[ "$(port_state vif1.0)" != disabled ]
	# unguarded: its port's own protection
	attack_send 3 2 out stp_bpdu
	sleep 0.5
	[ "$(root_id)" = "$own" ]
	[ "$(port_state vif3.0)" = disabled ]
}

@test "control: with STP on, the same BPDU through a port without those protections makes its guest the root" {
	attack_world
	stp_on
	local own
	own=$(root_id)
	in_dom0 ip link set dev vif3.0 type bridge_slave guard off root_block off
	attack_send 3 2 out stp_bpdu
	sleep 0.5
	echo "root: $own, then $(root_id)"
	[ "$(root_id)" != "$own" ]
	[ "$(root_id)" = 0000.00163e999999 ]
}

# ---------------------------------------------------------------- DHCP servers and clients

# dnsmasq in the observer: guest 2's address reserved for its MAC, a pool
# of POOL addresses from 10.0.0.150 (default 10); its leases in
# $W_DIR/leases, its log in $W_DIR/dnsmasq.log.
dnsmasq_out() {
	local pool=${1:-10}
	command -v dnsmasq >/dev/null || { echo "needs dnsmasq"; false; }
	: >"$W_DIR/leases"
	_ns_bg "$OUT" dnsmasq --keep-in-foreground --conf-file=/dev/null --user=root --group=root \
		--port=0 --no-resolv --no-hosts --interface=eth0 --bind-interfaces \
		--dhcp-range="10.0.0.150,10.0.0.$((149 + pool)),255.255.255.0,10m" \
		--dhcp-host=00:16:3e:02:00:01,10.0.0.2 --dhcp-leasefile="$W_DIR/leases" \
		--dhcp-authoritative --pid-file="$W_DIR/dnsmasq.pid" --log-dhcp \
		--log-facility="$W_DIR/dnsmasq.log" >/dev/null
	wait_for 5000 test -s "$W_DIR/dnsmasq.pid"
}

# decline_release S: the victim (guest 2) takes its reserved lease; guest S
# declines it and releases it on the victim's behalf; then the victim
# asks again.  Prints the victim's second lease, and the leases file.
decline_release() {
	dnsmasq_out
	udhcpc_lease 2 >/dev/null 2>&1
	grep -q "ip=10.0.0.2 " "$W_DIR/lease-2"
	grep -q " 10.0.0.2 " "$W_DIR/leases"
	attack_send "$1" 2 out dhcp4_release_victim
	sleep 0.3
	echo "after the release: $(awk '{ print $3 }' "$W_DIR/leases" | tr '\n' ' ')"
	attack_send "$1" 2 out dhcp4_decline_victim
	sleep 0.3
	udhcpc_lease 2 >/dev/null 2>&1 || true
	echo "lease: $(cat "$W_DIR/lease-2")"
}

@test "DHCPRELEASE and DHCPDECLINE on behalf of another guest: dnsmasq keeps its lease and its reserved address" {
	attack_world
	run decline_release 1
	echo "$output"
	cat "$W_DIR/dnsmasq.log"
	[ "$status" -eq 0 ]
	[[ "$output" == *"after the release: 10.0.0.2 "* ]]
	[[ "$output" == *"lease: ip=10.0.0.2 "* ]]
	! grep -q "disabling DHCP static address" "$W_DIR/dnsmasq.log"
	[ "$(counters_of vif1.0)" = "dhcp:2" ]
}

@test "control: the same from an unguarded guest: dnsmasq forgets the lease and takes the reserved address out of service" {
	attack_world
	run decline_release 3
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" != *"after the release: 10.0.0.2 "* ]]
	grep -q "disabling DHCP static address 10.0.0.2" "$W_DIR/dnsmasq.log"
	[[ "$output" != *"lease: ip=10.0.0.2 "* ]]
}

# drain S MODE: guest S asks dnsmasq for 20 leases (DHCPREQUEST, as a
# client selecting an offer would), each for another client: made-up
# hardware addresses (MODE chaddr) or its own with made-up client
# identifiers (MODE clid).  Prints how many leases dnsmasq gave.
drain() {
	dnsmasq_out 16
	in_guest "$1" "$PY" - "$(_mac_of "$1")" "$2" <<'PYEOF'
import logging, socket, struct, sys, time
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import Ether, IP, UDP, Raw, conf
me, mode = sys.argv[1], sys.argv[2]
s = conf.L2socket(iface="eth0")
for i in range(20):
    ch = bytes.fromhex(me.replace(":", "")) if mode == "clid" else bytes([2, 0x77, 0, 0, 0, i])
    opts = bytes([53, 1, 3, 50, 4]) + socket.inet_aton("10.0.0.%d" % (150 + i % 16)) + \
        bytes([54, 4]) + socket.inet_aton("10.0.0.100")
    if mode == "clid":
        opts += bytes([61, 8, 0]) + b"clid%03d" % i
    bootp = (bytes([1, 1, 6, 0]) + struct.pack(">I", 0x4242 + i) + bytes(20) + ch + bytes(10) +
             bytes(192) + b"\x63\x82\x53\x63" + opts + bytes([255]))
    s.send(Ether(src=me, dst="ff:ff:ff:ff:ff:ff") / IP(src="0.0.0.0", dst="255.255.255.255") /
           UDP(sport=68, dport=67) / Raw(bootp))
    time.sleep(0.01)
PYEOF
	sleep 0.5
	echo "leased: $(grep -c "^" "$W_DIR/leases")"
}

@test "draining dnsmasq's pool: 20 requests with made-up hardware addresses from a guarded guest take no lease" {
	attack_world
	run drain 1 chaddr
	echo "$output"
	[ "$output" = "leased: 0" ]
	[ "$(counters_of vif1.0)" = "dhcp:20" ]
}

@test "draining dnsmasq's pool: 20 requests with its own hardware address and made-up client ids take no more than the rate's burst, 10" {
	attack_world
	run drain 1 clid
	echo "$output"
	cat "$W_DIR/leases"
	[ "$output" = "leased: 10" ]
	[ "$(counters_of vif1.0)" = "dhcp:10" ]
}

@test "control: the same 20 requests from an unguarded guest take 16 leases, the whole pool, either way" {
	attack_world
	run drain 3 chaddr
	echo "$output"
	[ "$output" = "leased: 16" ]
	: >"$W_DIR/leases"
	kill "$(cat "$W_DIR/dnsmasq.pid")"
	wait_for 5000 eval '! kill -0 "$(cat "$W_DIR/dnsmasq.pid")" 2>/dev/null'
	rm -f "$W_DIR/dnsmasq.pid"
	run drain 3 clid
	echo "$output"
	[ "$output" = "leased: 16" ]
}

# dhcpcd (RFC 5227: it probes an offered address with ARP and declines it
# when another host probes the same one) in guest 2, its reserved address
# from dnsmasq, its state on a tmpfs of its own (never the host's); at
# most 25 s.  Prints its log and the address it bound, if any.
dhcpcd_bind() {
	command -v dhcpcd >/dev/null || { echo "needs dhcpcd (dhcpcd-base)"; false; }
	in_guest 2 unshare -m sh -c '
		mount -t tmpfs none /var/lib/dhcpcd 2>/dev/null || { mkdir -p /var/lib/dhcpcd && mount -t tmpfs none /var/lib/dhcpcd; }
		mount -t tmpfs none /run && mkdir -p /run/dhcpcd
		timeout 25 dhcpcd -f /dev/null -c /bin/true -4 -1 -B -L -t 20 --noipv4ll eth0' 2>&1 || true
	echo "bound: $(in_guest 2 ip -4 -o addr show dev eth0 | awk '/10\.0\.0\.2\// { print $4 }')"
}

# Guest S answers every ARP probe it sees from another host with a probe
# of its own for the same address, for 25 s.
probe_answerer() {
	local ready="$W_DIR/answerer.ready"
	cat >"$W_DIR/answerer.py" <<'PYEOF'
import logging, sys
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import ARP, Ether, conf, sniff
me = sys.argv[1]
s = conf.L2socket(iface="eth0")
def answer(p):
    if ARP in p and p[ARP].op == 1 and p[ARP].psrc == "0.0.0.0" and p[ARP].hwsrc != me:
        s.send(Ether(src=me, dst="ff:ff:ff:ff:ff:ff") /
               ARP(op=1, hwsrc=me, psrc="0.0.0.0", hwdst="00:00:00:00:00:00", pdst=p[ARP].pdst))
sniff(iface="eth0", lfilter=lambda p: ARP in p, prn=answer, timeout=25,
      started_callback=lambda: open(sys.argv[2], "w").close())
PYEOF
	guest_bg "$1" "$PY" "$W_DIR/answerer.py" "$(_mac_of "$1")" "$ready" >/dev/null
	wait_for 10000 test -e "$ready"
}

@test "ARP probes answered with probes (RFC 5227) by a guarded guest: dhcpcd binds its address" {
	attack_world
	in_guest 2 ip addr flush dev eth0
	dnsmasq_out
	probe_answerer 1
	run dhcpcd_bind
	echo "$output"
	[[ "$output" == *"bound: 10.0.0.2/24"* ]]
	[[ "$(counters_of vif1.0)" == arp:* ]]
}

@test "control: the same answers from an unguarded guest make dhcpcd decline its address" {
	attack_world
	in_guest 2 ip addr flush dev eth0
	dnsmasq_out
	probe_answerer 3
	run dhcpcd_bind
	echo "$output"
	[[ "$output" == *"bound: "* && "$output" != *"bound: 10.0.0.2/24"* ]]
	grep -q "DHCPDECLINE" "$W_DIR/dnsmasq.log"
}

# ---------------------------------------------------------------- isolated ports

# Guests 1 and 2 on xenbr0; dom0 (10.0.0.254 on the bridge) forwards.
# Guest 1 routes guest 2's address through dom0 and sends it a datagram:
# prints how many guest 2 received ("dom0 N" and "out N": what guest 1's
# pings to dom0 and to the observer got back).
through_dom0() {
	attack_world
	in_dom0 ip addr add 10.0.0.254/24 dev xenbr0
	dom0_sysctl net.ipv4.ip_forward 1
	local rec="$W_DIR/isolated-udp"
	guest_bg 2 "$PY" "$ATTACK_PY" udp-listen "$rec" 4000 >/dev/null
	wait_for 10000 test -e "$rec.ready"
	in_guest 1 ip route add 10.0.0.2/32 via 10.0.0.254
	in_guest 1 "$PY" -c 'import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(5):
    s.sendto(b"i", ("10.0.0.2", 4000)); time.sleep(0.05)'
	sleep 0.5
	echo "via dom0 $(wc -l <"$rec")"
	guest_ping 1 10.0.0.254 && echo "dom0 ok" || echo "dom0 unreachable"
	guest_ping 1 10.0.0.100 && echo "out ok" || echo "out unreachable"
}

@test "port_isolated: isolated guests cannot reach each other through dom0 either; dom0 and the uplink still can be" {
	echo "port_isolated=xenbr0" >"$XEN_HOTPLUG_CONF"
	run through_dom0
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"via dom0 0"* ]]
	[[ "$output" == *"dom0 ok"* && "$output" == *"out ok"* ]]
	in_dom0 nft list set inet xen_hotplug hairpin | grep -q '"xenbr0" . "xenbr0"'
	# and directly, as before: the bridge's own isolation
	guest_noping 1 10.0.0.2
}

@test "control: without port_isolated dom0 routes guest 1's datagrams to guest 2" {
	run through_dom0
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"via dom0 5"* ]]
}
