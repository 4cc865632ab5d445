#!/usr/bin/env bats
# Upstream parity for vif-route: Xen's own vif-route (from Debian's
# xen-utils-common, fetched at test time, never committed; it needs
# ifconfig from net-tools) and ours side by side on identical routed
# guests behind the same uplink eth0.  Guest 1 is driven by upstream,
# guest 2 by ours.  Compared: dom0's address on the vif, proxy_arp, the
# routes (device, src, metric, scope), the link state, hotplug-status.
# Known differences on purpose (README): ours adds proxy_arp on the uplink
# and routes of protocol static (upstream's `ip route add`: boot), and
# succeeds on a second online where upstream fails on the existing route.

upstream_setup() {
	UP="$W_DIR/upstream"
	upstream_prepare "$UP" "$W_DIR" || skip "$UPSTREAM_WHY"
	command -v ifconfig >/dev/null 2>&1 || skip "upstream vif-route needs ifconfig (net-tools)"
	export UP
}

setup() {
	load helpers
	load upstream
	world_setup
	[ -x "$HP_BUILD/vif-route" ] || skip "build/vif-route not built"
	upstream_setup
	dom0_sysctl net.ipv4.ip_forward 1
	outside_create
}

teardown() {
	if [ -n "${W_DIR:-}" ] && [ -s "$W_DIR/log/upstream-hotplug.log" ]; then
		echo "# upstream log:"
		sed 's/^/#   /' "$W_DIR/log/upstream-hotplug.log"
	fi
	world_teardown
}

# guests 1 and 2 with 192.0.2.11 and .12, upstream's default netdev eth0
guests() {
	guest_create 1 0 bridge= gatewaydev=eth0 ip=192.0.2.11 ip4=192.0.2.11/24 gw4=192.0.2.1 "$@"
	guest_create 2 0 bridge= gatewaydev=eth0 ip=192.0.2.12 ip4=192.0.2.12/24 gw4=192.0.2.1 "$@"
}

both() {
	run run_vif "$UP/vif-route" 1 0 "$@"
	echo "upstream: status $status: $output"
	up_status=$status
	run run_vif vif-route 2 0 "$@"
	echo "ours: status $status: $output"
	ng_status=$status
}

# summary DEV DOMID ADDR: one JSON line; the device name is left out.
summary() {
	local dev=$1 d=$2 addr=$3 hs pa routes addrs up
	hs=$(xs_read "$(be_path "$d" 0)/hotplug-status") || hs="(none)"
	pa=$(dom0_sysctl "net.ipv4.conf.$(tr . / <<<"$dev").proxy_arp" 2>/dev/null) || pa="(none)"
	routes=$(in_dom0 ip -j -4 route show table main exact "$addr" |
		jq -c '[.[] | {prefsrc, metric, scope}] | sort_by(.metric)')
	addrs=$(in_dom0 ip -j -4 addr show dev "$dev" 2>/dev/null |
		jq -c '[.[0].addr_info[]? | "\(.local)/\(.prefixlen)"]') || addrs='"missing"'
	up=no
	link_exists "$dev" && link_up "$dev" && up=yes
	echo "{\"status\":\"$hs\",\"proxy_arp\":\"$pa\",\"up\":\"$up\",\"addrs\":${addrs:-[]},\"routes\":$routes}"
}

compare() { # compare UPSTREAM_DEV OUR_DEV
	local a b
	a=$(summary "$1" 1 192.0.2.11)
	b=$(summary "$2" 2 192.0.2.12)
	echo "upstream: $a"
	echo "ours:     $b"
	[ "$a" = "$b" ]
}

@test "route parity: online" {
	guests
	both online type_if=vif
	[ "$up_status" -eq 0 ]
	[ "$ng_status" -eq 0 ]
	compare vif1.0 vif2.0
	guest_ping 1 192.0.2.2
	guest_ping 2 192.0.2.2
}

@test "route parity: online then offline" {
	guests
	both online type_if=vif
	both offline type_if=vif
	[ "$up_status" -eq 0 ]
	[ "$ng_status" -eq 0 ]
	[ "$(in_dom0 ip -j route show exact 192.0.2.11)" = "[]" ]
	[ "$(in_dom0 ip -j route show exact 192.0.2.12)" = "[]" ]
}

@test "route parity: offline after netback removed the vif" {
	guests
	both online type_if=vif
	guest_unplug 1 0
	guest_unplug 2 0
	both offline type_if=vif
	[ "$up_status" -eq 0 ]
	[ "$ng_status" -eq 0 ]
}

@test "route parity: tap add gets metric 1" {
	guests type=vif_ioemu
	both add type_if=tap
	[ "$up_status" -eq 0 ]
	[ "$ng_status" -eq 0 ]
	compare vif1.0-emu vif2.0-emu
	[ "$(in_dom0 ip -j route show exact 192.0.2.12 | jq -r '.[0].metric')" = 1 ]
}

@test "route parity: online without ip: dom0's address and proxy ARP, no route" {
	guest_create 1 0 bridge= gatewaydev=eth0
	guest_create 2 0 bridge= gatewaydev=eth0
	both online type_if=vif
	[ "$up_status" -eq 0 ]
	[ "$ng_status" -eq 0 ]
	compare vif1.0 vif2.0
}

@test "route parity: an uplink without address fails on both" {
	in_dom0 ip link add eth1 type veth peer name eth1p
	guest_create 1 0 bridge= gatewaydev=eth1 ip=192.0.2.11
	guest_create 2 0 bridge= gatewaydev=eth1 ip=192.0.2.12
	both online type_if=vif
	[ "$up_status" -eq 1 ]
	[ "$ng_status" -eq 1 ]
	[ "$(xs_read "$(be_path 1 0)/hotplug-status")" = error ]
	[ "$(xs_read "$(be_path 2 0)/hotplug-status")" = error ]
}

@test "route parity: a second online (upstream fails on the existing route, ours succeeds)" {
	guests
	both online type_if=vif
	both online type_if=vif
	echo "upstream second online: $up_status"
	[ "$ng_status" -eq 0 ]
	[ "$(in_dom0 ip -j route show exact 192.0.2.12 | jq length)" = 1 ]
}
