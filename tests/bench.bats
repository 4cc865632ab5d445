#!/usr/bin/env bats
# The benchmark's own programs (tests/bench/, never installed): the kernel
# floor (bench-kfloor) must do the kernel work a guarded vif-bridge port
# needs, exactly as the tool does it, or `make bench`'s ratio to it means
# nothing; and the breakdown's reader (breakdown.py) must put each
# nanosecond of a trace where it belongs.

setup() {
	load helpers
}

teardown() {
	world_teardown
}

# Everything of DEV in dom0's tables (elements of every set and map that
# name it, its counters, its chain with its rules), handles and counter
# values left out, sorted: what a guard of DEV is.
guard_of() {
	in_dom0 nft -j list ruleset | jq -S -c --arg dev "$1" '[.nftables[]
		| ((.set // .map) | select(. and .table == "xen_hotplug") | .elem // [] | .[]
			| select(tojson | contains("\"" + $dev + "\"")) | tojson),
		  (.counter // empty | select(.name | startswith($dev + "/")) | .name),
		  (.chain // empty | select(.name == "in_" + $dev) | del(.handle) | tojson),
		  (.rule // empty | select(.chain == "in_" + $dev) | del(.handle) | tojson)] | sort'
}

# DEV's master and whether it is up: "xenbr0 UP", " DOWN".
port_of() {
	in_dom0 ip -j link show dev "$1" | jq -r '.[0] | "\(.master // "") \(if (.flags | index("UP")) then "UP" else "DOWN" end)"'
}

@test "bench-kfloor: makes a guarded port's kernel objects as vif-bridge's online does, and removes them all" {
	world_setup
	[ -x "$HP_BUILD/bench-kfloor" ] || skip "build/bench-kfloor not built"
	command -v nft >/dev/null || skip "needs nft"
	guest_create 1 0 ip4=10.0.0.1/24 ip=10.0.0.1
	guest_create 2 0 ip4=10.0.0.2/24 ip=10.0.0.2
	# the tables, and a neighbour guarded by the tool
	run run_vif vif-bridge 2 0 online type_if=vif
	[ "$status" -eq 0 ]
	[ "$(guard_of vif1.0)" = "[]" ]
	[ "$(port_of vif1.0)" = " DOWN" ]

	# the tool's guard of vif1.0 and its port
	run run_vif vif-bridge 1 0 online type_if=vif
	[ "$status" -eq 0 ]
	ours=$(guard_of vif1.0)
	echo "ours: $ours"
	# 8 elements (guarded, macs, nd_macs, addrs4, the link-local ones,
	# bridge's guarded), 10 counters and their map elements, the chain
	# and its rule: what would make the test pass with nothing
	[ "$(jq length <<<"$ours")" -ge 20 ]
	[ "$(port_of vif1.0)" = "xenbr0 UP" ]
	guest_ping 1 10.0.0.2
	run run_vif vif-bridge 1 0 offline type_if=vif
	[ "$status" -eq 0 ]
	[ "$(guard_of vif1.0)" = "[]" ]
	[ "$(port_of vif1.0)" = " DOWN" ]

	# the floor's: the same objects, the same port
	run in_dom0 "$HP_BUILD/bench-kfloor" online vif1.0 xenbr0 00:16:3e:01:00:01 10.0.0.1
	echo "$output"
	[ "$status" -eq 0 ]
	floor=$(guard_of vif1.0)
	echo "floor: $floor"
	[ "$floor" = "$ours" ]
	[ "$(port_of vif1.0)" = "xenbr0 UP" ]
	guest_ping 1 10.0.0.2
	# and it guards: another source is dropped at the vif's ingress
	# (guest 2 sees no ping from 10.0.0.9, its ip4 counter moves)
	in_guest 1 ip addr add 10.0.0.9/24 dev eth0
	! in_guest 1 busybox ping -c 1 -W 1 -I 10.0.0.9 10.0.0.2
	[ "$(in_dom0 nft -j list counters table netdev xen_hotplug | jq '[.nftables[] | .counter // empty
		| select(.name == "vif1.0/ip4" or .name == "vif1.0/arp") | .packets] | add')" -ge 1 ]

	run in_dom0 "$HP_BUILD/bench-kfloor" offline vif1.0 xenbr0 00:16:3e:01:00:01 10.0.0.1
	[ "$status" -eq 0 ]
	[ "$(guard_of vif1.0)" = "[]" ]
	[ "$(port_of vif1.0)" = " DOWN" ]
	# the neighbour's guard untouched
	[ "$(jq length <<<"$(guard_of vif2.0)")" -ge 20 ]
}

@test "bench-kfloor: bad arguments change nothing" {
	world_setup
	[ -x "$HP_BUILD/bench-kfloor" ] || skip "build/bench-kfloor not built"
	guest_create 1 0 ip4=10.0.0.1/24 ip=10.0.0.1
	run in_dom0 "$HP_BUILD/bench-kfloor" online vif1.0 xenbr0 not-a-mac 10.0.0.1
	[ "$status" -eq 1 ]
	[[ "$output" == *"Invalid argument"* ]]
	run in_dom0 "$HP_BUILD/bench-kfloor" sideways vif1.0 xenbr0 00:16:3e:01:00:01 10.0.0.1
	[ "$status" -eq 2 ]
	[[ "$output" == *usage* ]]
	[ "$(port_of vif1.0)" = " DOWN" ]
	[ -z "$(in_dom0 nft list tables)" ]
}

# A made-up trace, as an ftrace instance writes it: the tool's execve,
# its main, a probed request that sleeps 2 ms in an expedited grace
# period, a mutex it spins on for 1 ms, a preemption, its exit; and a
# process that is not it.
fake_trace() {
	cat <<'T'
            bash-100     [000] ..... 1000.000000: sys_enter: NR 59 (0, 0, 0, 0, 0, 0)
      vif-bridge-100     [000] ..... 1000.000500: sched_process_exec: filename=/x/build/vif-bridge pid=100 old_pid=100
      vif-bridge-100     [000] ..... 1000.000600: sys_exit: NR 59 = 0
      vif-bridge-100     [000] DBZff 1000.001500: e_main__x: (0x1)
      vif-bridge-100     [000] DBZff 1000.002000: e_hp_link_set_master: (0x2)
      vif-bridge-100     [000] ..... 1000.002100: sys_enter: NR 46 (5, 0, 0, 0, 0, 0)
      vif-bridge-100     [000] ..... 1000.002200: contention_begin: 0xffffffff82ff41e0 (flags=SPIN|MUTEX)
      vif-bridge-100     [000] ..... 1000.002200: <stack trace>
 => __mutex_lock
 => rtnetlink_rcv_msg
 => netlink_rcv_skb
      vif-bridge-100     [000] ..... 1000.003200: contention_end: 0xffffffff82ff41e0 (ret=0)
      vif-bridge-100     [000] d..2. 1000.003300: sched_switch: prev_comm=vif-bridge prev_pid=100 prev_prio=120 prev_state=D ==> next_comm=rcu_exp_gp_kthr next_pid=17 next_prio=120
      vif-bridge-100     [000] d..2. 1000.003300: <stack trace>
 => __schedule
 => schedule
 => synchronize_rcu_expedited
 => netdev_rx_handler_unregister
 => del_nbp
 => br_del_if
 rcu_exp_gp_kthr-17      [000] d..2. 1000.005300: sched_switch: prev_comm=rcu_exp_gp_kthr prev_pid=17 prev_prio=120 prev_state=S ==> next_comm=vif-bridge next_pid=100 next_prio=120
      vif-bridge-100     [000] ..... 1000.005400: sys_exit: NR 46 = 40
      vif-bridge-100     [000] DBZff 1000.005500: r_hp_link_set_master__return: (0x3 <- 0x2)
      vif-bridge-100     [000] d..2. 1000.005600: sched_switch: prev_comm=vif-bridge prev_pid=100 prev_prio=120 prev_state=R ==> next_comm=other next_pid=200 next_prio=120
           other-200     [000] ..... 1000.005700: sys_enter: NR 46 (5, 0, 0, 0, 0, 0)
           other-200     [000] d..2. 1000.006600: sched_switch: prev_comm=other prev_pid=200 prev_prio=120 prev_state=S ==> next_comm=vif-bridge next_pid=100 next_prio=120
      vif-bridge-100     [000] DBZff 1000.006700: r_main__x__return: (0x4 <- 0x1)
      vif-bridge-100     [000] ..... 1000.006800: sys_enter: NR 231 (0, 0, 0, 0, 0, 0)
      vif-bridge-100     [000] ..... 1000.007000: sched_process_exit: comm=vif-bridge pid=100 prio=120 group_dead=1
      vif-bridge-100     [000] d..2. 1000.007100: sched_switch: prev_comm=vif-bridge prev_pid=100 prev_prio=120 prev_state=X ==> next_comm=bash next_pid=99 next_prio=120
T
}

@test "breakdown.py: each interval of a trace goes to its function and its reason" {
	command -v python3 >/dev/null || skip "needs python3"
	W_DIR=$(mktemp -d)
	mkdir "$W_DIR/run"
	fake_trace >"$W_DIR/run/cpu0"
	run python3 "$HP_SRCDIR/tests/bench/breakdown.py" --json "$W_DIR/out.json" "vif-bridge:online=$W_DIR/run"
	echo "$output"
	[ "$status" -eq 0 ]
	j=$W_DIR/out.json
	cell() { jq -r --arg k "$1"$'\t'"$2" '.["vif-bridge:online"].cells[] | select(.key == $k) | .median * 1000 | round' "$j"; }
	label() { jq -r --arg k "$1" '.["vif-bridge:online"].labels[] | select(.key == $k) | .median * 1000 | round' "$j"; }
	# from the execve (1000.000000) to the switch away as it died
	[ "$(jq '.["vif-bridge:online"].wall_ms.median * 1000 | round' "$j")" = 7100 ]
	[ "$(label exec)" = 500 ]
	[ "$(label 'start: loader, libraries')" = 1000 ]
	[ "$(cell hp_link_set_master 'spin: rtnl_mutex')" = 1000 ]
	[ "$(cell hp_link_set_master 'off: RCU grace period, expedited: netdev_rx_handler_unregister < del_nbp')" = 2000 ]
	[ "$(label hp_link_set_master)" = 3500 ]
	# another process's time is no one's
	[ "$(cell 'main: our code' 'off: preempted (waiting for a CPU)')" = 1000 ]
	[ "$(label 'exit: do_exit (files, sockets, memory)')" = 300 ]
	rm -rf "$W_DIR"
	W_DIR=
}
