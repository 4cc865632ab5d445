#!/usr/bin/env bats
# xen-hotplug (tools/xen-hotplug.c): status, verify, repair, gc.  For each
# drift an administrator meets (the bridge re-created, the guard's tables
# flushed, one guard element deleted, a link taken down, an MTU changed, a
# port out of its bridge, a rate qdisc deleted, an Open vSwitch port
# deleted through OVSDB, xenstored restarted), verify exits 1 naming it,
# repair puts it back and verify exits 0 after; traffic crosses again and
# spoofed frames are dropped again, each beside a control (the drifted
# state, or an unguarded guest); healthy vifs are not touched (`ip
# monitor`, `nft monitor`).  gc after an offline killed at each of its
# stages leaves nothing, and never removes a foreign object.  Bad input
# gets a clear error and changes nothing.
#
# World: xenbr0 in dom0, an observer "out" on it (10.0.0.100, not a vif)
# that records every IPv4 source it receives, guests 1 (guarded:
# ip=10.0.0.1), 2 (guarded, the healthy witness: ip=10.0.0.2) and 3
# (unguarded: the control), online through vif-bridge.  The vif tools are
# as an activated package has them: /etc/xen/scripts/<tool> (here
# $XEN_SCRIPT_DIR, libxl's `script` key) links to the tool in its own
# directory (here the build, XEN_HOTPLUG_TOOL_DIR).

setup() {
	load helpers
	world_setup
	[ -x "$HP_BUILD/xen-hotplug" ] || skip "build/xen-hotplug not built"
	command -v nft >/dev/null 2>&1 || skip "needs nft"
	local t
	for t in vif-bridge vif-route vif-nat vif-openvswitch; do
		ln -s "$HP_BUILD/$t" "$XEN_SCRIPT_DIR/$t"
	done
	export XEN_HOTPLUG_TOOL_DIR="$HP_BUILD"
	unset XEN_HOTPLUG_ANTISPOOF
	OUT="${W}-out"
	OUT_MAC=00:16:3e:ee:ee:ee
}

teardown() {
	! declare -F ovs_teardown >/dev/null || ovs_teardown
	world_teardown
}

# fails CMD...: CMD fails (a bats test ignores `! CMD` but on its last line).
fails() { ! "$@"; }

# xen-hotplug in dom0, without the tools' debug lines.  Under make
# check-valgrind (HP_VALGRIND=1) it runs under valgrind with the tools it
# starts: any error or leak makes it exit 99.
xh() {
	local -a vg=()
	if [ "${HP_VALGRIND:-0}" = 1 ]; then
		vg=(valgrind -q --trace-children=yes --leak-check=full --errors-for-leak-kinds=all
			--error-exitcode=99 "--suppressions=$HP_SRCDIR/tests/valgrind.supp")
	fi
	in_dom0 env XEN_HOTPLUG_DEBUG=0 ${vg[@]+"${vg[@]}"} "$HP_BUILD/xen-hotplug" "$@"
}

# ---------------------------------------------------------------- the world

observer_create() {
	ip netns add "$OUT"
	ip -n "$OUT" link set lo up
	ip -n "$DOM0" link add out0 type veth peer name eth0 netns "$OUT"
	ip -n "$DOM0" link set out0 master xenbr0 up
	ip -n "$OUT" link set eth0 address "$OUT_MAC" up
	ip -n "$OUT" addr add 10.0.0.100/24 dev eth0
	ip netns exec "$OUT" nft -f - <<-'EOF'
	table netdev seen {
		set src4 { type ipv4_addr; flags dynamic; }
		chain in {
			type filter hook ingress device eth0 priority 0; policy accept;
			meta protocol ip update @src4 { ip saddr }
		}
	}
	EOF
}

# seen ADDR: the observer received an IPv4 packet from ADDR.
seen() { ip netns exec "$OUT" nft get element netdev seen src4 "{ $1 }" >/dev/null 2>&1; }
not_seen() { ! seen "$1"; }

online() {
	local d=$1
	shift
	guest_create "$d" 0 ip4="10.0.0.$d/24" "$@"
	run run_vif vif-bridge "$d" 0 online type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	in_guest "$d" ip neigh replace 10.0.0.100 lladdr "$OUT_MAC" dev eth0 nud permanent
}

world3() {
	observer_create
	online 1 ip=10.0.0.1
	online 2 ip=10.0.0.2
	online 3
}

# port_flag DEV KEY: the port's flag as `bridge -j -d link` shows it.
port_flag() { bridge -n "$DOM0" -j -d link show dev "$1" | jq -r ".[0].$2"; }

crosses() { wait_for 10000 guest_ping "$1" 10.0.0.100; }

# spoofs D ADDR: guest D sends from ADDR (not its own) to the observer.
spoofs() {
	in_guest "$1" ip addr add "$2/24" dev eth0
	in_guest "$1" busybox ping -c 2 -W 1 -I "$2" 10.0.0.100 >/dev/null 2>&1 || true
	in_guest "$1" ip addr del "$2/24" dev eth0
}

# The guard holds, beside the unguarded control: guest 1's spoofed source
# is dropped, guest 3's crosses.  N: a fresh number for the addresses.
guard_holds() {
	spoofs 1 "10.0.0.$((50 + $1))"
	spoofs 3 "10.0.0.$((150 + $1))"
	seen "10.0.0.$((150 + $1))"
	not_seen "10.0.0.$((50 + $1))"
}

# dom0_state: dom0's links and ruleset, but the counters' values (the
# guard's drop counters count what guests send, not what a tool did).
dom0_state() {
	dom0_snapshot
	in_dom0 nft -j list ruleset | jq -S -c '.nftables | map(if .counter then .counter |= del(.packets, .bytes) else . end)'
}

# ---------------------------------------------------------------- monitors

# mon_start: link events (ip monitor) and nftables changes (nft monitor)
# of dom0, until mon_stop.
mon_start() {
	: >"$W_DIR/mon.link"
	: >"$W_DIR/mon.nft"
	MON_PIDS=(
		"$(dom0_bg sh -c "exec ip -o monitor link >'$W_DIR/mon.link'")"
		"$(dom0_bg sh -c "exec nft monitor >'$W_DIR/mon.nft'")"
	)
	sleep 0.3
}

mon_stop() {
	sleep 0.3
	kill "${MON_PIDS[@]}" 2>/dev/null || true
	echo "link events:"
	cat "$W_DIR/mon.link"
	echo "nft changes:"
	cat "$W_DIR/mon.nft"
}

# untouched DEV: no link event and no nftables change named DEV.
untouched() {
	! grep -q "[ \"]$1[:@\" ]" "$W_DIR/mon.link" "$W_DIR/mon.nft"
}
touched() { grep -q "[ \"]$1[:@\" ]" "$W_DIR/mon.link" "$W_DIR/mon.nft"; }

# verify_names LINE: verify exits 1 and says exactly LINE (and nothing else
# of its vifs).
verify_names() {
	run xh verify
	echo "verify: $status"
	echo "$output"
	[ "$status" -eq 1 ]
	[ "$output" = "$1" ]
}

verify_clean() {
	run xh verify
	echo "verify: $status"
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

# ---------------------------------------------------------------- drifts: the bridge

@test "drift: xenbr0 re-created: verify names every vif, repair puts them back, guarded" {
	world3
	verify_clean
	in_dom0 ip link del xenbr0
	in_dom0 ip link add xenbr0 type bridge stp_state 0 forward_delay 0
	in_dom0 ip link set out0 master xenbr0
	in_dom0 ip link set xenbr0 up
	# the drift is real: no guest reaches the observer
	fails guest_ping 3 10.0.0.100
	verify_names "vif1.0: bridge: expected 'xenbr0', found none
vif2.0: bridge: expected 'xenbr0', found none
vif3.0: bridge: expected 'xenbr0', found none"
	run xh repair
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"vif1.0: bridge: expected 'xenbr0', found none: repaired"* ]]
	[[ "$output" == *"repair: 3 vif(s) repaired, 0 in place, 0 failed"* ]]
	[ "$(link_master vif1.0)" = xenbr0 ]
	[ "$(link_master vif3.0)" = xenbr0 ]
	crosses 1
	crosses 2
	crosses 3
	guard_holds 1
	verify_clean
}

@test "drift: a port taken out of the bridge; repair touches no healthy vif (ip monitor)" {
	world3
	in_dom0 ip link set vif1.0 nomaster
	fails guest_ping 1 10.0.0.100
	crosses 2
	verify_names "vif1.0: bridge: expected 'xenbr0', found none"
	mon_start
	run xh repair
	mon_stop
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"repair: 1 vif(s) repaired, 2 in place, 0 failed"* ]]
	# the repaired vif's own events are seen (the monitor works) ...
	touched vif1.0
	# ... and none of the healthy ones'
	untouched vif2.0
	untouched vif3.0
	crosses 1
	guard_holds 2
	verify_clean
}

@test "drift: a link taken down: verify names it, repair brings it up, no flap elsewhere" {
	world3
	in_dom0 ip link set vif1.0 down
	fails guest_ping 1 10.0.0.100
	verify_names "vif1.0: link: expected up, found down"
	mon_start
	run xh repair
	mon_stop
	echo "$output"
	[ "$status" -eq 0 ]
	touched vif1.0
	untouched vif2.0
	untouched vif3.0
	link_up vif1.0
	crosses 1
	verify_clean
}

@test "drift: an MTU changed: verify names it, repair sets the mtu key's value again" {
	observer_create
	online 1 ip=10.0.0.1 mtu=1400
	online 2 ip=10.0.0.2
	[ "$(link_mtu vif1.0)" = 1400 ]
	in_dom0 ip link set vif1.0 mtu 1500
	verify_names "vif1.0: mtu: expected 1400, found 1500"
	mon_start
	run xh repair
	mon_stop
	echo "$output"
	[ "$status" -eq 0 ]
	untouched vif2.0
	[ "$(link_mtu vif1.0)" = 1400 ]
	[ "$(xs_read "$(fe_path 1 0)/mtu")" = 1400 ]
	# a 1372-byte datagram (1400 with its headers) crosses; a 1401-byte packet does not
	in_guest 1 ip link set eth0 mtu 1500
	in_guest 1 busybox ping -c 1 -W 1 -s 1372 10.0.0.100 >/dev/null
	fails in_guest 1 ping -M do -c 1 -W 1 -s 1373 10.0.0.100 >/dev/null 2>&1
	verify_clean
}

@test "drift: a port's flags changed (bpdu_guard, root_block off; a locked port learning): verify names each, repair sets them, no other port touched" {
	observer_create
	printf '%s\n' port_lock=yes >"$XEN_HOTPLUG_CONF"
	online 1 ip=10.0.0.1
	online 2 ip=10.0.0.2
	online 3 ip=10.0.0.3
	verify_clean
	in_dom0 bridge link set dev vif1.0 guard off root_block off
	in_dom0 bridge link set dev vif2.0 learning on
	[ "$(port_flag vif1.0 guard)" = false ]
	[ "$(port_flag vif2.0 learning)" = true ]
	run xh verify
	echo "$output"
	[ "$status" -eq 1 ]
	[ "$(grep -c . <<<"$output")" = 2 ]
	[[ $output == *"vif1.0: port flags: expected learning off, flood off, locked on, isolated off, bpdu_guard on, root_block on, found learning off, flood off, locked on, isolated off, bpdu_guard off, root_block off"* ]]
	[[ $output == *"vif2.0: port flags: expected learning off, flood off, locked on, isolated off, bpdu_guard on, root_block on, found learning on, flood off, locked on, isolated off, bpdu_guard on, root_block on"* ]]
	mon_start
	run xh repair
	mon_stop
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"repair: 2 vif(s) repaired, 1 in place, 0 failed"* ]]
	untouched vif3.0
	[ "$(port_flag vif1.0 guard)" = true ]
	[ "$(port_flag vif1.0 root_block)" = true ]
	[ "$(port_flag vif2.0 learning)" = false ]
	crosses 1
	crosses 2
	verify_clean
}

# ---------------------------------------------------------------- drifts: the guard

@test "drift: the guard's tables flushed (nft flush ruleset): spoofing crosses; repair guards again" {
	world3
	guard_holds 1
	in_dom0 nft flush ruleset
	# the drift is real: guest 1's spoofed source now reaches the observer
	spoofs 1 10.0.0.60
	seen 10.0.0.60
	verify_names "vif1.0: guard: expected 'mac=00:16:3e:01:00:01 10.0.0.1/32 br' in table netdev xen_hotplug, chain in_vif1.0, found no table netdev xen_hotplug
vif2.0: guard: expected 'mac=00:16:3e:02:00:01 10.0.0.2/32 br' in table netdev xen_hotplug, chain in_vif2.0, found no table netdev xen_hotplug"
	mon_start
	run xh repair
	mon_stop
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"repair: 2 vif(s) repaired, 1 in place, 0 failed"* ]]
	# no link bounced: the guard came back around running ports
	fails grep -q "vif[123]\.0" "$W_DIR/mon.link"
	guard_holds 2
	crosses 1
	crosses 2
	verify_clean
}

@test "drift: one guard element deleted: the guest is cut off; repair restores it, no other vif's elements change" {
	world3
	in_dom0 nft delete element netdev xen_hotplug addrs4 '{ "vif1.0" . 10.0.0.1 }'
	fails guest_ping 1 10.0.0.100
	verify_names "vif1.0: guard: expected 'mac=00:16:3e:01:00:01 10.0.0.1/32 br' in table netdev xen_hotplug, chain in_vif1.0, found no element in set netdev addrs4 for the vif"
	mon_start
	run xh repair
	mon_stop
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q 'add element netdev xen_hotplug addrs4 { "vif1.0" . 10.0.0.1 }' "$W_DIR/mon.nft"
	untouched vif2.0
	crosses 1
	guard_holds 3
	verify_clean
}

# ---------------------------------------------------------------- drifts: a tap's rate

# emu_guest D: an HVM guest whose emulated NIC carries traffic (as in
# tests/vif-rate.bats: the "tap" is a veth named as libxl names the tap,
# its peer in the guest 10.77.0.D/24; dom0 10.77.0.254 on xenbr0, with an
# iperf3 server).
emu_guest() {
	local d=$1 gns="${W}-g$1"
	shift
	guest_create "$d" 0 type=vif_ioemu create=never "$@"
	ip -n "$DOM0" link add "vif$d.0-emu" type veth peer name eth0 netns "$gns"
	ip -n "$gns" link set eth0 address "$(xs_read "$(be_path "$d" 0)/mac")"
	ip -n "$gns" addr add "10.77.0.$d/24" dev eth0
	ip -n "$gns" link set eth0 up
	in_dom0 ip link add nic0 type veth peer name nic0p
	in_dom0 ip link set nic0 master xenbr0 up
	in_dom0 ip link set nic0p up
	in_dom0 ip addr add 10.77.0.254/24 dev xenbr0
	dom0_bg iperf3 -s -B 10.77.0.254 >/dev/null
}

# bits/s the guest receives in a 2 s iperf3 run
down_bw() {
	wait_for 10000 guest_ping "$1" 10.77.0.254 || return 1
	in_guest "$1" iperf3 -c 10.77.0.254 -t 2 -J -R | jq -e '.end.sum_received.bits_per_second | floor'
}

@test "drift: a tap's rate qdisc deleted: the guest receives unlimited; repair limits it again" {
	command -v iperf3 >/dev/null || skip "needs iperf3 (install.sh --deps)"
	emu_guest 5
	xs_write "$(be_path 5 0)/rate" 62500,50000 # xl's rate=10Mb/s
	# the guest's PV vif, netback's (idle: this guest's traffic is the tap's)
	ip -n "$DOM0" link add vif5.0 type veth peer name eth1 netns "${W}-g5"
	run run_vif vif-bridge 5 0 online type_if=vif
	[ "$status" -eq 0 ]
	run run_vif vif-bridge 5 0 add type_if=tap
	echo "$output"
	[ "$status" -eq 0 ]
	local limited unlimited repaired
	limited=$(down_bw 5)
	in_dom0 tc qdisc del dev vif5.0-emu root
	unlimited=$(down_bw 5)
	verify_names "vif5.0-emu: rate: expected 10.0 Mbit/s both ways (tbf 4850: on 'vif5.0-emu', ingress redirected to 'ifb5.0'), found tbf on 'vif5.0-emu': none; ingress: redirected; 'ifb5.0': 10.0 Mbit/s"
	run xh repair
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(in_dom0 tc -j qdisc show dev vif5.0-emu | jq -r '.[] | select(.root) | "\(.kind) \(.handle) \(.options.rate)"')" = "tbf 4850: 1250000" ]
	repaired=$(down_bw 5)
	echo "# received: $limited bit/s limited, $unlimited with its tbf deleted, $repaired repaired" >&3
	# a bound on ratios, never a timing: the limit is 10 Mbit/s
	[ "$limited" -lt 12000000 ]
	[ "$unlimited" -gt $((3 * limited)) ]
	[ "$repaired" -lt 12000000 ]
	verify_clean
}

# ---------------------------------------------------------------- drifts: Open vSwitch

ovs_world() {
	load ovs
	ovs_start
	ovs_br_add ovsbr0
	local d
	for d in 1 2; do
		ovs_guest "$d" 0 bridge=ovsbr0.10 ip="10.0.0.$d" ip4="10.0.0.$d/24"
		run run_vif vif-openvswitch "$d" 0 online type_if=vif
		echo "$output"
		[ "$status" -eq 0 ]
	done
	ovs_ping_ok 1 10.0.0.2
}

@test "drift: an Open vSwitch port deleted through OVSDB: verify names it, repair adds it again" {
	ovs_world
	local uuid2
	uuid2=$(ovs_col Port vif2.0 _uuid)
	ovs_vsctl del-port ovsbr0 vif1.0
	fails ovs_ping 1 10.0.0.2
	verify_names "vif1.0: ovs port: expected a port of bridge 'ovsbr0', tag 10, found no port"
	run xh repair
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"repair: 1 vif(s) repaired, 1 in place, 0 failed"* ]]
	[ "$(ovs_port_bridge vif1.0)" = ovsbr0 ]
	[ "$(ovs_col Port vif1.0 tag)" = 10 ]
	[[ "$(ovs_col Interface vif1.0 external_ids)" == *'xen-vm-name=guest1'* ]]
	# the healthy port is the same row
	[ "$(ovs_col Port vif2.0 _uuid)" = "$uuid2" ]
	ovs_ping_ok 1 10.0.0.2
	verify_clean
}

@test "drift: Open vSwitch restarted with an empty database: verify says the bridge is gone; once it is back, repair adds the ports" {
	ovs_world
	ovs_stop
	rm -f "$OVS_DIR/conf.db"
	ovs_start
	run xh verify
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"vif1.0: unable to add port 'vif1.0' to bridge 'ovsbr0': no such Open vSwitch bridge"* ]]
	# repair cannot make the administrator's bridge, and changes nothing
	run xh repair
	echo "$output"
	[ "$status" -eq 1 ]
	[ -z "$(ovs_vsctl list-br)" ]
	ovs_br_add ovsbr0
	run xh repair --bridge ovsbr0
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"repair: 2 vif(s) repaired, 0 in place, 0 failed (bridge 'ovsbr0')"* ]]
	ovs_ping_ok 1 10.0.0.2
	verify_clean
}

# ---------------------------------------------------------------- drifts: xenstored

# xenstored_restart: a new xenstored, its store empty (Debian's C
# xenstored keeps its database in memory), and dom0's own nodes.
xenstored_restart() {
	local pid
	pid=$(cat "$W_DIR/xs.proc")
	kill -TERM "$pid"
	wait_for 3000 fails _hp_alive "$pid"
	rm -f "$XENSTORED_PATH"
	xenstored_start
	xenstore-write /local/domain/0/domid 0 /local/domain/0/name Domain-0
}

@test "drift: xenstored restarted (its store lost): verify names every vif, repair and gc change nothing; libxl's nodes back, repair writes hotplug-status" {
	world3
	xenstored_restart
	local before
	before=$(dom0_state)
	verify_names "vif1.0: guard (bridge): expected a vif in xenstore that backs it, found none, and its link 'vif1.0' exists (xenstored lost its state?): kept
vif2.0: guard (bridge): expected a vif in xenstore that backs it, found none, and its link 'vif2.0' exists (xenstored lost its state?): kept"
	run xh repair
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"vif1.0: not repaired: no vif in xenstore backs it"* ]]
	run xh gc
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"gc: 0 removed, 2 kept, 0 failed"* ]]
	[ "$before" = "$(dom0_state)" ]
	guard_holds 1
	# the toolstack writes the domains' nodes again, hotplug-status empty
	local d
	for d in 1 2 3; do
		"$HP_BUILD/hp-xs-tx" <"$W_DIR/guest-$d-0.xs"
	done
	run xh verify
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"vif1.0: hotplug-status: expected 'connected', found ''"* ]]
	# not connected: only when named
	run xh repair
	[ "$status" -eq 0 ]
	[ "$(xs_read "$(be_path 1 0)/hotplug-status")" = "" ]
	run xh repair vif1.0 vif2.0 vif3.0
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(xs_read "$(be_path 1 0)/hotplug-status")" = connected ]
	[ "$before" = "$(dom0_state)" ]
	verify_clean
}

# ---------------------------------------------------------------- routed and NAT vifs

@test "drift: vif-route's route deleted, vif-nat's router address deleted: verify names them, repair adds them" {
	outside_create
	dom0_sysctl net.ipv4.ip_forward 1
	guest_create 1 0 bridge= script="$XEN_SCRIPT_DIR/vif-route" ip=192.0.2.11 ip4=192.0.2.11/24 \
		gw4=192.0.2.1
	guest_create 2 0 bridge= script="$XEN_SCRIPT_DIR/vif-nat"
	run run_vif vif-route 1 0 online type_if=vif
	[ "$status" -eq 0 ]
	run run_vif vif-nat 2 0 online type_if=vif
	[ "$status" -eq 0 ]
	# the control: the outside host reaches the routed guest (ARP through
	# dom0's proxy first: a loaded host needs more than a second)
	wait_for 10000 in_outside busybox ping -c 1 -W 1 192.0.2.11
	verify_clean
	in_dom0 ip route del 192.0.2.11/32 dev vif1.0 metric 2
	in_dom0 ip addr del 10.0.2.128/32 dev vif2.0
	fails in_outside busybox ping -c 1 -W 1 192.0.2.11
	verify_names "vif1.0: route: expected 192.0.2.11/32 dev vif1.0 metric 2, found none
vif2.0: router address: expected 10.0.2.128/32, found none
vif2.0: route: expected 10.0.2.1/32 dev vif2.0 src 10.0.2.128 metric 2, found none"
	run xh repair
	echo "$output"
	[ "$status" -eq 0 ]
	wait_for 10000 in_outside busybox ping -c 1 -W 1 192.0.2.11
	[ "$(in_dom0 ip -j addr show dev vif2.0 | jq -r '.[0].addr_info[] | select(.family == "inet") | .local')" = 10.0.2.128 ]
	verify_clean
}

# ---------------------------------------------------------------- repair --watch

all_in_bridge() {
	local d
	for d in "$@"; do
		[ "$(link_master "vif$d.0")" = xenbr0 ] || return 1
	done
}

@test "repair --watch: the distribution re-creates xenbr0: the guests' vifs are back, guarded, without a person" {
	world3
	local watch
	watch=$(dom0_bg env XEN_HOTPLUG_DEBUG=0 "$HP_BUILD/xen-hotplug" repair --watch)
	sleep 0.5
	# what ifupdown's ifdown/ifup of a bridge does
	in_dom0 ip link del xenbr0
	in_dom0 ip link add xenbr0 type bridge stp_state 0 forward_delay 0
	in_dom0 ip link set out0 master xenbr0
	in_dom0 ip link set xenbr0 up
	wait_for 10000 all_in_bridge 1 2 3 || { cat "$W_DIR/bg.log"; return 1; }
	crosses 1
	crosses 3
	guard_holds 4
	verify_clean
	# a second time, the watcher still there
	in_dom0 ip link del xenbr0
	in_dom0 ip link add xenbr0 type bridge
	in_dom0 ip link set out0 master xenbr0
	in_dom0 ip link set xenbr0 up
	wait_for 10000 all_in_bridge 2
	crosses 2
	kill "$watch"
	wait_for 3000 fails _hp_alive "$watch"
	grep -q "bridge 'xenbr0' was created again or came up: repairing its vifs" "$XEN_LOG_DIR/xen-hotplug.log"
}

# ---------------------------------------------------------------- gc

# What a killed offline leaves of vif DEV (and its tap, its ifb, its
# dnsmasq entry), in words: empty when nothing.
leftovers() {
	local dev=$1 d=$2
	in_dom0 nft -j list ruleset | jq -r --arg dev "$dev" '.nftables[] | select(.set and .set.table == "xen_hotplug")
		| .set as $s | ($s.elem // [])[] | tostring | select(contains("\"" + $dev)) | "\($s.family) \($s.name) \(.)"'
	link_exists "ifb$d.0" && echo "ifb ifb$d.0"
	[ -e "$W_DIR/hosts/$dev" ] && echo "dnsmasq $W_DIR/hosts/$dev"
	true
}

@test "gc: after an offline killed at each of its stages, gc leaves nothing; foreign objects stay" {
	export XEN_HOTPLUG_NAT_DHCP=dnsmasq XEN_HOTPLUG_NAT_DHCP_DIR="$W_DIR/hosts"
	mkdir -p "$W_DIR/hosts"
	local s d=10 left
	for s in detach unguard hooks; do
		d=$((d + 1))
		# an HVM guest's NIC on a bridge (a vif, a rate-limited tap: an ifb)
		guest_create "$d" 0 type=vif_ioemu ip="10.0.1.$d"
		xs_write "$(be_path "$d" 0)/rate" 62500,50000
		run run_vif vif-bridge "$d" 0 online type_if=vif
		[ "$status" -eq 0 ]
		run run_vif vif-bridge "$d" 0 add type_if=tap
		[ "$status" -eq 0 ]
		# netback removes the vif and qemu the tap, then libxl runs offline
		guest_unplug "$d" 0
		in_dom0 ip link del "vif$d.0-emu"
		VIF_ENV=("XEN_HOTPLUG_KILL_STEP=$s")
		run run_vif vif-bridge "$d" 0 offline type_if=vif
		[ "$status" -eq 137 ]
		run run_vif vif-bridge "$d" 0 remove type_if=tap
		[ "$status" -eq 137 ]
		VIF_ENV=()
		left=$(leftovers "vif$d.0" "$d")
		echo "killed before $s: $left"
		[ "$s" = hooks ] || [ -n "$left" ]
		# a NAT guest with a dnsmasq entry
		guest_create $((d + 10)) 0 bridge= script="$XEN_SCRIPT_DIR/vif-nat"
		run run_vif vif-nat $((d + 10)) 0 online type_if=vif
		[ "$status" -eq 0 ]
		guest_unplug $((d + 10)) 0
		VIF_ENV=("XEN_HOTPLUG_KILL_STEP=$s")
		run run_vif vif-nat $((d + 10)) 0 offline type_if=vif
		[ "$status" -eq 137 ]
		VIF_ENV=()
		# libxl gives up on the script (its 40 s) and removes the devices' nodes
		xs_rm "$(be_path "$d" 0)"
		xs_rm "$(be_path $((d + 10)) 0)"
	done
	[ -n "$(leftovers vif11.0 11; leftovers vif21.0 21)" ]
	[ -n "$(leftovers vif12.0 12; leftovers vif22.0 22)" ]
	# foreign objects: a table of someone else's with a vif's name, an ifb
	# without our alias, a file in the hosts directory that is not ours,
	# and a guard element of a running vif no xenstore node backs
	in_dom0 nft -f - <<-'EOF2'
	table bridge foreign {
		set s { type ifname; elements = { "vif11.0" }; }
	}
	EOF2
	in_dom0 ip link add ifb31.0 type ifb
	printf 'dhcp-host=00:16:3e:00:00:99,10.9.9.9\n' >"$W_DIR/hosts/vif11.0-x"
	in_dom0 ip link add vif40.0 type veth peer name vif40p
	in_dom0 nft add element bridge xen_hotplug guarded '{ "vif40.0" comment "mac=any 10.4.4.4/32" }'
	local foreign
	foreign=$(in_dom0 nft -j list table bridge foreign; ip -n "$DOM0" -j link show ifb31.0; cat "$W_DIR/hosts/vif11.0-x")
	run xh gc -n
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"vif11.0: guard (bridge) would be removed"* ]]
	[ -n "$(leftovers vif11.0 11)" ]
	run xh gc
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"ifb11.0: rate limit removed"* ]]
	[[ "$output" == *"vif21.0: dhcp entry removed"* ]]
	[[ "$output" == *"vif40.0: guard (bridge) kept: no vif in xenstore backs it, but its link 'vif40.0' exists"* ]]
	for d in 11 12 13 21 22 23; do
		[ -z "$(leftovers "vif$d.0" "$d"; leftovers "vif$d.0-emu" "$d")" ]
	done
	[ "$foreign" = "$(in_dom0 nft -j list table bridge foreign; ip -n "$DOM0" -j link show ifb31.0; cat "$W_DIR/hosts/vif11.0-x")" ]
	[ "$(leftovers vif40.0 40)" != "" ]
	run xh gc
	echo "$output"
	[[ "$output" == *"gc: 0 removed, 1 kept, 0 failed"* ]]
}

@test "gc: Open vSwitch: a killed offline's port goes; a port without Xen's ids, and a running vif's, stay" {
	ovs_world
	guest_unplug 1 0
	VIF_ENV=("XEN_HOTPLUG_KILL_STEP=detach")
	run run_vif vif-openvswitch 1 0 offline type_if=vif
	[ "$status" -eq 137 ]
	VIF_ENV=()
	xs_rm "$(be_path 1 0)"
	[ "$(ovs_port_bridge vif1.0)" = ovsbr0 ]
	[ "$(ovs_guard_elems vif1.0)" != 0 ]
	# foreign: a port of someone else's named like a vif
	in_dom0 ip link add vif9.0 type veth peer name vif9p
	ovs_vsctl add-port ovsbr0 vif9.0
	run xh gc
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"vif1.0: ovs port removed"* ]]
	[ -z "$(ovs_port_bridge vif1.0)" ]
	[ "$(ovs_guard_elems vif1.0)" = 0 ]
	[ -z "$(ovs_guard_chains | grep in_vif1.0)" ]
	[ "$(ovs_port_bridge vif9.0)" = ovsbr0 ]
	[ "$(ovs_port_bridge vif2.0)" = ovsbr0 ]
	[ "$(ovs_guard_elems vif2.0)" != 0 ]
	verify_clean
}

# ---------------------------------------------------------------- status

@test "status: the table, JSON (the README's schema) and Prometheus' format say the same; the guard's drops by vif and reason" {
	world3
	# guest 1's spoofed pings dropped (ip4; its ARP too if it asked):
	# status says what the kernel's counters say
	spoofs 1 10.0.0.70
	local ip4 all
	ip4=$(in_dom0 nft -j list counter netdev xen_hotplug vif1.0/ip4 | jq '.nftables[1].counter.packets')
	all=$(in_dom0 nft -j list counters table netdev xen_hotplug |
		jq '[.nftables[] | .counter | select(. and (.name | startswith("vif1.0/"))) | .packets] | add')
	[ "$ip4" -ge 1 ]
	in_dom0 ip link set vif2.0 nomaster
	run xh status
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "VIF "*"DOMAIN"*"HOTPLUG"*"DRIFT" ]]
	[[ "${lines[1]}" =~ ^vif1\.0\ +1\ guest1\ +vif-bridge\ +Initialising\ +connected\ +up\ +1500\ +xenbr0\ +bridge\ +$all\ +ok$ ]]
	[[ "${lines[2]}" =~ ^vif2\.0\ .*\ up\ +1500\ +-\ +bridge\ +0\ +1$ ]]
	[[ "${lines[3]}" =~ ^vif3\.0\ .*\ xenbr0\ +-\ +-\ +ok$ ]]
	[[ "$output" == *"vif2.0: bridge: expected 'xenbr0', found none"* ]]
	run xh status -v vif1.0
	echo "$output"
	[[ "$output" == *"guard: table netdev xen_hotplug, mac=00:16:3e:01:00:01 10.0.0.1/32 br; drops: mac 0, group 0, ethertype 0, arp $((all - ip4)), ip4 $ip4, ip6 0, nd 0, dhcp 0, ra 0, frag 0"* ]]
	run xh status -j
	[ "$status" -eq 0 ]
	jq -e '.version == 1 and (.vifs | length) == 3 and .orphans == [] and .ovs_error == null' <<<"$output"
	jq -e '.vifs[0] | .vif == "vif1.0" and .domid == 1 and .domain == "guest1" and .tool == "vif-bridge"
		and .hotplug_status == "connected" and .keys.ip == "10.0.0.1" and .link.up and .link.master == "xenbr0"
		and .bridge_port.learning and .guard.installed and .guard.rules == "mac=00:16:3e:01:00:01 10.0.0.1/32 br"
		and .guard.chain and (.guard.drops | length) == 10
		and (.guard.drops | map(.reason)) == ["mac", "group", "ethertype", "arp", "ip4", "ip6", "nd", "dhcp", "ra", "frag"]
		and (.guard.drops[4].packets | tostring) == "'"$ip4"'" and ([.guard.drops[].packets] | add | tostring) == "'"$all"'" and .verified and .drift == [] and .ovs == null and .rate == null' <<<"$output"
	jq -e '.vifs[1].drift == [{"step": "enslave", "object": "bridge", "expected": "'"'"'xenbr0'"'"'", "found": "none"}]
		and .vifs[1].bridge_port == null and .vifs[2].guard == null' <<<"$output"
	run xh status --prometheus -o "$W_DIR/xen-hotplug.prom"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	cat "$W_DIR/xen-hotplug.prom"
	# every line a comment or a sample of the text format
	fails grep -Ev '^(# (HELP|TYPE) [a-z_]+ .+|[a-z_]+(\{([a-z_]+="[^"]*",?)+\})? -?[0-9]+)$' "$W_DIR/xen-hotplug.prom"
	grep -qx 'xen_hotplug_vif_drift{vif="vif2.0"} 1' "$W_DIR/xen-hotplug.prom"
	grep -qx 'xen_hotplug_vif_drift{vif="vif1.0"} 0' "$W_DIR/xen-hotplug.prom"
	grep -qx 'xen_hotplug_vif_guarded{vif="vif3.0"} 0' "$W_DIR/xen-hotplug.prom"
	grep -qx 'xen_hotplug_guard_counters 1' "$W_DIR/xen-hotplug.prom"
	grep -qx 'xen_hotplug_guard_drops_total{vif="vif1.0",reason="ip4"} '"$ip4" "$W_DIR/xen-hotplug.prom"
	grep -qx 'xen_hotplug_guard_drops_total{vif="vif1.0",reason="mac"} 0' "$W_DIR/xen-hotplug.prom"
	fails grep -q 'xen_hotplug_guard_drops_total{vif="vif3.0"' "$W_DIR/xen-hotplug.prom"
	grep -q '^xen_hotplug_vif_info{vif="vif1.0",domid="1",domain="guest1",devid="0",type="vif",tool="vif-bridge",bridge="xenbr0"} 1$' \
		"$W_DIR/xen-hotplug.prom"
	[ ! -e "$W_DIR/xen-hotplug.prom.tmp.$$" ]
}

# ---------------------------------------------------------------- bad input

@test "bad input: an unknown vif, bad options, a malformed xenstore entry: a clear error, nothing changed" {
	world3
	in_dom0 ip link set vif1.0 nomaster
	local before
	before=$(dom0_state)
	run xh repair vif1.0 nosuch
	echo "$output"
	[ "$status" -eq 2 ]
	[[ "$output" == *"unknown vif 'nosuch': no vif this domain backs has that name"* ]]
	[ "$before" = "$(dom0_state)" ]
	for a in "status --bogus" "verify -j" "gc vif1.0" "repair --bridge a/b" "repair --watch vif1.0" \
		"status -j --prometheus" "status -o /tmp/x" "frobnicate" "repair bad/name"; do
		run xh $a
		echo "$a: $status: $output"
		[ "$status" -eq 2 ]
		[[ "$output" == *"usage: xen-hotplug"* ]]
	done
	# a malformed entry: verify names it, repair refuses before any change
	xs_write "$(be_path 1 0)/ip" "10.0.0.300"
	run xh verify vif1.0
	echo "$output"
	[ "$status" -eq 1 ]
	[ "$output" = "vif1.0: invalid ip '10.0.0.300' (backend/vif/1/0/ip): not a list of IPv4/IPv6 addresses or networks (at most 64)" ]
	run xh repair vif1.0
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"vif1.0: invalid ip '10.0.0.300'"* ]]
	[ "$before" = "$(dom0_state)" ]
	# an online that failed is not repaired
	xs_write "$(be_path 1 0)/ip" 10.0.0.1
	xs_write "$(be_path 1 0)/hotplug-status" error
	xs_write "$(be_path 1 0)/hotplug-error" "online failed at step 'hooks'"
	run xh repair vif1.0
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"vif1.0: not repaired: its online failed (hotplug-status error)"* ]]
	[ "$before" = "$(dom0_state)" ]
}

@test "man page: xen-hotplug(8) renders with no warning (scdoc, groff -ww, man --warnings, mandoc -T lint)" {
	local c
	for c in scdoc groff man mandoc; do
		command -v "$c" >/dev/null || skip "needs $c (install.sh --deps)"
	done
	scdoc <"$HP_SRCDIR/man/xen-hotplug.8.scd" >"$W_DIR/xen-hotplug.8"
	run groff -ww -man -Tutf8 -z "$W_DIR/xen-hotplug.8"
	[ -z "$output" ]
	run env LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$W_DIR/xen-hotplug.8"
	[ "$status" -eq 0 ]
	[[ "$output" == *"xen-hotplug - see, check and repair"* ]]
	# scdoc puts a paragraph macro after each heading: mandoc says so
	run mandoc -T lint -W warning "$W_DIR/xen-hotplug.8"
	echo "$output"
	[ -z "$(grep -v 'WARNING: skipping paragraph macro: PP \(empty\|after SH\|after SS\)' <<<"$output")" ]
}

@test "a vif whose script is not ours (upstream's, the administrator's) is shown, never run" {
	observer_create
	online 1 ip=10.0.0.1
	# an administrator's script named like ours, elsewhere, that says when it runs
	mkdir -p "$W_DIR/other"
	printf '#!/bin/sh\necho "$@" >>%s/ran\n' "$W_DIR" >"$W_DIR/other/vif-bridge"
	chmod +x "$W_DIR/other/vif-bridge"
	guest_create 2 0 ip4=10.0.0.2/24 script="$W_DIR/other/vif-bridge"
	run run_vif vif-bridge 2 0 online type_if=vif
	[ "$status" -eq 0 ]
	rm -f "$W_DIR/ran"
	in_dom0 ip link set vif2.0 down
	run xh status
	echo "$output"
	[[ "${lines[2]}" =~ ^vif2\.0\ .*\ \(other\)\ .*\ not\ ours$ ]]
	run xh verify
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "vif2.0: not verified: its script is not one of xen-hotplug-ng's tools ('$W_DIR/other/vif-bridge')" ]
	run xh repair
	echo "$output"
	[ "$status" -eq 0 ]
	fails link_up vif2.0
	[ ! -e "$W_DIR/ran" ]
	# deactivated: upstream's shell script where our tool was, in the tool
	# directory itself
	XEN_HOTPLUG_TOOL_DIR="$W_DIR/other" run xh verify vif2.0
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"vif2.0: not verified: its script is not one of xen-hotplug-ng's tools"* ]]
	[ ! -e "$W_DIR/ran" ]
}

@test "repair: a failure at a later step undoes the steps it ran; the drift stays as it was" {
	world3
	in_dom0 ip link set vif1.0 nomaster
	in_dom0 ip link set vif1.0 down
	local before
	before=$(dom0_state)
	run in_dom0 env XEN_HOTPLUG_DEBUG=0 XEN_HOTPLUG_FAIL_STEP=up "$HP_BUILD/xen-hotplug" repair vif1.0
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"step 9 'up' failed: injected by XEN_HOTPLUG_FAIL_STEP"* ]]
	[[ "$output" == *"vif1.0: bridge: expected 'xenbr0', found none: not repaired"* ]]
	# enslave ran, and was undone
	[ "$before" = "$(dom0_state)" ]
	run xh repair vif1.0
	[ "$status" -eq 0 ]
	crosses 1
	verify_clean
}
