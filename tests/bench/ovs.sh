#!/bin/bash
# ovs.sh: vif-openvswitch, upstream's (Debian's xen-utils-common, with
# ovs-vsctl) against ours (one OVSDB transaction), side by side in one run
# on one private Open vSwitch (tests/ovs.bash) in the simulated dom0.
# `make bench-ovs` runs it (never part of `make check`); needs root.
#
# Per run, in an order that rotates: an online and an offline of guest 1
# with upstream's script, of guest 2 with ours (and with ours not waiting
# for ovs-vswitchd to apply the change, to tell our time from its), both
# bridge=ovsbr0.10 with a plugged vif; ovs-vsctl alone doing upstream's add-port (guest 3's
# vif), and the floor (a do-nothing program linking our libraries), each
# timed by hp-bench-run (fork, exec, wait: no shell in the measurement).
# Figures: median and p10/p90 of each, and the median of the per-run
# ratios upstream/ours; callgrind's instruction count of one online and
# one offline of ours (and of the floor).
#
# Knobs: BENCH_RUNS (30), BENCH_OVS_RESULTS (tests/bench/OVS-RESULTS.md;
# empty: not written).  Output: a table on stdout, build/bench-ovs.tsv
# (every sample).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
HP_BUILD=$(realpath -m "${HP_BUILD:-$src/build}")
HP_SRCDIR=$src
export HP_BUILD HP_SRCDIR
BENCH_RUNS=${BENCH_RUNS:-30}
BENCH_OVS_RESULTS=${BENCH_OVS_RESULTS-$here/OVS-RESULTS.md}
RUNNER=$HP_BUILD/hp-bench-run
TSV=$HP_BUILD/bench-ovs.tsv

say() { echo "bench-ovs: $*" >&2; }
die() {
	say "$*"
	[ -s "${W_DIR:-/nonexistent}/runner.err" ] && tail -n 5 "$W_DIR/runner.err" | sed 's/^/bench-ovs:   /' >&2
	exit 1
}

# helpers.bash is written for bats: give it what it expects.
BATS_TEST_DIRNAME=$src/tests
skip() {
	say "cannot run: $*"
	exit 77
}
# shellcheck source=../helpers.bash
. "$src/tests/helpers.bash"
# shellcheck source=../upstream.bash
. "$src/tests/upstream.bash"
# shellcheck source=../ovs.bash
. "$src/tests/ovs.bash"

[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
for f in "$RUNNER" "$HP_BUILD/bench-floor" "$HP_BUILD/vif-openvswitch"; do
	[ -x "$f" ] || die "$f is missing: run make bench-ovs"
done

cleanup() {
	ovs_stop
	world_teardown
}
trap cleanup EXIT

world_setup
UP="$W_DIR/upstream"
upstream_prepare "$UP" "$W_DIR" || skip "$UPSTREAM_WHY"
ovs_start
ovs_br_add ovsbr0 || die "cannot create ovsbr0"
unset XEN_HOTPLUG_DEBUG
for d in 1 2 3; do
	ovs_guest "$d" 0 bridge=ovsbr0.10 || die "cannot create guest $d"
done
: >"$TSV"

# words D TOOL CMD: a runner command as libxl runs it (run_vif's environment)
words() {
	local d=$1 tool=$2 cmd=$3
	W=("script=$tool" XENBUS_TYPE=vif "XENBUS_PATH=backend/vif/$d/0" XENBUS_BASE_PATH=backend
		netdev= "vif=vif$d.0" "PATH=$PATH" "XENSTORED_PATH=$XENSTORED_PATH"
		"XEN_SCRIPT_DIR=$XEN_SCRIPT_DIR" "XEN_LOG_DIR=$XEN_LOG_DIR" "XEN_HOTPLUG_OVSDB=$XEN_HOTPLUG_OVSDB"
		"XEN_HOTPLUG_CONF=$XEN_HOTPLUG_CONF")
	# upstream's ovs-vsctl finds the private database through OVS_RUNDIR
	[ "$tool" = "$UP/vif-openvswitch" ] && W+=("OVS_RUNDIR=$OVS_DIR")
	W+=("$tool" "$cmd" type_if=vif)
}

# timed FIGURE RUN WORDS...: one sample (ns) into the TSV
timed() {
	local fig=$1 run=$2 out
	shift 2
	out=$(ip netns exec "$DOM0" env -i "$RUNNER" :: "$@" </dev/null 2>>"$W_DIR/runner.err") ||
		die "$fig failed in run $run"
	printf '%s\t%s\t%s\n' "$fig" "$run" "${out%% *}" >>"$TSV"
}

vsctl_add=("$(command -v ovs-vsctl)" "--db=unix:$OVS_DIR/db.sock" --timeout=30 -- --if-exists del-port vif3.0
	-- add-port ovsbr0 vif3.0 tag=10 -- set interface vif3.0 external-ids:xen-vm-name=guest3)
vsctl_del=("$(command -v ovs-vsctl)" "--db=unix:$OVS_DIR/db.sock" --timeout=30 -- --if-exists del-port vif3.0)

one() {
	local what=$1 run=$2
	case "$what" in
	upstream)
		words 1 "$UP/vif-openvswitch" online
		timed upstream-online "$run" "${W[@]}"
		words 1 "$UP/vif-openvswitch" offline
		timed upstream-offline "$run" "${W[@]}"
		;;
	ours)
		words 2 "$HP_BUILD/vif-openvswitch" online
		timed ours-online "$run" "${W[@]}"
		words 2 "$HP_BUILD/vif-openvswitch" offline
		timed ours-offline "$run" "${W[@]}"
		;;
	nowait)
		# ours without waiting for ovs-vswitchd: what is ours, what is its
		words 2 "$HP_BUILD/vif-openvswitch" online
		timed nowait-online "$run" XEN_HOTPLUG_OVS_WAIT_MS=0 "${W[@]}"
		words 2 "$HP_BUILD/vif-openvswitch" offline
		timed nowait-offline "$run" XEN_HOTPLUG_OVS_WAIT_MS=0 "${W[@]}"
		;;
	vsctl)
		timed vsctl-add-port "$run" "PATH=$PATH" "${vsctl_add[@]}"
		timed vsctl-del-port "$run" "PATH=$PATH" "${vsctl_del[@]}"
		;;
	floor)
		timed floor "$run" "$HP_BUILD/bench-floor"
		;;
	esac
}

load=$(cut -d' ' -f1-3 /proc/loadavg)
say "$BENCH_RUNS runs (upstream, ours, ours without the wait, ovs-vsctl alone, floor; rotating order)"
order=(upstream ours nowait vsctl floor)
for ((r = 0; r < BENCH_RUNS; r++)); do
	for ((i = 0; i < ${#order[@]}; i++)); do
		one "${order[$(((r + i) % ${#order[@]}))]}" "$r"
	done
done
[ "$(xs_read "$(be_path 2 0)/hotplug-status")" = connected ] || die "ours did not connect"
[ "$(xs_read "$(be_path 1 0)/hotplug-status")" = connected ] || die "upstream did not connect"

# stats FIGURE: "median p10 p90 n" in ms
stats() {
	awk -F'\t' -v f="$1" '$1 == f { print $3 / 1e6 }' "$TSV" | sort -g |
		awk '{ a[NR] = $1 } END {
			if (!NR) { print "- - - 0"; exit }
			printf "%.2f %.2f %.2f %d\n", q(0.5), q(0.1), q(0.9), NR
		}
		function q(p,   h, l) { h = (NR - 1) * p + 1; l = int(h);
			return l >= NR ? a[NR] : a[l] + (h - l) * (a[l + 1] - a[l]) }'
}
# ratio A B: median over runs of A/B (the same run: interleaved)
ratio() {
	awk -F'\t' -v a="$1" -v b="$2" '$1 == a { x[$2] = $3 } $1 == b { y[$2] = $3 }
		END { for (r in x) if (r in y && y[r] > 0) print x[r] / y[r] }' "$TSV" | sort -g |
		awk '{ v[NR] = $1 } END { if (!NR) print "-"; else printf "%.1f\n", v[int((NR + 1) / 2)] }'
}

# callgrind: instructions of one online and one offline of ours, and of the floor
cg() {
	local out=$W_DIR/cg.$1
	shift
	ip netns exec "$DOM0" env -i "$@" </dev/null >/dev/null 2>>"$W_DIR/runner.err" || return 1
	awk '/^summary:/ { print $2; exit }' "$out"
}
words 2 "$HP_BUILD/vif-openvswitch" online
W=("${W[@]:0:${#W[@]}-3}" valgrind --tool=callgrind -q "--callgrind-out-file=$W_DIR/cg.on"
	"$HP_BUILD/vif-openvswitch" online type_if=vif)
cg_on=$(cg on "${W[@]}") || die "callgrind online failed"
words 2 "$HP_BUILD/vif-openvswitch" offline
W=("${W[@]:0:${#W[@]}-3}" valgrind --tool=callgrind -q "--callgrind-out-file=$W_DIR/cg.off"
	"$HP_BUILD/vif-openvswitch" offline type_if=vif)
cg_off=$(cg off "${W[@]}") || die "callgrind offline failed"
cg_floor=$(cg floor valgrind --tool=callgrind -q "--callgrind-out-file=$W_DIR/cg.floor" \
	"$HP_BUILD/bench-floor") || die "callgrind floor failed"

# launches WHO D TOOL CMD: processes started (execve) by one run, the tool's own included
launches() {
	local d=$2 tool=$3 cmd=$4 out=$W_DIR/strace.$1.$4
	words "$d" "$tool" "$cmd"
	W=("${W[@]:0:${#W[@]}-3}" ASAN_OPTIONS=detect_leaks=0 "$(command -v strace)" -f -qq
		-e trace=execve -o "$out" "$tool" "$cmd" type_if=vif)
	ip netns exec "$DOM0" env -i "${W[@]}" </dev/null >/dev/null 2>>"$W_DIR/runner.err" || return 1
	grep -c 'execve(' "$out"
}
if command -v strace >/dev/null 2>&1; then
	l_up_on=$(launches up 1 "$UP/vif-openvswitch" online)
	l_up_off=$(launches up 1 "$UP/vif-openvswitch" offline)
	l_ng_on=$(launches ng 2 "$HP_BUILD/vif-openvswitch" online)
	l_ng_off=$(launches ng 2 "$HP_BUILD/vif-openvswitch" offline)
else
	l_up_on=- l_up_off=- l_ng_on=- l_ng_off=-
fi

row() {
	local s
	read -r -a s <<<"$(stats "$2")"
	printf '| %s | %s [%s-%s] | %s |\n' "$1" "${s[0]}" "${s[1]}" "${s[2]}" "${s[3]}"
}
table=$(
	echo "| figure (ms, $BENCH_RUNS interleaved runs) | median [p10-p90] | n |"
	echo "|---|---|---|"
	row "upstream vif-openvswitch online (bash + ovs-vsctl)" upstream-online
	row "**ours** online" ours-online
	row "ours online, not waiting for ovs-vswitchd (XEN_HOTPLUG_OVS_WAIT_MS=0)" nowait-online
	row "upstream offline" upstream-offline
	row "**ours** offline" ours-offline
	row "ours offline, not waiting" nowait-offline
	row "ovs-vsctl alone: upstream's del-port + add-port" vsctl-add-port
	row "ovs-vsctl alone: del-port" vsctl-del-port
	row "floor (a process linking our libraries)" floor
	echo
	echo "| ratio (median of per-run ratios) | |"
	echo "|---|---|"
	echo "| upstream online / ours online | $(ratio upstream-online ours-online) |"
	echo "| upstream offline / ours offline | $(ratio upstream-offline ours-offline) |"
	echo "| ovs-vsctl add-port alone / ours online | $(ratio vsctl-add-port ours-online) |"
	echo "| ours online / floor | $(ratio ours-online floor) |"
	echo
	echo "| processes started (execve, the tool's own included) | online | offline |"
	echo "|---|---|---|"
	echo "| upstream | $l_up_on | $l_up_off |"
	echo "| ours | $l_ng_on | $l_ng_off |"
	echo
	echo "| callgrind, instructions in user space | |"
	echo "|---|---|"
	echo "| ours, one online | $cg_on |"
	echo "| ours, one offline | $cg_off |"
	echo "| floor | $cg_floor |"
)
echo "$table"
if [ -n "$BENCH_OVS_RESULTS" ]; then
	{
		echo "# vif-openvswitch: upstream's against ours"
		echo
		echo "\`make bench-ovs\` (tests/bench/ovs.sh), $(date -u +%Y-%m-%d), kernel $(uname -r),"
		echo "$(nproc) vCPU, Open vSwitch $(ovs-vsctl --version | sed -n 's/.*) //p;q')"
		echo "(ovsdb-server and ovs-vswitchd --disable-system, userspace datapath), upstream's"
		echo "script from Debian's $(ls "$UPSTREAM_CACHE"/xen-utils-common_*.deb 2>/dev/null | sed 's|.*/||' | tail -n 1)."
		echo "Each guest is on bridge=ovsbr0.10 with its vif plugged; every online is"
		echo "followed by an offline.  The online includes the wait until ovs-vswitchd has"
		echo "applied the change (ovs-vsctl's default, and ours).  Load average at the"
		echo "start: $load (the machine is shared: compare the ratios, taken per run)."
		echo
		echo "$table"
	} >"$BENCH_OVS_RESULTS"
	say "wrote $BENCH_OVS_RESULTS"
fi
