#!/usr/bin/env bats
# vif-bridge and libxl's `vlan` key, on this host: the checks before any
# change.  Its kernel has no bridge VLAN filtering
# (CONFIG_BRIDGE_VLAN_FILTERING), so the VLANs themselves on a port of a
# vlan_filtering bridge, and the traffic they let through, are tested in
# the real-Xen VM world (tests/xen-vm/suites/60-vlan.sh).

setup() {
	load helpers
	world_setup
	[ -x "$HP_BUILD/vif-bridge" ] || skip "build/vif-bridge not built"
}

teardown() {
	world_teardown
}

# Can this kernel's bridges filter VLANs at all?
kernel_filters() {
	in_dom0 ip link add hpvlt0 type bridge vlan_filtering 1 2>/dev/null || return 1
	in_dom0 ip link del hpvlt0
}

@test "vlan: a bridge that does not filter VLANs fails online with a clear error, before any change" {
	local be before err
	guest_create 1 0 vifname=web
	be=$(be_path 1 0)
	xs_write "$be/vlan" 10p/20
	before=$(dom0_snapshot)
	run run_vif vif-bridge 1 0 online type_if=vif
	echo "$output"
	[ "$status" -eq 1 ]
	[ "$(xs_read "$be/hotplug-status")" = error ]
	err=$(xs_read "$be/hotplug-error")
	echo "hotplug-error: $err"
	[[ "$err" == "unable to put 'web' on VLANs '10p/20' of bridge 'xenbr0': "* ]]
	if kernel_filters; then
		[[ "$err" == *"its vlan_filtering is off"* ]]
	else
		[[ "$err" == *"this kernel's bridges do not filter VLANs (CONFIG_BRIDGE_VLAN_FILTERING)"* ]]
	fi
	# nothing changed: not renamed, not enslaved, down
	[ "$before" = "$(dom0_snapshot)" ]
	link_exists vif1.0
	! link_exists web
	# control: the same guest without the key (or with it empty) goes online
	xs_write "$be/vlan" ""
	xs_write "$be/hotplug-status" ""
	run run_vif vif-bridge 1 0 online type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(xs_read "$be/hotplug-status")" = connected ]
	[ "$(link_master web)" = xenbr0 ]
	link_up web
}

@test "vlan: values libxl would pass unchecked are refused with the key and the cause, nothing changed" {
	local be before err val
	guest_create 1 0
	be=$(be_path 1 0)
	before=$(dom0_snapshot)
	for val in 0 4095 10/20 10p/20p 10p/10 20-10 abc 10p/100+10x400 "10p;id"; do
		xs_write "$be/vlan" "$val"
		xs_write "$be/hotplug-status" ""
		run run_vif vif-bridge 1 0 online type_if=vif
		[ "$status" -eq 1 ] || { echo "vlan=$val: status $status: $output"; return 1; }
		err=$(xs_read "$be/hotplug-error")
		echo "vlan=$val: $err"
		[[ "$err" == "invalid vlan '$val' (backend/vif/1/0/vlan): "* ]]
		[ "$before" = "$(dom0_snapshot)" ]
	done
}
