# 60-vlan: guests on VLANs, by libxl's vif scripts, with traffic.
#
# Two guests, booted once:
#   eth0  on xenbrv, a Linux bridge with vlan_filtering, by our vif-bridge
#         from the `vlan` key: A vlan=10 (an access port), B
#         vlan=20p/10/100-102 (PVID 20 untagged, VLANs 10 and 100 to 102
#         tagged: a trunk, its range set as a range);
#   eth1  on ovsbr0, Open vSwitch on the kernel datapath, by our
#         vif-openvswitch: A bridge=ovsbr0.10 (access), B
#         bridge=ovsbr0.20:10 (native VLAN 20 untagged, trunk 10);
#   eth2  of B, on ovsbr0 by upstream's vif-openvswitch (Debian's,
#         side by side) with the same bridge=ovsbr0.20:10: its trunk
#         defect (OVS makes the port an access port of VLAN 20);
#   eth2  of A, eth3 of B: the anti-spoofing guard on Open vSwitch ports
#         (the vif's netdev ingress chain, before the kernel datapath):
#         both bridge=ovsbr0.30 with ip=, A's by our vif-openvswitch
#         (guarded), B's with XEN_HOTPLUG_ANTISPOOF=none (the control).
#         Both send from another source address, an unsolicited ARP for
#         it, and from another MAC; dom0 counts what reaches its VLAN 30
#         port: nothing spoofed from A, all of it from B;
#   eth4  of B: a guarded trunk on xenbrv (vlan=20p/10, ip= on both
#         VLANs): its own frames tagged 10 cross (the guard judges the
#         inner headers), its tagged frames from another address do not,
#         while the same from B's unguarded eth0.10 (the control) do;
#   eth3  of A: a guarded trunk on ovsbr0 (bridge=ovsbr0.30:40, ip= on
#         both VLANs): its own frames tagged 40 cross.
# dom0 has an address on VLANs 10 and 20 of each bridge (VLAN interfaces
# of xenbrv; internal ports of ovsbr0).  Each negative check has its
# control through the same port or to the same address: B reaches A over
# its tagged VLAN 10, then not from its untagged VLAN 20 with an address
# in A's subnet; A's frames tagged 20 do not reach dom0's VLAN 20, which
# B reaches untagged.
#
# Xen 4.17's xl has no vlan= in a vif spec (4.19 has it, commit
# 0cc01c603f "tools/xl: add vlan keyword to vif option"): the bridge
# NICs run vif-bridge through a wrapper that writes the backend's `vlan`
# key as libxl 4.19 does, then runs ours.
A=xt-vlan-a
B=xt-vlan-b
OVS_RUN=/run/openvswitch
OVS_DB=$XT_DIR/ovs-vlan.db

t_setup() {
	modprobe 8021q
	modprobe openvswitch
	# one ip and one bridge process (each costs tenths of a second here)
	ip -batch - <<-EOF
		link add xenbrv type bridge vlan_filtering 1
		link set xenbrv up
		link add link xenbrv name xenbrv.10 type vlan id 10
		link add link xenbrv name xenbrv.20 type vlan id 20
		addr add 10.10.0.1/24 dev xenbrv.10
		addr add 10.20.0.1/24 dev xenbrv.20
		link set xenbrv.10 up
		link set xenbrv.20 up
	EOF
	bridge -batch - <<-EOF
		vlan add dev xenbrv vid 10 self
		vlan add dev xenbrv vid 20 self
	EOF

	mkdir -p $OVS_RUN /etc/openvswitch
	rm -f $OVS_DB
	ovsdb-tool create $OVS_DB /usr/share/openvswitch/vswitch.ovsschema
	ovsdb-server $OVS_DB --remote=punix:$OVS_RUN/db.sock --pidfile=$OVS_RUN/ovsdb-server.pid \
		--detach --log-file=$XT_LOG/vlan/ovsdb-server.log
	ovs-vsctl --no-wait init
	/usr/lib/openvswitch-switch/ovs-vswitchd unix:$OVS_RUN/db.sock \
		--pidfile=$OVS_RUN/ovs-vswitchd.pid --detach --log-file=$XT_LOG/vlan/ovs-vswitchd.log
	ovs-vsctl add-br ovsbr0 \
		-- add-port ovsbr0 ov10 tag=10 -- set Interface ov10 type=internal \
		-- add-port ovsbr0 ov20 tag=20 -- set Interface ov20 type=internal \
		-- add-port ovsbr0 ov30 tag=30 -- set Interface ov30 type=internal \
		-- add-port ovsbr0 ov40 tag=40 -- set Interface ov40 type=internal
	xt_wait 20 ip link show ov40
	ip -batch - <<-EOF
		addr add 10.110.0.1/24 dev ov10
		addr add 10.120.0.1/24 dev ov20
		addr add 10.130.0.1/24 dev ov30
		addr add 10.140.0.1/24 dev ov40
		link set ov10 up
		link set ov20 up
		link set ov30 up
		link set ov40 up
		link set ovsbr0 up
	EOF

	mkdir -p $XT_DIR/vlan
	echo 10 >$XT_DIR/vlan/00:16:3e:00:06:10
	echo 20p/10/100-102 >$XT_DIR/vlan/00:16:3e:00:06:20
	echo 20p/10 >$XT_DIR/vlan/00:16:3e:00:06:24
	cat >$XT_SCRIPTS/vif-bridge-xtvlan <<-'EOF'
		#!/bin/bash
		# what libxl 4.19 does for vlan= (Xen 4.17's xl has no such key)
		if [ "$1" = online ] &&
			read -r v <"/run/xt/vlan/$(xenstore-read "$XENBUS_PATH/mac")"; then
			xenstore-write "$XENBUS_PATH/vlan" "$v"
		fi
		exec /etc/xen/scripts/vif-bridge "$@"
	EOF
	chmod 0755 $XT_SCRIPTS/vif-bridge-xtvlan
	cat >$XT_SCRIPTS/vif-openvswitch-xtnone <<-'EOF'
		#!/bin/bash
		# the guard's control: ours, with the guard off for this vif only
		XEN_HOTPLUG_ANTISPOOF=none exec /etc/xen/scripts/vif-openvswitch "$@"
	EOF
	chmod 0755 $XT_SCRIPTS/vif-openvswitch-xtnone
	# what reaches dom0's VLAN 30 port from the guard's two NICs
	nft -f - <<-'EOF'
		table inet probe60 {
			counter a_legit {}
			counter a_ip {}
			counter a_mac {}
			counter b_legit {}
			counter b_ip {}
			counter b_mac {}
			counter bt_legit {}
			counter bt_ip {}
			counter bc_ip {}
			counter at_legit {}
			chain pre {
				type filter hook prerouting priority -400;
				iifname "ov30" ether saddr 00:16:3e:00:06:66 icmp type echo-request counter name a_mac
				iifname "ov30" ether saddr 00:16:3e:00:06:77 icmp type echo-request counter name b_mac
				iifname "ov30" ip saddr 10.130.0.12 icmp type echo-request counter name a_legit
				iifname "ov30" ip saddr 10.130.0.66 icmp type echo-request counter name a_ip
				iifname "ov30" ip saddr 10.130.0.23 icmp type echo-request counter name b_legit
				iifname "ov30" ip saddr 10.130.0.77 icmp type echo-request counter name b_ip
				iifname "xenbrv.10" ip saddr 10.10.0.24 icmp type echo-request counter name bt_legit
				iifname "xenbrv.10" ip saddr 10.10.0.66 icmp type echo-request counter name bt_ip
				iifname "xenbrv.10" ip saddr 10.10.0.77 icmp type echo-request counter name bc_ip
				iifname "ov40" ip saddr 10.140.0.13 icmp type echo-request counter name at_legit
			}
		}
		table arp probe60 {
			counter a_arp {}
			counter b_arp {}
			chain in {
				type filter hook input priority -400;
				arp saddr ip 10.130.0.66 counter name a_arp
				arp saddr ip 10.130.0.77 counter name b_arp
			}
		}
	EOF
}

# the guests' helpers, before their script
GUEST_LIB='vlan() { ip link add link $1 name $1.$2 type vlan id $2 2>/dev/null || vconfig add $1 $2; ip link set $1.$2 up; }
ping_no() { ! ping -q -c 1 -W 1 -w 1 "$1" >/dev/null; }
ping_wait() { local n=$2; while [ $n -gt 0 ]; do ping_ok "$1" && return 0; n=$((n - 1)); done; return 1; }
'

# Under emulation every process costs tenths of a second (and a $(...)
# a fork): the checks below read the guests' consoles and the kernel's
# state with as few as they can.
declare -A R
# results NAME KEY SECONDS: the guest's `xg: KEY=VALUE` lines into
# R[KEY], read again every 2 s until it has said KEY.
results() {
	local line n=$(($3 / 2)) f=/var/log/xen/console/guest-$1.log
	{ set +x; } 2>/dev/null # the loop's trace would be most of the log
	while :; do
		R=()
		if [ -f "$f" ]; then
			mapfile -t L <"$f"
			for line in "${L[@]}"; do
				if [[ ${line%$'\r'} =~ ^xg:\ ([a-z_0-9]+)=(.*)$ ]]; then
					R[${BASH_REMATCH[1]}]=${BASH_REMATCH[2]}
				fi
			done
		fi
		[ -z "${R[$2]:-}" ] || break
		n=$((n - 1))
		[ $n -gt 0 ] || { tail -n 40 "$f"; xt_fail "guest $1 did not say $2"; }
		xt_sleep 2
	done
	set -x
}

t_create() {
	xt_guest_start $A "${GUEST_LIB}net 10.10.0.10/24 '' eth0
net 10.110.0.10/24 '' eth1
check br_access ping_ok 10.10.0.1
check ovs_access ping_ok 10.110.0.1
vlan eth0 20
ip addr add 10.20.0.10/24 dev eth0.20
check br_other_tagged ping_no 10.20.0.1
vlan eth1 20
ip addr add 10.120.0.10/24 dev eth1.20
check ovs_other_tagged ping_no 10.120.0.1
net 10.130.0.12/24 '' eth2
check guard_own ping_ok 10.130.0.1
spoof guard_spoofed 10.130.0.1 10.130.0.66/24 00:16:3e:00:06:66 eth2
wait_dev eth3
ip link set eth3 up
vlan eth3 40
ip addr add 10.140.0.13/24 dev eth3.40
check ovs_trunk_tagged ping_ok 10.140.0.1 eth3.40
say checked 1" \
		"mac=00:16:3e:00:06:10,bridge=xenbrv,script=vif-bridge-xtvlan" \
		"mac=00:16:3e:00:06:11,bridge=ovsbr0.10,script=vif-openvswitch" \
		"mac=00:16:3e:00:06:12,bridge=ovsbr0.30,script=vif-openvswitch,ip=10.130.0.12" \
		"mac=00:16:3e:00:06:13,bridge=ovsbr0.30:40,script=vif-openvswitch,ip=10.130.0.13 10.140.0.13" &
	local a=$!
	xt_guest_start $B "${GUEST_LIB}net 10.20.0.20/24 '' eth0
check br_pvid ping_ok 10.20.0.1
vlan eth0 10
ip addr add 10.10.0.20/24 dev eth0.10
check br_tagged ping_ok 10.10.0.1
check br_peer ping_wait 10.10.0.10 20
ip addr add 10.10.0.77/24 dev eth0.10
ping -q -c 3 -W 1 -w 3 -I 10.10.0.77 10.10.0.1 >/dev/null
ip addr del 10.10.0.77/24 dev eth0.10
ip link del eth0.10
ip addr add 10.10.0.21/24 dev eth0
check br_other_vlan ping_no 10.10.0.10
net 10.120.0.20/24 '' eth1
check ovs_native ping_ok 10.120.0.1
vlan eth1 10
ip addr add 10.110.0.20/24 dev eth1.10
check ovs_tagged ping_ok 10.110.0.1
check ovs_peer ping_wait 10.110.0.10 10
ip link del eth1.10
ip addr add 10.110.0.21/24 dev eth1
check ovs_other_vlan ping_no 10.110.0.10
ip addr flush dev eth1
net 10.120.0.22/24 '' eth2
check up_native ping_ok 10.120.0.1
vlan eth2 10
ip addr add 10.110.0.22/24 dev eth2.10
check up_tagged_dropped ping_no 10.110.0.1
net 10.130.0.23/24 '' eth3
check guard_none_own ping_ok 10.130.0.1
spoof guard_spoofed 10.130.0.1 10.130.0.77/24 00:16:3e:00:06:77 eth3
ip addr flush dev eth0
wait_dev eth4
ip link set eth4 up
vlan eth4 10
ip addr add 10.10.0.24/24 dev eth4.10
check trunk_tagged ping_ok 10.10.0.1 eth4.10
ip addr add 10.10.0.66/24 dev eth4.10
ping -q -c 3 -W 1 -w 3 -I 10.10.0.66 10.10.0.1 >/dev/null
ip addr del 10.10.0.66/24 dev eth4.10
say trunk_spoofed done
say checked 1" \
		"mac=00:16:3e:00:06:20,bridge=xenbrv,script=vif-bridge-xtvlan" \
		"mac=00:16:3e:00:06:21,bridge=ovsbr0.20:10,script=vif-openvswitch" \
		"mac=00:16:3e:00:06:22,bridge=ovsbr0.20:10,script=vif-openvswitch.upstream" \
		"mac=00:16:3e:00:06:23,bridge=ovsbr0.30,script=vif-openvswitch-xtnone,ip=10.130.0.23" \
		"mac=00:16:3e:00:06:24,bridge=xenbrv,script=vif-bridge-xtvlan,ip=10.20.0.24 10.10.0.24" &
	local b=$!
	wait $a
	wait $b
	local da db st
	read -r da <"$XT_DIR/guests/$A.domid"
	read -r db <"$XT_DIR/guests/$B.domid"
	echo "$da $db" >"$XT_DIR/vlan/domids"
	st=$(xenstore-read /local/domain/0/backend/vif/$da/{0,1,2,3}/hotplug-status \
		/local/domain/0/backend/vif/$db/{0,1,2,3,4}/hotplug-status | tr '\n' ' ')
	[ "$st" = "$(printf 'connected %.0s' 1 2 3 4 5 6 7 8 9)" ] || xt_fail "hotplug-status: $st"
	xt_port_up "vif$da.0" xenbrv
	xt_port_up "vif$db.0" xenbrv
}

# The kernel's and the database's view: the VLANs of each port (`bridge
# vlan show`: a port's name, then one line per VLAN), the bridge's
# default VLAN 1 on none of them.
t_ports() {
	local da db line port=
	local -A vl
	read -r da db <"$XT_DIR/vlan/domids"
	while read -r line; do
		[[ $line =~ ^(vif[0-9.]+)\ +(.*)$ ]] && { port=${BASH_REMATCH[1]}; line=${BASH_REMATCH[2]}; }
		[[ $line =~ ^(xenbrv|port)\  ]] && port=
		[ -z "$port" ] || [ -z "$line" ] || vl[$port]+="${line% };"
	done < <(bridge vlan show)
	declare -p vl
	[ "${vl[vif$da.0]}" = "10 PVID Egress Untagged;" ] || xt_fail "vif$da.0: ${vl[vif$da.0]}"
	[ "${vl[vif$db.0]}" = "10;20 PVID Egress Untagged;100;101;102;" ] ||
		xt_fail "vif$db.0: ${vl[vif$db.0]}"
	[ "${vl[vif$db.4]}" = "10;20 PVID Egress Untagged;" ] || xt_fail "vif$db.4: ${vl[vif$db.4]}"
	ports=$'\n'$(ovs-vsctl --format=csv --columns=name,tag,trunks,vlan_mode list Port)$'\n'
	echo "$ports"
	[[ $ports == *$'\n'"vif$da.1,10,[],[]"$'\n'* ]] || xt_fail "ours, access: vif$da.1"
	[[ $ports == *$'\n'"vif$db.1,20,[10],native-untagged"$'\n'* ]] || xt_fail "ours, trunk: vif$db.1"
	# upstream's trunk: a tag, trunks and no vlan_mode (OVS: an access port)
	[[ $ports == *$'\n'"vif$db.2,20,[10],[]"$'\n'* ]] || xt_fail "upstream's, trunk: vif$db.2"
	# the guard: A's eth2 has its ingress chain (jump guard) and its
	# elements; B's eth3 (antispoof=none) and the NICs without ip= none
	local t
	t=$(nft list table netdev xen_hotplug)
	echo "$t"
	[[ $t == *"chain in_vif$da.2 {"*"type filter hook ingress device \"vif$da.2\" priority -300; policy accept;"*"jump guard"* ]] ||
		xt_fail "no ingress chain for vif$da.2"
	[[ $t == *"\"vif$da.2\" . 10.130.0.12"* ]] || xt_fail "no addrs4 element for vif$da.2"
	# the trunks' guards: their tagged VLANs (not the PVID)
	[[ $t == *"\"vif$db.4\" . 10"* ]] || xt_fail "no vlans element for vif$db.4"
	[[ $t == *"\"vif$da.3\" . 40"* ]] || xt_fail "no vlans element for vif$da.3"
	[[ $t != *"vif$db.3"* && $t != *"vif$da.1"* && $t != *"vif$db.1"* ]] || xt_fail "a guard on an unguarded NIC"
}

t_traffic() {
	local k bad=
	results $B checked 240
	for k in br_pvid br_tagged br_peer br_other_vlan ovs_native ovs_tagged ovs_peer \
		ovs_other_vlan up_native up_tagged_dropped guard_none_own trunk_tagged; do
		echo "$B $k: ${R[$k]:-}"
		[ "${R[$k]:-}" = ok ] || bad+=" $B:$k"
	done
	results $A checked 60
	for k in br_access ovs_access br_other_tagged ovs_other_tagged guard_own ovs_trunk_tagged; do
		echo "$A $k: ${R[$k]:-}"
		[ "${R[$k]:-}" = ok ] || bad+=" $A:$k"
	done
	[ -z "$bad" ] || xt_fail "not as expected:$bad"
	xt_note "vlan: upstream's vif-openvswitch bridge=BR.20:10 drops VLAN 10 (OVS's implicit access port); ours (native-untagged) carries it"
}

# What A (guarded) and B (the control) sent from another address, as an
# unsolicited ARP for it and from another MAC, counted at dom0's VLAN 30
# port (prerouting, ARP input: after the vif's ingress hook and OVS).
t_guard() {
	local a_arp b_arp
	[ "$(xt_guest_get $A guard_spoofed)" = done ]
	[ "$(xt_guest_get $B guard_spoofed)" = done ]
	xt_counters arp probe60
	a_arp=${XT_COUNT[a_arp]} b_arp=${XT_COUNT[b_arp]}
	xt_counters inet probe60
	declare -p XT_COUNT
	[ "${XT_COUNT[a_legit]}" -gt 0 ] || xt_fail "nothing from the guarded NIC's own address"
	[ "${XT_COUNT[a_ip]}" -eq 0 ] || xt_fail "the guarded NIC's spoofed source address crossed"
	[ "${XT_COUNT[a_mac]}" -eq 0 ] || xt_fail "the guarded NIC's spoofed MAC crossed"
	[ "$a_arp" -eq 0 ] || xt_fail "the guarded NIC's spoofed ARP crossed"
	[ "${XT_COUNT[b_legit]}" -gt 0 ] || xt_fail "control: nothing from its own address"
	[ "${XT_COUNT[b_ip]}" -gt 0 ] || xt_fail "control: the spoofed source address did not cross"
	[ "${XT_COUNT[b_mac]}" -gt 0 ] || xt_fail "control: the spoofed MAC did not cross"
	[ "$b_arp" -gt 0 ] || xt_fail "control: the spoofed ARP did not cross"
}

# A guarded trunk's tagged frames from another address (B's eth4.10) and
# the same from the unguarded eth0.10 (the control), counted at dom0's
# VLAN 10 interface; the guard's own counter of B's eth4 says why.
t_trunk_guard() {
	local db drops
	read -r _ db <"$XT_DIR/vlan/domids"
	[ "$(xt_guest_get $B trunk_spoofed)" = done ]
	xt_counters inet probe60
	declare -p XT_COUNT
	[ "${XT_COUNT[bt_legit]}" -gt 0 ] || xt_fail "nothing tagged from the guarded trunk's own address"
	[ "${XT_COUNT[bt_ip]}" -eq 0 ] || xt_fail "the guarded trunk's spoofed tagged source crossed"
	[ "${XT_COUNT[bc_ip]}" -gt 0 ] || xt_fail "control: the unguarded trunk's spoofed tagged source did not cross"
	[ "${XT_COUNT[at_legit]}" -gt 0 ] || xt_fail "nothing tagged from the guarded OVS trunk's own address"
	drops=$(nft list counter netdev xen_hotplug "vif$db.4/ip4" | sed -n 's/.*packets \([0-9]*\).*/\1/p')
	[ "${drops:-0}" -ge 3 ] || xt_fail "vif$db.4/ip4 counted ${drops:-nothing}"
	xt_note "vlan: a guarded trunk's tagged frames cross, judged on their inner headers (spoofed ones dropped: vif$db.4/ip4 = $drops)"
}

t_destroy() {
	local da db
	read -r da db <"$XT_DIR/vlan/domids"
	xl destroy $A &
	xl destroy $B
	wait
	xt_wait 30 xt_gone "vif$da.0"
	xt_wait 30 xt_gone "vif$db.0"
	xt_wait 30 xt_no_xs "/local/domain/0/backend/vif/$da"
	xt_wait 30 xt_no_xs "/local/domain/0/backend/vif/$db"
	# every vif's port out of the database (ours and upstream's offline),
	# no VLAN entries left on the bridge
	[ "$(ovs-vsctl list-ports ovsbr0 | tr '\n' ' ')" = "ov10 ov20 ov30 ov40 " ]
	[[ $(bridge vlan show) != *vif* ]]
	# no guard left: neither the chain nor the elements
	xt_wait 30 xt_unguarded netdev "vif$da.2"
	xt_wait 30 xt_unguarded netdev "vif$da.3"
	xt_wait 30 xt_unguarded netdev "vif$db.4"
}

xt_test vlan/setup t_setup
xt_test vlan/xl-create t_create
xt_test vlan/ports-and-database t_ports
xt_test vlan/traffic-only-on-its-vlans t_traffic
xt_test vlan/ovs-guard-spoof-blocked-control-crosses t_guard
xt_test vlan/guarded-trunk-tagged-own-crosses-spoofed-does-not t_trunk_guard
xt_test vlan/xl-destroy t_destroy
ovs-vsctl --if-exists del-br ovsbr0 2>/dev/null
kill "$(cat $OVS_RUN/ovs-vswitchd.pid 2>/dev/null)" "$(cat $OVS_RUN/ovsdb-server.pid 2>/dev/null)" 2>/dev/null
rm -f $OVS_DB $OVS_RUN/*.pid $XT_SCRIPTS/vif-bridge-xtvlan $XT_SCRIPTS/vif-openvswitch-xtnone
nft delete table inet probe60 2>/dev/null
nft delete table arp probe60 2>/dev/null
ip link del xenbrv 2>/dev/null
