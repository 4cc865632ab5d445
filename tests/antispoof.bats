#!/usr/bin/env bats
# The anti-spoofing guard (common/fw/) as vif-bridge installs it: real
# traffic from busybox tools in guest namespaces, seen (or not) by an
# outside host on the same bridge, plus the nftables and iptables state.
#
# World: xenbr0 in dom0 with guest 1 (10.0.0.1, fd00::1), guest 2
# (10.0.0.2, fd00::2), both with `ip`, and the outside host "out"
# (10.0.0.100, fd00::100, not a vif) that records every source it sees
# in nftables sets of its own (table netdev seen).

setup() {
	load helpers
	world_setup
	[ -x "$HP_BUILD/vif-bridge" ] || skip "build/vif-bridge not built"
	command -v nft >/dev/null 2>&1 || skip "needs nft"
	# Never the host's configuration.
	export XEN_HOTPLUG_CONF="$W_DIR/xen-hotplug.conf"
	: >"$XEN_HOTPLUG_CONF"
	unset XEN_HOTPLUG_ANTISPOOF
	OUT="${W}-out"
	OUT_MAC=00:16:3e:ee:ee:ee
	# guest_online, elems_of, layout_of, attack_expect, crafted frames
	load attack
	ATTACK_SENDERS=()
	ATTACK_VERDICT=()
}

teardown() {
	world_teardown
}

# ---------------------------------------------------------------- helpers

observer_create() {
	ip netns add "$OUT"
	ip -n "$OUT" link set lo up
	ip -n "$DOM0" link add out0 type veth peer name eth0 netns "$OUT"
	ip -n "$DOM0" link set out0 master xenbr0 up
	ip -n "$OUT" link set eth0 address "$OUT_MAC" up
	ip -n "$OUT" addr add 10.0.0.100/24 dev eth0
	ip -n "$OUT" -6 addr add fd00::100/64 dev eth0 nodad
	ip netns exec "$OUT" nft -f - <<-'EOF'
	table netdev seen {
		set mac { type ether_addr; flags dynamic; }
		set src4 { type ipv4_addr; flags dynamic; }
		set src6 { type ipv6_addr; flags dynamic; }
		set icmp6 { type icmpv6_type; flags dynamic; }
		chain in {
			type filter hook ingress device eth0 priority 0; policy accept;
			update @mac { ether saddr }
			meta protocol ip update @src4 { ip saddr }
			meta protocol ip6 update @src6 { ip6 saddr }
			meta l4proto ipv6-icmp update @icmp6 { icmpv6 type }
		}
	}
	EOF
}

# seen SET VALUE: the outside host received a frame with that source.
# (`! cmd` does not fail a bats test: use not_seen.)
seen() { ip netns exec "$OUT" nft get element netdev seen "$1" "{ $2 }" >/dev/null 2>&1; }
not_seen() { ! seen "$@"; }

two_guests() {
	observer_create
	guest_online 1 ip4=10.0.0.1/24 ip6=fd00::1/64 ip="10.0.0.1 fd00::1"
	guest_online 2 ip4=10.0.0.2/24 ip6=fd00::2/64 ip="10.0.0.2 fd00::2"
}

# A guest sends without ARP: a permanent neighbour entry for the host.
static_neigh() {
	in_guest "$1" ip neigh replace 10.0.0.100 lladdr "$OUT_MAC" dev eth0 nud permanent
	in_guest "$1" ip -6 neigh replace fd00::100 lladdr "$OUT_MAC" dev eth0 nud permanent
}

# The guest's link-local address has passed DAD.
ll_ready() {
	[ -n "$(in_guest "$1" ip -6 addr show dev eth0 scope link -tentative)" ]
}

# ---------------------------------------------------------------- traffic

@test "declared IPv4 source is delivered, a spoofed one is not" {
	two_guests
	static_neigh 1
	in_guest 1 ip addr add 10.0.0.50/24 dev eth0
	guest_ping 1 10.0.0.100
	seen src4 10.0.0.1
	in_guest 1 busybox ping -c 2 -W 1 -I 10.0.0.50 10.0.0.100 || true
	not_seen src4 10.0.0.50
	# The other guest is not affected.
	guest_ping 2 10.0.0.100
}

@test "declared IPv6 source is delivered, one outside the list is not" {
	two_guests
	static_neigh 1
	in_guest 1 ip -6 addr add fd00::50/64 dev eth0 nodad
	in_guest 1 busybox ping -c 2 -W 1 -I fd00::1 fd00::100
	seen src6 fd00::1
	in_guest 1 busybox ping -c 2 -W 1 -I fd00::50 fd00::100 || true
	not_seen src6 fd00::50
}

@test "a changed guest MAC is dropped" {
	two_guests
	guest_ping 1 10.0.0.100
	seen mac 00:16:3e:01:00:01
	in_guest 1 ip link set eth0 address 00:16:3e:99:99:99
	guest_noping 1 10.0.0.100
	not_seen mac 00:16:3e:99:99:99
}

# Linux ignores a neighbour update for 1 s after the last (locktime).
garp_victim_ready() {
	guest_ping 2 10.0.0.100
	run ip -n "$OUT" -j neigh show 10.0.0.2 dev eth0
	[ "$(jq -r '.[0].lladdr' <<<"$output")" = 00:16:3e:02:00:01 ]
	sleep 1.2
}

@test "a gratuitous ARP for another guest's IP does not reach the peers" {
	two_guests
	garp_victim_ready
	# The attacker takes the address, so that arping can use it.
	in_guest 1 ip addr add 10.0.0.2/32 dev eth0
	in_guest 1 busybox arping -U -c 2 -I eth0 -s 10.0.0.2 10.0.0.2
	sleep 0.3
	run ip -n "$OUT" -j neigh show 10.0.0.2 dev eth0
	echo "$output"
	[ "$(jq -r '.[0].lladdr' <<<"$output")" = 00:16:3e:02:00:01 ]
}

@test "control: the same gratuitous ARP from an unguarded guest does poison" {
	observer_create
	guest_online 2 ip4=10.0.0.2/24 ip="10.0.0.2"
	guest_online 3 ip4=10.0.0.3/24
	garp_victim_ready
	in_guest 3 ip addr add 10.0.0.2/32 dev eth0
	in_guest 3 busybox arping -U -c 2 -I eth0 -s 10.0.0.2 10.0.0.2
	sleep 0.3
	run ip -n "$OUT" -j neigh show 10.0.0.2 dev eth0
	echo "$output"
	[ "$(jq -r '.[0].lladdr' <<<"$output")" = 00:16:3e:03:00:01 ]
}

udhcpd_conf() {
	cat >"$W_DIR/udhcpd-$1.conf" <<-EOF
	interface eth0
	start 10.0.0.200
	end 10.0.0.210
	lease_file $W_DIR/udhcpd-$1.leases
	pidfile $W_DIR/udhcpd-$1.pid
	option subnet 255.255.255.0
	EOF
	: >"$W_DIR/udhcpd-$1.leases"
	echo "$W_DIR/udhcpd-$1.conf"
}

@test "a DHCP server in a guest never answers another guest" {
	two_guests
	guest_bg 1 busybox udhcpd -f "$(udhcpd_conf g1)"
	sleep 0.3
	run in_guest 2 busybox udhcpc -i eth0 -n -q -t 3 -T 1 -s /bin/true
	echo "$output"
	[ "$status" -ne 0 ]
}

@test "control: a DHCP server outside the guests gives the guarded guest a lease" {
	two_guests
	_ns_bg "$OUT" busybox udhcpd -f "$(udhcpd_conf out)"
	sleep 0.3
	run in_guest 2 busybox udhcpc -i eth0 -n -q -t 3 -T 1 -s /bin/true
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "router advertisements from a guest are dropped, other ICMPv6 is not" {
	command -v python3 >/dev/null 2>&1 || skip "needs python3 to craft an RA"
	two_guests
	in_guest 1 python3 - <<-'EOF'
	import socket
	s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
	s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
	idx = socket.if_nametoindex("eth0")
	# RA: lifetime 1800 s; prefix information fd99::/64, on-link, autonomous.
	ra = bytes([134, 0, 0, 0, 64, 0, 0x07, 0x08]) + bytes(8)
	pio = bytes([3, 4, 64, 0xc0]) + (3600).to_bytes(4, "big") * 2 + bytes(4) \
		+ socket.inet_pton(socket.AF_INET6, "fd99::")
	for t in range(3):
	    s.sendto(ra + pio, ("ff02::1", 0, 0, idx))
	s.sendto(bytes([128, 0, 0, 0, 0, 1, 0, 1]), ("ff02::1", 0, 0, idx))
	EOF
	sleep 0.3
	seen icmp6 echo-request
	not_seen icmp6 nd-router-advert
}

@test "a guest without ip is not restricted" {
	observer_create
	guest_online 3 ip4=10.0.0.3/24
	static_neigh 3
	in_guest 3 ip addr add 10.0.0.51/24 dev eth0
	in_guest 3 busybox ping -c 2 -W 1 -I 10.0.0.51 10.0.0.100 || true
	seen src4 10.0.0.51
	[ "$(elems_of vif3.0)" = 0 ]
}

@test "strict mode: a guest without ip gets DHCP-client and link-local only" {
	echo "antispoof_strict = yes" >"$XEN_HOTPLUG_CONF"
	observer_create
	guest_online 3 ip4=10.0.0.3/24
	static_neigh 3
	guest_noping 3 10.0.0.100
	not_seen src4 10.0.0.3
	wait_for 3000 ll_ready 3
	in_guest 3 busybox ping -c 2 -W 1 -I eth0 fe80::216:3eff:feee:eeee
	seen mac 00:16:3e:03:00:01
	_ns_bg "$OUT" busybox udhcpd -f "$(udhcpd_conf out)"
	sleep 0.3
	run in_guest 3 busybox udhcpc -i eth0 -n -q -t 3 -T 1 -s /bin/true
	[ "$status" -eq 0 ]
}

# ---------------------------------------------------------------- state

# A bridged vif with a MAC, one IPv4 and one IPv6 address has 19 elements
# (elems_of: tests/attack.bash), 10 counters and its ingress chain; with
# IPv4 only, 17.
@test "offline removes every element of the vif, its counters and its chain, even when it is gone" {
	two_guests
	[ "$(elems_of vif1.0)" = 19 ]
	[ "$(guard_objs_of vif1.0)" = "10 1" ]
	guest_unplug 1 0
	run run_vif vif-bridge 1 0 offline type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(elems_of vif1.0)" = 0 ]
	[ "$(guard_objs_of vif1.0)" = "0 0" ]
	[ "$(elems_of vif2.0)" = 19 ]
	[ "$(guard_objs_of vif2.0)" = "10 1" ]
	# Twice is fine.
	run run_vif vif-bridge 1 0 offline type_if=vif
	[ "$status" -eq 0 ]
}

@test "two onlines leave one copy; a reused name gets the new addresses only" {
	two_guests
	run run_vif vif-bridge 1 0 online type_if=vif
	[ "$status" -eq 0 ]
	[ "$(elems_of vif1.0)" = 19 ]
	[ "$(guard_objs_of vif1.0)" = "10 1" ]
	run in_dom0 nft -j list set netdev xen_hotplug guarded
	[ "$(jq '[.nftables[1].set.elem[] | tostring | select(contains("vif1.0"))] | length' <<<"$output")" = 1 ]
	# The vif is destroyed without offline; the next domain 1 gets
	# another ip.
	guest_unplug 1 0
	xs_write "$(be_path 1 0)/ip" "10.0.0.7"
	guest_plug 1 0
	run run_vif vif-bridge 1 0 online type_if=vif
	[ "$status" -eq 0 ]
	[ "$(elems_of vif1.0)" = 17 ]
	run in_dom0 nft -j list set netdev xen_hotplug addrs4
	jq -e '[.nftables[1].set.elem[] | tostring | select(contains("vif1.0") and contains("10.0.0.7"))] | length == 1' <<<"$output"
	jq -e '[.nftables[1].set.elem[] | tostring | select(contains("10.0.0.1"))] | length == 0' <<<"$output"
}

@test "a second online sets the vif's chain without asking: one deleted by hand comes back, the spoofed source is dropped again" {
	two_guests
	static_neigh 1
	in_guest 1 ip addr add 10.0.0.50/24 dev eth0
	[ "$(guard_objs_of vif1.0)" = "10 1" ]
	# The chain gone: the guest is no longer judged (the control: the
	# same spoofed traffic crosses).
	in_dom0 nft delete chain netdev xen_hotplug in_vif1.0
	[ "$(guard_objs_of vif1.0)" = "10 0" ]
	in_guest 1 busybox ping -c 2 -W 1 -I 10.0.0.50 10.0.0.100 || true
	seen src4 10.0.0.50
	ip netns exec "$OUT" nft flush set netdev seen src4
	not_seen src4 10.0.0.50
	run run_vif vif-bridge 1 0 online type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(guard_objs_of vif1.0)" = "10 1" ]
	[ "$(elems_of vif1.0)" = 19 ]
	in_guest 1 busybox ping -c 2 -W 1 -I 10.0.0.50 10.0.0.100 || true
	not_seen src4 10.0.0.50
	guest_ping 1 10.0.0.100
	seen src4 10.0.0.1
	# A third online with the chain in place leaves one chain, one rule.
	run run_vif vif-bridge 1 0 online type_if=vif
	[ "$status" -eq 0 ]
	run in_dom0 nft -j list chain netdev xen_hotplug in_vif1.0
	[ "$(jq '[.nftables[] | .rule // empty] | length' <<<"$output")" = 1 ]
}

@test "the tables are ours only and readable" {
	in_dom0 nft add table inet other
	in_dom0 nft add chain inet other c '{ type filter hook forward priority 0; }'
	in_dom0 nft add rule inet other c counter
	two_guests
	run in_dom0 nft list ruleset
	echo "$output"
	grep -q 'table netdev xen_hotplug' <<<"$output"
	grep -q 'table bridge xen_hotplug' <<<"$output"
	grep -q 'comment "xen-hotplug-ng guard v3"' <<<"$output"
	grep -q '"vif1.0" . 10.0.0.1' <<<"$output"
	run in_dom0 nft list chain inet other c
	grep -q counter <<<"$output"
}

# ---------------------------------------------------------------- backends

@test "iptables backend: upstream's rules exactly, one copy, removed offline" {
	command -v iptables >/dev/null 2>&1 || skip "needs iptables"
	export XEN_HOTPLUG_ANTISPOOF=iptables
	guest_online 1 ip4=10.0.0.1/24 ip="10.0.0.1 10.0.2.0/24"
	local want
	want=$(printf '%s\n' \
		'-P FORWARD ACCEPT' \
		'-A FORWARD -m physdev --physdev-out vif1.0 --physdev-is-bridged -j ACCEPT' \
		'-A FORWARD -p udp -m physdev --physdev-in vif1.0 --physdev-is-bridged -m udp --sport 68 --dport 67 -j ACCEPT' \
		'-A FORWARD -m physdev --physdev-out vif1.0 --physdev-is-bridged -j ACCEPT' \
		'-A FORWARD -s 10.0.2.0/24 -m physdev --physdev-in vif1.0 --physdev-is-bridged -j ACCEPT' \
		'-A FORWARD -m physdev --physdev-out vif1.0 --physdev-is-bridged -j ACCEPT' \
		'-A FORWARD -s 10.0.0.1/32 -m physdev --physdev-in vif1.0 --physdev-is-bridged -j ACCEPT')
	run in_dom0 iptables -w -S FORWARD
	echo "$output"
	[ "$output" = "$want" ]
	run run_vif vif-bridge 1 0 online type_if=vif
	[ "$status" -eq 0 ]
	run in_dom0 iptables -w -S FORWARD
	[ "$output" = "$want" ]
	# No nftables guard with this backend.
	[ "$(elems_of vif1.0)" = 0 ]
	guest_unplug 1 0
	run run_vif vif-bridge 1 0 offline type_if=vif
	[ "$status" -eq 0 ]
	run in_dom0 iptables -w -S FORWARD
	[ "$output" = "-P FORWARD ACCEPT" ]
}

@test "iptables backend: no ip gives upstream's unconditional pair" {
	command -v iptables >/dev/null 2>&1 || skip "needs iptables"
	echo "antispoof=iptables" >"$XEN_HOTPLUG_CONF"
	guest_online 3
	run in_dom0 iptables -w -S FORWARD
	echo "$output"
	[ "$output" = "$(printf '%s\n' '-P FORWARD ACCEPT' \
		'-A FORWARD -m physdev --physdev-out vif3.0 --physdev-is-bridged -j ACCEPT' \
		'-A FORWARD -m physdev --physdev-in vif3.0 --physdev-is-bridged -j ACCEPT')" ]
}

# The log line of a successful online says "guarded" only when the guard
# filters this vif: never with a backend that drops nothing.
@test "the online's log says guarded only when the vif is filtered" {
	local conf want
	guest_online 1 ip4=10.0.0.1/24 ip="10.0.0.1"
	guest_online 2 ip4=10.0.0.2/24
	for conf in "antispoof=nft:1" "antispoof=nft:2" "antispoof=none:1" "antispoof=iptables:1" \
		"antispoof_strict=yes:2"; do
		echo "${conf%:*}" >"$XEN_HOTPLUG_CONF"
		run run_vif vif-bridge "${conf#*:}" 0 online type_if=vif
		echo "$conf: $output"
		[ "$status" -eq 0 ]
		want=no
		case $conf in "antispoof=nft:1" | "antispoof_strict=yes:2") want=yes ;; esac
		if [ "$want" = yes ]; then
			[[ "$output" == *"attached to bridge"*", guarded"* ]]
		else
			[[ "$output" == *"attached to bridge"* && "$output" != *"guarded"* ]]
		fi
	done
}

@test "antispoof=none installs nothing" {
	printf '# host policy\nantispoof = "none"\n' >"$XEN_HOTPLUG_CONF"
	observer_create
	guest_online 1 ip4=10.0.0.1/24 ip="10.0.0.1"
	run in_dom0 nft list ruleset
	echo "$output"
	run grep -q xen_hotplug <<<"$output"
	[ "$status" -ne 0 ]
	static_neigh 1
	in_guest 1 ip addr add 10.0.0.50/24 dev eth0
	in_guest 1 busybox ping -c 1 -W 1 -I 10.0.0.50 10.0.0.100 || true
	seen src4 10.0.0.50
}

@test "switching to none clears a guard left by nft for the name" {
	guest_online 1 ip4=10.0.0.1/24 ip="10.0.0.1"
	[ "$(elems_of vif1.0)" = 17 ]
	export XEN_HOTPLUG_ANTISPOOF=none
	run run_vif vif-bridge 1 0 online type_if=vif
	[ "$status" -eq 0 ]
	[ "$(elems_of vif1.0)" = 0 ]
}

@test "a bad configuration value fails online with a clear hotplug-error" {
	printf 'antispoof_strict=no\nantispoof=maybe\n' >"$XEN_HOTPLUG_CONF"
	guest_create 1 0 ip="10.0.0.1"
	run run_vif vif-bridge 1 0 online type_if=vif
	echo "$output"
	[ "$status" -eq 1 ]
	local be=$(be_path 1 0) err
	[ "$(xs_read "$be/hotplug-status")" = error ]
	err=$(xs_read "$be/hotplug-error")
	echo "hotplug-error: $err"
	grep -q "antispoof" <<<"$output"
	grep -q "'maybe'" <<<"$output"
	grep -q "line 2" <<<"$output"
	grep -q "$XEN_HOTPLUG_CONF" <<<"$output"
	grep -q "maybe" <<<"$err"
}

@test "a bad XEN_HOTPLUG_ANTISPOOF fails online" {
	export XEN_HOTPLUG_ANTISPOOF=nftables
	guest_create 1 0 ip="10.0.0.1"
	run run_vif vif-bridge 1 0 online type_if=vif
	echo "$output"
	[ "$status" -eq 1 ]
	grep -q "XEN_HOTPLUG_ANTISPOOF" <<<"$output"
}

@test "parallel onlines of many vifs all succeed, no host lock" {
	local d pids=() rc=0
	for d in $(seq 1 8); do
		guest_create "$d" 0 ip="10.0.1.$d fd01::$d"
	done
	for d in $(seq 1 8); do
		run_vif vif-bridge "$d" 0 online type_if=vif >"$W_DIR/par-$d.log" 2>&1 &
		pids+=($!)
	done
	for d in "${pids[@]}"; do
		wait "$d" || rc=1
	done
	cat "$W_DIR"/par-*.log
	[ "$rc" = 0 ]
	run in_dom0 nft -j list set netdev xen_hotplug guarded
	[ "$(jq '.nftables[1].set.elem | length' <<<"$output")" = 8 ]
	run in_dom0 nft -j list set bridge xen_hotplug guarded
	[ "$(jq '.nftables[1].set.elem | length' <<<"$output")" = 8 ]
	for d in $(seq 1 8); do
		[ "$(elems_of "vif$d.0")" = 19 ]
		[ "$(guard_objs_of "vif$d.0")" = "10 1" ]
	done
}

# ---------------------------------------------------------------- the ruleset

@test "ruleset: nft -c -f accepts the three files, also without /etc/protocols and /etc/services" {
	local f
	for f in guard-netdev guard-bridge guard-inet; do
		run in_dom0 nft -c -f "$HP_SRCDIR/common/fw/$f.nft"
		echo "$f: $output"
		[ "$status" -eq 0 ]
		# a minimal dom0: no names nft would look up there
		run in_dom0 unshare -m sh -c "mount --bind /dev/null /etc/protocols &&
			mount --bind /dev/null /etc/services && nft -c -f '$HP_SRCDIR/common/fw/$f.nft'"
		echo "$f without /etc/protocols: $output"
		[ "$status" -eq 0 ]
	done
	# one policy: only the netdev table has the guard's chains, and none
	# of them hooks (each vif's own chain does)
	[ "$(grep -c '^[[:space:]]*chain ' "$HP_SRCDIR/common/fw/guard-bridge.nft")" = 0 ]
	! grep -q 'hook' <(grep -v '^[[:space:]]*#' "$HP_SRCDIR/common/fw/guard-netdev.nft")
	# every drop goes through a reason's chain, which counts it
	[ -z "$(sed -n '/chain guard {/,/chain d_mac {/p' "$HP_SRCDIR/common/fw/guard-netdev.nft" |
		grep -v '^[[:space:]]*#' | grep -w 'drop\|accept')" ]
}

@test "ruleset: the tables the tools create are guard-netdev.nft and guard-bridge.nft as nft loads them" {
	guest_online 1 ip4=10.0.0.1/24 ip="10.0.0.1"
	ip netns add "$W-scratch"
	ip netns exec "$W-scratch" nft -f "$HP_SRCDIR/common/fw/guard-netdev.nft"
	ip netns exec "$W-scratch" nft -f "$HP_SRCDIR/common/fw/guard-bridge.nft"
	diff <(layout_of "$DOM0" netdev | jq -c '[.[] | select(.chain == null or (.chain | startswith("in_") | not))]') \
		<(layout_of "$W-scratch" netdev)
	diff <(layout_of "$DOM0" bridge) <(layout_of "$W-scratch" bridge)
	[ "$(layout_of "$DOM0" netdev | jq '[.[] | .rules // [] | .[]] | length')" -gt 90 ]
	# the vif's own chain: its ingress hook, jump guard
	in_dom0 nft list chain netdev xen_hotplug in_vif1.0 |
		grep -q 'type filter hook ingress device "vif1.0" priority -300; policy accept;'
	[ "$(in_dom0 nft -j list chain netdev xen_hotplug in_vif1.0 | jq -c '[.nftables[] | .rule // empty | .expr]')" = '[[{"jump":{"target":"guard"}}]]' ]
}

# The kernel allows 1024 hooks per hook point (MAX_HOOK_COUNT): with the
# vif's ingress hook full, its chain cannot be made, and the transaction
# that would have made it and its elements fails as a whole.
@test "a failed guard says the kernel's error, not 'File exists', and leaves nothing of the vif" {
	local i
	guest_create 1 0 ip="10.0.0.1"
	{
		echo "table netdev filler {"
		for i in $(seq 1 1000); do
			echo "chain c$i { type filter hook ingress device \"vif1.0\" priority $i; }"
		done
		echo "}"
	} >"$W_DIR/filler.nft"
	in_dom0 nft -f "$W_DIR/filler.nft"
	for i in $(seq 1001 1100); do
		in_dom0 nft add chain netdev filler "c$i" \
			"{ type filter hook ingress device \"vif1.0\" priority $i; }" 2>/dev/null || break
	done
	[ "$i" -lt 1100 ]
	run run_vif vif-bridge 1 0 online type_if=vif
	echo "$output"
	[ "$status" -eq 1 ]
	local err
	err=$(xs_read "$(be_path 1 0)/hotplug-error")
	echo "hotplug-error: $err"
	grep -q "unable to install the anti-spoofing guard for 'vif1.0': Argument list too long" <<<"$output"
	grep -q "Argument list too long" <<<"$err"
	[ "$(grep -c "File exists" <<<"$output")" = 0 ]
	# and nothing of the vif half made
	[ "$(elems_of vif1.0)" = 0 ]
	[ "$(guard_objs_of vif1.0)" = "0 0" ]
}

# ---------------------------------------------------------------- upgrade

# The code of layout v1 ("xen-hotplug-ng guard v1"), as released: its
# fwctl, built from git at test time (never committed as a binary).
V1_COMMIT=13b656f1c268cb3b42955022492e2b1e7e671bcd

v1_fwctl() {
	local d="$W_DIR/v1" f
	mkdir -p "$d"
	for f in common/fw.c common/fw-nft.c common/fw-ipt.c common/fw-priv.h common/fw.h \
		common/parse.c common/parse.h common/log.c common/log.h common/conf.c common/conf.h \
		tests/fw-dev/fwctl.c; do
		git -C "$HP_SRCDIR" show "$V1_COMMIT:$f" >"$d/${f##*/}" || return 1
	done
	cc -std=gnu11 -D_GNU_SOURCE -I"$d" -o "$d/fwctl" "$d"/*.c \
		$(pkg-config --libs libnftnl libmnl) -ldl || return 1
	echo "$d/fwctl"
}

# The code of layout v2 ("xen-hotplug-ng guard v2": the guard at the
# bridge's and the inet family's prerouting hooks, Open vSwitch ports on
# their own ingress), as it was before the tree's reorganisation: its
# library and fwctl, built from git at test time, its fwctl given the
# netdev family its library has.
V2_COMMIT=c853cc552c29d85a79c718d2abac804ea63e1b60

v2_fwctl() {
	local d="$W_DIR/v2" f n
	mkdir -p "$d"
	for f in $(git -C "$HP_SRCDIR" ls-tree --name-only "$V2_COMMIT" common/ |
		grep -E '^common/(fw|parse|log|conf|process|guard)'); do
		git -C "$HP_SRCDIR" show "$V2_COMMIT:$f" >"$d/${f##*/}" || return 1
	done
	git -C "$HP_SRCDIR" show "$V2_COMMIT:tests/fw-dev/fwctl.c" >"$d/fwctl.c" || return 1
	# the rulesets compiled in, as its Makefile did
	for n in bridge inet netdev; do
		sed -e '/^[[:space:]]*#/d' -e '/^[[:space:]]*$/d' -e 's/\\/\\\\/g' -e 's/"/\\"/g' \
			-e 's/^/"/' -e 's/$/\\n"/' "$d/guard-$n.nft" >"$d/guard-$n.nft.h"
	done
	sed -i 's/!strcmp(argv\[\([0-9]\)\], "inet") ? HP_FW_INET : HP_FW_BRIDGE/(!strcmp(argv[\1], "inet") ? HP_FW_INET : !strcmp(argv[\1], "netdev") ? HP_FW_NETDEV : HP_FW_BRIDGE)/' "$d/fwctl.c"
	[ "$(grep -c HP_FW_NETDEV "$d/fwctl.c")" = 2 ] || return 1
	cc -std=gnu11 -D_GNU_SOURCE -I"$d" -o "$d/fwctl" "$d"/*.c \
		$(pkg-config --libs libnftnl libmnl) -ldl || return 1
	echo "$d/fwctl"
}

# Two new guests online at once on a host whose tables are of an older
# layout: both succeed, one of them migrated the tables.
two_new_onlines() {
	guest_create 2 0 ip4=10.0.0.2/24 ip6=fd00::2/64 ip="10.0.0.2 fd00::2"
	guest_create 4 0 ip4=10.0.0.4/24 ip6=fd00::4/64 ip="10.0.0.4 fd00::4"
	run_vif vif-bridge 2 0 online type_if=vif >"$W_DIR/on2" 2>&1 &
	run_vif vif-bridge 4 0 online type_if=vif >"$W_DIR/on4" 2>&1 &
	wait %1 && wait %2 || { cat "$W_DIR/on2" "$W_DIR/on4"; false; }
	cat "$W_DIR/on2" "$W_DIR/on4"
	grep -q "upgraded the guard's tables to 'xen-hotplug-ng guard v3'" "$W_DIR/on2" "$W_DIR/on4"
}

# The chains and sets of table netdev are a new table's, but the vifs'
# own chains and an upgraded table's marker.
netdev_layout_is_new() {
	ip netns add "$W-scratch"
	ip netns exec "$W-scratch" nft -f "$HP_SRCDIR/common/fw/guard-netdev.nft"
	diff <(layout_of "$W-scratch" netdev) \
		<(layout_of "$DOM0" netdev | jq -c '[.[] | select((.chain // "" | startswith("in_") | not) and .set != "layout")]')
}

# The bridge table keeps what network-bridge's policy reads (the guarded
# set) and its own chains and sets; the old guard's are gone.
bridge_stripped() {
	[ "$(layout_of "$DOM0" bridge | jq -r '.[] | .chain // .set' | sort | tr '\n' ' ')" = "$1" ]
	in_dom0 nft list set bridge xen_hotplug layout | grep -q 'comment "xen-hotplug-ng guard v3"'
}

@test "upgrade: v2 tables (bridged, routed, Open vSwitch guests) are migrated by the next onlines, at once: every running guest judged at its own ingress" {
	command -v git >/dev/null && git -C "$HP_SRCDIR" cat-file -e "$V2_COMMIT" ||
		{ echo "needs the git history of $V2_COMMIT"; false; }
	local fwctl t
	fwctl=$(v2_fwctl)
	observer_create
	# v2 guards: guest 1 (bridged, at the bridge's prerouting), vif9.0
	# (gone without offline), vif5.0 (routed: inet prerouting), vif6.0
	# (an Open vSwitch port: its own ingress); veths carry the names
	XEN_HOTPLUG_ANTISPOOF=none guest_online 1 ip4=10.0.0.1/24 ip6=fd00::1/64
	in_dom0 ip link add vif5.0 type veth peer name vif5p
	in_dom0 ip link add vif6.0 type veth peer name vif6p
	in_dom0 "$fwctl" add vif1.0 bridge 00:16:3e:01:00:01 "10.0.0.1 fd00::1 fd01::/64"
	in_dom0 "$fwctl" add vif9.0 bridge 00:16:3e:09:00:01 "10.0.0.9 fd00::9"
	in_dom0 "$fwctl" add vif5.0 inet 00:16:3e:05:00:01 "192.0.2.15 2001:db8:1::15"
	in_dom0 "$fwctl" add vif6.0 netdev 00:16:3e:06:00:01 "10.0.6.1"
	# network-bridge's antispoof=yes in the bridge table, as v2 made it
	in_dom0 nft -f - <<-'EOF'
		add set bridge xen_hotplug strict_uplinks { type ifname; }
		add chain bridge xen_hotplug strict_forward { type filter hook forward priority -300; policy accept; }
		add rule bridge xen_hotplug strict_forward oifname @strict_uplinks iifname != @guarded drop
		add element bridge xen_hotplug strict_uplinks { "eth9" }
	EOF
	for t in bridge inet netdev; do
		in_dom0 nft list table "$t" xen_hotplug | grep -q 'comment "xen-hotplug-ng guard v2"'
	done
	in_dom0 nft list chain bridge xen_hotplug prerouting | grep -q 'jump guard'
	two_new_onlines
	# netdev, upgraded in place (a table keeps its comment): the marker
	in_dom0 nft list set netdev xen_hotplug layout | grep -q 'comment "xen-hotplug-ng guard v3"'
	netdev_layout_is_new
	bridge_stripped "guarded layout strict_forward strict_uplinks "
	in_dom0 nft list chain bridge xen_hotplug strict_forward |
		grep -q 'oifname @strict_uplinks iifname != @guarded drop'
	run in_dom0 nft list table inet xen_hotplug
	[ "$status" -ne 0 ]
	# every running guest on its own ingress with its new elements (vif5.0
	# on a point-to-point link: no link-local element, the p2p one); the
	# gone one forgotten
	[ "$(elems_of vif1.0)" = 21 ]
	[ "$(elems_of vif5.0)" = 17 ]
	[ "$(elems_of vif6.0)" = 16 ]
	[ "$(elems_of vif9.0)" = 0 ]
	for t in vif1.0 vif5.0 vif6.0 vif2.0 vif4.0; do
		[ "$(guard_objs_of "$t")" = "10 1" ]
	done
	in_dom0 nft list set netdev xen_hotplug p2p | grep -q '"vif5.0"'
	# the old guest and a new one, judged by the new rules: what v2 let
	# through is dropped (guest 3, not guarded, is the control)
	guest_online 3 ip4=10.0.0.3/24 ip6=fd00::3/64
	in_dom0 ip link set xenbr0 type bridge group_fwd_mask 0x4008
	ATTACK_SENDERS=(2)
	attack_expect ip4_own ip4_spoof ip6_ll_own na_victim arp_probe_victim dhcp4_request_victim \
		group_udp
	# the old guest's offline, by the new code, removes all of it
	guest_unplug 1 0
	run run_vif vif-bridge 1 0 offline type_if=vif
	[ "$status" -eq 0 ]
	[ "$(elems_of vif1.0)" = 0 ]
	[ "$(guard_objs_of vif1.0)" = "0 0" ]
	[ "$(elems_of vif2.0)" = 19 ]
}

@test "upgrade: xen-hotplug on a host guarded by v2: status migrates the tables, then shows the guard and its counters; verify finds it in place" {
	command -v git >/dev/null && git -C "$HP_SRCDIR" cat-file -e "$V2_COMMIT" ||
		{ echo "needs the git history of $V2_COMMIT"; false; }
	[ -x "$HP_BUILD/xen-hotplug" ] || skip "build/xen-hotplug not built"
	local fwctl xh=(in_dom0 env XEN_HOTPLUG_DEBUG=0 "XEN_HOTPLUG_TOOL_DIR=$HP_BUILD" "$HP_BUILD/xen-hotplug")
	fwctl=$(v2_fwctl)
	ln -s "$HP_BUILD/vif-bridge" "$XEN_SCRIPT_DIR/vif-bridge"
	# guest 1 online with its `ip` key, guarded by v2 as the v2 tool did
	XEN_HOTPLUG_ANTISPOOF=none guest_online 1 ip4=10.0.0.1/24 ip="10.0.0.1"
	in_dom0 "$fwctl" add vif1.0 bridge 00:16:3e:01:00:01 "10.0.0.1"
	in_dom0 nft list table bridge xen_hotplug | grep -q 'comment "xen-hotplug-ng guard v2"'
	run "${xh[@]}" status -j vif1.0
	echo "$output"
	[ "$status" -eq 0 ]
	jq -e '.vifs[0].guard | .table and .installed and .chain and .rules == "mac=00:16:3e:01:00:01 10.0.0.1/32 br"
		and (.drops | length) == 10' <<<"$output"
	in_dom0 nft list set netdev xen_hotplug guarded | grep -q '"vif1.0"'
	bridge_stripped "guarded layout "
	run "${xh[@]}" verify vif1.0
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "upgrade: a v1 table with guarded vifs is migrated by the next onlines, at once, every guest still guarded" {
	command -v git >/dev/null && git -C "$HP_SRCDIR" cat-file -e "$V1_COMMIT" ||
		{ echo "needs the git history of $V1_COMMIT"; false; }
	local fwctl
	fwctl=$(v1_fwctl)
	observer_create
	# guest 1 and a gone vif9.0 guarded by v1
	XEN_HOTPLUG_ANTISPOOF=none guest_online 1 ip4=10.0.0.1/24 ip6=fd00::1/64
	in_dom0 "$fwctl" add vif1.0 bridge 00:16:3e:01:00:01 "10.0.0.1 fd00::1 fd01::/64"
	in_dom0 "$fwctl" add vif9.0 bridge 00:16:3e:09:00:01 "10.0.0.9 fd00::9"
	in_dom0 nft list table bridge xen_hotplug | grep -q 'comment "xen-hotplug-ng guard v1"'
	two_new_onlines
	# a new netdev table, the bridge table stripped to its guarded set
	in_dom0 nft list table netdev xen_hotplug | grep -q 'comment "xen-hotplug-ng guard v3"'
	netdev_layout_is_new
	bridge_stripped "guarded layout "
	# v1's vif with what v3 gives it; the gone one forgotten
	[ "$(elems_of vif1.0)" = 21 ]
	[ "$(guard_objs_of vif1.0)" = "10 1" ]
	[ "$(elems_of vif9.0)" = 0 ]
	in_dom0 nft list set netdev xen_hotplug nd_nets6 | grep -q '"vif1.0" . 0xfd010000000000000000000000000000-0xfd01000000000000ffffffffffffffff'
	guest_online 3 ip4=10.0.0.3/24 ip6=fd00::3/64
	ATTACK_SENDERS=(2)
	attack_expect ip4_own ip4_spoof ip6_ll_own ip6_ll_victim na_own na_victim ra dhcp4_offer_1067 \
		arp_probe_victim
	guest_unplug 1 0
	run run_vif vif-bridge 1 0 offline type_if=vif
	[ "$status" -eq 0 ]
	[ "$(elems_of vif1.0)" = 0 ]
	[ "$(guard_objs_of vif1.0)" = "0 0" ]
	[ "$(elems_of vif2.0)" = 19 ]
}

@test "upgrade: eight onlines at once on a v1 table: every one connected and guarded, the tables migrated (one upgrades, the others' changes make it start again, none gives up)" {
	command -v git >/dev/null && git -C "$HP_SRCDIR" cat-file -e "$V1_COMMIT" ||
		{ echo "needs the git history of $V1_COMMIT"; false; }
	local fwctl d
	fwctl=$(v1_fwctl)
	XEN_HOTPLUG_ANTISPOOF=none guest_online 1 ip4=10.0.0.1/24 ip6=fd00::1/64
	in_dom0 "$fwctl" add vif1.0 bridge 00:16:3e:01:00:01 "10.0.0.1 fd00::1 fd01::/64"
	in_dom0 nft list table bridge xen_hotplug | grep -q 'comment "xen-hotplug-ng guard v1"'
	for d in 2 3 4 5 6 7 8 9; do
		guest_create $d 0 ip4=10.0.0.$d/24 ip="10.0.0.$d"
	done
	for d in 2 3 4 5 6 7 8 9; do
		run_vif vif-bridge $d 0 online type_if=vif >"$W_DIR/on$d" 2>&1 &
	done
	wait # each one's result: its hotplug-status, below
	cat "$W_DIR"/on[2-9]
	for d in 2 3 4 5 6 7 8 9; do
		[ "$(xenstore-read "$(be_path $d 0)/hotplug-status")" = connected ]
		[ "$(guard_objs_of vif$d.0)" = "10 1" ]
	done
	# the tables upgraded by exactly one of them, whatever the order
	[ "$(cat "$W_DIR"/on[2-9] | grep -c "upgraded the guard's tables to 'xen-hotplug-ng guard v3'")" = 1 ]
	in_dom0 nft list table netdev xen_hotplug | grep -q 'comment "xen-hotplug-ng guard v3"'
	netdev_layout_is_new
	bridge_stripped "guarded layout "
	[ "$(elems_of vif1.0)" = 21 ]
	[ "$(guard_objs_of vif1.0)" = "10 1" ]
}

@test "upgrade: a migration that another tool's transaction interrupts starts again, looking at every table (the netdev table it made says nothing of the bridge one): the bridge table ends migrated" {
	command -v git >/dev/null && git -C "$HP_SRCDIR" cat-file -e "$V1_COMMIT" ||
		{ echo "needs the git history of $V1_COMMIT"; false; }
	local fwctl
	fwctl=$(v1_fwctl)
	XEN_HOTPLUG_ANTISPOOF=none guest_online 1 ip4=10.0.0.1/24 ip6=fd00::1/64
	in_dom0 "$fwctl" add vif1.0 bridge 00:16:3e:01:00:01 "10.0.0.1 fd00::1 fd01::/64"
	guest_create 2 0 ip4=10.0.0.2/24 ip="10.0.0.2"
	# hp-nft-interrupt.so commits a transaction just before the
	# migration's batch: the kernel refuses that batch once
	VIF_ENV=("LD_PRELOAD=$HP_BUILD/hp-nft-interrupt.so" ASAN_OPTIONS=verify_asan_link_order=0)
	run run_vif vif-bridge 2 0 online type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q "the ruleset changed while the guard's tables were upgraded (Interrupted system call should be restarted): again" <<<"$output"
	grep -q "upgraded the guard's tables to 'xen-hotplug-ng guard v3': 1 guarded vif moved" <<<"$output"
	netdev_layout_is_new
	bridge_stripped "guarded layout "
	[ "$(elems_of vif1.0)" = 21 ]
	[ "$(guard_objs_of vif1.0)" = "10 1" ]
	[ "$(guard_objs_of vif2.0)" = "10 1" ]
}

@test "upgrade: a v1 inet table (routed guests) is migrated too: the table goes, its gone vif forgotten" {
	command -v git >/dev/null && git -C "$HP_SRCDIR" cat-file -e "$V1_COMMIT" ||
		{ echo "needs the git history of $V1_COMMIT"; false; }
	[ -x "$HP_BUILD/vif-route" ] || skip "build/vif-route not built"
	local fwctl
	fwctl=$(v1_fwctl)
	in_dom0 "$fwctl" add vif5.0 inet 00:16:3e:05:00:01 "192.0.2.15 2001:db8:1::15"
	[ "$(elems_of vif5.0)" = 4 ]
	dom0_sysctl net.ipv6.conf.all.forwarding 1
	outside_create
	guest_create 1 0 bridge= script="$HP_BUILD/vif-route" ip="192.0.2.11" ip4=192.0.2.11/24 \
		gw4=192.0.2.1
	run run_vif vif-route 1 0 online type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q "upgraded the guard's tables" <<<"$output"
	run in_dom0 nft list table inet xen_hotplug
	[ "$status" -ne 0 ]
	netdev_layout_is_new
	[ "$(elems_of vif5.0)" = 0 ]
	# guarded, macs, nd_macs, addrs4, p2p and the counters' map elements
	[ "$(elems_of vif1.0)" = 15 ]
	# offline of the long gone vif5.0 by the new code: nothing to do
	guest_create 5 0 bridge= script="$HP_BUILD/vif-route" ip="192.0.2.15" create=never
	run run_vif vif-route 5 0 offline type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(elems_of vif1.0)" = 15 ]
}

# ---------------------------------------------------------------- network-bridge

nb_world() {
	[ -x "$HP_BUILD/network-bridge" ] || skip "build/network-bridge not built"
	ip -n "$DOM0" link del xenbr0
	export XEN_HOTPLUG_RUN_DIR="$W_DIR/run"
	outside_create
}

@test "network-bridge antispoof=yes is refused when the guard backend does not fill the guarded set" {
	nb_world
	local before
	before=$(in_dom0 ip -j link show)
	run env XEN_HOTPLUG_ANTISPOOF=none ip netns exec "$DOM0" "$HP_BUILD/network-bridge" start antispoof=yes
	echo "$output"
	[ "$status" -eq 1 ]
	grep -q "guard backend 'none' (XEN_HOTPLUG_ANTISPOOF=none)" <<<"$output"
	echo "antispoof=iptables" >"$XEN_HOTPLUG_CONF"
	run in_dom0 "$HP_BUILD/network-bridge" start antispoof=yes
	echo "$output"
	[ "$status" -eq 1 ]
	grep -q "guard backend 'iptables' (antispoof=iptables at line 1 of '$XEN_HOTPLUG_CONF')" <<<"$output"
	grep -q "set antispoof=nft in '$XEN_HOTPLUG_CONF'" <<<"$output"
	# the host is as it was
	[ "$(in_dom0 ip -j link show)" = "$before" ]
	run in_dom0 nft list table bridge xen_hotplug
	[ "$status" -ne 0 ]
}

@test "control: network-bridge antispoof=yes with antispoof=nft keeps a guarded guest on the uplink" {
	nb_world
	run in_dom0 "$HP_BUILD/network-bridge" start antispoof=yes
	echo "$output"
	[ "$status" -eq 0 ]
	guest_create 1 0 bridge=eth0 ip4=192.0.2.11/24 ip=192.0.2.11
	run run_vif vif-bridge 1 0 online type_if=vif
	[ "$status" -eq 0 ]
	wait_for 5000 guest_ping 1 192.0.2.2
}
