# 72-migrate-lock: `xl migrate` on one host (dom0/xt-migrate.sh) of a
# port_lock=yes guest (ours; upstream's has no port lock): its sticky entry
# follows it to the new port, and comes back to its first port when a
# migration fails after the receiver attached its copy (before the fix
# the guest was cut off there: tests/port-policy.bats shows the port
# without its entry dropping the same guest's frames).
XT_TEST_TIMEOUT=300 # a guest's boot and migrations under TCG
. /xt/xt-migrate.sh

t_setup() { mig_setup; }

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

t_nothing_left() { mig_nothing_left; }

xt_test migrate-lock/setup t_setup
xt_test migrate-lock/entry-follows t_lock
xt_test migrate-lock/failed-guest-answers t_fail_lock
xt_test migrate-lock/nothing-left t_nothing_left
mig_cleanup
