#!/bin/bash
# admin.sh: what xen-hotplug's status, verify and repair cost as the number
# of vifs grows, in the simulated dom0 of tests/helpers.bash (Debian's
# xenstored; the vifs veths attached by our vif-bridge, guarded).
# `make bench-admin` runs it (never part of `make check`); needs root.
#
# For each count in ADMIN_COUNTS (default "100 300 1000"), vifs are added
# up to it, then each command runs ADMIN_RUNS times (3) and its CPU time
# (perf stat's task-clock of the command and every process it started:
# load-independent where wall time is not, on a shared machine) and wall
# time are printed, median of the runs, with the per-vif CPU time.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
HP_BUILD=$(realpath -m "${HP_BUILD:-$src/build}")
HP_SRCDIR=$src
export HP_BUILD HP_SRCDIR
ADMIN_COUNTS=${ADMIN_COUNTS:-100 300 1000}
ADMIN_RUNS=${ADMIN_RUNS:-3}
RUNNER=$HP_BUILD/hp-bench-run

say() { echo "bench-admin: $*" >&2; }
die() {
	say "$*"
	exit 1
}

BATS_TEST_DIRNAME=$src/tests
skip() {
	say "cannot run: $*"
	exit 77
}
# shellcheck source=../helpers.bash
. "$src/tests/helpers.bash"

[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
command -v perf >/dev/null || skip "needs perf (linux-perf)"
for f in "$RUNNER" "$HP_BUILD/xen-hotplug" "$HP_BUILD/vif-bridge"; do
	[ -x "$f" ] || die "$f is missing: run make bench-admin"
done

world_setup || die "world_setup failed"
trap world_teardown EXIT
unset XEN_HOTPLUG_DEBUG
export XEN_HOTPLUG_TOOL_DIR=$HP_BUILD
ln -s "$HP_BUILD/vif-bridge" "$XEN_SCRIPT_DIR/vif-bridge"

# add_vifs FIRST COUNT: xenstore as libxl writes it and netback's veths,
# then online through our vif-bridge, 50 at once.
add_vifs() {
	local first=$1 count=$2 d i be fe mac batch=$W_DIR/links.batch
	local gx="${W}-gx" last=$(($1 + $2))
	local -a w=() on=()
	[ -e "/var/run/netns/$gx" ] || ip netns add "$gx" || return 1
	: >"$batch"
	for ((d = first; d < last; d++)); do
		be=$(be_path "$d" 0)
		fe=$(fe_path "$d" 0)
		mac=$(printf '00:16:3e:%02x:%02x:01' $((d >> 8 & 255)) $((d & 255)))
		w+=("/local/domain/$d/name" "guest$d" "/local/domain/$d/domid" "$d"
			"$be/frontend" "$fe" "$be/frontend-id" "$d" "$be/online" 1 "$be/state" 4
			"$be/script" "$XEN_SCRIPT_DIR/vif-bridge" "$be/mac" "$mac" "$be/handle" 0
			"$be/type" vif "$be/bridge" xenbr0 "$be/ip" "10.$((d >> 8 & 255)).$((d & 255)).1"
			"$be/hotplug-status" "" "$fe/mtu" 1500)
		if [ ${#w[@]} -gt 2000 ]; then
			xenstore-write "${w[@]}" || return 1
			w=()
		fi
		echo "link add vif$d.0 type veth peer name e$d netns $gx" >>"$batch"
	done
	[ ${#w[@]} -eq 0 ] || xenstore-write "${w[@]}" || return 1
	ip -n "$DOM0" -batch "$batch" || return 1
	for ((i = first; i < last; i += 50)); do
		on=()
		for ((d = i; d < i + 50 && d < last; d++)); do
			on+=(:: "script=$XEN_SCRIPT_DIR/vif-bridge" XENBUS_TYPE=vif
				"XENBUS_PATH=backend/vif/$d/0" XENBUS_BASE_PATH=backend netdev= "vif=vif$d.0"
				"$HP_BUILD/vif-bridge" online type_if=vif)
		done
		in_dom0 "$RUNNER" -p "${on[@]}" >/dev/null 2>>"$W_DIR/runner.err" ||
			{ tail -n 5 "$W_DIR/runner.err" >&2; return 1; }
	done
}

# measure ARGS...: "<cpu ms> <wall ms>" of one xen-hotplug run (exit 0 or 1).
measure() {
	local out cpu t0 t1 rc
	t0=$(date +%s%N)
	out=$(in_dom0 perf stat -x, -e task-clock "$HP_BUILD/xen-hotplug" "$@" 2>&1 >"$W_DIR/out")
	rc=$?
	t1=$(date +%s%N)
	[ "$rc" -le 1 ] || { echo "$out" >&2; return 1; }
	cpu=$(awk -F, '$3 == "task-clock" { printf "%.0f", $1 }' <<<"$out")
	echo "$cpu $(((t1 - t0) / 1000000))"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

have=0
printf '%-28s %6s %10s %10s %12s\n' "command" "vifs" "cpu ms" "wall ms" "cpu ms/vif"
for n in $ADMIN_COUNTS; do
	[ "$n" -gt "$have" ] || continue
	add_vifs $((1000 + have)) $((n - have)) || die "unable to attach vifs up to $n"
	have=$n
	for cmd in "status --no-verify" "status -j --no-verify" "status" "status --prometheus" \
		"verify" "repair"; do
		: >"$W_DIR/cpu"
		: >"$W_DIR/wall"
		for ((r = 0; r < ADMIN_RUNS; r++)); do
			# shellcheck disable=SC2086
			read -r c w < <(measure $cmd) || die "xen-hotplug $cmd failed"
			echo "$c" >>"$W_DIR/cpu"
			echo "$w" >>"$W_DIR/wall"
		done
		c=$(median <"$W_DIR/cpu")
		w=$(median <"$W_DIR/wall")
		printf '%-28s %6d %10d %10d %12.2f\n' "$cmd" "$n" "$c" "$w" "$(echo "$c / $n" | bc -l)"
	done
	grep -c '^vif' "$W_DIR/out" >/dev/null || true
done
say "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
