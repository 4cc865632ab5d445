# 50-timing: upstream's vif-bridge (Debian's, installed beside ours as
# /etc/xen/scripts/vif-bridge.upstream) against ours, in the same VM, in
# the same run, interleaved: XT_TIMING_ROUNDS (5) rounds of online then
# offline on the vif of a running guest, each script run as libxl runs
# it (its argv, its environment, the backend's xenstore keys libxl wrote).
# libxl attached the vif with a script that only says `connected`, so
# that both variants start from the same netback vif outside any bridge.
# Each run is timed from its fork to its exit (bash's EPOCHREALTIME).
# The medians go to the host's summary (NOTE lines); only the ratio means
# anything (the VM is emulated).  Neither is asserted: the machine is
# shared.
G=xt-bench
ROUNDS=${XT_TIMING_ROUNDS:-5}
TSV=$XT_DIR/timing.tsv

t_setup() {
	ip link add xenbr0 type bridge
	ip addr add 192.0.2.1/24 dev xenbr0
	ip link set xenbr0 up
	cat >$XT_SCRIPTS/xt-noop <<-'EOF'
		#!/bin/sh
		[ "$1" != online ] || exec xenstore-write "$XENBUS_PATH/hotplug-status" connected
	EOF
	chmod 0755 $XT_SCRIPTS/xt-noop
	: >"$TSV"
	xt_guest_start $G "" "script=xt-noop,bridge=xenbr0,mac=00:16:3e:00:04:01,ip=192.0.2.50"
	[ -z "$(xt_master "$(xt_vif $G)")" ]
}

# VARIANT COMMAND: runs the script as libxl would, one line in the TSV
run() {
	local script=$XT_SCRIPTS/vif-bridge t0 t1 rc=0 d
	[ "$1" = ours ] || script=$XT_SCRIPTS/vif-bridge.upstream
	d=$(xt_domid $G)
	t0=$EPOCHREALTIME
	env -i PATH="$PATH" script="$script" XENBUS_TYPE=vif XENBUS_PATH="backend/vif/$d/0" \
		XENBUS_BASE_PATH=backend vif="vif$d.0" "$script" "$2" type_if=vif || rc=$?
	t1=$EPOCHREALTIME
	echo "$1 $2 $t0 $t1 $rc" >>"$TSV"
	[ $rc -eq 0 ] || xt_fail "$1 $2 exited $rc"
}

cycle() {
	local be vif
	be=$(xt_be $G) vif=$(xt_vif $G)
	xenstore-rm "$be/hotplug-status"
	run "$1" online
	[ "$(xenstore-read "$be/hotplug-status")" = connected ]
	xt_port_up "$vif" xenbr0
	run "$1" offline
	[ -z "$(xt_master "$vif")" ] || xt_fail "$1 offline left $vif in a bridge"
}

median() { # VARIANT COMMAND: seconds
	awk -v v="$1" -v c="$2" '$1 == v && $2 == c { print $4 - $3 }' "$TSV" | sort -n |
		awk '{ a[NR] = $1 } END { m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.3f", m }'
}

t_rounds() {
	local r v
	for r in $(seq 1 "$ROUNDS"); do
		if [ $((r % 2)) -eq 1 ]; then order="ours upstream"; else order="upstream ours"; fi
		for v in $order; do
			cycle "$v"
		done
	done
	cat "$TSV"
	for c in online offline; do
		o=$(median ours $c) u=$(median upstream $c)
		xt_note "timing: vif-bridge $c, median of $ROUNDS: upstream $u s, ours $o s, upstream/ours $(awk -v u="$u" -v o="$o" 'BEGIN { printf "%.1f", u / o }')"
	done
}

xt_test timing/setup t_setup
xt_test timing/rounds t_rounds
xl destroy $G 2>/dev/null
ip link del xenbr0 2>/dev/null
