# 40-network-bridge: network-bridge start/stop on a NIC of dom0.  qemu
# gives dom0 none (-nic none): the NIC is one end of a veth pair whose
# other end, in the namespace xt-out, plays the network outside
# (203.0.113.1/24).  dom0 is 203.0.113.2/24 with its default route via
# the outside.  After start, a guest on the bridge (our vif-bridge)
# reaches the outside through the NIC; stop gives the NIC back as it was.
G=xt-uplinked

t_setup() {
	ip netns add xt-out
	ip link add nb0 type veth peer name out0
	ip link set out0 netns xt-out
	ip -n xt-out link set lo up
	ip -n xt-out addr add 203.0.113.1/24 dev out0
	ip -n xt-out link set out0 up
	ip link set nb0 up
	ip addr add 203.0.113.2/24 dev nb0
	ip route add default via 203.0.113.1 dev nb0
	ping -c 1 -w 20 203.0.113.1
}

t_start() {
	$XT_SCRIPTS/network-bridge start netdev=nb0
	ip -j -d link show nb0 | jq -e '.[0].linkinfo.info_kind == "bridge"'
	xt_port_up pnb0 nb0
	[[ $(ip -o -4 addr show dev nb0) == *" inet 203.0.113.2/24 "* ]]
	[[ $(ip -o route show default) == "default via 203.0.113.1 dev nb0"* ]]
	ping -c 1 -w 20 203.0.113.1
	$XT_SCRIPTS/network-bridge status netdev=nb0
	# a second start changes nothing
	$XT_SCRIPTS/network-bridge start netdev=nb0
	xt_port_up pnb0 nb0
}

t_guest() {
	xt_guest_start $G "net 203.0.113.10/24 203.0.113.1
check ping ping_ok 203.0.113.1" \
		"mac=00:16:3e:00:03:10,bridge=nb0,ip=203.0.113.10"
	vif=$(xt_vif $G)
	xt_port_up "$vif" nb0
	[ "$(xt_guest_get $G ping)" = ok ]
	ip netns exec xt-out ping -c 1 -w 20 203.0.113.10
	xl destroy $G
	xt_wait 30 xt_gone "$vif"
}

t_stop() {
	$XT_SCRIPTS/network-bridge stop netdev=nb0
	ip -j -d link show nb0 | jq -e '.[0].linkinfo.info_kind == "veth"'
	xt_gone pnb0
	[[ $(ip -o -4 addr show dev nb0) == *" inet 203.0.113.2/24 "* ]]
	[[ $(ip -o route show default) == "default via 203.0.113.1 dev nb0"* ]]
	ping -c 1 -w 20 203.0.113.1
	# a second stop changes nothing
	$XT_SCRIPTS/network-bridge stop netdev=nb0
	ip -j -d link show nb0 | jq -e '.[0].linkinfo.info_kind == "veth"'
}

xt_test network-bridge/setup t_setup
xt_test network-bridge/start t_start
xt_test network-bridge/guest-reaches-outside t_guest
xt_test network-bridge/stop t_stop
ip link del nb0 2>/dev/null
ip netns del xt-out 2>/dev/null
ip route del default 2>/dev/null
