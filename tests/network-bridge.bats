#!/usr/bin/env bats
# network-bridge: start/stop/status on a simulated host ($DOM0) whose eth0
# is a veth to an "outside" namespace, with IPv4 and IPv6 addresses and
# routes.  Asserts kernel state, byte-for-byte restoration, real traffic,
# refusals, and the rollback of a failure injected at every step.

setup() {
	load helpers
	world_setup
	[ -x "$HP_BUILD/network-bridge" ] || skip "build/network-bridge not built"
	command -v busybox >/dev/null || skip "needs busybox (ping)"
	# The host of these tests has no bridge of its own.
	ip -n "$DOM0" link del xenbr0
	export XEN_HOTPLUG_RUN_DIR="$W_DIR/run"
	outside_create
	# More than a plain NIC has, to see it all come back: an IPv4
	# secondary with a label, a second IPv6 address (list order), routes
	# in another table, with a metric, an MTU metric, a preferred source,
	# an IPv6 route through a gateway.
	ip -n "$DOM0" addr add 192.0.2.3/24 dev eth0 label eth0:1
	ip -n "$DOM0" addr add 2001:db8:1::5/64 dev eth0 nodad
	ip -n "$DOM0" route add 198.51.100.0/24 via 192.0.2.2 table 100 metric 5 mtu 1400
	ip -n "$DOM0" route add 203.0.113.0/24 via 192.0.2.2 src 192.0.2.3 metric 7 proto static
	ip -n "$DOM0" -6 route add 2001:db8:99::/48 via 2001:db8:1::2 metric 9
	settle
	BEFORE=$(host_state)
}

teardown() {
	world_teardown
}

# ---------------------------------------------------------------- helpers

# HP_VALGRIND=1 (make check-valgrind): under valgrind, any error or
# leak makes it exit 99.
nb() {
	local -a vg=()
	[ "${HP_VALGRIND:-0}" = 1 ] && vg=(valgrind -q --child-silent-after-fork=yes --leak-check=full --errors-for-leak-kinds=all
		--error-exitcode=99 "--suppressions=$HP_SRCDIR/tests/valgrind.supp")
	in_dom0 ${vg[@]+"${vg[@]}"} "$HP_BUILD/network-bridge" "$@"
}
# Always under valgrind: for what only valgrind sees.
# Under make check-asan the binary carries ASan, which valgrind cannot run:
# ASan checks it instead.
nb_valgrind() {
	if ldd "$HP_BUILD/network-bridge" 2>/dev/null | grep -q libasan; then
		nb "$@"
	else
		HP_VALGRIND=1 nb "$@"
	fi
}

# Everything `stop` must give back, unfiltered: ip's own JSON of every
# link, address and route (all tables, both families).  Nothing is
# filtered out: the NIC is never deleted (its ifindex stays), lifetimes
# are all "forever" here, and the comparison waits for transient states
# (IPv6 duplicate address detection, carrier) to end instead.
host_state() {
	in_dom0 ip -j link show
	in_dom0 ip -j addr show
	in_dom0 ip -j -4 route show table all
	in_dom0 ip -j -6 route show table all
}

# No address is tentative (DAD running) and every link has its carrier.
_settled() {
	! in_dom0 ip addr show | grep -q tentative &&
		! in_dom0 ip link show | grep -q NO-CARRIER
}
settle() { wait_for 5000 _settled; }

_state_is() { [ "$(host_state)" = "$1" ]; }

# The same with each route list sorted: only for a bridged host, whose
# bridge and port share a MAC and so an IPv6 link-local address.  The
# kernel makes the fe80::/64 and local routes of each link itself, when
# each one sees its carrier, and lists routes to one prefix in the order
# they were made; bringing the pair down and up again (a rolled-back stop)
# may make them the other way round.  Nothing else is relaxed.
host_state_routes_sorted() {
	host_state | jq -c 'if length > 0 and (.[0] | has("dst")) then sort_by(tostring) else . end'
}
_state_sorted_is() { [ "$(host_state_routes_sorted)" = "$1" ]; }
assert_state_routes_sorted() {
	if ! wait_for 5000 _state_sorted_is "$1"; then
		diff <(echo "$1" | jq -S .) <(host_state_routes_sorted | jq -S .) || true
		return 1
	fi
}
# assert_state SNAPSHOT: the host comes (back) to exactly SNAPSHOT.
assert_state() {
	if ! wait_for 5000 _state_is "$1"; then
		diff <(echo "$1" | jq -S .) <(host_state | jq -S .) || true
		return 1
	fi
}

outside_reaches() { in_outside busybox ping -c 1 -W 1 "$1" >/dev/null 2>&1; }
outside_reaches6() { in_outside busybox ping6 -c 1 -W 1 "$1" >/dev/null 2>&1; }

# The host is exactly as before start, and the outside reaches it at each
# of its addresses; no state file is left.
assert_restored() {
	assert_state "$BEFORE"
	[ ! -e "$XEN_HOTPLUG_RUN_DIR/network-bridge.eth0.state" ]
	wait_for 5000 outside_reaches 192.0.2.1
	outside_reaches 192.0.2.3
	wait_for 5000 outside_reaches6 2001:db8:1::1
	outside_reaches6 2001:db8:1::5
}

assert_bridged() { # assert_bridged BRIDGE PORT
	local br=$1 port=$2
	[ "$(link_json "$br" | jq -r .linkinfo.info_kind)" = bridge ]
	[ "$(link_master "$port")" = "$br" ]
	link_up "$br"
	link_up "$port"
	[ "$(link_json "$br" | jq -r .linkinfo.info_data.stp_state)" = 0 ]
	[ "$(link_json "$br" | jq -r .linkinfo.info_data.forward_delay)" = 0 ]
	[ "$(link_mac "$br")" = "$(link_mac "$port")" ]
	[ "$(link_mtu "$br")" = "$(link_mtu "$port")" ]
}

# ---------------------------------------------------------------- usage

@test "usage: --help, no command, unknown command, bad values" {
	run nb --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"start|stop|status"* ]]
	run nb
	[ "$status" -eq 2 ]
	run nb restart
	[ "$status" -eq 2 ]
	[[ "$output" == *"unknown command 'restart'"* ]]
	run nb start antispoof=maybe
	[ "$status" -eq 2 ]
	run nb start netdev=bad/name
	[ "$status" -eq 2 ]
	assert_state "$BEFORE"
}

# ---------------------------------------------------------------- start

@test "start: eth0 becomes a bridge over peth0, with its addresses, routes and traffic" {
	local mac
	mac=$(link_mac eth0)
	run nb start
	echo "$output"
	[ "$status" -eq 0 ]
	assert_bridged eth0 peth0
	[ "$(link_mac eth0)" = "$mac" ]
	[ "$(link_mtu eth0)" = 1500 ]
	# addresses, with label, secondary and order
	in_dom0 ip -j addr show dev eth0 | jq -c '.[0].addr_info[] | [.local, .prefixlen, .label]'
	[ "$(in_dom0 ip -j -4 addr show dev eth0 | jq -r '[.[0].addr_info[] | .local + "/" + (.prefixlen|tostring) + " " + .label] | join(",")')" = \
		"192.0.2.1/24 eth0,192.0.2.3/24 eth0:1" ]
	[ "$(in_dom0 ip -j -6 addr show dev eth0 | jq -r '[.[0].addr_info[] | select(.scope == "global") | .local] | join(",")')" = \
		"2001:db8:1::5,2001:db8:1::1" ]
	[ -z "$(in_dom0 ip -j addr show dev peth0 | jq -r '.[0].addr_info[] | select(.scope == "global") | .local')" ]
	# routes, with their attributes
	in_dom0 ip route show table 100 | grep -qx '198.51.100.0/24 via 192.0.2.2 dev eth0 metric 5 mtu 1400 *'
	in_dom0 ip route show | grep -q '^default via 192.0.2.2 dev eth0'
	in_dom0 ip route show | grep -q '^203.0.113.0/24 via 192.0.2.2 dev eth0 proto static src 192.0.2.3 metric 7'
	in_dom0 ip -6 route show | grep -q '^default via 2001:db8:1::2 dev eth0'
	in_dom0 ip -6 route show | grep -q '^2001:db8:99::/48 via 2001:db8:1::2 dev eth0 metric 9'
	# the outside still reaches the host at every address
	wait_for 5000 outside_reaches 192.0.2.1
	outside_reaches 192.0.2.3
	wait_for 5000 outside_reaches6 2001:db8:1::1
	outside_reaches6 2001:db8:1::5
	# the state file
	grep -qx 'netdev=eth0' "$XEN_HOTPLUG_RUN_DIR/network-bridge.eth0.state"
}

@test "start: a guest attached with vif-bridge reaches the outside" {
	[ -x "$HP_BUILD/vif-bridge" ] || skip "build/vif-bridge not built"
	run nb start
	[ "$status" -eq 0 ]
	guest_create 1 0 bridge=eth0 ip4=192.0.2.10/24 ip6=2001:db8:1::10/64
	run run_vif vif-bridge 1 0 online type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(link_master vif1.0)" = eth0 ]
	wait_for 5000 guest_ping 1 192.0.2.2
	guest_ping 1 192.0.2.1
	in_guest 1 busybox ping6 -c 1 -W 2 2001:db8:1::2 >/dev/null
}

@test "start twice and stop twice succeed; stop gives back every byte" {
	run nb start
	[ "$status" -eq 0 ]
	local bridged
	settle
	bridged=$(host_state)
	run nb start
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"nothing to do"* ]]
	assert_state "$bridged"
	run nb stop
	echo "$output"
	[ "$status" -eq 0 ]
	assert_state "$BEFORE"
	[ ! -e "$XEN_HOTPLUG_RUN_DIR/network-bridge.eth0.state" ]
	run nb stop
	[ "$status" -eq 0 ]
	[[ "$output" == *"nothing to do"* ]]
	assert_state "$BEFORE"
	# and again, for a second cycle
	run nb start netdev=eth0
	[ "$status" -eq 0 ]
	run nb stop netdev=eth0
	[ "$status" -eq 0 ]
	assert_state "$BEFORE"
	wait_for 5000 outside_reaches 192.0.2.1
}

@test "bridge=xenbr0: the NIC keeps its name; stop finds it from the default route" {
	run nb start bridge=xenbr0
	echo "$output"
	[ "$status" -eq 0 ]
	assert_bridged xenbr0 eth0
	! link_exists peth0
	[ "$(in_dom0 ip -j -4 addr show dev xenbr0 | jq -r '[.[0].addr_info[].label] | join(",")')" = "xenbr0,xenbr0:1" ]
	in_dom0 ip route show | grep -q '^default via 192.0.2.2 dev xenbr0'
	wait_for 5000 outside_reaches 192.0.2.1
	# start again without arguments: the default route is on xenbr0 now
	run nb start
	echo "$output"
	[ "$status" -eq 0 ]
	run nb status
	echo "$output"
	[[ "$output" == *"eth0: bridged by network-bridge"* ]]
	run nb stop
	echo "$output"
	[ "$status" -eq 0 ]
	assert_state "$BEFORE"
}

@test "start on a NIC already enslaved to the requested bridge is a no-op" {
	in_dom0 ip link add br9 type bridge
	in_dom0 ip link add eth9 type veth peer name eth9p
	in_dom0 ip link set eth9 master br9
	settle
	local before
	before=$(host_state)
	run nb start netdev=eth9 bridge=br9
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"nothing to do"* ]]
	assert_state "$before"
	run nb stop netdev=eth9 bridge=br9
	[ "$status" -eq 0 ]
	assert_state "$before"
}

# ---------------------------------------------------------------- refusals

@test "refused: bridge=null" {
	run nb start bridge=null
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"bridge=null"* ]]
	assert_state "$BEFORE"
}

@test "refused: the NIC is a port of another bridge" {
	in_dom0 ip link add br1 type bridge
	in_dom0 ip link add eth1 type veth peer name eth1p
	in_dom0 ip link set eth1 master br1
	settle
	local before
	before=$(host_state)
	run nb start netdev=eth1
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"'eth1' is a port of 'br1'"* ]]
	assert_state "$before"
}

@test "refused: the root filesystem is on NFS (XEN_HOTPLUG_PROC_MOUNTS)" {
	local m="$W_DIR/mounts"
	printf '%s\n' 'sysfs /sys sysfs rw 0 0' \
		'192.0.2.2:/export/root / nfs4 rw,relatime,vers=4.2,addr=192.0.2.2,clientaddr=192.0.2.1 0 0' >"$m"
	run in_dom0 env XEN_HOTPLUG_PROC_MOUNTS="$m" "$HP_BUILD/network-bridge" start
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"root filesystem is a network filesystem (nfs4 from 192.0.2.2:/export/root)"* ]]
	assert_state "$BEFORE"
	# a local root mounted over by nothing is fine
	printf '%s\n' '/dev/vda1 / ext4 rw 0 0' >"$m"
	run in_dom0 env XEN_HOTPLUG_PROC_MOUNTS="$m" "$HP_BUILD/network-bridge" start
	[ "$status" -eq 0 ]
}

@test "refused: p<netdev> exists, the bridge name is taken, the name is too long" {
	in_dom0 ip link add peth0 type veth peer name peth0p
	settle
	local before
	before=$(host_state)
	run nb start
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"'peth0' exists already"* ]]
	in_dom0 ip link add br7 type veth peer name br7p
	settle
	before=$(host_state)
	run nb start bridge=br7
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"'br7' exists already"* ]]
	in_dom0 ip link add abcdefghijklmno type veth peer name abcp
	run nb start netdev=abcdefghijklmno
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"longer than 15"* ]]
}

# ---------------------------------------------------------------- rollback

@test "start: a failure injected at every step leaves the host as it was" {
	local n=1 names=""
	while :; do
		run in_dom0 env XEN_HOTPLUG_FAIL_STEP=$n "$HP_BUILD/network-bridge" start
		[ "$status" -eq 0 ] && break
		echo "step $n: $output" | grep -E "failed at step|undoing" || true
		[ "$status" -eq 1 ]
		[[ "$output" == *"start failed at step $n "* ]]
		names+=" $(sed -n "s/.*start failed at step $n '\([a-z-]*\)'.*/\1/p" <<<"$output")"
		assert_state "$BEFORE"
		[ ! -e "$XEN_HOTPLUG_RUN_DIR/network-bridge.eth0.state" ]
		n=$((n + 1))
		[ "$n" -le 40 ]
	done
	echo "steps:$names"
	[ "$n" -ge 13 ]
	# the run that got through is a complete start
	assert_bridged eth0 peth0
	wait_for 5000 outside_reaches 192.0.2.1
	# by name, too
	run nb stop
	[ "$status" -eq 0 ]
	assert_state "$BEFORE"
	run in_dom0 env XEN_HOTPLUG_FAIL_STEP=bridge-routes "$HP_BUILD/network-bridge" start
	[ "$status" -eq 1 ]
	[[ "$output" == *"step 13 'bridge-routes'"* ]]
	assert_state "$BEFORE"
}

# kill_start_at_every_step [ARGS...]: start killed (SIGKILL) before each
# of its steps in turn, then a plain `stop`, which must give the host
# back whatever the start left: no bridge, the bridge under its first
# name, the NIC under either name, no addresses or routes anywhere, no
# default route to find the NIC by.
kill_start_at_every_step() {
	local n=1
	while :; do
		run in_dom0 env XEN_HOTPLUG_KILL_STEP=$n "$HP_BUILD/network-bridge" start "$@"
		[ "$status" -eq 0 ] && break
		echo "step $n: $output" | grep -E "killed before step" || true
		[ "$status" -eq 137 ]
		[[ "$output" == *"start: killed before step $n "* ]]
		run nb stop
		echo "$output"
		[ "$status" -eq 0 ]
		assert_restored
		n=$((n + 1))
		[ "$n" -le 40 ]
	done
	[ "$n" -ge 14 ]
	run nb stop
	[ "$status" -eq 0 ]
	assert_restored
}

@test "stop gives the host back after a start killed before any of its steps" {
	kill_start_at_every_step
}

@test "bridge=xenbr0: stop gives the host back after a start killed before any step" {
	kill_start_at_every_step bridge=xenbr0
}

@test "stop gives the host back after a stop killed before any of its steps" {
	local n=1
	while :; do
		run nb start
		[ "$status" -eq 0 ]
		run in_dom0 env XEN_HOTPLUG_KILL_STEP=$n "$HP_BUILD/network-bridge" stop
		[ "$status" -eq 0 ] && break
		[ "$status" -eq 137 ]
		[[ "$output" == *"stop: killed before step $n "* ]]
		run nb stop
		echo "after a stop killed before step $n: $output"
		[ "$status" -eq 0 ]
		assert_restored
		n=$((n + 1))
		[ "$n" -le 40 ]
	done
	[ "$n" -ge 13 ]
	assert_restored
}

@test "stop gives the host back when the bridge was deleted by hand" {
	local args
	for args in "" "bridge=xenbr0"; do
		run nb start $args
		[ "$status" -eq 0 ]
		in_dom0 ip link del "$( [ -n "$args" ] && echo xenbr0 || echo eth0)"
		# status says so, and reads no uninitialised memory
		run nb_valgrind status netdev=eth0
		echo "$output"
		[ "$status" -eq 0 ]
		[[ "$output" == *"INCOMPLETE: run stop"* ]]
		run nb stop netdev=eth0
		echo "$output"
		[ "$status" -eq 0 ]
		assert_restored
	done
	# the same found without netdev=: no default route is left to find it by
	run nb start
	[ "$status" -eq 0 ]
	in_dom0 ip link del eth0
	! in_dom0 ip route show | grep -q default
	run nb_valgrind status
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"eth0: bridged by network-bridge"*"INCOMPLETE: run stop"* ]]
	[[ "$output" == *"peth0: veth, up"* ]]
	run nb stop
	echo "$output"
	[ "$status" -eq 0 ]
	assert_restored
}

@test "stop: a failure injected at every step leaves the bridge as it was" {
	run nb start
	[ "$status" -eq 0 ]
	settle
	local bridged n=1
	bridged=$(host_state_routes_sorted)
	while :; do
		run in_dom0 env XEN_HOTPLUG_FAIL_STEP=$n "$HP_BUILD/network-bridge" stop
		[ "$status" -eq 0 ] && break
		echo "step $n: $output" | grep -E "failed at step" || true
		[ "$status" -eq 1 ]
		[[ "$output" == *"stop failed at step $n "* ]]
		assert_state_routes_sorted "$bridged"
		[ -e "$XEN_HOTPLUG_RUN_DIR/network-bridge.eth0.state" ]
		n=$((n + 1))
		[ "$n" -le 40 ]
	done
	[ "$n" -ge 13 ]
	assert_state "$BEFORE"
}

@test "stop finishes an interrupted start (state file left behind)" {
	# A start that did not complete (killed half way): its state file
	# is there but the NIC is not a port of the bridge.  Simulated by
	# releasing the port by hand after a start.
	run nb start
	[ "$status" -eq 0 ]
	# undo half of it behind network-bridge's back: the NIC released
	in_dom0 ip link set peth0 nomaster
	run nb start
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"did not finish"* ]]
	run nb stop
	echo "$output"
	[ "$status" -eq 0 ]
	assert_state "$BEFORE"
}

# ---------------------------------------------------------------- lock

@test "lock: a start waits for a concurrent holder of the lock" {
	mkdir -p "$XEN_HOTPLUG_RUN_DIR"
	local lock="$XEN_HOTPLUG_RUN_DIR/network-bridge.eth0.lock" t0 t1
	flock "$lock" sleep 1 &
	sleep 0.2
	t0=$(date +%s%N)
	run nb start
	t1=$(date +%s%N)
	wait
	[ "$status" -eq 0 ]
	[ $(((t1 - t0) / 1000000)) -ge 500 ]
}

# ---------------------------------------------------------------- status

@test "status: before, during and after, in words" {
	run nb status
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"eth0: not bridged by network-bridge"* ]]
	[[ "$output" == *"192.0.2.3/24"* ]]
	[[ "$output" == *"default via 192.0.2.2 table 254"* ]]
	run nb start
	[ "$status" -eq 0 ]
	run nb status
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"eth0: bridged by network-bridge"*"bridge eth0, port peth0"* ]]
	[[ "$output" == *"eth0: bridge, up, mtu 1500"* ]]
	[[ "$output" == *"ports: peth0"* ]]
	[[ "$output" == *"192.0.2.1/24"* ]]
	[[ "$output" == *"-6 default via 2001:db8:1::2"* ]]
	[[ "$output" == *"198.51.100.0/24 via 192.0.2.2 table 100 metric 5"* ]]
	[[ "$output" == *"peth0: veth, up"*"port of bridge eth0"* ]]
}

# ---------------------------------------------------------------- antispoof

@test "antispoof=yes: an unguarded guest is kept off the uplink, a guarded one is not" {
	[ -x "$HP_BUILD/vif-bridge" ] || skip "build/vif-bridge not built"
	command -v nft >/dev/null || skip "needs nft"
	run nb start antispoof=yes
	echo "$output"
	echo "status $status"
	[ "$status" -eq 0 ]
	in_dom0 nft list set bridge xen_hotplug strict_uplinks | grep -q '"peth0"'
	guest_create 1 0 bridge=eth0 ip4=192.0.2.11/24 ip=192.0.2.11
	guest_create 2 0 bridge=eth0 ip4=192.0.2.12/24
	run run_vif vif-bridge 1 0 online type_if=vif
	[ "$status" -eq 0 ]
	run run_vif vif-bridge 2 0 online type_if=vif
	[ "$status" -eq 0 ]
	wait_for 5000 guest_ping 1 192.0.2.2
	guest_noping 2 192.0.2.2
	run nb stop
	[ "$status" -eq 0 ]
	! in_dom0 nft list set bridge xen_hotplug strict_uplinks | grep -q '"peth0"'
}
