#!/usr/bin/env bats
# Torture suite (`make stress`, not part of `make check`): load, kills at
# random points, a stopped or dead xenstored, the vif or the bridge
# vanishing under a running online, full log and run directories.
# STRESS_GUESTS (200), STRESS_ROUNDS (3), STRESS_KILLS (30) scale it.

HP_BUILD=${HP_BUILD:-$BATS_TEST_DIRNAME/../../build}
HP_SRCDIR=${HP_SRCDIR:-$BATS_TEST_DIRNAME/../..}
STRESS_GUESTS=${STRESS_GUESTS:-200}
STRESS_ROUNDS=${STRESS_ROUNDS:-3}
STRESS_KILLS=${STRESS_KILLS:-30}

setup() {
	load ../helpers
	world_setup
	[ -x "$HP_BUILD/vif-bridge" ] || skip "build/vif-bridge not built"
	command -v nft >/dev/null 2>&1 || skip "needs nft"
	unset XEN_HOTPLUG_DEBUG
	export XEN_HOTPLUG_ANTISPOOF=nft
	export XEN_HOTPLUG_RUN_DIR="$W_DIR/run"
	mkdir -p "$XEN_HOTPLUG_RUN_DIR"
}

teardown() {
	local m
	for m in ${STRESS_MOUNTS[@]+"${STRESS_MOUNTS[@]}"}; do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
	done
	if [ -n "${W_DIR:-}" ] && [ -f "$W_DIR/xs.pid" ]; then
		kill -CONT "$(cat "$W_DIR/xs.pid")" 2>/dev/null || true
	fi
	world_teardown
}

# Guests in bulk, as guest_create writes them, without a namespace each
# (their peers share ${W}-gx): bulk_guests FIRST COUNT
bulk_guests() {
	local first=$1 count=$2 d i gx="${W}-gx" be fe mac
	ip netns add "$gx" || return 1
	local -a w=()
	: >"$W_DIR/links.batch"
	for ((i = 0; i < count; i++)); do
		d=$((first + i))
		be=$(be_path "$d" 0)
		fe=$(fe_path "$d" 0)
		mac=$(printf '00:16:3e:%02x:%02x:01' $((d >> 8 & 255)) $((d & 255)))
		w+=("/local/domain/$d/name" "guest$d" "/local/domain/$d/domid" "$d"
			"$be/frontend" "$fe" "$be/frontend-id" "$d" "$be/online" 1 "$be/state" 1
			"$be/script" "$XEN_SCRIPT_DIR/vif-bridge" "$be/mac" "$mac" "$be/handle" 0
			"$be/type" vif "$be/bridge" xenbr0 "$be/ip" "10.$((d >> 8)).$((d & 255)).1/32"
			"$be/hotplug-status" "" "$fe/backend" "$be" "$fe/backend-id" 0 "$fe/state" 1
			"$fe/handle" 0 "$fe/mac" "$mac")
		if [ ${#w[@]} -gt 2000 ]; then
			xenstore-write "${w[@]}" || return 1
			w=()
		fi
		echo "link add vif$d.0 type veth peer name e$d netns $gx" >>"$W_DIR/links.batch"
	done
	[ ${#w[@]} -eq 0 ] || xenstore-write "${w[@]}" || return 1
	ip -n "$DOM0" -batch "$W_DIR/links.batch"
}

# Every guard element in dom0's nftables, one "set ifname" line each.
nft_guards() {
	in_dom0 nft -j list ruleset 2>/dev/null | jq -r '
		.nftables[] | select(.set and .set.table == "xen_hotplug") | .set as $s |
		($s.elem // [])[] | [$s.family + "/" + $s.name, (if type == "object" and .concat then .concat[0]
			elif type == "object" and .elem then (.elem.val | if type == "object" then .concat[0] else . end)
			else . end)] | @tsv'
}
nft_guards_of() { nft_guards | awk -F'\t' -v d="$1" '$2 == d' ; }

# All in parallel: run_all COMMAND FIRST COUNT; fails if any failed.
run_all() {
	local cmd=$1 first=$2 count=$3 d fails=0
	local -a pids=()
	for ((d = first; d < first + count; d++)); do
		run_vif vif-bridge "$d" 0 "$cmd" type_if=vif >"$W_DIR/out.$d" 2>&1 &
		pids+=($!)
	done
	for d in "${pids[@]}"; do
		wait "$d" || fails=$((fails + 1))
	done
	echo "$cmd: $fails of $count failed"
	[ "$fails" = 0 ]
}

@test "stress: $STRESS_GUESTS guests online then offline at once, $STRESS_ROUNDS rounds, nothing left behind" {
	local n=$STRESS_GUESTS first=100 r d
	bulk_guests "$first" "$n"
	for ((r = 1; r <= STRESS_ROUNDS; r++)); do
		for ((d = first; d < first + n; d++)); do
			echo "$(be_path "$d" 0)/hotplug-status"
			echo ""
		done | xargs -d '\n' xenstore-write
		run_all online "$first" "$n"
		# every one connected, enslaved, up, guarded once
		[ "$(xs_ls /local/domain/0/backend/vif | grep -c 'hotplug-status = "connected"')" = "$n" ]
		[ "$(bridge_ports xenbr0 | wc -l)" = "$n" ]
		# (guard v3: judged in table netdev; table bridge keeps the names
		# of guarded bridge ports for network-bridge's policy)
		[ "$(nft_guards | awk -F'\t' '$1 == "netdev/guarded"' | wc -l)" = "$n" ]
		[ "$(nft_guards | awk -F'\t' '$1 == "netdev/guarded"' | sort -u | wc -l)" = "$n" ]
		[ "$(nft_guards | awk -F'\t' '$1 == "bridge/guarded"' | sort -u | wc -l)" = "$n" ]
		[ "$(nft_guards | awk -F'\t' '$1 == "netdev/addrs4"' | wc -l)" = "$n" ]
		[ "$(in_dom0 nft -j list chains netdev | jq '[.nftables[] | select(.chain and (.chain.name | startswith("in_vif")))] | length')" = "$n" ]
		[ "$(in_dom0 nft -j list counters table netdev xen_hotplug | jq '[.nftables[] | select(.counter)] | length')" -ge "$n" ]
		local before after
		before=$(xs_ls /local/domain)
		run_all offline "$first" "$n"
		after=$(xs_ls /local/domain)
		# offline writes nothing to xenstore
		[ "$before" = "$after" ]
		[ -z "$(bridge_ports xenbr0)" ]
		[ -z "$(nft_guards)" ]
		# nor a vif's counters or its ingress chain
		[ "$(in_dom0 nft -j list counters table netdev xen_hotplug | jq '[.nftables[] | select(.counter)] | length')" = 0 ]
		[ "$(in_dom0 nft -j list chains netdev | jq '[.nftables[] | select(.chain and (.chain.name | startswith("in_")))] | length')" = 0 ]
		[ -z "$(ls -A "$XEN_HOTPLUG_RUN_DIR")" ]
		# the vifs are still there (netback removes them, not us), down
		[ "$(in_dom0 ip -j link show up | jq '[.[] | select((.ifname // "") | startswith("vif"))] | length')" = 0 ]
	done
}

# A wrapper that SIGKILLs vif-bridge after $HP_KILL_AFTER seconds.
make_killer() {
	cat >"$W_DIR/killer" <<-EOF
		#!/bin/sh
		exec timeout -s KILL "\$HP_KILL_AFTER" "$HP_BUILD/vif-bridge" "\$@"
	EOF
	chmod +x "$W_DIR/killer"
}

@test "stress: SIGKILL at random points of online, then online again: end state correct" {
	make_killer
	guest_create 1 0 ip="10.0.0.1/32 10.0.1.0/24" ip4=10.0.0.1/24
	local i t killed=0
	for ((i = 1; i <= STRESS_KILLS; i++)); do
		t=$(printf '0.%03d' $((RANDOM % 12 + 1)))
		VIF_ENV=("HP_KILL_AFTER=$t")
		run run_vif "$W_DIR/killer" 1 0 online type_if=vif
		VIF_ENV=()
		[ "$status" = 137 ] && killed=$((killed + 1))
		run run_vif vif-bridge 1 0 online type_if=vif
		echo "kill after $t s: re-run: $status $output"
		[ "$status" = 0 ]
		[ "$(xs_read "$(be_path 1 0)/hotplug-status")" = connected ]
		[ "$(link_master vif1.0)" = xenbr0 ]
		link_up vif1.0
		[ "$(nft_guards_of vif1.0 | awk '$1 == "netdev/guarded"' | wc -l)" = 1 ]
		[ "$(nft_guards_of vif1.0 | awk '$1 == "bridge/guarded"' | wc -l)" = 1 ]
		[ "$(nft_guards_of vif1.0 | awk '$1 == "netdev/addrs4"' | wc -l)" = 1 ]
		[ "$(nft_guards_of vif1.0 | awk '$1 == "netdev/nets4"' | wc -l)" = 1 ]
		if ((i % 3 == 0)); then
			run run_vif vif-bridge 1 0 offline type_if=vif
			[ "$status" = 0 ]
			[ -z "$(nft_guards)" ]
			xs_write "$(be_path 1 0)/hotplug-status" ""
		fi
	done
	echo "# $killed of $STRESS_KILLS runs were killed before they finished" >&3
	guest_ping 1 10.0.0.1 || true
}

@test "stress: xenstored stopped (SIGSTOP): online fails with 'timed out', exit 1, bounded" {
	# run_vif itself reads xenstore: stop xenstored while the tool waits
	# for its vif, then let netback "create" it.
	guest_create 1 0 create=later
	local pid start st
	pid=$(cat "$W_DIR/xs.pid")
	export XEN_HOTPLUG_TIMEOUT=3
	start=$SECONDS
	run_vif vif-bridge 1 0 online type_if=vif >"$W_DIR/stop.out" 2>&1 &
	local tool=$!
	sleep 0.5
	kill -STOP "$pid"
	guest_plug 1 0
	st=0
	wait "$tool" || st=$?
	kill -CONT "$pid"
	echo "status $st after $((SECONDS - start)) s: $(cat "$W_DIR/stop.out")"
	[ "$st" = 1 ]
	grep -q "timed out" "$W_DIR/stop.out"
	[ $((SECONDS - start)) -le 7 ]
}

@test "stress: xenstored killed: online fails at once with a clear error, exit 1" {
	guest_create 1 0
	kill -KILL "$(cat "$W_DIR/xs.pid")"
	local start=$SECONDS
	run run_vif vif-bridge 1 0 online type_if=vif
	echo "status $status after $((SECONDS - start)) s: $output"
	[ "$status" = 1 ]
	[[ "$output" == *xenstore* ]]
	[ $((SECONDS - start)) -le 3 ]
	[ "$(link_master vif1.0)" = "" ]
}

@test "stress: the vif removed at random points of online: exit 0 or 1, clean error, no guard left for a failure" {
	local i st dly
	for ((i = 1; i <= 20; i++)); do
		guest_create "$i" 0 ip="10.0.$i.1/32" create=later
		run_vif vif-bridge "$i" 0 online type_if=vif >"$W_DIR/race.$i" 2>&1 &
		local pid=$!
		sleep "0.0$((RANDOM % 3))"
		guest_plug "$i" 0
		dly=$((RANDOM % 8))
		[ "$dly" = 0 ] || sleep "0.00$dly"
		guest_unplug "$i" 0 || true
		st=0
		wait "$pid" || st=$?
		echo "race $i: unplugged after ${dly} ms: status $st: $(tail -n 1 "$W_DIR/race.$i")"
		[ "$st" = 0 ] || [ "$st" = 1 ]
		if [ "$st" = 1 ]; then
			[ "$(xs_read "$(be_path "$i" 0)/hotplug-status")" = error ]
			[ -n "$(xs_read "$(be_path "$i" 0)/hotplug-error")" ]
			[ -z "$(nft_guards_of "vif$i.0")" ]
		fi
		# offline cleans whatever is left, with the vif gone
		run run_vif vif-bridge "$i" 0 offline type_if=vif
		[ "$status" = 0 ]
		[ -z "$(nft_guards_of "vif$i.0")" ]
	done
}

@test "stress: the bridge deleted under a running online: exit 0 or 1, clean error, nothing half done" {
	local i st
	for ((i = 1; i <= 10; i++)); do
		link_exists xenbr0 || { in_dom0 ip link add xenbr0 type bridge && in_dom0 ip link set xenbr0 up; }
		guest_create "$i" 0 ip="10.0.$i.1/32" create=later
		run_vif vif-bridge "$i" 0 online type_if=vif >"$W_DIR/br.$i" 2>&1 &
		local pid=$!
		sleep 0.02
		guest_plug "$i" 0
		[ $((RANDOM % 2)) = 0 ] || sleep "0.00$((RANDOM % 5 + 1))"
		in_dom0 ip link del xenbr0 || true
		st=0
		wait "$pid" || st=$?
		echo "bridge race $i: status $st: $(tail -n 1 "$W_DIR/br.$i")"
		[ "$st" = 0 ] || [ "$st" = 1 ]
		if [ "$st" = 1 ]; then
			[ "$(xs_read "$(be_path "$i" 0)/hotplug-status")" = error ]
			[ -z "$(nft_guards_of "vif$i.0")" ]
			! link_up "vif$i.0" || false
		fi
		run run_vif vif-bridge "$i" 0 offline type_if=vif
		[ "$status" = 0 ]
		[ -z "$(nft_guards_of "vif$i.0")" ]
	done
}

# A full tmpfs of a few KiB at DIR.
full_tmpfs() {
	mkdir -p "$1"
	mount -t tmpfs -o size=8k tmpfs "$1" || skip "cannot mount a tmpfs"
	STRESS_MOUNTS+=("$1")
	dd if=/dev/zero of="$1/fill" bs=1k count=64 2>/dev/null || true
	! dd if=/dev/zero of="$1/more" bs=1 count=1 2>/dev/null || false
}

@test "stress: full log directory (XEN_LOG_DIR on a full tmpfs): online still succeeds" {
	full_tmpfs "$W_DIR/fulllog"
	export XEN_LOG_DIR="$W_DIR/fulllog"
	export XEN_HOTPLUG_DEBUG=1
	guest_create 1 0 ip=10.0.0.1/32
	run run_vif vif-bridge 1 0 online type_if=vif
	echo "status $status: $output"
	[ "$status" = 0 ]
	[ "$(xs_read "$(be_path 1 0)/hotplug-status")" = connected ]
	run run_vif vif-bridge 1 0 offline type_if=vif
	[ "$status" = 0 ]
}

@test "stress: full run directory (XEN_HOTPLUG_RUN_DIR on a full tmpfs): online still succeeds" {
	full_tmpfs "$W_DIR/fullrun"
	export XEN_HOTPLUG_RUN_DIR="$W_DIR/fullrun"
	guest_create 1 0 ip=10.0.0.1/32
	run run_vif vif-bridge 1 0 online type_if=vif
	echo "status $status: $output"
	[ "$status" = 0 ]
	[ "$(xs_read "$(be_path 1 0)/hotplug-status")" = connected ]
}
