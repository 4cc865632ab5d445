#!/usr/bin/env bats
# vif-openvswitch and Open vSwitch's integration contract, on one host
# (tests/ovs.bash's private Open vSwitch): the interface's external_ids
# iface-id (a template, or the backend's iface-id key), vm-id,
# attached-mac, iface-status between an HVM guest's vif and tap; the name
# of a domain being received.  tests/ovn.bats shows OVN binding them.

setup() {
	load helpers
	load ovs
	world_setup
	[ -x "$HP_BUILD/vif-openvswitch" ] || skip "build/vif-openvswitch not built"
	ovs_start
	ovs_br_add ovsbr0
}

teardown() {
	ovs_teardown
	world_teardown
}

# run_ovs DOMID DEVID COMMAND [args]: our tool; its output shown.
run_ovs() {
	run run_vif vif-openvswitch "$@"
	echo "$*: status $status: $output"
}

online() {
	run_ovs "$1" "${2:-0}" online type_if=vif
	[ "$status" -eq 0 ]
	[ "$(xs_read "$(be_path "$1" "${2:-0}")/hotplug-status")" = connected ]
}

# One external id of an interface, "" when absent.
id_of() {
	local v
	v=$(ovs_col Interface "$1" "external_ids:$2") || v=""
	v=${v#\"}
	echo "${v%\"}"
}

world_state() {
	dom0_snapshot
	ovs_snapshot | jq -S -c 'del(.. | .uuid?)'
}

# ---------------------------------------------------------------- iface-id

@test "iface-id: the default {name}-{devid}, the same on every vif of a guest but its devid; vm-id the uuid" {
	ovs_guest 7 0 bridge=ovsbr0
	ovs_guest 7 1 bridge=ovsbr0
	online 7 0
	online 7 1
	[ "$(id_of vif7.0 iface-id)" = guest7-0 ]
	[ "$(id_of vif7.1 iface-id)" = guest7-1 ]
	[ "$(id_of vif7.0 vm-id)" = 00000000-0000-4000-8000-000000000007 ]
	[ "$(id_of vif7.1 vm-id)" = 00000000-0000-4000-8000-000000000007 ]
	[ "$(id_of vif7.0 attached-mac)" = 00:16:3e:07:00:01 ]
	[ "$(id_of vif7.0 iface-status)" = active ]
}

@test "iface-id: ovs_iface_id in xen-hotplug.conf, each field; a guest without the value gets none (a warning), online succeeds" {
	ovs_guest 7 1 bridge=ovsbr0 mac=00:16:3E:AA:BB:CC
	local tmpl want
	while IFS='|' read -r tmpl want; do
		echo "ovs_iface_id = \"$tmpl\"" >"$XEN_HOTPLUG_CONF"
		online 7 1
		[ "$(id_of vif7.1 iface-id)" = "$want" ] || { echo "$tmpl: $(id_of vif7.1 iface-id), want $want"; return 1; }
	done <<'EOF'
xen-{uuid}-{devid}|xen-00000000-0000-4000-8000-000000000007-1
{name}|guest7
{mac}|00:16:3e:aa:bb:cc
dom{domid}.{devid}|dom7.1
tenant1/{name}/eth{devid}|tenant1/guest7/eth1
EOF
	# no vm directory: no name, no uuid
	xs_rm /local/domain/7/vm
	echo 'ovs_iface_id={uuid}' >"$XEN_HOTPLUG_CONF"
	online 7 1
	[[ "$output" == *"no iface-id for 'vif7.1' (ovs_iface_id '{uuid}'): the guest's uuid is not known"* ]]
	# the keys it has no value for are gone, not left from the last online
	[ -z "$(id_of vif7.1 iface-id)" ]
	[ -z "$(id_of vif7.1 xen-vm-name)" ]
	[ "$(id_of vif7.1 iface-status)" = active ]
	# control: a template of what it has works without the vm directory
	echo 'ovs_iface_id=vif-{domid}-{devid}' >"$XEN_HOTPLUG_CONF"
	online 7 1
	[ "$(id_of vif7.1 iface-id)" = vif-7-1 ]
	[ -z "$(id_of vif7.1 vm-id)" ]
}

@test "iface-id: a bad ovs_iface_id fails online before any change, naming the file, the line and the cause" {
	ovs_guest 7 0 bridge=ovsbr0
	local tmpl why before be
	be=$(be_path 7 0)
	before=$(world_state)
	while IFS='|' read -r tmpl why; do
		printf '# host\novs_iface_id=%s\n' "$tmpl" >"$XEN_HOTPLUG_CONF"
		xs_write "$be/hotplug-status" ""
		run_ovs 7 0 online type_if=vif
		[ "$status" -eq 1 ]
		[ "$(xs_read "$be/hotplug-status")" = error ]
		grep -qF "invalid ovs_iface_id '$tmpl' at line 2 of '$XEN_HOTPLUG_CONF': $why" \
			<<<"$(xs_read "$be/hotplug-error")" || { echo "hotplug-error: $(xs_read "$be/hotplug-error")"; return 1; }
		[ "$(world_state)" = "$before" ]
	done <<'EOF'
{nam}-{devid}|unknown field '{nam}'
{name|'{' at byte 0 is not closed
name}|'}' at byte 4 closes nothing
EOF
	# control: the same guest with a good one
	echo 'ovs_iface_id={name}' >"$XEN_HOTPLUG_CONF"
	xs_write "$be/hotplug-status" ""
	online 7
	[ "$(id_of vif7.0 iface-id)" = guest7 ]
}

@test "iface-id: the backend's iface-id key (a toolstack's) overrides the template; a bad one fails before any change" {
	ovs_guest 7 0 bridge=ovsbr0
	local be
	be=$(be_path 7 0)
	xs_write "$be/iface-id" 3f2a9c1e-port-of-tenant-1
	online 7
	[ "$(id_of vif7.0 iface-id)" = 3f2a9c1e-port-of-tenant-1 ]
	# a changed key on a second online: the id follows, the port stays
	local uuid
	uuid=$(ovs_col Interface vif7.0 _uuid)
	xs_write "$be/iface-id" other-port
	online 7
	[ "$(id_of vif7.0 iface-id)" = other-port ]
	[ "$(ovs_col Interface vif7.0 _uuid)" = "$uuid" ]
	# bad values: nothing changes
	ovs_guest 8 0 bridge=ovsbr0
	be=$(be_path 8 0)
	local before val why
	before=$(world_state)
	while IFS='|' read -r val why; do
		printf 'write %s/iface-id %s\ncommit\n' "$be" "$val" | "$HP_BUILD/hp-xs-tx"
		xs_write "$be/hotplug-status" ""
		run_ovs 8 0 online type_if=vif
		[ "$status" -eq 1 ]
		grep -qF "invalid iface-id" <<<"$(xs_read "$be/hotplug-error")"
		grep -qF "$why" <<<"$(xs_read "$be/hotplug-error")" || { echo "hotplug-error: $(xs_read "$be/hotplug-error")"; return 1; }
		[ "$(world_state)" = "$before" ]
	done <<EOF
a\tb|a control character at byte 1
\xff|not valid UTF-8
|empty
$(printf 'x%.0s' $(seq 256))|longer than 255 bytes
EOF
}

@test "migration: the receiving domain's <name>--incoming is recorded as <name>: the same iface-id, vm-id and xen-vm-name as the sender's" {
	# the sender's guest, as it ran
	ovs_guest 1 0 bridge=ovsbr0
	online 1
	# xl migrate-receive: a new domid, the same uuid, the name with the suffix
	ovs_guest 9 0 bridge=ovsbr0
	local uuid=00000000-0000-4000-8000-000000000001
	xenstore-write /local/domain/9/vm "/vm/$uuid" "/vm/$uuid/name" guest1--incoming \
		/local/domain/9/name guest1--incoming
	online 9
	[ "$(id_of vif9.0 xen-vm-name)" = guest1 ]
	[ "$(id_of vif9.0 iface-id)" = "$(id_of vif1.0 iface-id)" ]
	[ "$(id_of vif9.0 iface-id)" = guest1-0 ]
	[ "$(id_of vif9.0 vm-id)" = "$(id_of vif1.0 vm-id)" ]
	# control: a name with no suffix is kept whole, a suffix of another kind too
	xenstore-write "/vm/$uuid/name" guest1--incoming-copy
	online 9
	[ "$(id_of vif9.0 xen-vm-name)" = guest1--incoming-copy ]
	[ "$(id_of vif9.0 iface-id)" = guest1--incoming-copy-0 ]
}

# ---------------------------------------------------------------- iface-status

# The contract keys of an interface, one line: "status id" ("-": absent).
contract() {
	local s i
	s=$(id_of "$1" iface-status)
	i=$(id_of "$1" iface-id)
	echo "${s:--} ${i:--}"
}

@test "iface-status: an HVM guest's vif active with the iface-id, its tap inactive without; the vif gone, the tap takes over; then gone too" {
	ovs_guest 3 0 bridge=ovsbr0 type=vif_ioemu
	# libxl's order: the vif's online, then the tap's add
	online 3
	[ "$(contract vif3.0)" = "active guest3-0" ]
	run_ovs 3 0 add type_if=tap
	[ "$status" -eq 0 ]
	[ "$(contract vif3.0)" = "active guest3-0" ]
	[ "$(contract vif3.0-emu)" = "inactive -" ]
	# the tap has the other ids all the same
	[ "$(id_of vif3.0-emu vm-id)" = 00000000-0000-4000-8000-000000000003 ]
	[ "$(id_of vif3.0-emu attached-mac)" = 00:16:3e:03:00:01 ]
	# a second add changes nothing
	local before
	before=$(ovs_snapshot)
	run_ovs 3 0 add type_if=tap
	[ "$status" -eq 0 ]
	[ "$(ovs_snapshot)" = "$before" ]
	# the vif goes while the device model still has its tap (an
	# emulated NIC detached, a guest without PV drivers): the tap is the
	# guest's NIC now
	guest_unplug 3 0
	run_ovs 3 0 offline type_if=vif
	[ "$status" -eq 0 ]
	[ -z "$(ovs_port_bridge vif3.0)" ]
	[ "$(contract vif3.0-emu)" = "active guest3-0" ]
	run_ovs 3 0 remove type_if=tap
	[ "$status" -eq 0 ]
	[ -z "$(ovs_port_bridge vif3.0-emu)" ]
}

@test "iface-status: a domain destroyed (the device model's tap gone before the vif's offline, as libxl does) leaves the tap inactive" {
	ovs_guest 3 0 bridge=ovsbr0 type=vif_ioemu
	online 3
	run_ovs 3 0 add type_if=tap
	[ "$status" -eq 0 ]
	# libxl__destroy_domid: the device model first (its tap with it), then
	# the devices' scripts
	in_dom0 ip link del vif3.0-emu
	guest_unplug 3 0
	run_ovs 3 0 offline type_if=vif
	[ "$status" -eq 0 ]
	[ "$(contract vif3.0-emu)" = "inactive -" ]
	run_ovs 3 0 remove type_if=tap
	[ "$status" -eq 0 ]
	[ -z "$(ovs_port_bridge vif3.0-emu)" ]
}

@test "iface-status: a tap first, then its vif: the tap steps aside in the vif's transaction; a failure later puts it back" {
	ovs_guest 3 0 bridge=ovsbr0 type=vif_ioemu
	run_ovs 3 0 add type_if=tap
	[ "$status" -eq 0 ]
	[ "$(contract vif3.0-emu)" = "active guest3-0" ]
	# the vif's online fails after its port is in: everything as it was,
	# the tap active again
	local before
	before=$(world_state)
	VIF_ENV=("XEN_HOTPLUG_FAIL_STEP=up")
	run_ovs 3 0 online type_if=vif
	VIF_ENV=()
	[ "$status" -eq 1 ]
	[ "$(world_state)" = "$before" ]
	[ "$(contract vif3.0-emu)" = "active guest3-0" ]
	# control: without the failure, the vif takes over
	xs_write "$(be_path 3 0)/hotplug-status" ""
	online 3
	[ "$(contract vif3.0)" = "active guest3-0" ]
	[ "$(contract vif3.0-emu)" = "inactive -" ]
	# one transaction did both: the database's log has the tap's change
	# in the record that added the vif's port
	ovsdb-tool -m show-log "$OVS_DIR/conf.db" >"$W_DIR/db.log"
	awk '/add port vif3.0 in bridge/ {p = 1; next} /^record/ {p = 0} p' "$W_DIR/db.log" >"$W_DIR/rec"
	cat "$W_DIR/rec"
	grep -q 'table Interface row "vif3.0-emu"' "$W_DIR/rec"
	grep -q 'table Interface insert row "vif3.0"' "$W_DIR/rec"
}
