#!/bin/bash
# bench.sh: upstream's shell scripts against ours, side by side in one run,
# in the simulated dom0 of tests/helpers.bash with the same xenstored
# (Debian's own, as in every test world).
# `make bench` runs it (never part of `make check`); needs root.
#
# Variants (BENCH_VARIANTS, a table: variant_path/variant_env below):
#   upstream-rules   Debian's xen-utils-common scripts, iptables rules re-enabled
#   upstream-debian  the same as Debian ships them (handle_iptable disabled)
#   ours             build/<tool>, anti-spoofing guard on (nft)
#   floor            build/bench-floor: links our libraries, does nothing
#   kfloor           build/bench-kfloor: the same, and the kernel work no
#                    vif tool can avoid (tests/bench/kfloor.c): enslave and
#                    up, the guard's objects in one transaction; down and
#                    release, their removal in one transaction
#   before           $BENCH_BEFORE/<tool>: the build directory of another
#                    tree (a change's before and after in one interleaved
#                    run, the same world), guard on; not a default variant
# Tools (BENCH_TOOLS, a table: tool_guest_opts/tool_cmds below): vif-bridge.
#
# Figures, each as median and p10/p90 over runs, ratios from interleaved
# runs (per run: that variant's time / ours, then the median):
#   cycle     one online+offline of a vif with an `ip` key (wall time,
#             and cycle_cpu: its user and system CPU time)
#   conc N    N guests online at once (wall time; all must be `connected`),
#             then offline at once
#   scale     one cycle of guest #1 on an empty host and of guest #1000 with
#             999 guarded vifs attached (two worlds, interleaved)
#   maxrss    peak RSS of any process of one cycle (KiB)
#   launches  processes started per online and per offline (strace -f)
# plus a profile of ours against the floor (strace -c, perf stat,
# callgrind) in build/bench-profile.txt.
#
# Knobs (an empty BENCH_CONC or BENCH_SCALE_VARIANTS skips that figure):
# BENCH_RUNS (cycle runs, 30), BENCH_CONC ("50 200"),
# BENCH_CONC_RUNS (3), BENCH_SCALE_N (1000), BENCH_SCALE_RUNS (15),
# BENCH_SCALE_VARIANTS ("ours upstream-rules"), BENCH_PROFILE (1),
# BENCH_VARIANTS, BENCH_TOOLS, BENCH_RESULTS (tests/bench/RESULTS.md,
# between its markers when it has them; empty: not written).  Output: a
# table on stdout, build/bench.json (the summary) and build/bench.tsv
# (every sample).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
HP_BUILD=$(realpath -m "${HP_BUILD:-$src/build}")
HP_SRCDIR=$src
export HP_BUILD HP_SRCDIR

BENCH_RUNS=${BENCH_RUNS:-30}
BENCH_CONC=${BENCH_CONC-50 200}
BENCH_CONC_RUNS=${BENCH_CONC_RUNS:-3}
BENCH_SCALE_N=${BENCH_SCALE_N:-1000}
BENCH_SCALE_RUNS=${BENCH_SCALE_RUNS:-15}
BENCH_SCALE_VARIANTS=${BENCH_SCALE_VARIANTS-ours upstream-rules}
BENCH_PROFILE=${BENCH_PROFILE:-1}
BENCH_VARIANTS=${BENCH_VARIANTS:-upstream-rules upstream-debian ours floor kfloor}
BENCH_TOOLS=${BENCH_TOOLS:-vif-bridge}
BENCH_RESULTS=${BENCH_RESULTS-$here/RESULTS.md}
RUNNER=$HP_BUILD/hp-bench-run
TSV=$HP_BUILD/bench.tsv
JSON=$HP_BUILD/bench.json
PROFILE=$HP_BUILD/bench-profile.txt

say() { echo "bench: $*" >&2; }
die() {
	say "$*"
	[ -s "${W_DIR:-/nonexistent}/runner.err" ] && tail -n 5 "$W_DIR/runner.err" | sed 's/^/bench:   /' >&2
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

[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
for f in "$RUNNER" "$HP_BUILD/bench-floor" "$HP_BUILD/bench-kfloor"; do
	[ -x "$f" ] || die "$f is missing: run make bench"
done
for t in $BENCH_TOOLS; do
	[ -x "$HP_BUILD/$t" ] || die "$HP_BUILD/$t is missing: run make"
done

# ---------------------------------------------------------------- tables

# variant_path VARIANT TOOL: the program a variant runs for TOOL.
variant_path() {
	case "$1" in
	upstream-rules) echo "$UP_RULES/$2" ;;
	upstream-debian) echo "$UP_DEBIAN/$2" ;;
	ours) echo "$HP_BUILD/$2" ;;
	floor) echo "$HP_BUILD/bench-floor" ;;
	kfloor) echo "$HP_BUILD/bench-kfloor" ;;
	before) echo "${BENCH_BEFORE:?BENCH_BEFORE: the build directory of the tree to compare}/$2" ;;
	*) die "unknown variant $1" ;;
	esac
}
# variant_env VARIANT: extra environment words.
variant_env() {
	case "$1" in
	ours | before) echo "XEN_HOTPLUG_ANTISPOOF=nft" ;;
	esac
}
# tool_guest_opts TOOL DOMID: guest_create options (an `ip`, so that the
# guard has something to filter).
tool_guest_opts() {
	case "$1" in
	vif-bridge) echo "ip=10.$(($2 / 256 % 256)).$(($2 % 256)).1/32" ;;
	*) die "no guest options for tool $1" ;;
	esac
}
# tool_cmds TOOL: the attach and the detach command lines.
tool_cmds() {
	case "$1" in
	vif-bridge) echo "online type_if=vif|offline type_if=vif" ;;
	*) die "no commands for tool $1" ;;
	esac
}

# ---------------------------------------------------------------- worlds

# Several worlds at once (the scale figure compares two): save and switch.
WORLDS=()
world_save() {
	local name=$1
	eval "WORLD_$name=\"\$W|\$DOM0|\$W_DIR|\$XENSTORED_PATH\""
	WORLDS+=("$name")
}
world_use() {
	local v="WORLD_$1"
	IFS='|' read -r W DOM0 W_DIR XENSTORED_PATH <<<"${!v}"
	XEN_SCRIPT_DIR=$W_DIR/scripts
	XEN_LOG_DIR=$W_DIR/log
	export W DOM0 W_DIR XENSTORED_PATH XEN_SCRIPT_DIR XEN_LOG_DIR
}
world_new() {
	world_setup || die "world_setup failed"
	# production settings: no debug lines
	unset XEN_HOTPLUG_DEBUG
	export XEN_HOTPLUG_WAIT_MS=3000
	world_save "$1"
}
cleanup() {
	local w
	for w in ${WORLDS[@]+"${WORLDS[@]}"}; do
		world_use "$w"
		world_teardown
	done
	WORLDS=()
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The upstream scripts for this world (two copies: as Debian ships them,
# and with upstream's iptables rules on).
upstream_world() {
	UP_DEBIAN=$W_DIR/up-debian
	UP_RULES=$W_DIR/up-rules
	upstream_prepare "$UP_DEBIAN" "$W_DIR" || skip "$UPSTREAM_WHY"
	upstream_prepare "$UP_RULES" "$W_DIR" || skip "$UPSTREAM_WHY"
	upstream_rules_on "$UP_RULES" || skip "$UPSTREAM_WHY"
}

# Guests in bulk, as guest_create writes them, without a namespace each
# (the peers live in one namespace ${W}-gx): bulk_guests FIRST COUNT TOOL
bulk_guests() {
	local first=$1 count=$2 tool=$3 d i ip
	local gx="${W}-gx"
	[ -e "/var/run/netns/$gx" ] || ip netns add "$gx" || return 1
	local -a w=()
	local batch=$W_DIR/links.batch
	: >"$batch"
	for ((i = 0; i < count; i++)); do
		d=$((first + i))
		ip=$(tool_guest_opts "$tool" "$d")
		ip=${ip#ip=}
		local be fe mac
		be=$(be_path "$d" 0)
		fe=$(fe_path "$d" 0)
		mac=$(printf '00:16:3e:%02x:%02x:01' $((d >> 8 & 255)) $((d & 255)))
		w+=("/local/domain/$d/name" "guest$d" "/local/domain/$d/domid" "$d"
			"$be/frontend" "$fe" "$be/frontend-id" "$d" "$be/online" 1 "$be/state" 1
			"$be/script" "$XEN_SCRIPT_DIR/$tool" "$be/mac" "$mac" "$be/handle" 0
			"$be/type" vif "$be/bridge" xenbr0 "$be/ip" "$ip" "$be/hotplug-status" ""
			"$fe/backend" "$be" "$fe/backend-id" 0 "$fe/state" 1 "$fe/handle" 0
			"$fe/mac" "$mac" "$fe/trusted" 1)
		if [ ${#w[@]} -gt 2000 ]; then
			xenstore-write "${w[@]}" || return 1
			w=()
		fi
		echo "link add vif$d.0 type veth peer name e$d netns $gx" >>"$batch"
	done
	[ ${#w[@]} -eq 0 ] || xenstore-write "${w[@]}" || return 1
	ip -n "$DOM0" -batch "$batch" || return 1
}

# cmd_words VARIANT TOOL DOMID WHICH(0 attach, 1 detach): one runner
# command, as libxl runs it (run_vif's environment): CW, and its parts CE
# (the environment words) and CP (the program and its arguments).
cmd_words() {
	local v=$1 tool=$2 d=$3 which=$4 path cmds
	path=$(variant_path "$v" "$tool")
	cmds=$(tool_cmds "$tool")
	if [ "$which" = 0 ]; then cmds=${cmds%%|*}; else cmds=${cmds#*|}; fi
	# shellcheck disable=SC2206
	CE=("script=$path" XENBUS_TYPE=vif "XENBUS_PATH=backend/vif/$d/0" XENBUS_BASE_PATH=backend
		netdev= "vif=vif$d.0" $(variant_env "$v"))
	# shellcheck disable=SC2206
	CP=("$path" $cmds)
	# the kernel floor: the same vif, bridge, MAC (guest_create's) and address
	if [ "$v" = kfloor ]; then
		local ip
		ip=$(tool_guest_opts "$tool" "$d")
		CP=("$path" "$([ "$which" = 0 ] && echo online || echo offline)" "vif$d.0" xenbr0
			"$(printf '00:16:3e:%02x:00:01' $((d & 255)))" "${ip#ip=}")
	fi
	CW=("${CE[@]}" "${CP[@]}")
}

# clean_env CMD...: CMD in dom0 with a service's small environment (as
# xl devd under systemd passes on) plus the world's variables; the runner
# adds libxl's (CE).
clean_env() {
	local -a e=("PATH=$PATH" "XENSTORED_PATH=$XENSTORED_PATH" "XEN_SCRIPT_DIR=$XEN_SCRIPT_DIR"
		"XEN_LOG_DIR=$XEN_LOG_DIR")
	local x
	for x in $(compgen -e); do
		case "$x" in XEN_HOTPLUG_*) e+=("$x=${!x}") ;; esac
	done
	ip netns exec "$DOM0" env -i "${e[@]}" "$@" </dev/null 2>>"$W_DIR/runner.err"
}
# runner [-p] :: words...: hp-bench-run in dom0 with a clean environment.
runner() { clean_env "$RUNNER" "$@"; }

# cycle VARIANT TOOL DOMID: prints "<ns> <maxrss> <cpu ns>"; status 1 on failure.
cycle() {
	local -a a
	cmd_words "$1" "$2" "$3" 0
	a=(:: "${CW[@]}")
	cmd_words "$1" "$2" "$3" 1
	a+=(:: "${CW[@]}")
	local out
	out=$(runner "${a[@]}") || {
		say "$1 $2 cycle of guest $3 failed: $(tail -n 3 "$W_DIR/runner.err")"
		return 1
	}
	local wall rss fails cpu
	read -r wall rss fails cpu <<<"$out"
	echo "$wall $rss $cpu"
}

sample() { printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$TSV"; }

# rotate N words...: the words, starting at index N mod count (interleaving
# without a fixed order).
rotate() {
	local n=$1
	shift
	local -a a=("$@")
	local i c=${#a[@]}
	for ((i = 0; i < c; i++)); do echo "${a[$(((n + i) % c))]}"; done
}

# ---------------------------------------------------------------- stats

# stats FIGURE VARIANT: "median p10 p90 n" of the samples (one number each).
stats() {
	awk -F'\t' -v f="$1" -v v="$2" '$1 == f && $2 == v { print $4 }' "$TSV" | sort -g |
		awk '{ a[NR] = $1 } END {
			if (!NR) { print "- - - 0"; exit }
			printf "%s %s %s %d\n", q(0.5), q(0.1), q(0.9), NR
		}
		function q(p,   h, l) { h = (NR - 1) * p + 1; l = int(h);
			return l >= NR ? a[NR] : a[l] + (h - l) * (a[l + 1] - a[l]) }'
}
# ratios FIGURE VARIANT BASE: per-run ratio VARIANT/BASE, as samples.
ratios() {
	awk -F'\t' -v f="$1" -v v="$2" -v b="$3" '
		$1 == f && $2 == v { x[$3] = $4 } $1 == f && $2 == b { y[$3] = $4 }
		END { for (r in x) if ((r in y) && y[r] > 0) printf "%s\t%s\t%s\t%.6g\n", f "/ratio", v "/" b, r, x[r] / y[r] }' \
		"$TSV" >>"$TSV"
}

# ---------------------------------------------------------------- figures

bench_cycle() {
	local tool=$1 v r i d
	local -A dom=()
	i=0
	for v in $BENCH_VARIANTS; do
		d=$((10 + i))
		dom[$v]=$d
		# shellcheck disable=SC2046
		guest_create "$d" 0 $(tool_guest_opts "$tool" "$d") script="$XEN_SCRIPT_DIR/$tool" ||
			die "guest_create failed"
		i=$((i + 1))
	done
	say "$tool: cycle, $BENCH_RUNS interleaved runs"
	# one warm-up run each (page cache, nft tables created)
	for v in $BENCH_VARIANTS; do cycle "$v" "$tool" "${dom[$v]}" >/dev/null || die "warm-up failed"; done
	local out
	for ((r = 1; r <= BENCH_RUNS; r++)); do
		for v in $(rotate "$r" $BENCH_VARIANTS); do
			out=$(cycle "$v" "$tool" "${dom[$v]}") || die "cycle failed"
			sample "$tool/cycle_ms" "$v" "$r" "$(awk '{ printf "%.4f", $1 / 1e6 }' <<<"$out")"
			sample "$tool/cycle_cpu_ms" "$v" "$r" "$(awk '{ printf "%.4f", $3 / 1e6 }' <<<"$out")"
			sample "$tool/maxrss_kib" "$v" "$r" "$(awk '{ print $2 }' <<<"$out")"
		done
	done
	# the guard must have been on for ours and for upstream-rules
	if [[ " $BENCH_VARIANTS " == *" ours "* ]]; then
		cmd_words ours "$tool" "${dom[ours]}" 0
		runner :: "${CW[@]}" >/dev/null || die "ours online failed"
		[[ $(in_dom0 nft list ruleset) == *"10.0.${dom[ours]}.1"* ]] ||
			die "ours: no guard element for guest ${dom[ours]} in nft"
		cmd_words ours "$tool" "${dom[ours]}" 1
		runner :: "${CW[@]}" >/dev/null
	fi
	bench_launches "$tool" dom
}

# Processes started per attach and per detach: strace -f counts execve
# (minus the tool's own) and clone/fork.
bench_launches() {
	local tool=$1 v d which f
	local -n doms=$2
	command -v strace >/dev/null || { say "no strace: launches not measured"; return 0; }
	for v in $BENCH_VARIANTS; do
		d=${doms[$v]}
		for which in 0 1; do
			cmd_words "$v" "$tool" "$d" "$which"
			f=$W_DIR/strace-$v-$which
			runner :: "${CE[@]}" /usr/bin/strace -f -qq -c -o "$f" -e trace=execve,clone,clone3,fork,vfork \
				"${CP[@]}" >/dev/null || die "$v under strace failed"
			local ex cl
			ex=$(awk '$NF == "execve" { print $4 }' "$f")
			cl=$(awk '$NF ~ /^(clone|clone3|fork|vfork)$/ { s += $4 } END { print s + 0 }' "$f")
			sample "$tool/launches_$([ "$which" = 0 ] && echo attach || echo detach)" "$v" 1 \
				"$((${ex:-1} - 1))"
			sample "$tool/forks_$([ "$which" = 0 ] && echo attach || echo detach)" "$v" 1 "$cl"
		done
	done
}

bench_conc() {
	local tool=$1 n=$2 first=$3 v r i
	say "$tool: $n guests at once, $BENCH_CONC_RUNS interleaved runs"
	bulk_guests "$first" "$n" "$tool" || die "bulk_guests failed"
	local -a on off
	local out reset=()
	for ((i = 0; i < n; i++)); do
		reset+=("$(be_path $((first + i)) 0)/hotplug-status" "")
	done
	for ((r = 1; r <= BENCH_CONC_RUNS; r++)); do
		for v in $(rotate "$r" $BENCH_VARIANTS); do
			case "$v" in floor | kfloor) continue ;; esac
			on=() off=()
			for ((i = 0; i < n; i++)); do
				cmd_words "$v" "$tool" $((first + i)) 0
				on+=(:: "${CW[@]}")
				cmd_words "$v" "$tool" $((first + i)) 1
				off+=(:: "${CW[@]}")
			done
			xenstore-write "${reset[@]}" || die "xenstore-write failed"
			out=$(runner -p "${on[@]}") || say "$v: $n at once: $(awk '{ print $3 }' <<<"$out") failed"
			local ok
			ok=$(xenstore-ls -f /local/domain/0/backend/vif 2>/dev/null |
				awk -v a="$first" -v b=$((first + n)) -F/ \
					'$9 ~ /^hotplug-status = "connected"/ && $7 >= a && $7 < b { c++ } END { print c + 0 }')
			[ "$ok" = "$n" ] || die "$v: $n at once: only $ok of $n connected"
			sample "$tool/conc${n}_online_ms" "$v" "$r" "$(awk '{ printf "%.2f", $1 / 1e6 }' <<<"$out")"
			out=$(runner -p "${off[@]}") || die "$v: $n offline at once failed"
			sample "$tool/conc${n}_offline_ms" "$v" "$r" "$(awk '{ printf "%.2f", $1 / 1e6 }' <<<"$out")"
		done
	done
}

# What upstream-rules leaves in FORWARD for one vif with one address.
ipt_rules_for() {
	local dev=$1 ip=$2
	echo "-A FORWARD -m physdev --physdev-in $dev --physdev-is-bridged -p udp --sport 68 --dport 67 -j ACCEPT"
	echo "-A FORWARD -m physdev --physdev-out $dev --physdev-is-bridged -j ACCEPT"
	echo "-A FORWARD -s $ip -m physdev --physdev-in $dev --physdev-is-bridged -j ACCEPT"
	echo "-A FORWARD -m physdev --physdev-out $dev --physdev-is-bridged -j ACCEPT"
}

bench_scale() {
	local tool=$1 n=$BENCH_SCALE_N v r i d out
	local first=3001 last=$((3000 + n))
	local -a on
	say "$tool: guest #$n with $((n - 1)) guarded vifs against guest #1 on an empty host"
	# the empty host
	world_new empty
	upstream_world
	# shellcheck disable=SC2046
	guest_create 1 0 $(tool_guest_opts "$tool" 1) script="$XEN_SCRIPT_DIR/$tool" || die "guest_create failed"
	# the full host: n-1 guests attached by ours (guard on), and for
	# upstream-rules the rules upstream would have added for them
	world_new full
	upstream_world
	bulk_guests "$first" "$n" "$tool" || die "bulk_guests failed"
	for ((i = first; i < last; i += 50)); do
		on=()
		for ((d = i; d < i + 50 && d < last; d++)); do
			cmd_words ours "$tool" "$d" 0
			on+=(:: "${CW[@]}")
		done
		runner -p "${on[@]}" >/dev/null || die "attaching guests $i.. failed"
	done
	if [[ " $BENCH_SCALE_VARIANTS " == *" upstream-rules "* ]]; then
		{
			echo "*filter"
			for ((d = first; d < last; d++)); do
				ipt_rules_for "vif$d.0" "$(tool_guest_opts "$tool" "$d" | sed 's/^ip=//')"
			done
			echo COMMIT
		} | in_dom0 iptables-restore --noflush || die "iptables-restore failed"
	fi
	say "$tool: $((n - 1)) attached: $(in_dom0 nft -j list set bridge xen_hotplug guarded 2>/dev/null | jq '[.nftables[] | select(.set) | .set.elem // [] | length] | add') guarded in nft, $(in_dom0 iptables -S FORWARD | wc -l) iptables rules"
	for ((r = 0; r <= BENCH_SCALE_RUNS; r++)); do
		for v in $BENCH_SCALE_VARIANTS; do
			for w in $(rotate "$r" empty full); do
				world_use "$w"
				if [ "$w" = empty ]; then d=1; else d=$last; fi
				out=$(cycle "$v" "$tool" "$d") || die "scale cycle failed"
				# run 0 is the warm-up
				[ "$r" = 0 ] ||
					sample "$tool/scale_${w}_ms" "$v" "$r" "$(awk '{ printf "%.4f", $1 / 1e6 }' <<<"$out")"
			done
		done
	done
	world_use full
	# the 999 must still be there, exactly once each
	local nel
	nel=$(in_dom0 nft -j list set bridge xen_hotplug guarded 2>/dev/null |
		jq '[.nftables[] | select(.set) | .set.elem // [] | length] | add')
	[ "$nel" = $((n - 1)) ] || die "full host: $nel guarded vifs in nft after the runs, expected $((n - 1))"
}

bench_profile() {
	local tool=$1 d=10
	[ "$BENCH_PROFILE" = 1 ] || return 0
	say "$tool: profile of ours against the floor"
	{
		echo "# profile of $tool (ours) against the floor, $(date -u +%FT%TZ)"
		local v
		for v in ours floor; do
			cmd_words "$v" "$tool" "$d" 0
			echo
			echo "## strace -c -f, $v, one online"
			runner :: "${CE[@]}" /usr/bin/strace -f -qq -c -o "$W_DIR/sc-$v" "${CP[@]}" >/dev/null
			cat "$W_DIR/sc-$v"
			cmd_words "$v" "$tool" "$d" 1
			runner :: "${CW[@]}" >/dev/null
		done
		cmd_words ours "$tool" "$d" 0
		echo
		echo "## strace -f -r -T, ours, one online (time between syscalls)"
		runner :: "${CE[@]}" /usr/bin/strace -f -qq -r -T -o "$W_DIR/st-ours" "${CP[@]}" >/dev/null
		cat "$W_DIR/st-ours"
		cmd_words ours "$tool" "$d" 1
		runner :: "${CW[@]}" >/dev/null
		echo
		echo "## ours: syscalls of 0.3 ms or more over 10 onlines and 10 offlines (strace -T)"
		local i k
		for i in 1 2 3 4 5 6 7 8 9 10; do
			for k in 0 1; do
				cmd_words ours "$tool" "$d" "$k"
				runner :: "${CE[@]}" /usr/bin/strace -qq -T -o "$W_DIR/slow-$k.$i" "${CP[@]}" >/dev/null
			done
		done
		for k in 0 1; do
			echo "### $([ "$k" = 0 ] && echo online || echo offline): syscall, count, total s, mean ms"
			cat "$W_DIR/slow-$k".* | awk '{ t = $NF; gsub(/[<>]/, "", t); if (t + 0 < 0.0003) next
				split($0, a, "("); c = a[1]
				if ($0 ~ /nlmsg_type=/) { m = $0; sub(/.*nlmsg_type=/, "", m); sub(/[,}].*/, "", m); c = c "(" m ")" }
				n[c]++; s[c] += t }
				END { for (c in n) printf "%-44s %4d %8.4f %7.2f\n", c, n[c], s[c], 1000 * s[c] / n[c] }' |
				sort -k3 -gr
		done
		if command -v perf >/dev/null; then
			for v in ours floor; do
				echo
				echo "## perf stat -r 20, $v, online then offline"
				cmd_words "$v" "$tool" "$d" 0
				local on=("${CW[@]}")
				cmd_words "$v" "$tool" "$d" 1
				local -a off=("${CW[@]}")
				clean_env /usr/bin/timeout 120 /usr/bin/perf stat -r 20 -e task-clock,context-switches,page-faults \
					-o "$W_DIR/perf-$v" -- "$RUNNER" :: "${on[@]}" :: "${off[@]}" >/dev/null
				cat "$W_DIR/perf-$v"
			done
		fi
		if command -v valgrind >/dev/null; then
			for v in ours floor; do
				echo
				echo "## callgrind, $v, one online (instructions, inclusive, top 25)"
				cmd_words "$v" "$tool" "$d" 0
				runner :: "${CE[@]}" /usr/bin/valgrind --tool=callgrind -q \
					--callgrind-out-file="$W_DIR/cg-$v" "${CP[@]}" >/dev/null
				callgrind_annotate --inclusive=yes "$W_DIR/cg-$v" 2>/dev/null | sed -n '1,45p'
				cmd_words "$v" "$tool" "$d" 1
				runner :: "${CW[@]}" >/dev/null
			done
		fi
	} >"$PROFILE" 2>&1
}

# ---------------------------------------------------------------- report

fmt() { awk -v x="$1" 'BEGIN { if (x == "-") print "-"; else if (x >= 100) printf "%.0f", x; else if (x >= 10) printf "%.1f", x; else printf "%.2f", x }'; }

report() {
	local fig v s med p10 p90 n
	local figs
	figs=$(awk -F'\t' '{ print $1 }' "$TSV" | awk '!seen[$0]++')
	{
		printf '| figure | variant | median | p10 | p90 | runs |\n'
		printf '|---|---|---:|---:|---:|---:|\n'
		for fig in $figs; do
			for v in $(awk -F'\t' -v f="$fig" '$1 == f { print $2 }' "$TSV" | awk '!seen[$0]++'); do
				read -r med p10 p90 n <<<"$(stats "$fig" "$v")"
				printf '| %s | %s | %s | %s | %s | %s |\n' "$fig" "$v" "$(fmt "$med")" "$(fmt "$p10")" \
					"$(fmt "$p90")" "$n"
			done
		done
	} >"$HP_BUILD/bench.table"
	{
		echo "{"
		echo "  \"date\": \"$(date -u +%FT%TZ)\", \"kernel\": \"$(uname -r)\","
		echo "  \"cpu\": \"$CPU\", \"nproc\": $(nproc),"
		echo "  \"figures\": ["
		local first=1
		for fig in $figs; do
			for v in $(awk -F'\t' -v f="$fig" '$1 == f { print $2 }' "$TSV" | awk '!seen[$0]++'); do
				read -r med p10 p90 n <<<"$(stats "$fig" "$v")"
				[ "$first" = 1 ] || echo ","
				first=0
				printf '    {"figure": "%s", "variant": "%s", "median": %s, "p10": %s, "p90": %s, "runs": %s}' \
					"$fig" "$v" "$med" "$p10" "$p90" "$n"
			done
		done
		echo
		echo "  ]"
		echo "}"
	} >"$JSON"
}

# ---------------------------------------------------------------- main

CPU=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
: >"$TSV"
start=$SECONDS
for tool in $BENCH_TOOLS; do
	world_new main
	upstream_world
	bench_cycle "$tool"
	first=1000
	for n in $BENCH_CONC; do
		bench_conc "$tool" "$n" "$first"
		first=$((first + n))
	done
	bench_profile "$tool"
	cleanup
	[ -n "$BENCH_SCALE_VARIANTS" ] && bench_scale "$tool"
	cleanup
	# ratios against ours, from the interleaved runs
	for fig in $(awk -F'\t' '$1 ~ /_ms$/ { print $1 }' "$TSV" | awk '!seen[$0]++'); do
		case "$fig" in "$tool"/*) ;; *) continue ;; esac
		for v in $BENCH_VARIANTS; do
			case "$v" in
			ours) ;;
			floor | kfloor) ratios "$fig" ours "$v" ;; # how far we are above a floor
			*) ratios "$fig" "$v" ours ;; # how far above us upstream is
			esac
		done
	done
	for v in $BENCH_SCALE_VARIANTS; do
		awk -F'\t' -v t="$tool" -v v="$v" '
			$1 == t "/scale_empty_ms" && $2 == v { e[$3] = $4 }
			$1 == t "/scale_full_ms" && $2 == v { f[$3] = $4 }
			END { for (r in e) if (r in f) printf "%s\t%s\t%s\t%.4g\n", t "/scale_full/empty", v, r, f[r] / e[r] }' \
			"$TSV" >>"$TSV"
	done
done
report
{
	echo "Benchmark: \`make bench\` ($(date -u +%F), kernel $(uname -r), $CPU, $(nproc) CPUs;"
	echo "BENCH_RUNS=$BENCH_RUNS BENCH_CONC_RUNS=$BENCH_CONC_RUNS BENCH_SCALE_RUNS=$BENCH_SCALE_RUNS, $((SECONDS - start)) s)."
	echo "Times in ms; */ratio rows are per interleaved run (upstream / ours, ours / a floor);"
	echo "launches = processes started per call; maxrss in KiB (largest process);"
	echo "cycle_cpu_ms = the CPU time, user and system, of a cycle's two processes (not"
	echo "of the child that outlives an offline): what the load changes least."
	echo
	cat "$HP_BUILD/bench.table"
} >"$HP_BUILD/bench.md"
cat "$HP_BUILD/bench.md"
# The results file: between its markers "<!-- bench -->" and "<!-- /bench -->"
# when it has them (the rest, written by hand, is kept), else the whole file.
if [ -n "$BENCH_RESULTS" ]; then
	if grep -q '^<!-- bench -->$' "$BENCH_RESULTS" 2>/dev/null &&
		grep -q '^<!-- /bench -->$' "$BENCH_RESULTS"; then
		awk -v t="$HP_BUILD/bench.md" '
			/^<!-- bench -->$/ { print; while ((getline l < t) > 0) print l; skip = 1; next }
			/^<!-- \/bench -->$/ { skip = 0 }
			!skip' "$BENCH_RESULTS" >"$BENCH_RESULTS.new" && mv "$BENCH_RESULTS.new" "$BENCH_RESULTS"
	else
		cp "$HP_BUILD/bench.md" "$BENCH_RESULTS"
	fi
fi
say "samples: $TSV, summary: $JSON, profile: $PROFILE"
