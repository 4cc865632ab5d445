# 10-vif-bridge: our vif-bridge run by libxl for xl create, xl
# network-attach/-detach, xl shutdown and xl destroy.  Two guests on
# xenbr0 (192.0.2.1/24 in dom0): a guarded one (ip= in its vif spec) and
# a control without ip=.  Both try the same spoofing (another source
# address, an unsolicited ARP for it, another source MAC); dom0 counts
# what reaches it: nothing from the guarded guest, all of it from the
# control (so a broken world cannot pass).
G=xt-guarded
C=xt-control

# dom0's counters of what arrives from each guest (prerouting, after the
# bridge and its guard)
counters() {
	nft -f - <<-'EOF'
		table inet probe {
			counter g_legit {}
			counter g_ip {}
			counter g_mac {}
			counter c_legit {}
			counter c_ip {}
			counter c_mac {}
			chain pre {
				type filter hook prerouting priority -400;
				ether saddr 00:16:3e:00:00:66 icmp type echo-request counter name g_mac
				ether saddr 00:16:3e:00:00:77 icmp type echo-request counter name c_mac
				ip saddr 192.0.2.10 icmp type echo-request counter name g_legit
				ip saddr 192.0.2.66 icmp type echo-request counter name g_ip
				ip saddr 192.0.2.20 icmp type echo-request counter name c_legit
				ip saddr 192.0.2.77 icmp type echo-request counter name c_ip
			}
		}
		table arp probe {
			counter g_arp {}
			counter c_arp {}
			chain in {
				type filter hook input priority -400;
				arp saddr ip 192.0.2.66 counter name g_arp
				arp saddr ip 192.0.2.77 counter name c_arp
			}
		}
	EOF
}

t_setup() {
	ip link add xenbr0 type bridge
	ip addr add 192.0.2.1/24 dev xenbr0
	ip link set xenbr0 up
	counters
}

# each guest: its address, a ping to dom0, once dom0 pinged it the
# spoofing; the guarded one then waits for a second NIC (network-attach)
# and pings over it
t_create() {
	xt_guest_start $G "net 192.0.2.10/24
check ping ping_ok 192.0.2.1
wait_pinged
spoof spoofed 192.0.2.1 192.0.2.66/24 00:16:3e:00:00:66
if wait_dev eth1 120; then ip addr flush dev eth0; net 192.0.2.12/24 '' eth1; check ping1 ping_ok 192.0.2.1; fi" \
		"mac=00:16:3e:00:00:10,bridge=xenbr0,ip=192.0.2.10" &
	g=$!
	xt_guest_start $C "net 192.0.2.20/24
check ping ping_ok 192.0.2.1
wait_pinged
spoof spoofed 192.0.2.1 192.0.2.77/24 00:16:3e:00:00:77" \
		"mac=00:16:3e:00:00:20,bridge=xenbr0" &
	c=$!
	wait $g
	wait $c
	for d in $G $C; do
		vif=$(xt_vif $d)
		[ "$(xenstore-read "$(xt_be $d)/hotplug-status")" = connected ]
		xt_port_up "$vif" xenbr0
	done
	xt_guarded netdev "$(xt_vif $G)" || xt_fail "no guard for $G"
	xt_unguarded netdev "$(xt_vif $C)" || xt_fail "a guard for $C, which has no ip="
}

t_traffic() {
	[ "$(xt_guest_get $G ping)" = ok ]
	[ "$(xt_guest_get $C ping)" = ok ]
	# (each guest starts spoofing once pinged)
	ping -c 1 -w 20 192.0.2.10
	ping -c 1 -w 20 192.0.2.20
}

t_spoof() {
	xt_guest_get $G spoofed
	xt_guest_get $C spoofed
	xt_counters arp probe
	g_arp=${XT_COUNT[g_arp]} c_arp=${XT_COUNT[c_arp]}
	xt_counters inet probe
	declare -p XT_COUNT
	[ "${XT_COUNT[g_legit]}" -gt 0 ] || xt_fail "nothing from the guarded guest's own address"
	[ "${XT_COUNT[g_ip]}" -eq 0 ] || xt_fail "the guarded guest's spoofed source address crossed"
	[ "${XT_COUNT[g_mac]}" -eq 0 ] || xt_fail "the guarded guest's spoofed MAC crossed"
	[ "$g_arp" -eq 0 ] || xt_fail "the guarded guest's spoofed ARP crossed"
	[ "${XT_COUNT[c_legit]}" -gt 0 ] || xt_fail "control: nothing from its own address"
	[ "${XT_COUNT[c_ip]}" -gt 0 ] || xt_fail "control: the spoofed source address did not cross"
	[ "${XT_COUNT[c_mac]}" -gt 0 ] || xt_fail "control: the spoofed MAC did not cross"
	[ "$c_arp" -gt 0 ] || xt_fail "control: the spoofed ARP did not cross"
}

t_attach() {
	xl network-attach $G mac=00:16:3e:00:00:12 bridge=xenbr0 ip=192.0.2.12
	vif=$(xt_vif $G 1)
	[ "$(xenstore-read "$(xt_be $G 1)/hotplug-status")" = connected ]
	xt_port_up "$vif" xenbr0
	xt_guarded netdev "$vif"
	[ "$(xt_guest_get $G ping1 90)" = ok ]
	ping -c 1 -w 20 192.0.2.12
}

t_detach() {
	vif=$(xt_vif $G 1)
	xl network-detach $G 1
	xt_wait 30 xt_gone "$vif"
	xt_wait 30 xt_unguarded netdev "$vif"
	xt_not xenstore-exists "$(xt_be $G 1)"
	# the first NIC is untouched
	[ "$(xenstore-read "$(xt_be $G 0)/hotplug-status")" = connected ]
	xt_port_up "$(xt_vif $G)" xenbr0
}

t_shutdown() {
	vif=$(xt_vif $C) be=$(xt_be $C)
	xl shutdown -w $C
	xt_wait 30 xt_gone "$vif"
	xt_wait 30 xt_no_xs "$be"
	xt_not xl domid $C
}

t_destroy() {
	vif=$(xt_vif $G) be=$(xt_be $G)
	xl destroy $G
	xt_wait 30 xt_gone "$vif"
	xt_wait 30 xt_unguarded netdev "$vif"
	xt_wait 30 xt_no_xs "$be"
	xt_not xl domid $G
}

t_nothing_left() {
	[ "$(xl list | wc -l)" -eq 2 ]
	[ "$(ip -j link show master xenbr0 | jq length)" -eq 0 ]
	xt_not grep -q ' vif' <<<"$(ip -o link)"
	[ -z "$(xenstore-list /local/domain/0/backend/vif 2>/dev/null)" ]
	[ "$(nft -j list set bridge xen_hotplug guarded | jq '[.nftables[1].set.elem // [] | .[]] | length')" -eq 0 ]
	[ "$(nft -j list set netdev xen_hotplug guarded | jq '[.nftables[1].set.elem // [] | .[]] | length')" -eq 0 ]
}

xt_test vif-bridge/setup t_setup
xt_test vif-bridge/xl-create t_create
xt_test vif-bridge/traffic t_traffic
xt_test vif-bridge/spoof-blocked-control-crosses t_spoof
xt_test vif-bridge/xl-network-attach t_attach
xt_test vif-bridge/xl-network-detach t_detach
xt_test vif-bridge/xl-shutdown t_shutdown
xt_test vif-bridge/xl-destroy t_destroy
xt_test vif-bridge/nothing-left t_nothing_left
ip link del xenbr0 2>/dev/null
nft delete table inet probe 2>/dev/null
nft delete table arp probe 2>/dev/null
