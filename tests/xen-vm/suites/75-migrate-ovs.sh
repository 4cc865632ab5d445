# 75-migrate-ovs: `xl migrate` on one host (dom0/xt-migrate.sh) of Open
# vSwitch guests on the kernel datapath, ours and upstream's: each
# migrated once, then a migration of each that fails after the receiver
# attached its copy.  The new port in the database, the old one gone, the
# interface's xen-vm-name the guest's final name (vif-openvswitch writes
# it without libxl's "--incoming" since issue 22; upstream's does not).
# xt-vm: intel
XT_TEST_TIMEOUT=300 # two guests' boots and migrations under TCG
. /xt/xt-migrate.sh

t_setup() { mig_setup ovs; }

t_ovs() {
	local g name up_name=
	create xt-o-ours xt-o-up
	for g in xt-o-ours xt-o-up; do
		migrate_one "$g"
		name=$(ovs-vsctl get Interface "$(xt_vif "$g")" external_ids:xen-vm-name | tr -d '"')
		echo "$g: xen-vm-name after the migration: $name"
		if ours "$g"; then
			[ "$name" = "$g" ] || xt_fail "xen-vm-name is '$name', not '$g'"
		else
			up_name=$name
		fi
	done
	xt_note "migrate: OVS xen-vm-name after the migration: ours '$(ovs-vsctl get Interface "$(xt_vif xt-o-ours)" external_ids:xen-vm-name | tr -d '"')', upstream's '$up_name'"
	note_gaps "Open vSwitch guest (kernel datapath), stop-and-copy" xt-o-ours xt-o-up
}

t_fail_ovs() {
	fail_one xt-o-ours
	xt_guarded netdev "$(xt_vif xt-o-ours)"
	fail_one xt-o-up
	xt_note "migrate: failed migration, OVS guest: reachable again, longest gap: ours $(cat $GAPS/fail-xt-o-ours) ms, upstream's $(cat $GAPS/fail-xt-o-up) ms"
	destroy xt-o-ours xt-o-up
}

t_nothing_left() { mig_nothing_left; }

xt_test migrate-ovs/setup t_setup
xt_test migrate-ovs/kernel-datapath t_ovs
xt_test migrate-ovs/failed-guest-answers t_fail_ovs
xt_test migrate-ovs/nothing-left t_nothing_left
mig_cleanup
