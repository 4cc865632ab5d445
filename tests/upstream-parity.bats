#!/usr/bin/env bats
# Upstream parity: Xen's own vif-bridge (from Debian's xen-utils-common,
# fetched at test time, never committed) and ours, run side by side in the
# same world on identical guests; the kernel and xenstore end states must
# match.  Guest 1 is driven by upstream, guest 2 by ours.

# Upstream's scripts: tests/upstream.bash (shared with the benchmark).
upstream_setup() {
	UP="$W_DIR/upstream"
	upstream_prepare "$UP" "$W_DIR" || skip "$UPSTREAM_WHY"
	export UP
}

setup() {
	load helpers
	load upstream
	world_setup
	[ -x "$HP_BUILD/vif-bridge" ] || skip "build/vif-bridge not built"
	upstream_setup
}

teardown() {
	if [ -n "${W_DIR:-}" ] && [ -s "$W_DIR/log/upstream-hotplug.log" ]; then
		echo "# upstream log:"
		sed 's/^/#   /' "$W_DIR/log/upstream-hotplug.log"
	fi
	world_teardown
}

# What a port looks like, as one JSON line: DEV DOMID DEVID
port_summary() {
	local dev=$1 d=$2 n=$3 fe_mtu hs j
	fe_mtu=$(xs_read "$(fe_path "$d" "$n")/mtu") || fe_mtu="(none)"
	hs=$(xs_read "$(be_path "$d" "$n")/hotplug-status") || hs="(none)"
	j=$(link_json "$dev") || j=""
	[ -n "$j" ] && [ "$j" != null ] || j='{"missing":true}'
	jq -c --arg fe "$fe_mtu" --arg hs "$hs" \
		'{missing: (.missing // false), master: (.master // ""),
		  up: ((.flags // []) | index("UP") != null), operstate, mtu, address,
		  frontend_mtu: $fe, hotplug_status: $hs}' <<<"$j"
}

# Runs COMMAND ARGS with upstream on guest 1 and ours on guest 2.
both() {
	run run_vif "$UP/vif-bridge" 1 0 "$@"
	echo "upstream: status $status: $output"
	up_status=$status
	run run_vif vif-bridge 2 0 "$@"
	echo "ours: status $status: $output"
	ng_status=$status
}

# compare_ports UPSTREAM_DEV OUR_DEV
compare_ports() {
	local a b
	# operstate follows the admin state through linkwatch, which may lag
	wait_for 2000 test "$(link_state "$1")" = "$(link_state "$2")" || true
	a=$(port_summary "$1" 1 0)
	b=$(port_summary "$2" 2 0)
	echo "upstream $1: $a"
	echo "ours     $2: $b"
	[ "$a" = "$b" ]
}

@test "parity: plain online" {
	guest_create 1 0 ip4=10.0.0.1/24
	guest_create 2 0 ip4=10.0.0.2/24
	both online type_if=vif
	[ "$up_status" -eq 0 ]
	[ "$ng_status" -eq 0 ]
	compare_ports vif1.0 vif2.0
	[ "$(link_master vif2.0)" = xenbr0 ]
	guest_ping 1 10.0.0.2
}

@test "parity: online with an mtu key" {
	guest_create 1 0 mtu=4000
	guest_create 2 0 mtu=4000
	both online type_if=vif
	[ "$up_status" -eq 0 ]
	[ "$ng_status" -eq 0 ]
	compare_ports vif1.0 vif2.0
	[ "$(link_mtu vif2.0)" = 4000 ]
}

@test "parity: online, MTU from the bridge" {
	in_dom0 ip link set xenbr0 mtu 1400
	guest_create 1 0
	guest_create 2 0
	both online type_if=vif
	[ "$up_status" -eq 0 ]
	[ "$ng_status" -eq 0 ]
	compare_ports vif1.0 vif2.0
	[ "$(link_mtu vif2.0)" = 1400 ]
}

@test "parity: online with vifname" {
	guest_create 1 0 vifname=up1
	guest_create 2 0 vifname=ng2
	both online type_if=vif
	[ "$up_status" -eq 0 ]
	[ "$ng_status" -eq 0 ]
	! link_exists vif1.0 || false
	! link_exists vif2.0 || false
	# upstream's set_mtu parses the domid out of the new name ("up1"), so
	# it writes the frontend mtu to a bogus path: compare without it.
	local a b
	wait_for 2000 test "$(link_state up1)" = "$(link_state ng2)" || true
	a=$(port_summary up1 1 0 | jq -c 'del(.frontend_mtu)')
	b=$(port_summary ng2 2 0 | jq -c 'del(.frontend_mtu)')
	echo "upstream: $a"
	echo "ours:     $b"
	[ "$a" = "$b" ]
	[ "$(xs_read "$(fe_path 2 0)/mtu")" = 1500 ]
}

@test "parity: online then offline" {
	guest_create 1 0
	guest_create 2 0
	both online type_if=vif
	[ "$up_status" -eq 0 ]
	[ "$ng_status" -eq 0 ]
	both offline type_if=vif
	[ "$up_status" -eq 0 ]
	[ "$ng_status" -eq 0 ]
	compare_ports vif1.0 vif2.0
	[ "$(link_master vif2.0)" = "" ]
}

@test "parity: online twice" {
	guest_create 1 0
	guest_create 2 0
	both online type_if=vif
	both online type_if=vif
	[ "$up_status" -eq 0 ]
	[ "$ng_status" -eq 0 ]
	compare_ports vif1.0 vif2.0
}

@test "parity: tap add" {
	guest_create 1 0 type=vif_ioemu mtu=1400
	guest_create 2 0 type=vif_ioemu mtu=1400
	both add type_if=tap
	[ "$up_status" -eq 0 ]
	[ "$ng_status" -eq 0 ]
	compare_ports vif1.0-emu vif2.0-emu
	[ "$(link_master vif2.0-emu)" = xenbr0 ]
}

@test "parity: missing bridge fails the same way" {
	guest_create 1 0 bridge=nosuchbr0
	guest_create 2 0 bridge=nosuchbr0
	local mac1 mac2 a b
	mac1=$(link_mac vif1.0)
	mac2=$(link_mac vif2.0)
	both online type_if=vif
	[ "$up_status" -eq 1 ]
	[ "$ng_status" -eq 1 ]
	# the vifs keep their own (random) MACs: compare the rest
	a=$(port_summary vif1.0 1 0 | jq -c 'del(.address)')
	b=$(port_summary vif2.0 2 0 | jq -c 'del(.address)')
	echo "upstream: $a"
	echo "ours:     $b"
	[ "$a" = "$b" ]
	[ "$(link_mac vif1.0)" = "$mac1" ]
	[ "$(link_mac vif2.0)" = "$mac2" ]
	[ "$(xs_read "$(be_path 2 0)/hotplug-status")" = error ]
}
