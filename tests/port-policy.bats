#!/usr/bin/env bats
# Port policies of vif-bridge for multi-tenant hosts (xen-hotplug.conf):
# port_lock (learning off, locked, no unknown unicast, the guest's MAC a
# static sticky entry on its port) and port_isolated (guests on a bridge
# reach the uplink and dom0, not each other).  Kernel state (bridge -j),
# and traffic that crosses or is blocked, each block against a control
# without the policy; the guard is off where it would block the same
# frames (antispoof=none), so that it is the port policy that blocks.

setup() {
	load helpers
	world_setup
	[ -x "$HP_BUILD/vif-bridge" ] || skip "build/vif-bridge not built"
	command -v bridge >/dev/null || skip "needs bridge (iproute2)"
}

teardown() {
	world_teardown
}

conf() { printf '%s\n' "$@" >"$XEN_HOTPLUG_CONF"; }

# port DEV: the port's flags as bridge -d link shows them.
port() { bridge -n "$DOM0" -j -d link show dev "$1" | jq -c '.[0]'; }
port_flag() { port "$1" | jq -r ".$2"; }
# fdb MAC: "<dev> <state> <flags>" of each entry for MAC on xenbr0.
fdb() {
	bridge -n "$DOM0" -j fdb show br xenbr0 |
		jq -r --arg mac "$1" '.[] | select(.mac == $mac and .master == "xenbr0") |
			"\(.ifname) \(if (.state // "") == "" then "learned" else .state end) \(.flags | join(","))"'
}

# An uplink on xenbr0 as on a real host: nic0 a port, its peer eth0 in the
# outside namespace (${W}-out) at 10.0.0.250; dom0 is 10.0.0.254 on xenbr0.
uplink() {
	ip netns add "${W}-out"
	ip -n "${W}-out" link set lo up
	in_dom0 ip link add nic0 type veth peer name eth0 netns "${W}-out"
	in_dom0 ip link set nic0 master xenbr0 up
	ip -n "${W}-out" addr add 10.0.0.250/24 dev eth0
	ip -n "${W}-out" link set eth0 up
	in_dom0 ip addr add 10.0.0.254/24 dev xenbr0
}
in_out() { ip netns exec "${W}-out" "$@"; }

# send_from DOMID MAC: the guest sends ARP requests for dom0 from MAC
# (its eth0 takes MAC for the while): true when dom0 answered.
send_from() {
	local d=$1 mac=$2 own rc=0
	own=$(in_guest "$d" cat /sys/class/net/eth0/address)
	in_guest "$d" ip link set eth0 address "$mac"
	in_guest "$d" busybox arping -c 2 -w 2 -I eth0 10.0.0.254 >/dev/null 2>&1 || rc=1
	in_guest "$d" ip link set eth0 address "$own"
	return $rc
}

FOREIGN=02:00:00:00:00:99

@test "port_lock: learning off, locked, no unknown unicast; the guest's MAC static and sticky on its port" {
	conf port_lock=true # as antispoof_strict takes it: yes, true, 1
	guest_create 1 0 ip4=10.0.0.1/24
	run run_vif vif-bridge 1 0 online type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(port_flag vif1.0 learning)" = false ]
	[ "$(port_flag vif1.0 flood)" = false ]
	[ "$(port_flag vif1.0 locked)" = true ]
	[ "$(port_flag vif1.0 isolated)" = false ]
	[ "$(fdb 00:16:3e:01:00:01)" = "vif1.0 static sticky" ]
	grep -q "attached to bridge 'xenbr0', mtu 1500, locked" <<<"$output"
	# online again: one entry, the same flags
	run run_vif vif-bridge 1 0 online type_if=vif
	[ "$status" -eq 0 ]
	[ "$(fdb 00:16:3e:01:00:01)" = "vif1.0 static sticky" ]
	[ "$(port_flag vif1.0 locked)" = true ]
	# offline: the entry goes with the port
	run run_vif vif-bridge 1 0 offline type_if=vif
	[ "$status" -eq 0 ]
	[ -z "$(fdb 00:16:3e:01:00:01)" ]
}

@test "no port policy configured: the port keeps the kernel's defaults, the MAC is learned" {
	uplink
	guest_create 1 0 ip4=10.0.0.1/24
	run run_vif vif-bridge 1 0 online type_if=vif
	[ "$status" -eq 0 ]
	[ "$(port_flag vif1.0 learning)" = true ]
	[ "$(port_flag vif1.0 flood)" = true ]
	[ "$(port_flag vif1.0 locked)" = false ]
	[ "$(port_flag vif1.0 isolated)" = false ]
	guest_ping 1 10.0.0.254
	[ "$(fdb 00:16:3e:01:00:01)" = "vif1.0 learned " ]
}

# The same guest, the same frames from a foreign MAC, with the guard off:
# with port_lock the bridge neither learns nor forwards them; without it
# (the control) it learns the MAC and dom0 answers.
@test "port_lock: a foreign source MAC is not learned and not answered (guard off; control without the lock)" {
	uplink
	local lock
	for lock in yes no; do
		conf antispoof=none "port_lock=$lock"
		guest_create 1 0 ip4=10.0.0.1/24 ip=10.0.0.1
		run run_vif vif-bridge 1 0 online type_if=vif
		echo "$output"
		[ "$status" -eq 0 ]
		# its own MAC passes either way
		guest_ping 1 10.0.0.254
		if [ "$lock" = yes ]; then
			! send_from 1 "$FOREIGN" || false
			[ -z "$(fdb "$FOREIGN")" ]
		else
			send_from 1 "$FOREIGN"
			[ "$(fdb "$FOREIGN")" = "vif1.0 learned " ]
		fi
		run run_vif vif-bridge 1 0 offline type_if=vif
		[ "$status" -eq 0 ]
		guest_unplug 1 0
	done
}

# Another host on the uplink sending with the guest's MAC: a learned
# entry moves to the uplink (the guest's traffic hijacked); the sticky one
# stays on the guest's port.
@test "port_lock: the uplink cannot take a locked guest's MAC (control without the lock)" {
	uplink
	local lock guest_mac=00:16:3e:01:00:01 own
	own=$(in_out cat /sys/class/net/eth0/address)
	for lock in yes no; do
		conf "port_lock=$lock"
		guest_create 1 0 ip4=10.0.0.1/24
		run run_vif vif-bridge 1 0 online type_if=vif
		[ "$status" -eq 0 ]
		guest_ping 1 10.0.0.254
		# The uplink sends with the guest's MAC; the guest's own frames
		# (ND, MLD) may move a learned entry back before it is read, so
		# the control looks right after each burst, up to 5 times.
		local try moved=no
		in_out ip link set eth0 address "$guest_mac"
		for try in 1 2 3 4 5; do
			in_out busybox arping -c 2 -w 2 -I eth0 10.0.0.254 >/dev/null 2>&1 || true
			if [ "$(fdb "$guest_mac")" = "nic0 learned " ]; then
				moved=yes
				break
			fi
			[ "$lock" = no ] || break
		done
		in_out ip link set eth0 address "$own"
		if [ "$lock" = yes ]; then
			[ "$moved" = no ]
			[ "$(fdb "$guest_mac")" = "vif1.0 static sticky" ]
			guest_ping 1 10.0.0.254
		else
			[ "$moved" = yes ]
		fi
		run run_vif vif-bridge 1 0 offline type_if=vif
		[ "$status" -eq 0 ]
		guest_unplug 1 0
	done
}

@test "port_lock: a failure at port-policy or up leaves no entry and no port" {
	conf port_lock=yes
	guest_create 1 0
	local s
	for s in port-policy up hooks; do
		XEN_HOTPLUG_FAIL_STEP=$s run run_vif vif-bridge 1 0 online type_if=vif
		echo "$output"
		[ "$status" -eq 1 ]
		xs_read "$(be_path 1 0)/hotplug-error" | grep -q "failed at step '$s'"
		[ -z "$(fdb 00:16:3e:01:00:01)" ]
		[ -z "$(link_master vif1.0)" ]
		! link_up vif1.0
	done
}

@test "port_lock: not for an HVM guest's NIC, whose vif and tap share the MAC" {
	conf port_lock=yes
	guest_create 1 0 type=vif_ioemu
	run run_vif vif-bridge 1 0 online type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q "port_lock: not for an emulated NIC's ports" <<<"$output"
	run run_vif vif-bridge 1 0 add type_if=tap
	[ "$status" -eq 0 ]
	[ "$(port_flag vif1.0 learning)" = true ]
	[ "$(port_flag vif1.0-emu learning)" = true ]
	[ "$(port_flag vif1.0 locked)" = false ]
	[[ "$(fdb 00:16:3e:01:00:01)" != *static* ]]
}

@test "port_lock: a bad value fails online naming the file, the line and the value" {
	conf "# comment" port_lock=maybe
	guest_create 1 0
	local before
	before=$(dom0_snapshot)
	run run_vif vif-bridge 1 0 online type_if=vif
	echo "$output"
	[ "$status" -eq 1 ]
	local err
	err=$(xs_read "$(be_path 1 0)/hotplug-error")
	[ "$err" = "invalid value 'maybe' for 'port_lock' at line 2 of '$XEN_HOTPLUG_CONF': expected yes or no" ]
	[ "$(xs_read "$(be_path 1 0)/hotplug-status")" = error ]
	[ "$(dom0_snapshot)" = "$before" ]
}

@test "port_isolated: a bad bridge name fails online naming it" {
	conf "port_isolated=xenbr0 bad/name"
	guest_create 1 0
	run run_vif vif-bridge 1 0 online type_if=vif
	[ "$status" -eq 1 ]
	xs_read "$(be_path 1 0)/hotplug-error" | grep -qF "invalid value 'xenbr0 bad/name' for 'port_isolated' at line 1"
	[ -z "$(link_master vif1.0)" ]
}

# xenbr0 isolated, xenbr1 not (the control): two guests on each, an
# uplink and dom0 on xenbr0.
@test "port_isolated: guests on the bridge reach the uplink and dom0, not each other; control on a bridge without it" {
	uplink
	in_dom0 ip link add xenbr1 type bridge stp_state 0 forward_delay 0
	in_dom0 ip link set xenbr1 up
	in_dom0 ip addr add 10.1.0.254/24 dev xenbr1
	conf "port_isolated = xenbr0, xenbr9"
	guest_create 1 0 ip4=10.0.0.1/24
	guest_create 2 0 ip4=10.0.0.2/24
	guest_create 3 0 ip4=10.1.0.3/24 bridge=xenbr1
	guest_create 4 0 ip4=10.1.0.4/24 bridge=xenbr1
	local d
	for d in 1 2 3 4; do
		run run_vif vif-bridge "$d" 0 online type_if=vif
		echo "$output"
		[ "$status" -eq 0 ]
	done
	[ "$(port_flag vif1.0 isolated)" = true ]
	[ "$(port_flag vif2.0 isolated)" = true ]
	[ "$(port_flag nic0 isolated)" = false ]
	[ "$(port_flag vif3.0 isolated)" = false ]
	[ "$(port_flag vif4.0 isolated)" = false ]
	# the same learning as ever: isolation is not the lock
	[ "$(port_flag vif1.0 learning)" = true ]
	guest_ping 1 10.0.0.254
	guest_ping 1 10.0.0.250
	guest_ping 2 10.0.0.250
	guest_noping 1 10.0.0.2
	guest_noping 2 10.0.0.1
	# the control: the same pair of guests on a bridge without the setting
	guest_ping 3 10.1.0.4
	guest_ping 4 10.1.0.3
	guest_ping 3 10.1.0.254
}

@test "port_lock and port_isolated together" {
	uplink
	conf port_lock=yes port_isolated=xenbr0
	guest_create 1 0 ip4=10.0.0.1/24
	guest_create 2 0 ip4=10.0.0.2/24
	run run_vif vif-bridge 1 0 online type_if=vif
	[ "$status" -eq 0 ]
	run run_vif vif-bridge 2 0 online type_if=vif
	[ "$status" -eq 0 ]
	[ "$(port_flag vif1.0 isolated)" = true ]
	[ "$(port_flag vif1.0 locked)" = true ]
	grep -q "locked, isolated" <<<"$output"
	guest_ping 1 10.0.0.250
	guest_ping 2 10.0.0.254
	guest_noping 1 10.0.0.2
}

# ---------------------------------------------------------------- migration
# `xl migrate` on one host, as libxl does it: the receiving domain (here
# domid 2) gets a vif for the same guest MAC while the sender's domain
# (domid 1) still exists, suspended; its online takes the sticky entry
# (one entry per MAC and VLAN in a bridge).  The receiver's namespace
# has no address: the suspended copy sends nothing that matters.

MIG_MAC=00:16:3e:01:00:01

# both vifs online, the entry on the receiver's port, the sender's
# guest cut off meanwhile (the control of what the fix puts back)
migrate_world() {
	uplink
	conf port_lock=yes
	guest_create 1 0 ip4=10.0.0.1/24 "mac=$MIG_MAC"
	run run_vif vif-bridge 1 0 online type_if=vif
	[ "$status" -eq 0 ]
	guest_ping 1 10.0.0.250
	guest_create 2 0 "mac=$MIG_MAC"
}

@test "port_lock, a migration failing after the receiver's online: its offline gives the entry back to the sender's port, where the guest answers (control: cut off without it)" {
	migrate_world
	run run_vif vif-bridge 2 0 online type_if=vif
	[ "$status" -eq 0 ]
	[ "$(fdb "$MIG_MAC")" = "vif2.0 static sticky" ]
	# the control: the sender's port, locked without the entry, drops
	# the guest's frames
	guest_noping 1 10.0.0.250
	# the receiver's copy destroyed: netback removes its vif, then offline
	guest_unplug 2 0
	run run_vif vif-bridge 2 0 offline type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q "offline: 'vif2.0' is gone already: nothing to detach" <<<"$output"
	grep -q "offline: forwarding entry for $MIG_MAC given back to 'vif1.0' (port_lock)" <<<"$output"
	[ "$(fdb "$MIG_MAC")" = "vif1.0 static sticky" ]
	[ "$(port_flag vif1.0 locked)" = true ]
	guest_ping 1 10.0.0.250
	guest_ping 1 10.0.0.254
	# the offline of a receiver whose vif is still there: the same
	guest_plug 2 0
	run run_vif vif-bridge 2 0 online type_if=vif
	[ "$status" -eq 0 ]
	[ "$(fdb "$MIG_MAC")" = "vif2.0 static sticky" ]
	run run_vif vif-bridge 2 0 offline type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q "offline: detached from bridge 'xenbr0'" <<<"$output"
	[ "$(fdb "$MIG_MAC")" = "vif1.0 static sticky" ]
	guest_ping 1 10.0.0.250
}

@test "port_lock, a migration that succeeds: the sender's offline leaves the entry on the receiver's port, where the guest answers" {
	migrate_world
	run run_vif vif-bridge 2 0 online type_if=vif
	[ "$status" -eq 0 ]
	# the sender's domain destroyed after the receiver resumed
	guest_unplug 1 0
	run run_vif vif-bridge 1 0 offline type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q "offline: 'vif1.0' is gone already: nothing to detach" <<<"$output"
	[[ $output != *"given back"* ]]
	[ "$(fdb "$MIG_MAC")" = "vif2.0 static sticky" ]
	in_guest 2 ip addr add 10.0.0.1/24 dev eth0
	guest_ping 2 10.0.0.250
	# the same with the sender's vif still there when its offline runs
	guest_create 3 0 "mac=$MIG_MAC"
	run run_vif vif-bridge 3 0 online type_if=vif
	[ "$status" -eq 0 ]
	[ "$(fdb "$MIG_MAC")" = "vif3.0 static sticky" ]
	run run_vif vif-bridge 2 0 offline type_if=vif
	[ "$status" -eq 0 ]
	[ "$(fdb "$MIG_MAC")" = "vif3.0 static sticky" ]
}

@test "port_lock: a receiver's online that fails after taking the entry gives it back in its undo" {
	migrate_world
	local s
	for s in up hooks connected; do
		XEN_HOTPLUG_FAIL_STEP=$s run run_vif vif-bridge 2 0 online type_if=vif
		echo "$output"
		[ "$status" -eq 1 ]
		grep -q "given back to 'vif1.0'" <<<"$output"
		[ "$(fdb "$MIG_MAC")" = "vif1.0 static sticky" ]
		guest_ping 1 10.0.0.250
	done
}

@test "port_lock: an offline gives back only to a locked port whose backend has the MAC" {
	migrate_world
	# another guest, another MAC, locked; and the same MAC on an
	# unlocked port of an HVM guest's NIC: neither gets the entry
	guest_create 3 0 ip4=10.0.0.3/24
	run run_vif vif-bridge 3 0 online type_if=vif
	[ "$status" -eq 0 ]
	run run_vif vif-bridge 2 0 online type_if=vif
	[ "$status" -eq 0 ]
	guest_unplug 1 0
	run run_vif vif-bridge 1 0 offline type_if=vif
	[ "$status" -eq 0 ]
	guest_unplug 2 0
	run run_vif vif-bridge 2 0 offline type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output != *"given back"* ]]
	[ -z "$(fdb "$MIG_MAC")" ]
	[ "$(fdb 00:16:3e:03:00:01)" = "vif3.0 static sticky" ]
}
