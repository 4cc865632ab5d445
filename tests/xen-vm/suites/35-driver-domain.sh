# 35-driver-domain: a network driver domain (what Qubes' sys-net is).
# xt-ddom is a PV domU created with driver_domain=1 from dom0's own files
# (packed at setup, without /var/log/xen), running ddom/init: it loads
# xen-netback, has its own bridge xenbrd (10.35.0.1/24) and runs `xl
# devd`, which runs the vif scripts there for the vifs whose backend it
# is.  Our tools reach dom0's xenstored through /dev/xen/xenbus; libxl's
# XENBUS_PATH is relative and resolves under the driver domain's own
# /local/domain/<id>.  dom0 drives it through xenstore (dd_run below).
#
# Guests with vifs `backend=xt-ddom`:
#   xt-dd-ours  our vif-bridge (the default script), ip= so guarded;
#   xt-dd-none  ours with the guard off (a wrapper in the driver domain,
#               XEN_HOTPLUG_ANTISPOOF=none): the control of the spoofing;
#   xt-dd-up    Debian's vif-bridge.upstream: without /var/log/xen it
#               exits 1 before doing anything (its `exec 2>>` to the log);
#               once the directory is made, a second vif of it works.
# The driver domain pings them; xt-dd-ours and xt-dd-none try the same
# spoofing, counted there: nothing of the guarded guest's crosses, all of
# the control's does.  network-attach/-detach of a second vif of ours; a
# failing online (a missing bridge), ours and upstream's, read from dom0;
# destroy leaves nothing in the driver domain.
# xt-vm: intel
DD=xt-ddom
G=xt-dd-ours
C=xt-dd-none
U=xt-dd-up
DD_SEQ=$XT_DIR/ddom.seq
XT_TEST_TIMEOUT=240 # the driver domain shares 2 CPUs with dom0 and the guests

# dd_run COMMAND: runs COMMAND with bash in the driver domain, prints its
# output (the end of it), returns its status.
dd_run() {
	local n d r i=0
	n=$(($(cat $DD_SEQ 2>/dev/null || echo 0) + 1))
	echo $n >$DD_SEQ
	d=$(xt_domid $DD)
	xenstore-write -R "/local/domain/$d/data/xt-cmd" "$n $*"
	{ set +x; } 2>/dev/null
	while :; do
		r=$(xenstore-read "/local/domain/$d/data/xt-rc" 2>/dev/null) || r=
		[ "${r%% *}" != "$n" ] || break
		i=$((i + 1))
		[ $i -lt 300 ] || xt_fail "the driver domain did not answer: $*"
		xt_sleep 0.2
	done
	set -x
	xenstore-read -R "/local/domain/$d/data/xt-out"
	return "${r#* }"
}
dd_be() { echo "/local/domain/$(xt_domid $DD)/backend/vif/$(xt_domid "$1")/${2:-0}"; }

t_setup() {
	local t
	# dom0's files, as a driver domain's root: no boot files, no runtime
	# state, no /var/log/xen, not Open vSwitch nor libvirt
	t=$(xt_now)
	(cd / && find . -xdev \( -path './proc/*' -o -path './sys/*' -o -path './dev/*' -o \
		-path './run/*' -o -path './tmp/*' -o -path './boot/*' -o -path './var/log/xen' -o \
		-path './usr/lib/x86_64-linux-gnu/libvirt' -o -path './usr/lib/openvswitch-switch' -o \
		-name 'ovs*' -o -name 'libicu*' \) -prune -o -print |
		cpio -o -H newc >$XT_DIR/ddom.cpio)
	echo "packed $(($(stat -c %s $XT_DIR/ddom.cpio) >> 20)) MiB in $((($(xt_now) - t) / 1000)) ms"
	XT_GUEST_INITRD=$XT_DIR/ddom.cpio XT_GUEST_MEMORY=320 XT_GUEST_CMDLINE="rdinit=/xt/ddom-init " \
		XT_GUEST_CFG="driver_domain = 1" xt_guest_start $DD ""
	xt_wait 90 grep -q '^xd: up' "/var/log/xen/console/guest-$DD.log"
	dd_run 'ip link add xenbrd type bridge && ip addr add 10.35.0.1/24 dev xenbrd && ip link set xenbrd up'
	# what reaches the driver domain's own stack from each guest
	dd_run "nft -f - <<'EOF'
table inet probe35 {
	counter g_legit {}
	counter g_ip {}
	counter c_legit {}
	counter c_ip {}
	chain pre {
		type filter hook prerouting priority -400;
		ip saddr 10.35.0.10 icmp type echo-request counter name g_legit
		ip saddr 10.35.0.66 icmp type echo-request counter name g_ip
		ip saddr 10.35.0.20 icmp type echo-request counter name c_legit
		ip saddr 10.35.0.77 icmp type echo-request counter name c_ip
	}
}
EOF"
	# the control's script: ours with the guard off, for its vif only
	dd_run 'cat >/etc/xen/scripts/vif-bridge-xtnone <<"EOF"
#!/bin/bash
XEN_HOTPLUG_ANTISPOOF=none exec /etc/xen/scripts/vif-bridge "$@"
EOF
chmod 0755 /etc/xen/scripts/vif-bridge-xtnone'
	dd_run '[ ! -e /var/log/xen ] && ! running xenstored && running xl devd'
}

# dom0 does not wait for a driver domain's scripts: a guest may run
# before its vif is connected there, and tries for a while
GUEST_LIB='ping_wait() { local n=20; while [ $n -gt 0 ]; do ping_ok "$1" && return 0; n=$((n - 1)); done; return 1; }
'

t_create() {
	local g p=()
	xt_guest_start $G "${GUEST_LIB}net 10.35.0.10/24
check ping ping_wait 10.35.0.1
wait_pinged
spoof spoofed 10.35.0.1 10.35.0.66/24 00:16:3e:00:35:66
if wait_dev eth1 120; then ip addr flush dev eth0; net 10.35.0.12/24 '' eth1; check ping1 ping_wait 10.35.0.1; fi" \
		"backend=$DD,mac=00:16:3e:00:35:10,bridge=xenbrd,ip=10.35.0.10" &
	p+=($!)
	xt_guest_start $C "${GUEST_LIB}net 10.35.0.20/24
check ping ping_wait 10.35.0.1
wait_pinged
spoof spoofed 10.35.0.1 10.35.0.77/24 00:16:3e:00:35:77" \
		"backend=$DD,mac=00:16:3e:00:35:20,bridge=xenbrd,ip=10.35.0.20,script=vif-bridge-xtnone" &
	p+=($!)
	for g in "${p[@]}"; do
		wait "$g"
	done
	for g in $G $C; do
		xt_wait 60 eval '[ "$(xenstore-read "$(dd_be '$g')/hotplug-status" 2>/dev/null)" = connected ]'
		# dom0 has no backend of it
		xt_not xenstore-exists "/local/domain/0/backend/vif/$(xt_domid $g)"
		xt_not ip link show "$(xt_vif $g)"
	done
	# in the driver domain: ports of xenbrd, up; ours guarded in its own
	# ruleset, the control not
	dd_run "port_up $(xt_vif $G) xenbrd && port_up $(xt_vif $C) xenbrd &&
		guarded $(xt_vif $G) && ! guarded $(xt_vif $C) &&
		grep 'vif-bridge.$(xt_vif $G).: online: attached to bridge .xenbrd., mtu 1500, guarded' /run/xt/devd.log"
	[[ $(nft list ruleset) != *"$(xt_vif $G)"* ]] # not in dom0's
}

t_traffic() {
	[ "$(xt_guest_get $G ping 90)" = ok ]
	[ "$(xt_guest_get $C ping 90)" = ok ]
	dd_run 'ping -c 1 -W 5 10.35.0.10 && ping -c 1 -W 5 10.35.0.20'
}

t_spoof() {
	local c
	xt_guest_get $G spoofed
	xt_guest_get $C spoofed
	c=$(dd_run 'nft list counters table inet probe35' | tr -s ' \t\n' '   ')
	echo "$c"
	[[ $c =~ g_legit\ \{\ packets\ ([0-9]+) ]] && [ "${BASH_REMATCH[1]}" -gt 0 ]
	[[ $c =~ g_ip\ \{\ packets\ ([0-9]+) ]] && [ "${BASH_REMATCH[1]}" -eq 0 ] ||
		xt_fail "the guarded guest's spoofed source address crossed"
	[[ $c =~ c_legit\ \{\ packets\ ([0-9]+) ]] && [ "${BASH_REMATCH[1]}" -gt 0 ]
	[[ $c =~ c_ip\ \{\ packets\ ([0-9]+) ]] && [ "${BASH_REMATCH[1]}" -gt 0 ] ||
		xt_fail "control: the unguarded guest's spoofed source address did not cross"
}

t_attach() {
	local v
	xl network-attach $G backend=$DD mac=00:16:3e:00:35:12 bridge=xenbrd ip=10.35.0.12
	v=vif$(xt_domid $G).1
	xt_wait 60 eval '[ "$(xenstore-read "$(dd_be '$G' 1)/hotplug-status" 2>/dev/null)" = connected ]'
	dd_run "port_up $v xenbrd && guarded $v"
	[ "$(xt_guest_get $G ping1 90)" = ok ]
	dd_run 'ping -c 1 -W 5 10.35.0.12'
}

t_detach() {
	local v
	v=vif$(xt_domid $G).1
	xl network-detach $G 1
	xt_wait 60 xt_no_xs "$(dd_be $G 1)"
	dd_run "! ip link show $v && ! guarded $v && grep 'vif-bridge.$v.: offline: ' /run/xt/devd.log"
	# the first vif untouched
	[ "$(xenstore-read "$(dd_be $G)/hotplug-status")" = connected ]
}

# A missing bridge: the online fails in the driver domain; dom0 does not
# wait for the script, and reads the error from the driver domain's
# backend.  fail_attach GUEST MAC [SCRIPT]: prints the backend path.
fail_attach() {
	local n
	xl network-attach "$1" backend=$DD mac="$2" bridge=nosuchbr ${3:+script=$3} >&2 || true
	# libxl's devid: the highest plus one
	n=$(xenstore-list "/local/domain/$(xt_domid "$1")/device/vif" | sort -n | tail -n 1)
	echo "$(dd_be "$1" "$n")"
}

t_fail() {
	local be err
	be=$(fail_attach $G 00:16:3e:00:35:1f)
	xt_wait 60 eval '[ "$(xenstore-read "'$be'/hotplug-status" 2>/dev/null)" = error ]'
	err=$(xenstore-read "$be/hotplug-error")
	echo "hotplug-error: $err"
	xl network-list $G
	[ "$err" = "unable to find bridge 'nosuchbr': no such device" ]
	xt_note "driver domain: a missing bridge, ours: hotplug-error '$err', read by dom0 in the driver domain's backend"
	# nothing left of it in the driver domain
	dd_run "v=vif$(xt_domid $G).${be##*/}; ! ip -o link show \$v | grep -q master && ! guarded \$v"
}

# Upstream's, without /var/log/xen (after ours has run there: it made
# none): exits 1, writes nothing.
t_upstream_no_log() {
	local e
	dd_run '[ ! -e /var/log/xen ]'
	xt_guest_start $U "${GUEST_LIB}if wait_dev eth1 300; then net 10.35.0.31/24 '' eth1; check ping1 ping_wait 10.35.0.1; fi" \
		"backend=$DD,mac=00:16:3e:00:35:30,bridge=xenbrd,ip=10.35.0.30,script=vif-bridge.upstream"
	xt_wait 60 dd_run "grep -q 'vif-bridge.upstream online .* exited with error status 1' /run/xt/devd.log"
	e=$(xenstore-read "$(dd_be $U)/hotplug-status" 2>/dev/null) || e=
	[ "$e" != connected ]
	dd_run "! port_up $(xt_vif $U) xenbrd; grep 'xen-hotplug.log' /run/xt/devd.log | head -n 1"
	xt_note "driver domain without /var/log/xen: upstream's vif-bridge exits 1 at its 'exec 2>>/var/log/xen/xen-hotplug.log' (hotplug-status '${e}', no hotplug-error); ours works and logs to stderr (xl devd's log)"
}

# Upstream's, once /var/log/xen exists: a second vif of xt-dd-up connects
# and the guest reaches the driver domain over it; its failing online.
t_upstream() {
	local be err
	dd_run 'mkdir -p /var/log/xen'
	xl network-attach $U backend=$DD mac=00:16:3e:00:35:31 bridge=xenbrd script=vif-bridge.upstream
	xt_wait 60 eval '[ "$(xenstore-read "$(dd_be '$U' 1)/hotplug-status" 2>/dev/null)" = connected ]'
	dd_run "port_up vif$(xt_domid $U).1 xenbrd && ! guarded vif$(xt_domid $U).1"
	[ "$(xt_guest_get $U ping1 120)" = ok ]
	be=$(fail_attach $U 00:16:3e:00:35:3f vif-bridge.upstream)
	xt_wait 60 eval '[ "$(xenstore-read "'$be'/hotplug-status" 2>/dev/null)" = error ]'
	err=$(xenstore-read "$be/hotplug-error")
	echo "hotplug-error: $err"
	xt_note "driver domain: a missing bridge, upstream's (with /var/log/xen): hotplug-error '$err'"
}

t_destroy() {
	local g vifs="" d
	for g in $G $C $U; do
		vifs+=" vif$(xt_domid $g).0"
		xl destroy $g
	done
	d=$(xt_domid $DD)
	xt_wait 60 eval '[ -z "$(xenstore-list /local/domain/'$d'/backend/vif 2>/dev/null)" ]'
	dd_run "for v in $vifs; do ! ip link show \$v || exit 1; done
		! nft list table netdev xen_hotplug | grep -q '\"vif[0-9]' &&
		[ -z \"\$(ip -o link show master xenbrd)\" ]"
	[ -z "$(xenstore-list /local/domain/0/backend/vif 2>/dev/null)" ]
}

xt_test driver-domain/setup t_setup
xt_test driver-domain/guests-created t_create
xt_test driver-domain/traffic t_traffic
xt_test driver-domain/spoof-blocked-control-crosses t_spoof
xt_test driver-domain/xl-network-attach t_attach
xt_test driver-domain/xl-network-detach t_detach
xt_test driver-domain/failing-online-seen-from-dom0 t_fail
xt_test driver-domain/upstream-without-var-log-xen t_upstream_no_log
xt_test driver-domain/upstream-with-var-log-xen t_upstream
xt_test driver-domain/xl-destroy-leaves-nothing t_destroy
xl destroy $DD 2>/dev/null
rm -f $XT_DIR/ddom.cpio
