# 70-admin: xen-hotplug status, verify and repair under the real xl,
# libxl and netback.  One guest with two NICs on xenbr0: a guarded one
# (ip=, 192.0.2.30) and a plain one (198.51.100.31; dom0 has 192.0.2.1
# and 198.51.100.1 on xenbr0).  status lists both as libxl and netback
# made them; verify passes; then two drifts an administrator meets (the
# guarded port out of its bridge, the guard's table deleted): verify exits
# 1 naming each, repair puts it back (dom0's ping of the NIC fails while
# it is out of the bridge, the control: it crossed before, and crosses
# after), the other NIC's port is untouched.  After xl destroy, nothing is
# left for gc.  (More drifts, each with traffic: tests/xen-hotplug.bats;
# this suite keeps to what only the real toolstack shows, and to its
# share of the VM's time limit.)
G=xa-guest
XH=/usr/sbin/xen-hotplug # the package's

t_setup() {
	ip link add xenbr0 type bridge
	ip addr add 192.0.2.1/24 dev xenbr0
	ip addr add 198.51.100.1/24 dev xenbr0
	ip link set xenbr0 up
}

t_create() {
	xt_guest_start $G "net 192.0.2.30/24
net 198.51.100.31/24 '' eth1
check ping ping_ok 192.0.2.1" \
		"mac=00:16:3e:00:00:30,bridge=xenbr0,ip=192.0.2.30" "mac=00:16:3e:00:00:31,bridge=xenbr0"
	[ "$(xt_guest_get $G ping)" = ok ]
	xt_port_up "$(xt_vif $G 0)" xenbr0
	xt_port_up "$(xt_vif $G 1)" xenbr0
}

t_status() {
	out=$($XH status)
	echo "$out"
	v0=$(xt_vif $G 0) v1=$(xt_vif $G 1) d=$(xt_domid $G)
	# one line each: domain id and name, our tool, netback's Connected,
	# libxl's connected, the bridge, the guard (or none), its drops, no
	# drift
	[[ $out =~ $v0\ +$d\ $G\ +vif-bridge\ +Connected\ +connected\ +up\ +1500\ +xenbr0\ +bridge\ +[0-9]+\ +ok ]]
	[[ $out =~ $v1\ +$d\ $G\ +vif-bridge\ +Connected\ +connected\ +up\ +1500\ +xenbr0\ +-\ +-\ +ok ]]
	$XH status -j >/run/xt/status.json
	jq -e --arg v "$v0" '.version == 1 and ([.vifs[] | select(.vif == $v)][0]
		| .guard.rules == "mac=00:16:3e:00:00:30 192.0.2.30/32 br" and .guard.chain
		and (.guard.drops | length) == 10 and .link.name == $v
		and .link.master == "xenbr0" and .state == "Connected" and .drift == [])' \
		/run/xt/status.json || { cat /run/xt/status.json; xt_fail "status -j"; }
	$XH verify
}

# drift NAME CMD LINE: CMD makes the drift; verify exits 1 saying LINE;
# repair; verify exits 0, the other NIC's port as it was.
drift() {
	other=$(ip -o link show dev "$(xt_vif $G 1)" | sed 's/ qlen.*//')
	eval "$2"
	set +e
	out=$($XH verify)
	rc=$?
	set -e
	echo "$out"
	[ "$rc" -eq 1 ] || xt_fail "verify exited $rc after: $1"
	[ "$out" = "$3" ] || xt_fail "verify said '$out', not '$3'"
	[ "$1" != bridge ] || xt_not ping -c 1 -w 2 192.0.2.30
	$XH repair
	ping -c 1 -w 10 192.0.2.30
	$XH verify
	[ "$(ip -o link show dev "$(xt_vif $G 1)" | sed 's/ qlen.*//')" = "$other" ]
}

t_port_out() {
	v=$(xt_vif $G 0)
	ping -c 1 -w 10 192.0.2.30
	drift bridge "ip link set $v nomaster" "$v: bridge: expected 'xenbr0', found none"
	xt_port_up "$v" xenbr0
	ping -c 1 -w 10 198.51.100.31
}

t_guard_gone() {
	v=$(xt_vif $G 0)
	drift guard "nft delete table netdev xen_hotplug" \
		"$v: guard: expected 'mac=00:16:3e:00:00:30 192.0.2.30/32 br' in table netdev xen_hotplug, chain in_$v, found no table netdev xen_hotplug"
	xt_guarded netdev "$v"
}

t_destroy_gc() {
	v=$(xt_vif $G 0)
	xl destroy $G
	xt_wait 30 xt_gone "$v"
	out=$($XH gc)
	echo "$out"
	[ "$out" = "gc: 0 removed, 0 kept, 0 failed" ]
	$XH verify
}

xt_test admin/setup t_setup
xt_test admin/xl-create t_create
xt_test admin/status-verify t_status
xt_test admin/port-out-of-bridge t_port_out
xt_test admin/guard-table-deleted t_guard_gone
xt_test admin/destroy-gc t_destroy_gc
ip link del xenbr0 2>/dev/null
