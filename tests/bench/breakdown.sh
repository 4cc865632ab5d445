#!/bin/bash
# breakdown.sh SRCDIR [ROUNDS]: where the wall time of a guarded
# vif-bridge online and offline goes, per step and per request, kernel
# included; beside the two floors (bench-floor: a process linking our
# libraries; bench-kfloor: that plus the kernel work no vif tool can avoid).
#
# In the test world of SRCDIR's tests/helpers.bash with SRCDIR's build/
# (two trees, before and after a change, measured the same way): guest 1
# (ip=10.0.0.1, guarded) cycled ROUNDS times (default 20), guest 2 guarded
# and online throughout (so that no run is the host's first guard), the
# variants interleaved.  Each run is traced by its own ftrace instance
# (/sys/kernel/tracing/instances/hpbd<pid>, events of the traced process
# tree only: set_event_pid with event-fork): syscalls, context switches
# and contended locks with their kernel stacks, and uprobes at the entry
# and return of the tool's library functions that make requests (perf
# probe, group hpbd<pid>, removed at exit).  tests/bench/breakdown.py
# turns each run into time per (innermost function, state): on a CPU in
# user space or in the kernel, spinning on a lock, or off-CPU and why (an
# RCU grace period and who waited for it, which mutex, xenstored, a CPU
# taken by others) and prints the medians and means over the runs.
#
# Output: the tables on stdout, $OUT (default build/breakdown) holding
# every run's buffers, breakdown.json and breakdown.md.  Tracing costs
# each event about a microsecond: compare the untraced figures of make
# bench for wall time; the waits (grace periods, mutexes) are the
# kernel's own durations.  Needs root, perf (uprobes) and tracefs; not
# part of make check.
set -u
SRC=$(realpath "$1")
ROUNDS=${2:-20}
OUT=$(realpath -m "${OUT:-$SRC/build/breakdown}")
VARIANTS=${VARIANTS:-ours floor kfloor}
export HP_BUILD=$SRC/build HP_SRCDIR=$SRC
here=$(cd "$(dirname "$0")" && pwd)
skip() {
	echo "breakdown: cannot run: $*" >&2
	exit 77
}
die() {
	echo "breakdown: $*" >&2
	exit 1
}
# shellcheck source=../helpers.bash
source "$SRC/tests/helpers.bash"
[ "$(id -u)" = 0 ] || skip "needs root"
command -v perf >/dev/null || skip "needs perf (linux-perf) for its uprobes"
T=/sys/kernel/tracing
[ -e "$T/instances" ] || mount -t tracefs nodev "$T" 2>/dev/null || skip "no tracefs at $T"
B=$HP_BUILD/vif-bridge
for f in "$B" "$HP_BUILD/bench-floor" "$HP_BUILD/bench-kfloor" "$HP_BUILD/hp-bench-run"; do
	[ -x "$f" ] || die "$f is missing: run make bench-breakdown"
done

G=hpbd$$
I=$T/instances/$G
cleanup() {
	[ -d "$I" ] && {
		echo 0 >"$I/tracing_on"
		rmdir "$I"
	}
	perf probe -q -d "$G:*" 2>/dev/null
	world_teardown >/dev/null 2>&1
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The functions whose time is named: the tool's requests (rtnetlink,
# nf_tables, xenstore, sysctl) and the steps around them.  Each is called
# from another file than its own, so it is never inlined there.
PROBES="main hp_xs_open hp_nl_open vif_read_keys vif_read_keys_offline hp_xs_read_key
hp_link_wait_any hp_link_get hp_link_get_index hp_brport_policy hp_link_set_up hp_link_set_mac
hp_addr_flush hp_link_set_addrgen_none hp_devconf_set_rp_filter hp_devconf_set_ipv6_off
hp_link_set_mtu hp_xs_write_key hp_fw_init hp_fw_guard_add hp_fw_guard_del fw_nl_open
fw_table_ready fw_nl_set_elems fw_netdev_chain_get fw_nl_batch_commit fw_nl_close
hp_link_set_master hp_brport_set vif_run_hooks hp_xs_report_connected hp_nl_close hp_xs_close
hp_log_close hp_vif_setlink hp_vif_prepare"

probe_add() { # probe_add BINARY TAG FN...: events e_FN[__TAG], r_FN[__TAG]
	local bin=$1 tag=${2:+__$2} f
	shift 2
	for f in "$@"; do
		# a function this build does not have is left out
		nm "$bin" | grep -qw "T $f" || continue
		perf probe -q -x "$bin" --no-inlines -a "$G:e_$f$tag=$f" 2>/dev/null || continue
		perf probe -q -x "$bin" --no-inlines -a "$G:r_$f$tag=$f%return" 2>/dev/null
	done
}
# shellcheck disable=SC2086
probe_add "$B" "" $PROBES
probe_add "$HP_BUILD/bench-floor" f main
probe_add "$HP_BUILD/bench-kfloor" k main
[ -d "$T/events/$G" ] || die "no uprobe could be placed (perf probe -x $B)"

mkdir -p "$I" || die "cannot make the ftrace instance $I"
echo 16384 >"$I/buffer_size_kb"
echo mono >"$I/trace_clock"
echo 1 >"$I/options/event-fork"
for e in raw_syscalls/sys_enter raw_syscalls/sys_exit sched/sched_switch sched/sched_process_exec \
	sched/sched_process_fork sched/sched_process_exit lock/contention_begin lock/contention_end "$G"; do
	echo 1 >"$I/events/$e/enable" || die "cannot enable $e"
done
echo stacktrace >"$I/events/sched/sched_switch/trigger"
echo stacktrace >"$I/events/lock/contention_begin/trigger"
echo 0 >"$I/tracing_on"

world_setup || die "world_setup failed"
unset XEN_HOTPLUG_DEBUG
guest_create 1 0 ip4=10.0.0.1/24 ip=10.0.0.1 >/dev/null 2>&1 || die "guest_create failed"
guest_create 2 0 ip4=10.0.0.2/24 ip=10.0.0.2 >/dev/null 2>&1 || die "guest_create failed"
run_vif vif-bridge 2 0 online type_if=vif >/dev/null 2>&1 || die "online of guest 2 failed"

E=("PATH=$PATH" "XENSTORED_PATH=$XENSTORED_PATH" "XEN_SCRIPT_DIR=$XEN_SCRIPT_DIR"
	"XEN_LOG_DIR=$XEN_LOG_DIR" "XEN_HOTPLUG_CONF=$XEN_HOTPLUG_CONF" XEN_HOTPLUG_ANTISPOOF=nft
	"script=$B" XENBUS_TYPE=vif XENBUS_PATH=backend/vif/1/0 XENBUS_BASE_PATH=backend netdev=
	vif=vif1.0)
# the kernel floor's online and offline: the same vif, bridge, MAC, address
KF=(vif1.0 xenbr0 00:16:3e:01:00:01 10.0.0.1)

# traced DIR PROGRAM ARGS...: one run in dom0, its buffers into DIR.
traced() {
	local dir=$1 c
	shift
	echo >"$I/trace"
	echo 1 >"$I/tracing_on"
	# this shell's pid first: the runner's and the program's follow.
	# hp-bench-run forks the program in dom0, as libxl does: the program
	# is not the last of the mount namespace `ip netns exec` makes (whose
	# teardown waits for a grace period)
	bash -c 'echo $$ >"$1/set_event_pid"; shift; exec "$@"' _ "$I" \
		ip netns exec "$DOM0" env -i "${E[@]}" "$HP_BUILD/hp-bench-run" :: "$@" \
		</dev/null >/dev/null 2>>"$W_DIR/runs.err"
	local rc=$?
	# the offline's child keeps its socket 100 ms after the tool's exit
	sleep 0.15
	echo 0 >"$I/tracing_on"
	echo >"$I/set_event_pid"
	mkdir -p "$dir"
	for c in "$I"/per_cpu/cpu*; do
		cat "$c/trace" >"$dir/${c##*/}"
	done
	return $rc
}

run() { # run VARIANT CMD R
	case "$1" in
	ours) traced "$OUT/ours.$2.$3" "$B" "$2" type_if=vif ;;
	floor) traced "$OUT/floor.$2.$3" "$HP_BUILD/bench-floor" ;;
	kfloor) traced "$OUT/kfloor.$2.$3" "$HP_BUILD/bench-kfloor" "$2" "${KF[@]}" ;;
	esac
}

rm -rf "$OUT"
mkdir -p "$OUT"
# a warm-up of each (page cache, the tables)
for v in $VARIANTS; do
	for cmd in online offline; do run "$v" "$cmd" 0 || die "$v $cmd failed: $(tail -n 3 "$W_DIR/runs.err")"; done
done
rm -rf "$OUT"/*.0
for ((r = 1; r <= ROUNDS; r++)); do
	# interleaved, the order rotating
	# shellcheck disable=SC2086
	set -- $VARIANTS
	for ((k = 0; k < $#; k++)); do
		i=$(((r + k) % $# + 1))
		v=${!i}
		for cmd in online offline; do
			run "$v" "$cmd" "$r" || die "$v $cmd failed: $(tail -n 3 "$W_DIR/runs.err")"
		done
	done
done
args=()
for v in $VARIANTS; do
	case "$v" in
	ours) prog=vif-bridge ;;
	floor) prog=bench-floor ;;
	kfloor) prog=bench-kfloor ;;
	esac
	for cmd in online offline; do
		for ((r = 1; r <= ROUNDS; r++)); do args+=("$prog:$cmd=$OUT/$v.$cmd.$r"); done
	done
done
{
	echo "# breakdown ($(date -u +%FT%TZ), kernel $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $ROUNDS rounds)"
	echo
	python3 "$here/breakdown.py" --json "$OUT/breakdown.json" "${args[@]}"
} | tee "$OUT/breakdown.md"
