# 20-vif-route-nat: routed and NAT guests, as one guest with a vif of
# each (one boot instead of two).
#  eth0, script=vif-route: dom0's uplink is a dummy device with
#    198.51.100.1/24 (gatewaydev=rt0); the guest is 198.51.100.10 (ip=),
#    dom0 reaches it by the host route our vif-route made.
#  eth1, script=vif-nat: the guest is 10.0.5.1 (ip=); dom0's end of the
#    vif is the router address 10.0.5.128 (the last octet plus 127).
# The guest pings dom0 through each; dom0 pings it back through each.
G=xt-routed

t_create() {
	ip link add rt0 type dummy
	ip addr add 198.51.100.1/24 dev rt0
	ip link set rt0 up
	xt_guest_start $G "net 198.51.100.10/24 198.51.100.1
net 10.0.5.1/16 '' eth1
check route ping_ok 198.51.100.1
check nat ping_ok 10.0.5.128" \
		"mac=00:16:3e:00:01:10,script=vif-route,ip=198.51.100.10,gatewaydev=rt0" \
		"mac=00:16:3e:00:02:10,script=vif-nat,ip=10.0.5.1"
	for devid in 0 1; do
		[ "$(xenstore-read "$(xt_be $G $devid)/hotplug-status")" = connected ]
		xt_guarded netdev "$(xt_vif $G $devid)"
	done
	vif=$(xt_vif $G 0)
	[[ $(ip -o route show 198.51.100.10) == "198.51.100.10 dev $vif "* ]]
	[[ $(ip -o -4 addr show dev "$vif") == *" inet 198.51.100.1/32 "* ]]
	[ "$(cat "/proc/sys/net/ipv4/conf/$vif/proxy_arp")" = 1 ]
	vif=$(xt_vif $G 1)
	[[ $(ip -o route show 10.0.5.1) == "10.0.5.1 dev $vif "* ]]
	[[ $(ip -o -4 addr show dev "$vif") == *" inet 10.0.5.128/32 "* ]]
	[ "$(cat "/proc/sys/net/ipv4/conf/$vif/proxy_arp")" = 1 ]
}

t_route() {
	[ "$(xt_guest_get $G route)" = ok ]
	ping -c 1 -w 20 198.51.100.10
}

t_nat() {
	[ "$(xt_guest_get $G nat)" = ok ]
	ping -c 1 -w 20 10.0.5.1
}

t_destroy() {
	v0=$(xt_vif $G 0) v1=$(xt_vif $G 1) be=$(xt_be $G 0)
	xl destroy $G
	for v in $v0 $v1; do
		xt_wait 30 xt_gone "$v"
		xt_wait 30 xt_unguarded netdev "$v"
	done
	xt_wait 30 xt_no_xs "$be"
	[ -z "$(ip -o route show 198.51.100.10)" ]
	[ -z "$(ip -o route show 10.0.5.1)" ]
}

xt_test vif-route-nat/xl-create t_create
xt_test vif-route-nat/routed-guest-reaches-dom0 t_route
xt_test vif-route-nat/nat-guest-reaches-dom0 t_nat
xt_test vif-route-nat/xl-destroy t_destroy
ip link del rt0 2>/dev/null
