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

# A bridged vif with a MAC, one IPv4 and one IPv6 address has 8 elements:
# guarded, macs, nd_macs, addrs4, addrs6 and nd_addrs6 twice (the address
# and the link-local address of the MAC); with IPv4 only, 6.
@test "offline removes every element of the vif, even when it is gone" {
	two_guests
	[ "$(elems_of vif1.0)" = 8 ]
	guest_unplug 1 0
	run run_vif vif-bridge 1 0 offline type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(elems_of vif1.0)" = 0 ]
	[ "$(elems_of vif2.0)" = 8 ]
	# Twice is fine.
	run run_vif vif-bridge 1 0 offline type_if=vif
	[ "$status" -eq 0 ]
}

@test "two onlines leave one copy; a reused name gets the new addresses only" {
	two_guests
	run run_vif vif-bridge 1 0 online type_if=vif
	[ "$status" -eq 0 ]
	[ "$(elems_of vif1.0)" = 8 ]
	run in_dom0 nft -j list set bridge xen_hotplug guarded
	[ "$(jq '[.nftables[1].set.elem[] | tostring | select(contains("vif1.0"))] | length' <<<"$output")" = 1 ]
	# The vif is destroyed without offline; the next domain 1 gets
	# another ip.
	guest_unplug 1 0
	xs_write "$(be_path 1 0)/ip" "10.0.0.7"
	guest_plug 1 0
	run run_vif vif-bridge 1 0 online type_if=vif
	[ "$status" -eq 0 ]
	[ "$(elems_of vif1.0)" = 6 ]
	run in_dom0 nft -j list set bridge xen_hotplug addrs4
	jq -e '[.nftables[1].set.elem[] | tostring | select(contains("vif1.0") and contains("10.0.0.7"))] | length == 1' <<<"$output"
	jq -e '[.nftables[1].set.elem[] | tostring | select(contains("10.0.0.1"))] | length == 0' <<<"$output"
}

@test "the tables are ours only and readable" {
	in_dom0 nft add table inet other
	in_dom0 nft add chain inet other c '{ type filter hook forward priority 0; }'
	in_dom0 nft add rule inet other c counter
	two_guests
	run in_dom0 nft list ruleset
	echo "$output"
	grep -q 'table bridge xen_hotplug' <<<"$output"
	grep -q 'comment "xen-hotplug-ng guard v2"' <<<"$output"
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
	[ "$(elems_of vif1.0)" = 6 ]
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
	run in_dom0 nft -j list set bridge xen_hotplug guarded
	[ "$(jq '.nftables[1].set.elem | length' <<<"$output")" = 8 ]
	for d in $(seq 1 8); do
		[ "$(elems_of "vif$d.0")" = 8 ]
	done
}

# ---------------------------------------------------------------- the ruleset

@test "ruleset: nft -c -f accepts both files; the inet one is the bridge one but for its marked lines" {
	local f
	for f in guard-bridge guard-inet; do
		run in_dom0 nft -c -f "$HP_SRCDIR/common/fw/$f.nft"
		echo "$f: $output"
		[ "$status" -eq 0 ]
		# also where /etc/protocols and /etc/services are missing (a
		# minimal dom0): no names nft would look up there
		run in_dom0 unshare -m sh -c "mount --bind /dev/null /etc/protocols &&
			mount --bind /dev/null /etc/services && nft -c -f '$HP_SRCDIR/common/fw/$f.nft'"
		echo "$f without /etc/protocols: $output"
		[ "$status" -eq 0 ]
	done
	# from guard_ip4 on, rules identical but for "inet only" lines
	diff <(sed -n '/chain guard_ip4 {/,$p' "$HP_SRCDIR/common/fw/guard-bridge.nft" | grep -v '^[[:space:]]*#') \
		<(sed -n '/chain guard_ip4 {/,$p' "$HP_SRCDIR/common/fw/guard-inet.nft" | grep -v '^[[:space:]]*#' |
			grep -v '# inet only')
	[ "$(grep -c '# inet only' "$HP_SRCDIR/common/fw/guard-inet.nft")" = 3 ]
}

# Open vSwitch ports (vif-openvswitch; tests/vif-openvswitch.bats checks
# the table it creates): the bridge family's sets and chains on netdev.
@test "ruleset: nft -c -f accepts guard-netdev.nft; its sets and chains from 'chain guard' on are guard-bridge.nft's" {
	local f=$HP_SRCDIR/common/fw/guard-netdev.nft
	run in_dom0 nft -c -f "$f"
	echo "$output"
	[ "$status" -eq 0 ]
	run in_dom0 unshare -m sh -c "mount --bind /dev/null /etc/protocols &&
		mount --bind /dev/null /etc/services && nft -c -f '$f'"
	echo "without /etc/protocols: $output"
	[ "$status" -eq 0 ]
	body() { sed -n '/^table /,$p' "$1" | grep -v '^[[:space:]]*#' | sed '1d'; }
	# the same but for the bridge one's prerouting chain, whose hook a
	# netdev table gives each vif instead
	diff <(body "$HP_SRCDIR/common/fw/guard-bridge.nft" | sed '/chain prerouting {/,/^\t}/d' | cat -s) \
		<(body "$f" | cat -s)
	grep -q '^table netdev xen_hotplug {' "$f"
	! grep -q 'hook' <(grep -v '^[[:space:]]*#' "$f")
}

@test "ruleset: the table the tools create is guard-bridge.nft as nft loads it" {
	guest_online 1 ip4=10.0.0.1/24 ip="10.0.0.1"
	ip netns add "$W-scratch"
	ip netns exec "$W-scratch" nft -f "$HP_SRCDIR/common/fw/guard-bridge.nft"
	diff <(layout_of "$DOM0" bridge) <(layout_of "$W-scratch" bridge)
	[ "$(layout_of "$DOM0" bridge | jq '[.[] | .rules // [] | .[]] | length')" -gt 60 ]
}

# The kernel allows 1024 hooks per hook point and namespace
# (MAX_HOOK_COUNT): with bridge prerouting full, our chain cannot be made.
@test "a failed table creation says the kernel's error, not 'File exists'" {
	local i
	{
		echo "table bridge filler {"
		for i in $(seq 1 1000); do echo "chain c$i { type filter hook prerouting priority $i; }"; done
		echo "}"
	} >"$W_DIR/filler.nft"
	in_dom0 nft -f "$W_DIR/filler.nft"
	for i in $(seq 1001 1100); do
		in_dom0 nft add chain bridge filler "c$i" "{ type filter hook prerouting priority $i; }" \
			2>/dev/null || break
	done
	[ "$i" -lt 1100 ]
	guest_create 1 0 ip="10.0.0.1"
	run run_vif vif-bridge 1 0 online type_if=vif
	echo "$output"
	[ "$status" -eq 1 ]
	local err
	err=$(xs_read "$(be_path 1 0)/hotplug-error")
	echo "hotplug-error: $err"
	grep -q "unable to create table bridge xen_hotplug: .*Argument list too long" <<<"$output"
	grep -q "Argument list too long" <<<"$err"
	[ "$(grep -c "File exists" <<<"$output")" = 0 ]
	# and nothing half made
	run in_dom0 nft list table bridge xen_hotplug
	[ "$status" -ne 0 ]
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

@test "upgrade: a v1 table with guarded vifs is upgraded in place by the next onlines, at once, every guest still guarded" {
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
	[ "$(elems_of vif1.0)" = 5 ]
	# two new guests online at once: both upgrade, both succeed
	guest_create 2 0 ip4=10.0.0.2/24 ip6=fd00::2/64 ip="10.0.0.2 fd00::2"
	guest_create 4 0 ip4=10.0.0.4/24 ip6=fd00::4/64 ip="10.0.0.4 fd00::4"
	run_vif vif-bridge 2 0 online type_if=vif >"$W_DIR/on2" 2>&1 &
	run_vif vif-bridge 4 0 online type_if=vif >"$W_DIR/on4" 2>&1 &
	wait %1 && wait %2 || { cat "$W_DIR/on2" "$W_DIR/on4"; false; }
	cat "$W_DIR/on2" "$W_DIR/on4"
	grep -q "upgraded table bridge xen_hotplug" "$W_DIR/on2" "$W_DIR/on4"
	# the marker, and the layout of a new table, rules once
	in_dom0 nft list set bridge xen_hotplug layout | grep -q 'comment "xen-hotplug-ng guard v2"'
	ip netns add "$W-scratch"
	ip netns exec "$W-scratch" nft -f "$HP_SRCDIR/common/fw/guard-bridge.nft"
	diff <(layout_of "$W-scratch" bridge | jq -c '[.[] | select(.chain)]') \
		<(layout_of "$DOM0" bridge | jq -c '[.[] | select(.chain)]')
	diff <(layout_of "$W-scratch" bridge | jq -r '.[] | .set // empty') \
		<(layout_of "$DOM0" bridge | jq -r '.[] | .set // empty' | grep -vx layout)
	# v1's elements kept, and what v2 adds from them: nd_macs, the MAC's
	# link-local address in addrs6 and nd_addrs6, nd_addrs6, nd_nets6
	[ "$(elems_of vif1.0)" = 10 ]
	[ "$(elems_of vif9.0)" = 8 ]
	in_dom0 nft list set bridge xen_hotplug addrs6 | grep -q '"vif1.0" . fe80::216:3eff:fe01:1'
	in_dom0 nft list set bridge xen_hotplug nd_nets6 | grep -q '"vif1.0" . 0xfd010000000000000000000000000000-0xfd01000000000000ffffffffffffffff'
	# the old guest and a new one, guarded by the new rules (guest 3, not
	# guarded, is the control)
	guest_online 3 ip4=10.0.0.3/24 ip6=fd00::3/64
	ATTACK_SENDERS=(2)
	attack_expect ip4_own ip4_spoof ip6_ll_own ip6_ll_victim na_own na_victim ra dhcp4_offer_1067
	# the old guest's offline, by the new code, removes all of it
	guest_unplug 1 0
	run run_vif vif-bridge 1 0 offline type_if=vif
	[ "$status" -eq 0 ]
	[ "$(elems_of vif1.0)" = 0 ]
	[ "$(elems_of vif2.0)" = 8 ]
}

@test "upgrade: a v1 inet table (routed guests) is upgraded too, without link-local elements" {
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
	grep -q "upgraded table inet xen_hotplug" <<<"$output"
	in_dom0 nft list set inet xen_hotplug layout | grep -q 'comment "xen-hotplug-ng guard v2"'
	ip netns add "$W-scratch"
	ip netns exec "$W-scratch" nft -f "$HP_SRCDIR/common/fw/guard-inet.nft"
	diff <(layout_of "$W-scratch" inet | jq -c '[.[] | select(.chain)]') \
		<(layout_of "$DOM0" inet | jq -c '[.[] | select(.chain)]')
	# nd_macs and nd_addrs6 added, no link-local address (inet allows any)
	[ "$(elems_of vif5.0)" = 6 ]
	[ "$(in_dom0 nft -j list set inet xen_hotplug addrs6 | jq '.nftables[1].set.elem | length')" = 1 ]
	# offline by the new code, the vif long gone
	guest_create 5 0 bridge= script="$HP_BUILD/vif-route" ip="192.0.2.15" create=never
	run run_vif vif-route 5 0 offline type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(elems_of vif5.0)" = 0 ]
	# guarded, macs, nd_macs, addrs4
	[ "$(elems_of vif1.0)" = 4 ]
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
