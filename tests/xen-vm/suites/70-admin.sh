# 70-admin: xen-hotplug status, verify and repair under the real xl,
# libxl and netback.  Two guests on xenbr0 (192.0.2.1/24 in dom0), one
# guarded (ip=), one not.  status lists them as libxl and netback made
# them; verify passes; then drifts an administrator meets (a port out of
# its bridge, the guard's table deleted, a link down): verify exits 1
# naming each, dom0's ping of the guest fails (the control: it crossed
# before), repair puts it back and the ping crosses again; the other
# guest's port is untouched.  After xl destroy, nothing is left for gc.
G=xa-guarded
C=xa-plain
XH=/usr/local/sbin/xen-hotplug

t_setup() {
	ip link add xenbr0 type bridge
	ip addr add 192.0.2.1/24 dev xenbr0
	ip link set xenbr0 up
}

t_create() {
	xt_guest_start $G "net 192.0.2.30/24
check ping ping_ok 192.0.2.1" "mac=00:16:3e:00:00:30,bridge=xenbr0,ip=192.0.2.30" &
	g=$!
	xt_guest_start $C "net 192.0.2.31/24
check ping ping_ok 192.0.2.1" "mac=00:16:3e:00:00:31,bridge=xenbr0" &
	c=$!
	wait $g
	wait $c
	[ "$(xt_guest_get $G ping)" = ok ]
	[ "$(xt_guest_get $C ping)" = ok ]
	xt_port_up "$(xt_vif $G)" xenbr0
	xt_port_up "$(xt_vif $C)" xenbr0
}

t_status() {
	out=$($XH status)
	echo "$out"
	vg=$(xt_vif $G) vc=$(xt_vif $C)
	# one line each: domain id and name, our tool, netback's Connected,
	# libxl's connected, the bridge, the guard (or none), no drift
	[[ $out =~ $vg\ +$(xt_domid $G)\ $G\ +vif-bridge\ +Connected\ +connected\ +up\ +1500\ +xenbr0\ +bridge\ +-\ +ok ]]
	[[ $out =~ $vc\ +$(xt_domid $C)\ $C\ +vif-bridge\ +Connected\ +connected\ +up\ +1500\ +xenbr0\ +-\ +-\ +ok ]]
	$XH status -j >/run/xt/status.json
	jq -e --arg v "$vg" '.version == 1 and ([.vifs[] | select(.vif == $v)][0]
		| .guard.rules == "mac=00:16:3e:00:00:30 192.0.2.30/32" and .link.name == $v
		and .link.master == "xenbr0" and .state == "Connected" and .drift == [])' \
		/run/xt/status.json || { cat /run/xt/status.json; xt_fail "status -j"; }
	$XH verify
}

# drift NAME CMD LINE: CMD makes the drift; verify exits 1 saying LINE,
# the ping from dom0 fails; repair; the ping crosses, verify exits 0.
drift() {
	ping -c 1 -w 10 192.0.2.30
	ping -c 1 -w 10 192.0.2.31
	plain=$(ip -o link show dev "$(xt_vif $C)")
	eval "$2"
	set +e
	out=$($XH verify)
	rc=$?
	set -e
	echo "$out"
	[ "$rc" -eq 1 ] || xt_fail "verify exited $rc after: $1"
	[ "$out" = "$3" ] || xt_fail "verify said '$out', not '$3'"
	[ "$1" = guard ] || xt_not ping -c 1 -w 3 192.0.2.30
	$XH repair
	ping -c 1 -w 10 192.0.2.30
	$XH verify
	# the other guest's port as it was (the same flags, master, counters aside)
	[ "$(ip -o link show dev "$(xt_vif $C)" | sed 's/ qlen.*//')" = "$(sed 's/ qlen.*//' <<<"$plain")" ]
}

t_port_out() {
	v=$(xt_vif $G)
	drift bridge "ip link set $v nomaster" "$v: bridge: expected 'xenbr0', found none"
	xt_port_up "$v" xenbr0
}

t_guard_gone() {
	v=$(xt_vif $G)
	drift guard "nft delete table bridge xen_hotplug" \
		"$v: guard: expected 'mac=00:16:3e:00:00:30 192.0.2.30/32' in table bridge xen_hotplug, found no table bridge xen_hotplug"
	xt_guarded bridge "$v"
}

t_link_down() {
	v=$(xt_vif $G)
	drift link "ip link set $v down" "$v: link: expected up, found down"
}

t_destroy_gc() {
	xl destroy $G
	xl destroy $C
	xt_wait 30 xt_gone "$(xt_vif $G 2>/dev/null || echo none)"
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
xt_test admin/link-down t_link_down
xt_test admin/destroy-gc t_destroy_gc
ip link del xenbr0 2>/dev/null
