#!/usr/bin/env bats
# vif-route: routed guests.  dom0's uplink eth0 leads to an "outside" host
# (outside_create); guests take addresses of the uplink's LAN
# (192.0.2.0/24, 2001:db8:1::/64), are reached by proxy ARP / proxy NDP on
# the uplink, and use dom0 (192.0.2.1, fe80::1) as their gateway.

setup() {
	load helpers
	world_setup
	[ -x "$HP_BUILD/vif-route" ] || skip "build/vif-route not built"
	dom0_sysctl net.ipv4.ip_forward 1
	dom0_sysctl net.ipv6.conf.all.forwarding 1
}

teardown() {
	world_teardown
}

IPS="192.0.2.10 2001:db8:1::10"

# A routed guest DOMID DEVID with 192.0.2.<10+DOMID> and 2001:db8:1::<10+DOMID>.
routed_guest() {
	local d=$1 n=$2
	shift 2
	local a=$((10 + d))
	guest_create "$d" "$n" bridge= script="$HP_BUILD/vif-route" \
		ip="192.0.2.$a 2001:db8:1::$a" ip4="192.0.2.$a/24" ip6="2001:db8:1::$a/128" \
		gw4=192.0.2.1 gw6=fe80::1 "$@"
}

# route_json FAMILY DST: the main-table routes to DST as a JSON array.
route_json() {
	in_dom0 ip -j "-$1" route show table main exact "$2"
}

proxy_entries() { in_dom0 ip -j -6 neigh show proxy | jq -r '.[] | "\(.dst) \(.dev)"'; }

addr_of() { in_dom0 ip -j addr show dev "$1" | jq -r '.[0].addr_info[] | "\(.local)/\(.prefixlen)"'; }

@test "online: dom0's address as /32 on the vif, proxy ARP, routes with src and metric 2, connected" {
	outside_create
	routed_guest 1 0
	run run_vif vif-route 1 0 online type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(xs_read "$(be_path 1 0)/hotplug-status")" = connected ]
	! xs_exists "$(be_path 1 0)/hotplug-error" || false
	link_up vif1.0
	addr_of vif1.0 | grep -qx 192.0.2.1/32
	addr_of vif1.0 | grep -qx fe80::1/64
	addr_of vif1.0 | grep -qx 2001:db8:1::1/128
	[ "$(dom0_sysctl net.ipv4.conf.vif1/0.proxy_arp)" = 1 ]
	[ "$(dom0_sysctl net.ipv4.conf.eth0.proxy_arp)" = 1 ]
	[ "$(dom0_sysctl net.ipv6.conf.eth0.proxy_ndp)" = 1 ]
	run route_json 4 192.0.2.11
	echo "$output"
	[ "$(jq -r '.[0] | "\(.dev) \(.prefsrc) \(.metric)"' <<<"$output")" = "vif1.0 192.0.2.1 2" ]
	[ "$(jq length <<<"$output")" = 1 ]
	run route_json 6 2001:db8:1::11
	echo "$output"
	[ "$(jq -r '.[0] | "\(.dev) \(.prefsrc) \(.metric)"' <<<"$output")" = "vif1.0 2001:db8:1::1 2" ]
	[ "$(proxy_entries)" = "2001:db8:1::11 eth0" ]
}

@test "traffic: the guest reaches dom0 and the outside host over IPv4 and IPv6, and not after offline" {
	outside_create
	routed_guest 1 0
	run run_vif vif-route 1 0 online type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	guest_ping 1 192.0.2.1
	guest_ping 1 192.0.2.2
	guest_ping 1 2001:db8:1::1
	guest_ping 1 2001:db8:1::2
	guest_ping 1 fe80::1%eth0
	# and the outside host reaches the guest
	in_outside busybox ping -c 1 -W 2 192.0.2.11 >/dev/null
	in_outside busybox ping -c 1 -W 2 2001:db8:1::11 >/dev/null

	run run_vif vif-route 1 0 offline type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(route_json 4 192.0.2.11)" = "[]" ]
	[ "$(route_json 6 2001:db8:1::11)" = "[]" ]
	[ -z "$(proxy_entries)" ]
	! link_up vif1.0 || false
	guest_noping 1 192.0.2.2
	guest_noping 1 2001:db8:1::2
}

@test "online: a spoofed source address is dropped by the guard" {
	outside_create
	routed_guest 1 0
	run run_vif vif-route 1 0 online type_if=vif
	[ "$status" -eq 0 ]
	guest_ping 1 192.0.2.2
	in_guest 1 ip addr add 192.0.2.99/24 dev eth0
	! in_guest 1 busybox ping -c 1 -W 1 -I 192.0.2.99 192.0.2.2 >/dev/null 2>&1 || false
	run in_dom0 nft -j list set netdev xen_hotplug addrs4
	grep -q vif1.0 <<<"$output"
	# judged at its own ingress, on a point-to-point link
	in_dom0 nft list set netdev xen_hotplug p2p | grep -q '"vif1.0"'
	in_dom0 nft list chain netdev xen_hotplug in_vif1.0 | grep -q 'hook ingress device "vif1.0"'
}

@test "netdev: gatewaydev (env netdev) and netdev= choose dom0's address over the default route" {
	outside_create
	in_dom0 ip link add eth1 type veth peer name eth1p
	in_dom0 ip addr add 198.51.100.1/24 dev eth1
	in_dom0 ip link set eth1 up
	# guests on eth1's LAN: their addresses are answered for there
	guest_create 1 0 bridge= script="$HP_BUILD/vif-route" ip=198.51.100.11 gatewaydev=eth1
	run run_vif vif-route 1 0 online type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	addr_of vif1.0 | grep -qx 198.51.100.1/32
	[ "$(route_json 4 198.51.100.11 | jq -r '.[0].prefsrc')" = 198.51.100.1 ]

	guest_create 2 0 bridge= ip=198.51.100.12
	run run_vif vif-route 2 0 online type_if=vif netdev=eth1
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(route_json 4 198.51.100.12 | jq -r '.[0].prefsrc')" = 198.51.100.1 ]
}

@test "netdev: none given and no default route fails clearly and changes nothing" {
	outside_create route=no
	routed_guest 1 0
	local before after
	before=$(route_snapshot)
	run run_vif vif-route 1 0 online type_if=vif
	echo "$output"
	[ "$status" -eq 1 ]
	[ "$(xs_read "$(be_path 1 0)/hotplug-status")" = error ]
	xs_read "$(be_path 1 0)/hotplug-error" | grep -q "no default route"
	xs_read "$(be_path 1 0)/hotplug-error" | grep -q "netdev"
	after=$(route_snapshot)
	[ "$before" = "$after" ]
	! link_up vif1.0 || false
}

@test "netdev: an uplink without IPv4 address, or a missing one, fails clearly" {
	outside_create
	in_dom0 ip link add eth1 type veth peer name eth1p
	routed_guest 1 0 gatewaydev=eth1
	run run_vif vif-route 1 0 online type_if=vif
	echo "$output"
	[ "$status" -eq 1 ]
	xs_read "$(be_path 1 0)/hotplug-error" | grep -q "'eth1' has no IPv4 address"
	routed_guest 2 0 gatewaydev=eth9
	run run_vif vif-route 2 0 online type_if=vif
	[ "$status" -eq 1 ]
	xs_read "$(be_path 2 0)/hotplug-error" | grep -q "netdev 'eth9'"
}

@test "ip: invalid values fail, naming the key and the value, and change nothing" {
	outside_create
	local bad before after
	for bad in "192.0.2.300" "10.0.0.1/33" "2001:db8::zz" "eth0"; do
		guest_create 1 0 bridge= ip="$bad"
		before=$(route_snapshot)
		run run_vif vif-route 1 0 online type_if=vif
		echo "$output"
		[ "$status" -eq 1 ]
		[ "$(xs_read "$(be_path 1 0)/hotplug-status")" = error ]
		xs_read "$(be_path 1 0)/hotplug-error" | grep -qF -- "$bad"
		after=$(route_snapshot)
		[ "$before" = "$after" ]
		in_dom0 ip link del vif1.0
	done
}

@test "online twice: one copy of everything, no bounce" {
	outside_create
	routed_guest 1 0
	run run_vif vif-route 1 0 online type_if=vif
	[ "$status" -eq 0 ]
	local before
	before=$(route_snapshot)
	run run_vif vif-route 1 0 online type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(route_snapshot)" = "$before" ]
	[ "$(route_json 4 192.0.2.11 | jq length)" = 1 ]
	[ "$(route_json 6 2001:db8:1::11 | jq length)" = 1 ]
	guest_ping 1 192.0.2.2
}

@test "offline when the vif is gone: success, proxy entries removed, other routes kept" {
	outside_create
	routed_guest 1 0
	run run_vif vif-route 1 0 online type_if=vif
	[ "$status" -eq 0 ]
	# an administrator's route to the same address, at another metric
	in_dom0 ip route add 192.0.2.11 dev eth0 metric 50
	guest_unplug 1 0
	run run_vif vif-route 1 0 offline type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$(proxy_entries)" ]
	[ "$(route_json 4 192.0.2.11 | jq -r '.[] | "\(.dev) \(.metric)"')" = "eth0 50" ]
}

@test "tap: metric 1 beside the vif's metric 2; removing the tap keeps the vif's route and proxy entry" {
	outside_create
	routed_guest 1 0 type=vif_ioemu
	run run_vif vif-route 1 0 add type_if=tap
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(xs_read "$(be_path 1 0)/hotplug-status")" = "" ]
	run run_vif vif-route 1 0 online type_if=vif
	[ "$status" -eq 0 ]
	run route_json 4 192.0.2.11
	echo "$output"
	[ "$(jq -r 'sort_by(.metric) | map("\(.dev) \(.metric)") | join(",")' <<<"$output")" = "vif1.0-emu 1,vif1.0 2" ]
	run route_json 6 2001:db8:1::11
	[ "$(jq -r 'sort_by(.metric) | map("\(.dev) \(.metric)") | join(",")' <<<"$output")" = "vif1.0-emu 1,vif1.0 2" ]
	run run_vif vif-route 1 0 remove type_if=tap
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(route_json 4 192.0.2.11 | jq -r 'map("\(.dev) \(.metric)") | join(",")')" = "vif1.0 2" ]
	[ "$(proxy_entries)" = "2001:db8:1::11 eth0" ]
	run run_vif vif-route 1 0 offline type_if=vif
	[ "$status" -eq 0 ]
	[ -z "$(proxy_entries)" ]
}

@test "IPv4-only host: IPv4 guests attach and work with IPv6 disabled; IPv6 entries fail clearly" {
	dom0_sysctl net.ipv6.conf.all.disable_ipv6 1
	dom0_sysctl net.ipv6.conf.default.disable_ipv6 1
	outside_create ip6=no
	guest_create 1 0 bridge= ip=192.0.2.11 ip4=192.0.2.11/24 gw4=192.0.2.1
	run run_vif vif-route 1 0 online type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	guest_ping 1 192.0.2.2
	routed_guest 2 0
	local before
	before=$(route_snapshot)
	run run_vif vif-route 2 0 online type_if=vif
	echo "$output"
	[ "$status" -eq 1 ]
	xs_read "$(be_path 2 0)/hotplug-error" | grep -q "IPv6 is disabled"
	[ "$(route_snapshot)" = "$before" ]
}

@test "forwarding off: a warning, still attached" {
	outside_create
	dom0_sysctl net.ipv4.ip_forward 0
	routed_guest 1 0
	run run_vif vif-route 1 0 online type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q "forwarding is off" <<<"$output"
	[ "$(dom0_sysctl net.ipv4.ip_forward)" = 0 ]
}

@test "hooks: main_ip and upstream's variables are in scope" {
	outside_create
	routed_guest 1 0
	cat >"$XEN_SCRIPT_DIR/vif-post.d/00-test.hook" <<EOT
echo "\$command \$dev \$main_ip \$ip \$type_if" >>"$W_DIR/hook.out"
EOT
	chmod 0755 "$XEN_SCRIPT_DIR/vif-post.d/00-test.hook"
	run run_vif vif-route 1 0 online type_if=vif
	[ "$status" -eq 0 ]
	run run_vif vif-route 1 0 offline type_if=vif
	[ "$status" -eq 0 ]
	cat "$W_DIR/hook.out"
	[ "$(sed -n 1p "$W_DIR/hook.out")" = "online vif1.0 192.0.2.1 192.0.2.11 2001:db8:1::11 vif" ]
	[ "$(sed -n 2p "$W_DIR/hook.out")" = "offline vif1.0 192.0.2.1 192.0.2.11 2001:db8:1::11 vif" ]
}

@test "vifname: the renamed vif carries the routes; offline finds it" {
	outside_create
	routed_guest 1 0 vifname=web0
	run run_vif vif-route 1 0 online type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(route_json 4 192.0.2.11 | jq -r '.[0].dev')" = web0 ]
	guest_ping 1 192.0.2.2
	run run_vif vif-route 1 0 offline type_if=vif
	[ "$status" -eq 0 ]
	[ "$(route_json 4 192.0.2.11)" = "[]" ]
}

# Traffic a domain's `ip` must not take from its owner.  Before the
# conflict check, each of these attached and stole it.
# refused_ip IP WHY: guest 2 asks for IP; online fails naming WHY, and
# nothing of dom0 changes.
refused_ip() {
	local ip=$1 why=$2 before after be
	be=$(be_path 2 0)
	guest_create 2 0 bridge= script="$HP_BUILD/vif-route" ip="$ip"
	before=$(route_snapshot)
	run run_vif vif-route 2 0 online type_if=vif
	echo "$output"
	[ "$status" -eq 1 ]
	[ "$(xs_read "$be/hotplug-status")" = error ]
	xs_read "$be/hotplug-error" | grep -qF -- "$why"
	after=$(route_snapshot)
	[ "$before" = "$after" ] || { echo "before: $before"; echo "after:  $after"; return 1; }
	guest_unplug 2 0
	xs_rm "$be"
}

@test "conflict: another guest's address, dom0's own, the gateway, 0/1 + 128/1 are refused" {
	outside_create
	routed_guest 1 0
	run run_vif vif-route 1 0 online type_if=vif
	[ "$status" -eq 0 ]
	refused_ip 192.0.2.11 "is routed to 'vif1.0' already"
	refused_ip 2001:db8:1::11 "is routed to 'vif1.0' already"
	refused_ip 192.0.2.1 "dom0's own address on 'eth0'"
	refused_ip 2001:db8:1::1 "dom0's own address on 'eth0'"
	refused_ip 192.0.2.2 "a gateway of dom0's routes"
	refused_ip 2001:db8:1::2 "a gateway of dom0's routes"
	refused_ip "0.0.0.0/1 128.0.0.0/1" "0.0.0.0/1"
	# a network holding guest 1's address: guest 2's guard would let it
	# send from it
	refused_ip 192.0.2.8/29 "it holds 192.0.2.11/32, routed to 'vif1.0'"
	# guest 1 still has its traffic: the outside host reaches it
	in_outside busybox ping -c 1 -W 2 192.0.2.11 >/dev/null
}

@test "conflict: an address of another interface's network or an admin route is refused" {
	outside_create
	in_dom0 ip link add eth1 type veth peer name eth1p
	in_dom0 ip addr add 198.51.100.1/24 dev eth1
	in_dom0 ip link set eth1 up
	in_dom0 ip route add 203.0.113.0/24 via 192.0.2.2 dev eth0
	refused_ip 198.51.100.7 "198.51.100.0/24 is routed to 'eth1' already"
	refused_ip 203.0.113.9 "203.0.113.0/24 is routed to 'eth0' already"
	# what stays allowed: the uplink's own LAN, and addresses routed to
	# dom0 from outside (behind the default route)
	guest_create 3 0 bridge= script="$HP_BUILD/vif-route" ip="192.0.2.33 198.18.0.5/32"
	run run_vif vif-route 3 0 online type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "conflict: a second online of the same vif and the vif's own tap are not conflicts" {
	outside_create
	routed_guest 1 0 type=vif_ioemu
	run run_vif vif-route 1 0 online type_if=vif
	[ "$status" -eq 0 ]
	run run_vif vif-route 1 0 online type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	VIF_ENV=(INTERFACE=vif1.0-emu)
	run run_vif vif-route 1 0 add type_if=tap
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(in_dom0 ip -j -4 route show exact 192.0.2.11 | jq length)" = 2 ]
}
