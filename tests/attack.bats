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

@test "attack: ARP spoofing" {
	attack_world
	attack_expect arp_own arp_probe arp_spoof_ip arp_spoof_mac arp_reply_zero arp_hlen
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

@test "a link-local address listed in ip (RFC 7217 stable privacy) may be used, and only that one" {
	attack_world "10.0.0.1 fd00::1 fe80::1234"
	ATTACK_VERDICT=(ip6_ll_other=pass)
	attack_expect ip6_ll_other ip6_ll_own ip6_ll_victim na_victim_ll
	[ "$(in_dom0 nft -j list set bridge xen_hotplug nd_addrs6 | jq '.nftables[1].set.elem | length')" = 5 ]
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
	# the same spoofed frames reach dom0's stack on a port without the
	# settings (the control of the test itself)
	in_dom0 sysctl -qw net.ipv6.conf.vif1/0.disable_ipv6=0 net.ipv4.conf.vif1/0.rp_filter=0
	in_dom0 sysctl -qw net.ipv6.conf.vif1/0.accept_ra=1 net.ipv6.conf.vif1/0.forwarding=0 || true
	group_frames 1 10.0.0.99 fd00::99
	sleep 0.5
	cat "$rec"
	grep -q "10.0.0.99" "$rec"
}
