# 70-migrate: `xl migrate` of guarded guests on one host, ours and
# upstream's side by side (dom0/xt-migrate.sh has the world and the
# checks): xt-m-ours and xt-m-up (PV, stop-and-copy) migrated 3 times
# each, in turns, then a migration of each that fails after the receiver
# attached its copy; xt-h-ours and xt-h-up (PVH) once each, live.  The
# longest ping gaps, medians, in NOTE lines.  Port lock: 72-migrate-lock;
# Open vSwitch: 75-migrate-ovs, in the other VM.
XT_TEST_TIMEOUT=420 # a PVH guest's live migration under TCG: 20 to 50 s; again after a triple fault
. /xt/xt-migrate.sh

t_setup() { mig_setup; }

t_pv_create() { create xt-m-ours xt-m-up; }
t_pv_round() { # N: both guests, in turns
	if [ $(($1 % 2)) = 1 ]; then
		migrate_one xt-m-ours
		migrate_one xt-m-up
	else
		migrate_one xt-m-up
		migrate_one xt-m-ours
	fi
	[ "$1" != 3 ] || note_gaps "PV guarded guest, stop-and-copy" xt-m-ours xt-m-up
}

t_pvh() {
	create xt-h-ours xt-h-up
	migrate_one xt-h-ours
	migrate_one xt-h-up
	note_gaps "PVH guarded guest, live" xt-h-ours xt-h-up
	destroy xt-h-ours xt-h-up
}

t_fail_pv() {
	fail_one xt-m-ours
	xt_guarded netdev "$(xt_vif xt-m-ours)"
	fail_one xt-m-up
	xt_note "migrate: failed migration, guarded PV guest: reachable again, longest gap: ours $(cat $GAPS/fail-xt-m-ours) ms, upstream's $(cat $GAPS/fail-xt-m-up) ms"
	destroy xt-m-ours xt-m-up
}

t_nothing_left() { mig_nothing_left; }

xt_test migrate/setup t_setup
xt_test migrate/pv-guests t_pv_create
xt_test migrate/pv-guarded-round-1 t_pv_round 1
xt_test migrate/pv-guarded-round-2 t_pv_round 2
xt_test migrate/pv-guarded-round-3 t_pv_round 3
xt_test migrate/pv-failed-guest-answers t_fail_pv
xt_test migrate/pvh-live t_pvh
xt_test migrate/nothing-left t_nothing_left
mig_cleanup
