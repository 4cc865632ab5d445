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
#   eth2  of B only, on ovsbr0 by upstream's vif-openvswitch (Debian's,
#         side by side) with the same bridge=ovsbr0.20:10: its trunk
#         defect (OVS makes the port an access port of VLAN 20).
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
		-- add-port ovsbr0 ov20 tag=20 -- set Interface ov20 type=internal
	xt_wait 20 ip link show ov20
	ip -batch - <<-EOF
		addr add 10.110.0.1/24 dev ov10
		addr add 10.120.0.1/24 dev ov20
		link set ov10 up
		link set ov20 up
		link set ovsbr0 up
	EOF

	mkdir -p $XT_DIR/vlan
	echo 10 >$XT_DIR/vlan/00:16:3e:00:06:10
	echo 20p/10/100-102 >$XT_DIR/vlan/00:16:3e:00:06:20
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
say checked 1" \
		"mac=00:16:3e:00:06:10,bridge=xenbrv,script=vif-bridge-xtvlan" \
		"mac=00:16:3e:00:06:11,bridge=ovsbr0.10,script=vif-openvswitch" &
	local a=$!
	xt_guest_start $B "${GUEST_LIB}net 10.20.0.20/24 '' eth0
check br_pvid ping_ok 10.20.0.1
vlan eth0 10
ip addr add 10.10.0.20/24 dev eth0.10
check br_tagged ping_ok 10.10.0.1
check br_peer ping_wait 10.10.0.10 20
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
say checked 1" \
		"mac=00:16:3e:00:06:20,bridge=xenbrv,script=vif-bridge-xtvlan" \
		"mac=00:16:3e:00:06:21,bridge=ovsbr0.20:10,script=vif-openvswitch" \
		"mac=00:16:3e:00:06:22,bridge=ovsbr0.20:10,script=vif-openvswitch.upstream" &
	local b=$!
	wait $a
	wait $b
	local da db st
	read -r da <"$XT_DIR/guests/$A.domid"
	read -r db <"$XT_DIR/guests/$B.domid"
	echo "$da $db" >"$XT_DIR/vlan/domids"
	st=$(xenstore-read /local/domain/0/backend/vif/$da/{0,1}/hotplug-status \
		/local/domain/0/backend/vif/$db/{0,1,2}/hotplug-status | tr '\n' ' ')
	[ "$st" = "$(printf 'connected %.0s' 1 2 3 4 5)" ] || xt_fail "hotplug-status: $st"
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
	ports=$'\n'$(ovs-vsctl --format=csv --columns=name,tag,trunks,vlan_mode list Port)$'\n'
	echo "$ports"
	[[ $ports == *$'\n'"vif$da.1,10,[],[]"$'\n'* ]] || xt_fail "ours, access: vif$da.1"
	[[ $ports == *$'\n'"vif$db.1,20,[10],native-untagged"$'\n'* ]] || xt_fail "ours, trunk: vif$db.1"
	# upstream's trunk: a tag, trunks and no vlan_mode (OVS: an access port)
	[[ $ports == *$'\n'"vif$db.2,20,[10],[]"$'\n'* ]] || xt_fail "upstream's, trunk: vif$db.2"
}

t_traffic() {
	local k bad=
	results $B checked 150
	for k in br_pvid br_tagged br_peer br_other_vlan ovs_native ovs_tagged ovs_peer \
		ovs_other_vlan up_native up_tagged_dropped; do
		echo "$B $k: ${R[$k]:-}"
		[ "${R[$k]:-}" = ok ] || bad+=" $B:$k"
	done
	results $A checked 30
	for k in br_access ovs_access br_other_tagged ovs_other_tagged; do
		echo "$A $k: ${R[$k]:-}"
		[ "${R[$k]:-}" = ok ] || bad+=" $A:$k"
	done
	[ -z "$bad" ] || xt_fail "not as expected:$bad"
	xt_note "vlan: upstream's vif-openvswitch bridge=BR.20:10 drops VLAN 10 (OVS's implicit access port); ours (native-untagged) carries it"
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
	[ "$(ovs-vsctl list-ports ovsbr0 | tr '\n' ' ')" = "ov10 ov20 " ]
	[[ $(bridge vlan show) != *vif* ]]
}

xt_test vlan/setup t_setup
xt_test vlan/xl-create t_create
xt_test vlan/ports-and-database t_ports
xt_test vlan/traffic-only-on-its-vlans t_traffic
xt_test vlan/xl-destroy t_destroy
ovs-vsctl --if-exists del-br ovsbr0 2>/dev/null
kill "$(cat $OVS_RUN/ovs-vswitchd.pid 2>/dev/null)" "$(cat $OVS_RUN/ovsdb-server.pid 2>/dev/null)" 2>/dev/null
rm -f $OVS_DB $OVS_RUN/*.pid $XT_SCRIPTS/vif-bridge-xtvlan
ip link del xenbrv 2>/dev/null
