#!/usr/bin/env bats
# vif-openvswitch: libxl's calls against a simulated dom0 running a
# private Open vSwitch (tests/ovs.bash: ovsdb-server and ovs-vswitchd
# --disable-system inside the world's dom0 namespace, userspace datapath),
# asserting the database, the kernel, xenstore and real traffic between
# guest namespaces, tags seen on the wire included.

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

# ---------------------------------------------------------------- helpers

# online DOMID [args]: our tool's online for vif<d>.0, asserted to succeed.
online() {
	local d=$1
	shift
	run run_vif vif-openvswitch "$d" 0 online type_if=vif "$@"
	echo "online $d: status $status: $output"
	[ "$status" -eq 0 ]
	[ "$(xs_read "$(be_path "$d" 0)/hotplug-status")" = connected ]
}

# A port of bridge BR, opened by ovs-vswitchd, the link up with the
# port MAC and no addresses.
assert_ovs_port() {
	local dev=$1 br=$2 ofport
	[ "$(ovs_port_bridge "$dev")" = "$br" ] || { echo "$dev in '$(ovs_port_bridge "$dev")', want $br"; return 1; }
	ofport=$(ovs_col Interface "$dev" ofport)
	[ "$ofport" -gt 0 ] 2>/dev/null || { echo "$dev ofport $ofport, error $(ovs_col Interface "$dev" error)"; return 1; }
	[ "$(ovs_col Interface "$dev" error)" = "[]" ] || { echo "error: $(ovs_col Interface "$dev" error)"; return 1; }
	link_up "$dev" || { echo "$dev not up"; return 1; }
	[ "$(link_mac "$dev")" = fe:ff:ff:ff:ff:ff ] || { echo "mac $(link_mac "$dev")"; return 1; }
	run in_dom0 ip -j addr show dev "$dev"
	[ "$(jq '[.[0].addr_info[]] | length' <<<"$output")" = 0 ] || { echo "addresses: $output"; return 1; }
}

assert_vlan() {
	local dev=$1 tag=$2 trunks=$3 mode=$4
	[ "$(ovs_col Port "$dev" tag)" = "$tag" ] || { echo "tag $(ovs_col Port "$dev" tag), want $tag"; return 1; }
	[ "$(ovs_col Port "$dev" trunks)" = "$trunks" ] || { echo "trunks $(ovs_col Port "$dev" trunks), want $trunks"; return 1; }
	[ "$(ovs_col Port "$dev" vlan_mode)" = "$mode" ] || { echo "vlan_mode $(ovs_col Port "$dev" vlan_mode), want $mode"; return 1; }
}

# Everything a failed online must leave as it was.
world_state() {
	dom0_snapshot
	ovs_snapshot | jq -S -c 'del(.. | .uuid?)'
}

# A failed online: exit 1, hotplug-status error, hotplug-error containing
# each WORD, nothing changed.
# assert_fails DOMID BEFORE WORD...
assert_fails() {
	local d=$1 before=$2 be after w
	shift 2
	be=$(be_path "$d" 0)
	run run_vif vif-openvswitch "$d" 0 online type_if=vif
	echo "status $status: $output"
	[ "$status" -eq 1 ]
	[ "$(xs_read "$be/hotplug-status")" = error ]
	echo "hotplug-error: $(xs_read "$be/hotplug-error")"
	for w in "$@"; do
		grep -qF -- "$w" <<<"$(xs_read "$be/hotplug-error")" || { echo "no '$w' in hotplug-error"; return 1; }
	done
	after=$(world_state)
	[ "$before" = "$after" ] || { echo "before: $before"; echo "after:  $after"; return 1; }
}

# tcpdump on a guest's eth0 for the 802.1Q headers of ICMP, into FILE;
# returns once it listens.
sniff() {
	local d=$1 file=$2
	guest_bg "$d" sh -c "exec tcpdump -e -n -l -i eth0 -c 200 --immediate-mode icmp or vlan >'$file' 2>'$file.err'" >/dev/null
	wait_for 3000 grep -q 'listening on' "$file.err"
}

# ---------------------------------------------------------------- VLANs

@test "access ports: tag 10 reaches tag 10 (bridge .10 and vlan=10 alike), not tag 20" {
	ovs_guest 1 0 bridge=ovsbr0.10 ip4=10.0.0.1/24
	ovs_guest 2 0 bridge=ovsbr0 ip4=10.0.0.2/24
	xs_write "$(be_path 2 0)/vlan" 10
	ovs_guest 3 0 bridge=ovsbr0.20 ip4=10.0.0.3/24
	online 1
	online 2
	online 3
	assert_ovs_port vif1.0 ovsbr0
	assert_ovs_port vif2.0 ovsbr0
	assert_ovs_port vif3.0 ovsbr0
	assert_vlan vif1.0 10 "[]" "[]"
	assert_vlan vif2.0 10 "[]" "[]"
	assert_vlan vif3.0 20 "[]" "[]"
	ovs_ping_ok 1 10.0.0.2
	ovs_ping_ok 2 10.0.0.1
	# TCP too (the checksum offload is off: tests/ovs.bash)
	echo hello-over-ovs >"$W_DIR/msg"
	guest_bg 2 sh -c "exec busybox nc -l -p 7000 <'$W_DIR/msg'" >/dev/null
	wait_for 2000 in_guest 2 sh -c 'busybox netstat -ltn | grep -q :7000'
	[ "$(in_guest 1 busybox timeout 5 busybox nc 10.0.0.2 7000 </dev/null)" = hello-over-ovs ]
	! ovs_ping 1 10.0.0.3
	! ovs_ping 3 10.0.0.2
	# control: the same guest on tag 10 is reached (a second online
	# updates the port in place)
	xs_write "$(be_path 3 0)/bridge" ovsbr0.10
	online 3
	assert_vlan vif3.0 10 "[]" "[]"
	ovs_ping_ok 1 10.0.0.3
}

@test "trunk port: tagged VLANs on the wire, native VLAN untagged, a VLAN not allowed dropped" {
	ovs_guest 1 0 bridge=ovsbr0.10 ip4=10.0.10.1/24
	ovs_guest 2 0 bridge=ovsbr0.30 ip4=10.0.30.1/24
	ovs_guest 3 0 bridge=ovsbr0.5 ip4=10.0.5.1/24
	# the trunk guest: PVID 5 untagged, 10 and 20 tagged
	ovs_guest 9 0 bridge=ovsbr0 ip4=10.0.5.9/24
	xs_write "$(be_path 9 0)/vlan" "5p/10/20"
	ovs_vlan_host 9 10=10.0.10.9 20=10.0.20.9 30=10.0.30.9
	online 1
	online 2
	online 3
	online 9
	assert_vlan vif9.0 5 "[10, 20]" native-untagged
	assert_ovs_port vif9.0 ovsbr0

	sniff 9 "$W_DIR/trunk.pcap.txt"
	ovs_ping_ok 1 10.0.10.9
	ovs_ping_ok 3 10.0.5.9
	sleep 0.3
	cat "$W_DIR/trunk.pcap.txt"
	# VLAN 10 arrives tagged, the native VLAN 5 untagged
	grep -q 'vlan 10,.* 10.0.10.1 > 10.0.10.9: ICMP echo request' "$W_DIR/trunk.pcap.txt"
	grep '10.0.5.1 > 10.0.5.9: ICMP echo request' "$W_DIR/trunk.pcap.txt" | grep -qv vlan
	! grep -q 'vlan 5,' "$W_DIR/trunk.pcap.txt"

	# VLAN 30 is not in the trunks: dropped
	! ovs_ping 2 10.0.30.9
	# control: allowed, it crosses; the port is updated, not re-created
	local ofport
	ofport=$(ovs_col Interface vif9.0 ofport)
	xs_write "$(be_path 9 0)/vlan" "5p/10/20/30"
	online 9
	assert_vlan vif9.0 5 "[10, 20, 30]" native-untagged
	[ "$(ovs_col Interface vif9.0 ofport)" = "$ofport" ]
	ovs_ping_ok 2 10.0.30.9
}

@test "trunk port with upstream's syntax BR.TAG:TRUNK:TRUNK: the trunks work (native-untagged)" {
	ovs_guest 1 0 bridge=ovsbr0.20 ip4=10.0.20.1/24
	ovs_guest 9 0 bridge=ovsbr0.10:20:30 ip4=10.0.10.9/24
	ovs_vlan_host 9 20=10.0.20.9
	online 1
	online 9
	assert_vlan vif9.0 10 "[20, 30]" native-untagged
	ovs_ping_ok 1 10.0.20.9
	! grep -q 'ignoring trunks' "$OVS_DIR/ovs-vswitchd.log"
}

@test "trunk only (BR:TRUNK): no tag, OVS's trunk mode, other VLANs dropped" {
	ovs_guest 1 0 bridge=ovsbr0.20 ip4=10.0.20.1/24
	ovs_guest 3 0 bridge=ovsbr0.30 ip4=10.0.30.1/24
	ovs_guest 9 0 bridge=ovsbr0:20 ip4=10.0.0.9/24
	ovs_vlan_host 9 20=10.0.20.9 30=10.0.30.9
	online 1
	online 3
	online 9
	assert_vlan vif9.0 "[]" "[20]" "[]"
	ovs_ping_ok 1 10.0.20.9
	! ovs_ping 3 10.0.30.9
}

@test "no VLAN: a port of every VLAN, as upstream (no tag, no trunks)" {
	ovs_guest 1 0 bridge=ovsbr0 ip4=10.0.0.1/24
	ovs_guest 2 0 bridge=ovsbr0 ip4=10.0.0.2/24
	online 1
	online 2
	assert_vlan vif1.0 "[]" "[]" "[]"
	ovs_ping_ok 1 10.0.0.2
}

# ---------------------------------------------------------------- keys

@test "external-ids: upstream's xen-vm-name, xen-vm-uuid, attached-mac; the contract's iface-id, iface-status, vm-id" {
	ovs_guest 7 0 bridge=ovsbr0 mac=00:16:3e:aa:bb:cc
	online 7
	run ovs_col Interface vif7.0 external_ids
	echo "$output"
	[ "$output" = '{attached-mac="00:16:3e:aa:bb:cc", iface-id=guest7-0, iface-status=active, vm-id="00000000-0000-4000-8000-000000000007", xen-vm-name=guest7, xen-vm-uuid="00000000-0000-4000-8000-000000000007"}' ]
}

@test "external-ids: a guest without a vm directory gets attached-mac and iface-status, no iface-id (a warning), online succeeds" {
	ovs_guest 7 0 bridge=ovsbr0 mac=00:16:3e:aa:bb:cc
	xs_rm /local/domain/7/vm
	online 7
	[ "$(ovs_col Interface vif7.0 external_ids)" = '{attached-mac="00:16:3e:aa:bb:cc", iface-status=active}' ]
	[[ "$output" == *"no iface-id for 'vif7.0' (ovs_iface_id '{name}-{devid}'): the guest's name is not known"* ]]
}

@test "mtu key: the link's MTU and the frontend's mtu; no key: the MTU untouched, nothing written" {
	ovs_guest 1 0 bridge=ovsbr0 mtu=9000
	ovs_guest 2 0 bridge=ovsbr0
	in_dom0 ip link set vif2.0 mtu 1400
	online 1
	online 2
	[ "$(link_mtu vif1.0)" = 9000 ]
	[ "$(xs_read "$(fe_path 1 0)/mtu")" = 9000 ]
	[ "$(ovs_col Interface vif1.0 mtu)" = 9000 ]
	[ "$(link_mtu vif2.0)" = 1400 ]
	# libxl wrote the frontend's 1500; ours, with no key, leaves it
	# (writing would have put the link's 1400 there)
	[ "$(xs_read "$(fe_path 2 0)/mtu")" = 1500 ]
}

@test "vifname: the port takes the new name; offline finds and removes it" {
	ovs_guest 1 0 bridge=ovsbr0.10 vifname=web0
	online 1
	assert_ovs_port web0 ovsbr0
	! link_exists vif1.0
	run run_vif vif-openvswitch 1 0 offline type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$(ovs_port_bridge web0)" ]
	! link_up web0
}

@test "online twice: one port, not re-created, traffic not interrupted" {
	ovs_guest 1 0 bridge=ovsbr0.10 ip4=10.0.0.1/24
	ovs_guest 2 0 bridge=ovsbr0.10 ip4=10.0.0.2/24
	online 1
	online 2
	local uuid ofport
	uuid=$(ovs_col Port vif2.0 _uuid)
	ofport=$(ovs_col Interface vif2.0 ofport)
	ovs_ping_ok 1 10.0.0.2
	local pid
	pid=$(guest_bg 1 sh -c "exec busybox ping -i 0.05 -c 60 10.0.0.2 >'$W_DIR/ping.out'")
	sleep 0.5
	online 2
	wait_for 10000 sh -c "! kill -0 $pid 2>/dev/null"
	[ "$(ovs_vsctl list-ports ovsbr0 | grep -c '^vif2.0$')" = 1 ]
	[ "$(ovs_col Port vif2.0 _uuid)" = "$uuid" ]
	[ "$(ovs_col Interface vif2.0 ofport)" = "$ofport" ]
	assert_ovs_port vif2.0 ovsbr0
	# the ping ran through the second online (a lost packet or two is
	# this noisy machine, a bounced port loses far more)
	cat "$W_DIR/ping.out"
	local got
	got=$(sed -n 's/.* \([0-9]*\) packets received.*/\1/p' "$W_DIR/ping.out")
	[ "$got" -ge 57 ]
	# a third with another VLAN: the same port, updated in place
	xs_write "$(be_path 2 0)/bridge" ovsbr0.20
	online 2
	[ "$(ovs_col Port vif2.0 _uuid)" = "$uuid" ]
	assert_vlan vif2.0 20 "[]" "[]"
	! ovs_ping 1 10.0.0.2
}

@test "online: a stale port in the same bridge (from before a reboot) on a new vif: the link is set up as new" {
	ovs_guest 1 0 bridge=ovsbr0.10
	ovs_vsctl add-port ovsbr0 vif1.0 tag=20 -- set Interface vif1.0 external_ids:xen-vm-uuid=old
	local uuid
	uuid=$(ovs_col Port vif1.0 _uuid)
	online 1
	assert_ovs_port vif1.0 ovsbr0
	assert_vlan vif1.0 10 "[]" "[]"
	[ "$(ovs_col Port vif1.0 _uuid)" = "$uuid" ]
	ovs_col Interface vif1.0 external_ids | grep -q 'xen-vm-uuid="00000000-0000-4000-8000-000000000001"'
}

@test "online: a stale port of a Xen guest in another bridge moves; a foreign port there is refused" {
	ovs_br_add ovsbr1
	ovs_guest 1 0 bridge=ovsbr0
	ovs_guest 2 0 bridge=ovsbr0
	# as a host crash leaves them: a vif script's port (xen-vm-uuid), and
	# an admin's
	ovs_vsctl add-port ovsbr1 vif1.0 -- set Interface vif1.0 external_ids:xen-vm-uuid=old
	ovs_vsctl add-port ovsbr1 vif2.0
	online 1
	grep -q "moving port 'vif1.0' from bridge 'ovsbr1'" <<<"$output"
	assert_ovs_port vif1.0 ovsbr0
	[ "$(ovs_vsctl list-ports ovsbr1)" = vif2.0 ]
	local before
	before=$(world_state)
	assert_fails 2 "$before" vif2.0 ovsbr1 "no Xen vif script made"
}

@test "tap: add and remove type_if=tap, no xenstore status" {
	ovs_guest 1 0 bridge=ovsbr0.10 type=vif_ioemu
	run run_vif vif-openvswitch 1 0 add type_if=tap
	echo "$output"
	[ "$status" -eq 0 ]
	assert_ovs_port vif1.0-emu ovsbr0
	assert_vlan vif1.0-emu 10 "[]" "[]"
	[ -z "$(xs_read "$(be_path 1 0)/hotplug-status")" ]
	run run_vif vif-openvswitch 1 0 remove type_if=tap
	[ "$status" -eq 0 ]
	[ -z "$(ovs_port_bridge vif1.0-emu)" ]
	! link_up vif1.0-emu
}

# ovs-vswitchd replaces a port's root qdisc and deletes its ingress one
# when it adds the port, so vif-bridge's tc limit cannot be used here: the
# tap is added unlimited, with a warning (README: Rate limits).
@test "rate: a tap's rate is not applied on Open vSwitch, with a warning; add still succeeds" {
	ovs_guest 1 0 bridge=ovsbr0 type=vif_ioemu
	xs_write "$(be_path 1 0)/rate" 62500,50000
	run run_vif vif-openvswitch 1 0 add type_if=tap
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"rate '62500,50000' is not applied to the Open vSwitch port 'vif1.0-emu'"* ]]
	assert_ovs_port vif1.0-emu ovsbr0
	! link_exists ifb1.0
	run run_vif vif-openvswitch 1 0 remove type_if=tap
	[ "$status" -eq 0 ]
}

@test "hooks: a post hook sees the bare bridge name and runs after the port is in place" {
	ovs_guest 1 0 bridge=ovsbr0.10:20
	cat >"$XEN_SCRIPT_DIR/vif-post.d/00-test.hook" <<EOF
echo "\$command \$dev \$bridge \$type_if" >>"$W_DIR/hook.out"
ovs-vsctl --db=unix:$OVS_DIR/db.sock port-to-br \$dev >>"$W_DIR/hook.out" 2>/dev/null || echo none >>"$W_DIR/hook.out"
EOF
	chmod +x "$XEN_SCRIPT_DIR/vif-post.d/00-test.hook"
	online 1
	guest_unplug 1 0
	run run_vif vif-openvswitch 1 0 offline type_if=vif
	[ "$status" -eq 0 ]
	cat "$W_DIR/hook.out"
	[ "$(sed -n 1p "$W_DIR/hook.out")" = "online vif1.0 ovsbr0 vif" ]
	[ "$(sed -n 2p "$W_DIR/hook.out")" = ovsbr0 ]
	[ "$(sed -n 3p "$W_DIR/hook.out")" = "offline vif1.0 ovsbr0 vif" ]
	[ "$(sed -n 4p "$W_DIR/hook.out")" = none ]
}

@test "concurrency: 12 guests online at once, all connected, 12 ports, 12 guards" {
	local d pids=()
	for d in $(seq 1 12); do
		ovs_guest "$d" 0 bridge=ovsbr0.$((d % 3 + 1)) ip=10.0.0.$d
	done
	for d in $(seq 1 12); do
		run_vif vif-openvswitch "$d" 0 online type_if=vif >"$W_DIR/on.$d" 2>&1 &
		pids+=($!)
	done
	for d in "${pids[@]}"; do
		wait "$d"
	done
	for d in $(seq 1 12); do
		[ "$(xs_read "$(be_path "$d" 0)/hotplug-status")" = connected ] || { cat "$W_DIR/on.$d"; false; }
		assert_vlan "vif$d.0" $((d % 3 + 1)) "[]" "[]"
	done
	[ "$(ovs_vsctl list-ports ovsbr0 | wc -l)" = 12 ]
	# the first ones raced to create the guard's table: one did, all guarded
	[ "$(ovs_guard_chains | wc -l)" = 12 ]
	for d in $(seq 1 12); do
		[ "$(ovs_guard_elems "vif$d.0")" = 6 ] || { cat "$W_DIR/on.$d"; false; }
	done
}

# ---------------------------------------------------------------- offline

@test "offline: the port is removed and the link down; xenstore untouched" {
	ovs_guest 1 0 bridge=ovsbr0.10 ip4=10.0.0.1/24
	ovs_guest 2 0 bridge=ovsbr0.10 ip4=10.0.0.2/24
	online 1
	online 2
	ovs_ping_ok 1 10.0.0.2
	local before
	before=$(xs_ls "$(be_path 2 0)")
	run run_vif vif-openvswitch 2 0 offline type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$(ovs_port_bridge vif2.0)" ]
	[ "$(ovs_col Interface vif2.0 name)" = "" ]
	! link_up vif2.0
	[ "$(xs_ls "$(be_path 2 0)")" = "$before" ]
	! ovs_ping 1 10.0.0.2
}

@test "offline: the vif deleted first (netback), the port is still removed" {
	ovs_guest 1 0 bridge=ovsbr0.10
	online 1
	guest_unplug 1 0
	run run_vif vif-openvswitch 1 0 offline type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$(ovs_port_bridge vif1.0)" ]
	[ "$(ovs_vsctl list-ports ovsbr0)" = "" ]
}

@test "offline: no port and no vif: success, nothing changed" {
	ovs_guest 1 0 bridge=ovsbr0 create=never
	local before
	before=$(world_state)
	run run_vif vif-openvswitch 1 0 offline type_if=vif
	[ "$status" -eq 0 ]
	[ "$(world_state)" = "$before" ]
}

@test "offline: Open vSwitch absent: exit 1 with a clear message, the link down all the same" {
	ovs_guest 1 0 bridge=ovsbr0
	online 1
	link_up vif1.0
	XEN_HOTPLUG_OVSDB="$W_DIR/none.sock" run run_vif vif-openvswitch 1 0 offline type_if=vif
	echo "$output"
	[ "$status" -eq 1 ]
	grep -q "unable to connect to Open vSwitch at '$W_DIR/none.sock'" <<<"$output"
	! link_up vif1.0
}

# ---------------------------------------------------------------- guard

# The guard (common/fw/fw-netdev.c, guard-netdev.nft): an ingress chain on
# the vif, `jump guard`, and the vif's elements keyed by its name.  The
# userspace datapath used here reads the vif through AF_PACKET, before
# the ingress hook, so traffic between guests is not filtered on this
# host (tests/xen-vm/suites/60-vlan.sh checks that, on the kernel
# datapath): here the kernel state, and what reaches dom0 after the
# hook.

# A vif's chain: one rule, `jump guard`, as nft -j gives it.
GUARD_RULE='[[{"jump":{"target":"guard"}}]]'

@test "guard: online installs the vif's ingress chain and elements; online twice leaves one copy; offline removes both" {
	ovs_guest 1 0 bridge=ovsbr0 ip4=10.0.0.1/24 ip6=fd00::1/64 ip="10.0.0.1 fd00::1"
	online 1
	run ovs_guard_chains
	echo "$output"
	[ "$output" = "in_vif1.0 vif1.0 -300 $GUARD_RULE" ]
	# guarded, macs, nd_macs, addrs4, addrs6 and nd_addrs6 (its address
	# and its MAC's link-local one): as a bridged vif's
	[ "$(ovs_guard_elems vif1.0)" = 8 ]
	in_dom0 nft get element netdev xen_hotplug addrs4 '{ "vif1.0" . 10.0.0.1 }'
	in_dom0 nft get element netdev xen_hotplug macs '{ "vif1.0" . 00:16:3e:01:00:01 }'
	in_dom0 nft get element netdev xen_hotplug addrs6 '{ "vif1.0" . fe80::216:3eff:fe01:1 }'
	online 1
	run ovs_guard_chains
	[ "$output" = "in_vif1.0 vif1.0 -300 $GUARD_RULE" ]
	[ "$(ovs_guard_elems vif1.0)" = 8 ]
	# a changed ip: replaced, not added to
	xs_write "$(be_path 1 0)/ip" 10.0.0.9
	online 1
	[ "$(ovs_guard_elems vif1.0)" = 6 ]
	in_dom0 nft get element netdev xen_hotplug addrs4 '{ "vif1.0" . 10.0.0.9 }'
	run in_dom0 nft get element netdev xen_hotplug addrs4 '{ "vif1.0" . 10.0.0.1 }'
	[ "$status" -ne 0 ]
	run run_vif vif-openvswitch 1 0 offline type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$(ovs_guard_chains)" ]
	[ "$(ovs_guard_elems vif1.0)" = 0 ]
}

# chains (but the vifs'), their rules, sets: as nft loads the file
netdev_layout() {
	ip netns exec "$1" nft -j list table netdev xen_hotplug | jq -S -c '.nftables as $n |
		([$n[] | .chain // empty | select(.name | startswith("in_") | not) | .name as $c |
		  {chain: $c, type, hook, prio, policy,
		   rules: [$n[] | .rule // empty | select(.chain == $c) | .expr]}] | sort_by(.chain)) +
		([$n[] | .set // empty | {set: .name, type, flags, comment}] | sort_by(.set))'
}

@test "guard: the table vif-openvswitch creates is guard-netdev.nft as nft loads it" {
	ovs_guest 1 0 bridge=ovsbr0 ip=10.0.0.1
	online 1
	ip netns add "$W-scratch"
	ip netns exec "$W-scratch" nft -f "$HP_SRCDIR/common/fw/guard-netdev.nft"
	local got want
	got=$(netdev_layout "$DOM0")
	want=$(netdev_layout "$W-scratch")
	ip netns del "$W-scratch"
	[ "$got" = "$want" ] || { diff <(tr '}' '\n' <<<"$want") <(tr '}' '\n' <<<"$got"); return 1; }
	[ "$(jq '[.[] | .rules // [] | .[]] | length' <<<"$got")" -gt 60 ]
}

@test "guard: offline after netback deleted the vif removes the chain and the elements" {
	ovs_guest 1 0 bridge=ovsbr0 ip=10.0.0.1
	ovs_guest 2 0 bridge=ovsbr0 ip=10.0.0.2
	online 1
	online 2
	[ "$(ovs_guard_chains | wc -l)" = 2 ]
	guest_unplug 1 0
	run run_vif vif-openvswitch 1 0 offline type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	# kernels from 6.16 keep a netdev chain whose device went, unbound:
	# offline deletes it (before, the kernel did); the other vif keeps its own
	run ovs_guard_chains
	[ "$output" = "in_vif2.0 vif2.0 -300 $GUARD_RULE" ]
	[ "$(ovs_guard_elems vif1.0)" = 0 ]
	[ "$(ovs_guard_elems vif2.0)" = 6 ]
	# a second offline: nothing there, success
	run run_vif vif-openvswitch 1 0 offline type_if=vif
	[ "$status" -eq 0 ]
}

@test "guard: a failure after the guard step (add-port, up) leaves no chain and no element" {
	ovs_guest 1 0 bridge=ovsbr0 ip=10.0.0.1
	local s
	for s in add-port up; do
		VIF_ENV=("XEN_HOTPLUG_FAIL_STEP=$s")
		run run_vif vif-openvswitch 1 0 online type_if=vif
		echo "$s: $output"
		[ "$status" -eq 1 ]
		[[ "$output" == *"'$s' failed: injected by XEN_HOTPLUG_FAIL_STEP"* ]]
		[ -z "$(ovs_guard_chains)" ]
		[ "$(ovs_guard_elems vif1.0)" = 0 ]
		[ -z "$(ovs_port_bridge vif1.0)" ]
		xs_write "$(be_path 1 0)/hotplug-status" ""
	done
	VIF_ENV=()
	online 1
	[ "$(ovs_guard_chains | wc -l)" = 1 ]
}

@test "guard: antispoof=none and iptables install nothing (iptables says so) and remove an earlier nft guard" {
	ovs_guest 1 0 bridge=ovsbr0 ip=10.0.0.1
	online 1
	[ "$(ovs_guard_chains | wc -l)" = 1 ]
	echo antispoof=none >"$XEN_HOTPLUG_CONF"
	online 1
	[ -z "$(ovs_guard_chains)" ]
	[ "$(ovs_guard_elems vif1.0)" = 0 ]
	echo antispoof=nft >"$XEN_HOTPLUG_CONF"
	online 1
	[ "$(ovs_guard_chains | wc -l)" = 1 ]
	echo antispoof=iptables >"$XEN_HOTPLUG_CONF"
	online 1
	grep -qF "antispoof=iptables (antispoof=iptables at line 1 of '$XEN_HOTPLUG_CONF') does not filter Open vSwitch ports: 'vif1.0' is not guarded" <<<"$output"
	[ -z "$(ovs_guard_chains)" ]
	[ "$(ovs_guard_elems vif1.0)" = 0 ]
	# and no physdev rule of upstream's either
	run in_dom0 iptables -w 10 -S FORWARD
	[[ "$output" != *vif1.0* ]]
	run run_vif vif-openvswitch 1 0 offline type_if=vif
	[ "$status" -eq 0 ]
}

@test "guard: without ip nothing is guarded; antispoof_strict=yes guards it (its MAC and link-local only)" {
	ovs_guest 1 0 bridge=ovsbr0
	online 1
	[ -z "$(ovs_guard_chains)" ]
	echo antispoof_strict=yes >"$XEN_HOTPLUG_CONF"
	online 1
	[ "$(ovs_guard_chains | wc -l)" = 1 ]
	# guarded, macs, nd_macs, the link-local address in addrs6 and nd_addrs6
	[ "$(ovs_guard_elems vif1.0)" = 5 ]
}

@test "guard: a bad antispoof value fails online before any change, with the file and line" {
	ovs_guest 1 0 bridge=ovsbr0 ip=10.0.0.1
	printf 'antispoof=maybe\n' >"$XEN_HOTPLUG_CONF"
	local before
	before=$(world_state)
	assert_fails 1 "$before" "invalid value 'maybe' for 'antispoof' at line 1 of '$XEN_HOTPLUG_CONF'"
	[ -z "$(ovs_guard_chains)" ]
}

# What the guarded vif sends, seen in dom0 by a netdev chain on the vif
# that runs after the guard's (priority 0 vs -300): its own address and
# MAC pass, a spoofed source address and a spoofed MAC do not; the
# same traffic passes with antispoof=none (the control).
observe_vif() {
	in_dom0 nft -f - <<-EOF
	table netdev seen {
		set mac { type ether_addr; flags dynamic; }
		set src4 { type ipv4_addr; flags dynamic; }
		chain in {
			type filter hook ingress device "$1" priority 0; policy accept;
			update @mac { ether saddr }
			meta protocol ip update @src4 { ip saddr }
		}
	}
	EOF
}
seen() { in_dom0 nft get element netdev seen "$1" "{ $2 }" >/dev/null 2>&1; }
# (`! cmd` does not fail a bats test)
not_seen() { ! seen "$@"; }

# spoof_run: guest 1 pings guest 2 from its own address, from 10.0.0.50,
# then from its own address with MAC 00:16:3e:99:99:99.
spoof_run() {
	in_guest 1 ip neigh replace 10.0.0.2 lladdr 00:16:3e:02:00:01 dev eth0 nud permanent
	in_guest 1 ip addr add 10.0.0.50/24 dev eth0
	in_guest 1 busybox ping -c 2 -W 1 10.0.0.2 || true
	in_guest 1 busybox ping -c 2 -W 1 -I 10.0.0.50 10.0.0.2 || true
	in_guest 1 ip link set eth0 address 00:16:3e:99:99:99
	in_guest 1 busybox ping -c 2 -W 1 10.0.0.2 || true
}

@test "guard: spoofed IPv4 source and MAC are dropped on the vif's ingress, its own pass; antispoof=none: all pass" {
	local mode
	for mode in nft none; do
		echo "antispoof=$mode" >"$XEN_HOTPLUG_CONF"
		ovs_guest 1 0 bridge=ovsbr0 ip4=10.0.0.1/24 ip=10.0.0.1
		ovs_guest 2 0 bridge=ovsbr0 ip4=10.0.0.2/24 ip=10.0.0.2
		online 1
		online 2
		observe_vif vif1.0
		spoof_run
		seen src4 10.0.0.1
		seen mac 00:16:3e:01:00:01
		if [ "$mode" = nft ]; then
			not_seen src4 10.0.0.50
			not_seen mac 00:16:3e:99:99:99
		else
			seen src4 10.0.0.50
			seen mac 00:16:3e:99:99:99
		fi
		in_dom0 nft delete table netdev seen
		run run_vif vif-openvswitch 1 0 offline type_if=vif
		run run_vif vif-openvswitch 2 0 offline type_if=vif
		guest_unplug 1 0
		guest_unplug 2 0
	done
}

# ---------------------------------------------------------------- failures

@test "error: bad vlan values: hotplug-error names the key and the cause, nothing changed" {
	local val why before
	ovs_guest 1 0 bridge=ovsbr0
	before=$(world_state)
	while IFS='|' read -r val why; do
		xs_write "$(be_path 1 0)/vlan" "$val"
		xs_write "$(be_path 1 0)/hotplug-status" ""
		assert_fails 1 "$before" "vlan '$val'" "$why"
	done <<'EOF'
10p/20p|two PVIDs
10/20|no PVID
10p/10|VLAN 10 is given twice
10p/5-15|VLAN 10 is given twice
0|out of range
4095|out of range
1p/4000+100x1|past VLAN 4094
1p/2+1x99999|too large
10p//20|empty term
ten|not N[p][u]
10p/20u|Open vSwitch sends only the PVID untagged
EOF
}

@test "error: VLANs in both the bridge key and the vlan key" {
	ovs_guest 1 0 bridge=ovsbr0.10
	xs_write "$(be_path 1 0)/vlan" 10
	assert_fails 1 "$(world_state)" "vlan '10'" "use one of the two"
}

@test "error: bad bridge values (upstream's syntax), nothing changed" {
	local val why before
	ovs_guest 1 0 bridge=ovsbr0
	before=$(world_state)
	while IFS='|' read -r val why; do
		xs_write "$(be_path 1 0)/bridge" "$val"
		xs_write "$(be_path 1 0)/hotplug-status" ""
		assert_fails 1 "$before" "bridge '$val'" "$why"
	done <<'EOF'
ovsbr0.|tag
ovsbr0.x|tag
ovsbr0.4095|out of range
ovsbr0:|trunk
ovsbr0:10:|trunk
ovsbr0.10.20|tag
.10|not NAME
abcdefghijklmnop|not NAME
EOF
}

@test "error: the bridge does not exist: clear error, nothing changed" {
	ovs_guest 1 0 bridge=nosuch.10
	assert_fails 1 "$(world_state)" "bridge 'nosuch'" "no such Open vSwitch bridge"
}

@test "error: no bridge given at all" {
	ovs_guest 1 0 bridge=
	xs_rm "$(be_path 1 0)/bridge"
	assert_fails 1 "$(world_state)" "none was specified"
}

@test "error: no Open vSwitch (no socket): clear error, exit 1, nothing changed" {
	ovs_guest 1 0 bridge=ovsbr0
	local before
	before=$(world_state)
	XEN_HOTPLUG_OVSDB="$W_DIR/none.sock" assert_fails 1 "$before" \
		"unable to connect to Open vSwitch at '$W_DIR/none.sock'" "No such file or directory" \
		"openvswitch-switch"
}

@test "error: ovsdb-server dead (a stale socket): connection refused, nothing changed" {
	ovs_guest 1 0 bridge=ovsbr0
	local before
	before=$(world_state)
	in_dom0 python3 -c "import socket; s = socket.socket(socket.AF_UNIX); s.bind('$W_DIR/stale.sock')"
	XEN_HOTPLUG_OVSDB="unix:$W_DIR/stale.sock" assert_fails 1 "$before" "Connection refused"
}

@test "error: ovs-vswitchd not running: bounded wait, the port removed again, link down" {
	ovs_guest 1 0 bridge=ovsbr0.10
	ovs_stop vswitchd
	local before t0 t1
	before=$(ovs_snapshot)
	t0=$(date +%s%N)
	XEN_HOTPLUG_OVS_WAIT_MS=500 run run_vif vif-openvswitch 1 0 online type_if=vif
	t1=$(date +%s%N)
	echo "$output"
	[ "$status" -eq 1 ]
	[ "$(xs_read "$(be_path 1 0)/hotplug-status")" = error ]
	grep -qF "ovs-vswitchd did not apply the change within 500 ms" <<<"$(xs_read "$(be_path 1 0)/hotplug-error")"
	# bounded by XEN_HOTPLUG_OVS_WAIT_MS, not ovs-vsctl's 30 s
	[ $(((t1 - t0) / 1000000)) -lt 10000 ]
	[ "$(ovs_snapshot)" = "$before" ]
	! link_up vif1.0
}

@test "error: a failed second online leaves the working port alone, its VLAN put back" {
	ovs_guest 1 0 bridge=ovsbr0.10 ip4=10.0.0.1/24
	ovs_guest 2 0 bridge=ovsbr0.10 ip4=10.0.0.2/24
	online 1
	online 2
	local before
	ovs_stop vswitchd
	# the database and the port's link (the bridge's own tap loses its
	# carrier when ovs-vswitchd stops, in its own time)
	port_state() {
		ovs_snapshot | jq -S -c 'del(.. | .uuid?)'
		in_dom0 ip -j link show dev vif2.0
	}
	before=$(port_state)
	# the same configuration: nothing to write, nothing to wait for
	XEN_HOTPLUG_OVS_WAIT_MS=300 run run_vif vif-openvswitch 2 0 online type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$before" = "$(port_state)" ]
	# another VLAN: written, not applied by ovs-vswitchd, put back
	xs_write "$(be_path 2 0)/bridge" ovsbr0.20
	XEN_HOTPLUG_OVS_WAIT_MS=300 run run_vif vif-openvswitch 2 0 online type_if=vif
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"did not apply the change within 300 ms"* ]]
	[ "$(ovs_port_bridge vif2.0)" = ovsbr0 ]
	[ "$(ovs_col Port vif2.0 tag)" = 10 ]
	link_up vif2.0
	[ "$before" = "$(port_state)" ] || { echo "before: $before"; echo "after:  $(port_state)"; return 1; }
	ovs_start_vswitchd
	ovs_ping_ok 1 10.0.0.2
}

@test "error: ovsdb_socket in xen-hotplug.conf is used, and a bad value is refused" {
	ovs_guest 1 0 bridge=ovsbr0
	local sock=$XEN_HOTPLUG_OVSDB
	unset XEN_HOTPLUG_OVSDB
	echo "ovsdb_socket=unix:$sock" >"$XEN_HOTPLUG_CONF"
	online 1
	assert_ovs_port vif1.0 ovsbr0
	echo "ovsdb_socket=relative/db.sock" >"$XEN_HOTPLUG_CONF"
	xs_write "$(be_path 1 0)/hotplug-status" ""
	run run_vif vif-openvswitch 1 0 online type_if=vif
	echo "$output"
	[ "$status" -eq 1 ]
	grep -qF "invalid ovsdb_socket 'relative/db.sock' ($XEN_HOTPLUG_CONF line 1)" <<<"$(xs_read "$(be_path 1 0)/hotplug-error")"
}

@test "no ovs-vsctl: online and offline start no process" {
	command -v strace >/dev/null || skip "needs strace"
	ovs_guest 1 0 bridge=ovsbr0.10
	local cmd
	# LeakSanitizer cannot run under ptrace (make check-asan), nor strace
	# under valgrind (check-valgrind)
	VIF_ENV=(ASAN_OPTIONS=detect_leaks=0)
	for cmd in online offline; do
		HP_VALGRIND=0 run run_vif "$(command -v strace)" 1 0 -f -qq -e trace=execve,clone,clone3,fork,vfork \
			-o "$W_DIR/strace.$cmd" "$HP_BUILD/vif-openvswitch" "$cmd" type_if=vif
		echo "$output"
		[ "$status" -eq 0 ]
		cat "$W_DIR/strace.$cmd"
		[ "$(grep -c execve "$W_DIR/strace.$cmd")" = 1 ]
		! grep -qE 'clone|fork' "$W_DIR/strace.$cmd"
	done
	VIF_ENV=()
	[ -z "$(ovs_port_bridge vif1.0)" ]
}
