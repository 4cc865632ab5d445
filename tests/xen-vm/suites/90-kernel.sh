# 90-kernel: what the VM's kernel gives that the CI host's lacks, for the
# suites to come (VLANs on vlan-aware bridges, Open vSwitch with the
# kernel datapath, bonds): each module loads and works in dom0, and
# Open vSwitch's userland drives the kernel datapath.

t_ovs() {
	modprobe openvswitch
	[ -d /sys/module/openvswitch ]
	genl ctrl list | grep -q ovs_datapath
	genl ctrl list | grep -q ovs_vport
}

# the userland too: ovsdb-server, ovs-vswitchd, a bridge on the kernel
# datapath
t_ovs_switch() {
	local run=/run/openvswitch
	modprobe openvswitch
	mkdir -p $run /etc/openvswitch
	ovsdb-tool create $XT_DIR/ovs.db /usr/share/openvswitch/vswitch.ovsschema
	ovsdb-server $XT_DIR/ovs.db --remote=punix:$run/db.sock --pidfile=$run/ovsdb-server.pid \
		--detach --log-file=$XT_LOG/kernel/ovsdb-server.log
	ovs-vsctl --no-wait init
	/usr/lib/openvswitch-switch/ovs-vswitchd unix:$run/db.sock --pidfile=$run/ovs-vswitchd.pid \
		--detach --log-file=$XT_LOG/kernel/ovs-vswitchd.log
	ovs-vsctl add-br xtovs
	[ "$(ovs-vsctl list-br)" = xtovs ]
	xt_wait 20 ip link show xtovs
	ip link show ovs-system
	ovs-dpctl show | grep -q 'system@ovs-system'
	ovs-vsctl del-br xtovs
	kill "$(cat $run/ovs-vswitchd.pid)" "$(cat $run/ovsdb-server.pid)"
}

t_vlan_bridge() {
	ip link add xtvb type bridge vlan_filtering 1
	ip -j -d link show xtvb | jq -e '.[0].linkinfo.info_data.vlan_filtering == 1'
	ip link add xtd1 type dummy
	ip link set xtd1 master xtvb
	bridge vlan add dev xtd1 vid 10 pvid untagged
	bridge -j vlan show dev xtd1 | jq -e '[.[0].vlans[] | select(.vlan == 10)] | length == 1'
	ip link del xtd1
	ip link del xtvb
}

t_8021q() {
	modprobe 8021q
	ip link add xtd2 type dummy
	ip link add link xtd2 name xtd2.10 type vlan id 10
	ip -j -d link show xtd2.10 | jq -e '.[0].linkinfo.info_data.id == 10'
	ip link del xtd2
}

t_bonding() {
	modprobe bonding
	ip link add xtbond type bond mode active-backup
	ip link add xtd3 type dummy
	ip link set xtd3 master xtbond
	ip -j link show xtd3 | jq -e '.[0].master == "xtbond"'
	ip link del xtd3
	ip link del xtbond
}

xt_test kernel/openvswitch-datapath-module t_ovs
xt_test kernel/openvswitch-switch t_ovs_switch
xt_test kernel/bridge-vlan-filtering t_vlan_bridge
xt_test kernel/8021q t_8021q
xt_test kernel/bonding t_bonding
