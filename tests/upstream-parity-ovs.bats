#!/usr/bin/env bats
# Upstream parity for vif-openvswitch: Xen's own script (from Debian's
# xen-utils-common, fetched at test time, never committed; it runs
# ovs-vsctl) and ours side by side on one private Open vSwitch
# (tests/ovs.bash), on identical guests: guest 1 is upstream's, guest 2
# ours.  Where the two differ on purpose the test shows both sides.

setup() {
	load helpers
	load upstream
	load ovs
	world_setup
	[ -x "$HP_BUILD/vif-openvswitch" ] || skip "build/vif-openvswitch not built"
	UP="$W_DIR/upstream"
	upstream_prepare "$UP" "$W_DIR" || skip "$UPSTREAM_WHY"
	[ -f "$UP/vif-openvswitch" ] || skip "no vif-openvswitch in xen-utils-common"
	export UP
	ovs_start
	ovs_br_add ovsbr0
}

teardown() {
	if [ -n "${W_DIR:-}" ] && [ -s "$W_DIR/log/upstream-hotplug.log" ]; then
		echo "# upstream log:"
		sed 's/^/#   /' "$W_DIR/log/upstream-hotplug.log"
	fi
	ovs_teardown
	world_teardown
}

# Runs COMMAND ARGS with upstream on guest 1 and ours on guest 2.
both() {
	run run_upstream_ovs 1 0 "$@"
	echo "upstream: status $status: $output"
	up_status=$status
	run run_vif vif-openvswitch 2 0 "$@"
	echo "ours: status $status: $output"
	ng_status=$status
}

# Both guests with the same options (guest_create's, plus vlan=V).
two_guests() {
	local d kv vlan="" opts
	for d in 1 2; do
		opts=()
		for kv in "$@"; do
			case "$kv" in
			vlan=*) vlan=${kv#vlan=} ;;
			ip4=*) opts+=("ip4=${kv#ip4=}$d/24") ;;
			*) opts+=("$kv") ;;
			esac
		done
		ovs_guest "$d" 0 "${opts[@]}"
		[ -z "$vlan" ] || xs_write "$(be_path "$d" 0)/vlan" "$vlan"
	done
	# the same MAC for both, so that attached-mac compares too
	xs_write "$(be_path 2 0)/mac" "$(xs_read "$(be_path 1 0)/mac")"
}

# The external ids upstream writes: ours also has the integration
# contract's iface-id, iface-status and vm-id (a difference on purpose,
# tests/ovs-ids.bats).
upstream_ids() {
	ovs_col Interface "$1" external_ids | sed -E 's/(iface-id|iface-status|vm-id)=("[^"]*"|[^,}]*)(, )?//g; s/, \}$/}/'
}

# A port as one line: the database's view, the link, xenstore; guest
# names and uuids normalised.  DEV DOMID
summary() {
	local dev=$1 d=$2 j ids hs fe
	j=$(link_json "$dev")
	[ -n "$j" ] && [ "$j" != null ] || j='{"missing":true}'
	ids=$(upstream_ids "$dev" | sed "s/guest$d/guestN/; s/0000000$d\"/0000000N\"/")
	hs=$(xs_read "$(be_path "$d" 0)/hotplug-status") || hs="(none)"
	fe=$(xs_read "$(fe_path "$d" 0)/mtu") || fe="(none)"
	jq -c --argjson port "$(ovs_port_summary "$dev")" --arg ids "$ids" --arg hs "$hs" --arg fe "$fe" \
		'{port: $port, ids: $ids, missing: (.missing // false),
		  up: ((.flags // []) | index("UP") != null), address, mtu,
		  hotplug_status: $hs, frontend_mtu: $fe}' <<<"$j"
}

compare() {
	local a b
	a=$(summary "$1" 1)
	b=$(summary "$2" 2)
	echo "upstream $1: $a"
	echo "ours     $2: $b"
	[ "$a" = "$b" ]
}

# ---------------------------------------------------------------- the same

@test "parity: plain bridge, online" {
	two_guests bridge=ovsbr0 ip4=10.0.0.
	both online type_if=vif
	[ "$up_status" -eq 0 ]
	[ "$ng_status" -eq 0 ]
	compare vif1.0 vif2.0
	ovs_ping_ok 1 10.0.0.2
}

@test "parity: access port BR.TAG" {
	two_guests bridge=ovsbr0.10 ip4=10.0.0.
	both online type_if=vif
	[ "$up_status" -eq 0 ]
	[ "$ng_status" -eq 0 ]
	compare vif1.0 vif2.0
	[ "$(ovs_col Port vif2.0 tag)" = 10 ]
	ovs_ping_ok 1 10.0.0.2
}

@test "parity: trunk port BR:TRUNK:TRUNK" {
	two_guests bridge=ovsbr0:20:30
	both online type_if=vif
	[ "$up_status" -eq 0 ]
	[ "$ng_status" -eq 0 ]
	compare vif1.0 vif2.0
	[ "$(ovs_col Port vif2.0 trunks)" = "[20, 30]" ]
}

@test "parity: external-ids xen-vm-name, xen-vm-uuid, attached-mac" {
	two_guests bridge=ovsbr0
	both online type_if=vif
	[ "$up_status" -eq 0 ]
	[ "$ng_status" -eq 0 ]
	[ "$(upstream_ids vif2.0)" = "$(upstream_ids vif1.0 | sed 's/guest1/guest2/; s/00000001"/00000002"/')" ]
	ovs_col Interface vif2.0 external_ids | grep -q 'xen-vm-name=guest2'
	# and ours has the contract's keys beside them, upstream's not
	ovs_col Interface vif2.0 external_ids | grep -q 'iface-id=guest2-0, iface-status=active, vm-id='
	! ovs_col Interface vif1.0 external_ids | grep -q iface-
}

@test "parity: tap add and remove" {
	two_guests bridge=ovsbr0.10 type=vif_ioemu
	both add type_if=tap
	[ "$up_status" -eq 0 ]
	[ "$ng_status" -eq 0 ]
	compare vif1.0-emu vif2.0-emu
	both remove type_if=tap
	[ "$up_status" -eq 0 ]
	[ "$ng_status" -eq 0 ]
	compare vif1.0-emu vif2.0-emu
	[ -z "$(ovs_port_bridge vif2.0-emu)" ]
}

@test "parity: offline removes the port" {
	two_guests bridge=ovsbr0.10
	both online type_if=vif
	both offline type_if=vif
	[ "$up_status" -eq 0 ]
	[ "$ng_status" -eq 0 ]
	compare vif1.0 vif2.0
	[ -z "$(ovs_port_bridge vif1.0)" ]
	[ -z "$(ovs_port_bridge vif2.0)" ]
}

@test "parity: offline after netback removed the vif removes the port" {
	two_guests bridge=ovsbr0.10
	both online type_if=vif
	guest_unplug 1 0
	guest_unplug 2 0
	both offline type_if=vif
	[ "$up_status" -eq 0 ]
	[ "$ng_status" -eq 0 ]
	[ "$(ovs_vsctl list-ports ovsbr0)" = "" ]
}

@test "parity: vifname" {
	ovs_guest 1 0 bridge=ovsbr0.10 vifname=web1
	ovs_guest 2 0 bridge=ovsbr0.10 vifname=web2
	both online type_if=vif
	[ "$up_status" -eq 0 ]
	[ "$ng_status" -eq 0 ]
	[ "$(ovs_port_bridge web1)" = ovsbr0 ]
	[ "$(ovs_port_bridge web2)" = ovsbr0 ]
	both offline type_if=vif
	[ -z "$(ovs_port_bridge web1)" ]
	[ -z "$(ovs_port_bridge web2)" ]
}

@test "parity: a bad bridge value fails both" {
	two_guests bridge=ovsbr0.x
	both online type_if=vif
	[ "$up_status" -eq 1 ]
	[ "$ng_status" -eq 1 ]
	[ "$(xs_read "$(be_path 1 0)/hotplug-status")" = error ]
	[ "$(xs_read "$(be_path 2 0)/hotplug-status")" = error ]
	[ "$(ovs_vsctl list-ports ovsbr0)" = "" ]
}

# ---------------------------------------------------------------- on purpose

@test "differs: BR.TAG:TRUNK: upstream's port drops the trunk (OVS's implicit access mode), ours is native-untagged" {
	two_guests bridge=ovsbr0.10:20 ip4=10.0.10.
	ovs_guest 3 0 bridge=ovsbr0.20 ip4=10.0.20.3/24
	ovs_guest 4 0 bridge=ovsbr0.10 ip4=10.0.10.4/24
	ovs_vlan_host 1 20=10.0.20.1
	ovs_vlan_host 2 20=10.0.20.2
	both online type_if=vif
	[ "$up_status" -eq 0 ]
	[ "$ng_status" -eq 0 ]
	run run_vif vif-openvswitch 3 0 online type_if=vif
	run run_vif vif-openvswitch 4 0 online type_if=vif
	[ "$(ovs_col Port vif1.0 vlan_mode)" = "[]" ]
	[ "$(ovs_col Port vif2.0 vlan_mode)" = native-untagged ]
	[ "$(ovs_col Port vif1.0 trunks)" = "[20]" ]
	[ "$(ovs_col Port vif2.0 trunks)" = "[20]" ]
	wait_for 3000 grep -q "port vif1.0: ignoring trunks in favor of implicit vlan" "$OVS_DIR/ovs-vswitchd.log"
	! grep -q "port vif2.0: ignoring trunks" "$OVS_DIR/ovs-vswitchd.log"
	# the tag (untagged native VLAN 10) works for both
	ovs_ping_ok 4 10.0.10.1
	ovs_ping_ok 4 10.0.10.2
	# the trunk VLAN 20: only ours
	ovs_ping_ok 3 10.0.20.2
	! ovs_ping 3 10.0.20.1
}

@test "differs: a second online: upstream re-creates the port (del-port + add-port), ours keeps it in place" {
	two_guests bridge=ovsbr0.10
	both online type_if=vif
	local u1 u2
	u1=$(ovs_col Port vif1.0 _uuid)
	u2=$(ovs_col Port vif2.0 _uuid)
	both online type_if=vif
	[ "$up_status" -eq 0 ]
	[ "$ng_status" -eq 0 ]
	compare vif1.0 vif2.0
	[ "$(ovs_col Port vif1.0 _uuid)" != "$u1" ]
	[ "$(ovs_col Port vif2.0 _uuid)" = "$u2" ]
}

@test "differs: vif-post.d hooks: upstream's vif-openvswitch runs none, ours runs them (as every vif script)" {
	two_guests bridge=ovsbr0
	local d
	# the same hook where each looks for hooks
	for d in "$XEN_SCRIPT_DIR/vif-post.d" "$W_DIR/upstream-hooks/vif-post.d"; do
		mkdir -p "$d"
		printf 'echo "$dev" >>%s/hooked\n' "$W_DIR" >"$d/10-rec.hook"
		chmod 0755 "$d/10-rec.hook"
	done
	both online type_if=vif
	[ "$up_status" -eq 0 ]
	[ "$ng_status" -eq 0 ]
	cat "$W_DIR/hooked"
	[ "$(cat "$W_DIR/hooked")" = vif2.0 ]
	# upstream's script has no call_hooks (vif-bridge has)
	! grep -q call_hooks "$UP/vif-openvswitch"
	grep -q call_hooks "$UP/vif-bridge"
}

@test "differs: the vlan key: upstream ignores it (a port of every VLAN), ours tags" {
	two_guests bridge=ovsbr0 vlan=10p/20
	both online type_if=vif
	[ "$up_status" -eq 0 ]
	[ "$ng_status" -eq 0 ]
	[ "$(ovs_col Port vif1.0 tag)" = "[]" ]
	[ "$(ovs_col Port vif1.0 trunks)" = "[]" ]
	[ "$(ovs_col Port vif2.0 tag)" = 10 ]
	[ "$(ovs_col Port vif2.0 trunks)" = "[20]" ]
	[ "$(ovs_col Port vif2.0 vlan_mode)" = native-untagged ]
}

@test "differs: the mtu key: upstream ignores it, ours sets the link and the frontend" {
	two_guests bridge=ovsbr0 mtu=9000
	both online type_if=vif
	[ "$up_status" -eq 0 ]
	[ "$ng_status" -eq 0 ]
	[ "$(link_mtu vif1.0)" = 1500 ]
	! xs_exists "$(fe_path 1 0)/mtu"
	[ "$(link_mtu vif2.0)" = 9000 ]
	[ "$(xs_read "$(fe_path 2 0)/mtu")" = 9000 ]
}

@test "differs: a missing bridge: both fail; upstream has taken the link down and changed its MAC first" {
	two_guests bridge=nosuch
	in_dom0 ip link set vif1.0 up
	in_dom0 ip link set vif2.0 up
	local mac1 mac2
	mac1=$(link_mac vif1.0)
	mac2=$(link_mac vif2.0)
	both online type_if=vif
	[ "$up_status" -eq 1 ]
	[ "$ng_status" -eq 1 ]
	[ "$(xs_read "$(be_path 1 0)/hotplug-status")" = error ]
	[ "$(xs_read "$(be_path 2 0)/hotplug-status")" = error ]
	echo "upstream: $(xs_read "$(be_path 1 0)/hotplug-error")"
	echo "ours:     $(xs_read "$(be_path 2 0)/hotplug-error")"
	[ "$(link_mac vif1.0)" = fe:ff:ff:ff:ff:ff ] && [ "$mac1" != fe:ff:ff:ff:ff:ff ]
	! link_up vif1.0
	[ "$(link_mac vif2.0)" = "$mac2" ]
	link_up vif2.0
	xs_read "$(be_path 2 0)/hotplug-error" | grep -q "no such Open vSwitch bridge"
}

@test "differs: no Open vSwitch: both fail; ours says what is missing" {
	two_guests bridge=ovsbr0
	local sock="$W_DIR/none"
	# ovs.bash exports OVS_RUNDIR and friends for the private OVS, and
	# run_vif passes the caller's environment on, as libxl does: point
	# every one of them at the empty directory.
	VIF_ENV=("OVS_RUNDIR=$sock" "OVS_DBDIR=$sock" "OVS_SYSCONFDIR=$sock")
	run run_vif "$UP/vif-openvswitch" 1 0 online type_if=vif
	VIF_ENV=()
	echo "upstream: $status: $output"
	[ "$status" -eq 1 ]
	XEN_HOTPLUG_OVSDB="$sock/db.sock" run run_vif vif-openvswitch 2 0 online type_if=vif
	echo "ours: $status: $output"
	[ "$status" -eq 1 ]
	echo "upstream: $(xs_read "$(be_path 1 0)/hotplug-error")"
	echo "ours:     $(xs_read "$(be_path 2 0)/hotplug-error")"
	xs_read "$(be_path 2 0)/hotplug-error" | grep -q "is openvswitch-switch installed and running"
}

@test "differs: ovs-vswitchd down: upstream's ovs-vsctl waits out its --timeout and leaves the port; ours fails within XEN_HOTPLUG_OVS_WAIT_MS and removes it" {
	two_guests bridge=ovsbr0.10
	ovs_stop vswitchd
	# upstream's --timeout=30, cut to 3 s in this copy to keep the test short
	sed -i 's/--timeout=30/--timeout=3/' "$UP/vif-openvswitch"
	local t0 t1 t2
	t0=$(date +%s%N)
	run run_upstream_ovs 1 0 online type_if=vif
	t1=$(date +%s%N)
	echo "upstream: $status in $(((t1 - t0) / 1000000)) ms: $output"
	XEN_HOTPLUG_OVS_WAIT_MS=500 run run_vif vif-openvswitch 2 0 online type_if=vif
	t2=$(date +%s%N)
	echo "ours: $status in $(((t2 - t1) / 1000000)) ms: $output"
	[ "$status" -eq 1 ]
	[ "$(xs_read "$(be_path 1 0)/hotplug-status")" = error ]
	[ "$(xs_read "$(be_path 2 0)/hotplug-status")" = error ]
	[ $(((t1 - t0) / 1000000)) -ge 3000 ]
	[ "$(ovs_port_bridge vif1.0)" = ovsbr0 ]
	[ -z "$(ovs_port_bridge vif2.0)" ]
}
