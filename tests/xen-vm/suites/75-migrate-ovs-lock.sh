# 75-migrate-ovs-lock: `xl migrate` on one host (dom0/xt-migrate.sh) of
# a port_lock guest (ours; upstream's has no port lock) and of Open
# vSwitch guests on the kernel datapath, ours and upstream's: each
# migrated once, then a migration of each that fails after the receiver
# attached its copy.  The port_lock guest's sticky entry follows it to
# the new port, and comes back to its first port when the migration
# fails (before the fix the guest was cut off there: tests/port-policy.bats
# shows the port without its entry dropping the same guest's frames).
#
# One assertion waits for issue 22 (branch ovn: vif-openvswitch writes the
# final VM name, without libxl's "--incoming"): set OVS_NAME_FINAL=1 below
# when it is merged.  Until then the value is only noted.
# xt-vm: intel
OVS_NAME_FINAL=0
XT_TEST_TIMEOUT=300 # two guests' boots and migrations under TCG
. /xt/xt-migrate.sh

t_setup() { mig_setup ovs; }

# The sticky entry (VLAN 0 and the port's VLAN 1) follows the guest to
# its new port; the port is locked.
t_lock() {
	local m
	m=$(mac xt-l-ours)
	create xt-l-ours
	migrate_one xt-l-ours
	fdb_all_on "$m" "$(xt_vif xt-l-ours)" || xt_fail "an entry for $m elsewhere than on $(xt_vif xt-l-ours)"
	[[ $(bridge -d link show dev "$(xt_vif xt-l-ours)") == *"locked on"* ]]
	xt_note "migrate: port_lock guest (ours; upstream's has no port lock), longest gap $(cat $GAPS/xt-l-ours) ms; the sticky entry on the new port, none left behind"
}

t_ovs() {
	local g name
	create xt-o-ours xt-o-up
	for g in xt-o-ours xt-o-up; do
		migrate_one "$g"
		name=$(ovs-vsctl get Interface "$(xt_vif "$g")" external_ids:xen-vm-name | tr -d '"')
		echo "$g: xen-vm-name after the migration: $name"
		if [ "$OVS_NAME_FINAL" = 1 ] && ours "$g"; then
			[ "$name" = "$g" ] || xt_fail "xen-vm-name is '$name', not '$g'"
		elif ours "$g"; then
			xt_note "migrate: (not asserted until issue 22) ours' OVS xen-vm-name after the migration: '$name'"
		fi
	done
	note_gaps "Open vSwitch guest (kernel datapath), stop-and-copy" xt-o-ours xt-o-up
}

# The migration of the port_lock guest fails after the receiver's online
# took its entry: the receiver's offline gives it back to the sender's
# port, and the guest answers there.
t_fail_lock() {
	local m
	m=$(mac xt-l-ours)
	fail_one xt-l-ours
	fdb_all_on "$m" "$(xt_vif xt-l-ours)" || xt_fail "the entry for $m is not back on $(xt_vif xt-l-ours)"
	xt_note "migrate: failed migration of the port_lock guest (ours): reachable again, longest gap $(cat $GAPS/fail-xt-l-ours) ms, its sticky entry back on its port"
	destroy xt-l-ours
}

t_fail_ovs() {
	fail_one xt-o-ours
	xt_guarded netdev "$(xt_vif xt-o-ours)"
	fail_one xt-o-up
	xt_note "migrate: failed migration, OVS guest: reachable again, longest gap: ours $(cat $GAPS/fail-xt-o-ours) ms, upstream's $(cat $GAPS/fail-xt-o-up) ms"
	destroy xt-o-ours xt-o-up
}

t_nothing_left() { mig_nothing_left; }

xt_test migrate-ovs-lock/setup t_setup
xt_test migrate-ovs-lock/port-lock-entry-follows t_lock
xt_test migrate-ovs-lock/port-lock-failed-guest-answers t_fail_lock
xt_test migrate-ovs-lock/ovs-kernel-datapath t_ovs
xt_test migrate-ovs-lock/ovs-failed-guest-answers t_fail_ovs
xt_test migrate-ovs-lock/nothing-left t_nothing_left
mig_cleanup
