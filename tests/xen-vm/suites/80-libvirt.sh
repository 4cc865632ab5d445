# 80-libvirt: libvirt 9.0's libxl driver (Debian's libvirt-daemon,
# libvirt-daemon-driver-xen, libvirt-clients) runs the vif scripts as xl
# does: libvirtd started as an admin would without an init system (no
# systemd, dbus or polkit: auth_unix_rw = "none"), domains from the
# domain XML an admin writes, each check beside upstream's script
# (Debian's, as .upstream) where upstream's can do it:
#   xt-lv-ours / xt-lv-up   <interface type='bridge'> with <ip> (IPv4 and
#       IPv6), <target dev>, <mac>: virsh define + start; both spoof (as in
#       10-vif-bridge): dom0 gets nothing spoofed of ours, all of
#       upstream's; attach-device/detach-device (an <interface> with
#       <ip>), attach-interface/detach-interface (--outbound: libvirt's
#       one bandwidth setting that reaches Xen, as `rate`); virsh shutdown
#       (the offline comes from libvirtd's event handling), destroy;
#   xt-lv-net               type='network': a bridge network on xenbr0 and
#       a NAT network (libvirt's own bridge and iptables rules): libxl's
#       default script, /etc/xen/scripts/vif-bridge (ours), runs; a
#       <script> there is refused by libvirt;
#   xt-lv-eth / xt-lv-ethup type='ethernet' with <script path='vif-route'/>:
#       libvirt passes no gatewaydev (netdev is empty): ours routes via
#       the default route's device, upstream's wants eth0 (dom0 has up0);
#   xt-lv-bad / xt-lv-badup a missing bridge: virsh says only "libxenlight
#       failed to create new domain"; hotplug-error is in
#       /var/log/libvirt/libxl/<name>.log; nothing is left.
# Runs in the VM of kind intel (run.sh): libvirt's libxl driver finds no
# CPU model on the AMD flavour and does not load.
# xt-vm: intel
export LIBVIRT_DEFAULT_URI=xen:///system
LV=$XT_DIR/lv

# lv_xml NAME GUEST-SCRIPT INTERFACES: a PV guest as an admin writes it
lv_xml() {
	cat <<-EOF
		<domain type='xen'>
		  <name>$1</name>
		  <memory unit='MiB'>128</memory>
		  <vcpu>1</vcpu>
		  <os>
		    <type arch='x86_64' machine='xenpv'>linux</type>
		    <kernel>$XT_GUEST_KERNEL</kernel>
		    <initrd>$XT_GUEST_RAMDISK</initrd>
		    <cmdline>console=hvc0 quiet xt.run=$(printf '%s' "$2" | gzip -9 | base64 -w0)</cmdline>
		  </os>
		  <on_poweroff>destroy</on_poweroff>
		  <on_reboot>destroy</on_reboot>
		  <on_crash>destroy</on_crash>
		  <devices>
		$3
		    <console type='pty'><target type='xen' port='0'/></console>
		  </devices>
		</domain>
	EOF
}

# lv_log TEXT: LV_LOG is the file of libvirt's libxl logs with TEXT
LV_LOGS=/var/log/libvirt/libxl/*.log
lv_log() {
	LV_LOG=$(grep -l -- "$1" $LV_LOGS 2>/dev/null | head -n 1) || true
	[ -n "$LV_LOG" ]
}

# the domain's backend key KEY of NIC DEVID
be_key() { xenstore-read "$(xt_be "$1" "${3:-0}")/$2"; }
fresh() { rm -f "$XT_DIR/guests/$1.domid" "/var/log/xen/console/guest-$1.log"; }

t_setup() {
	local t
	# what the packages' maintainer scripts would have made
	for t in iptables ip6tables iptables-save ip6tables-save iptables-restore ip6tables-restore ebtables; do
		ln -sf xtables-nft-multi /usr/sbin/$t
	done
	[ -s /etc/passwd ] || echo 'root:x:0:0:root:/root:/bin/bash' >/etc/passwd
	[ -s /etc/group ] || echo 'root:x:0:' >/etc/group
	mkdir -p /etc/libvirt /var/lib/libvirt/dnsmasq /var/lib/libvirt/libxl /var/log/libvirt/libxl \
		/run/libvirt /var/cache/libvirt $LV $XT_LOG/libvirt
	cat >/etc/libvirt/libvirtd.conf <<-EOF
		auth_unix_ro = "none"
		auth_unix_rw = "none"
		log_outputs = "3:file:$XT_LOG/libvirt/libvirtd.log"
	EOF
	libvirtd -d
	xt_wait 90 virsh version
	virsh capabilities | grep -q "<os_type>xen</os_type>"

	ip link add xenbr0 type bridge
	ip addr add 192.0.2.1/24 dev xenbr0
	ip link set xenbr0 up
	# a routed guest's uplink: dom0's default route, not named eth0
	ip link add up0 type dummy
	ip addr add 198.51.100.1/24 dev up0
	ip link set up0 up
	ip route add default dev up0
	cat >$LV/xtbr.xml <<-EOF
		<network><name>xtbr</name><forward mode='bridge'/><bridge name='xenbr0'/></network>
	EOF
	cat >$LV/xtnat.xml <<-EOF
		<network>
		  <name>xtnat</name>
		  <forward mode='nat'/>
		  <bridge name='virbr8' stp='off'/>
		  <dns enable='no'/>
		  <ip address='192.168.80.1' netmask='255.255.255.0'/>
		</network>
	EOF
	virsh net-create $LV/xtbr.xml
	virsh net-create $LV/xtnat.xml
	ip link show virbr8
	# what reaches dom0 from the two bridge guests (as 10-vif-bridge)
	nft -f - <<-'EOF'
		table inet probe80 {
			counter o_legit {}
			counter o_ip {}
			counter o_mac {}
			counter u_legit {}
			counter u_ip {}
			counter u_mac {}
			chain pre {
				type filter hook prerouting priority -400;
				ether saddr 00:16:3e:00:80:66 icmp type echo-request counter name o_mac
				ether saddr 00:16:3e:00:80:77 icmp type echo-request counter name u_mac
				ip saddr 192.0.2.80 icmp type echo-request counter name o_legit
				ip saddr 192.0.2.66 icmp type echo-request counter name o_ip
				ip saddr 192.0.2.81 icmp type echo-request counter name u_legit
				ip saddr 192.0.2.77 icmp type echo-request counter name u_ip
			}
		}
	EOF
}

# <interface type='bridge'> with <ip>, <target dev>, <mac>: ours (the
# default script) and upstream's (<script>)
t_define_start() {
	local g
	lv_xml xt-lv-ours "net 192.0.2.80/24
ip -6 addr add 2001:db8:8::80/64 dev eth0
check ping ping_ok 192.0.2.1
wait_pinged
spoof spoofed 192.0.2.1 192.0.2.66/24 00:16:3e:00:80:66
if wait_dev eth1 120; then ip addr flush dev eth0; net 192.0.2.86/24 '' eth1; check ping1 ping_ok 192.0.2.1; fi" "
    <interface type='bridge'>
      <source bridge='xenbr0'/>
      <mac address='00:16:3e:00:80:10'/>
      <ip address='192.0.2.80'/>
      <ip address='2001:db8:8::80' prefix='64'/>
      <target dev='xtlv0'/>
    </interface>" >$LV/xt-lv-ours.xml
	lv_xml xt-lv-up "net 192.0.2.81/24
check ping ping_ok 192.0.2.1
wait_pinged
spoof spoofed 192.0.2.1 192.0.2.77/24 00:16:3e:00:80:77" "
    <interface type='bridge'>
      <source bridge='xenbr0'/>
      <mac address='00:16:3e:00:80:11'/>
      <ip address='192.0.2.81'/>
      <target dev='xtlv1'/>
      <script path='vif-bridge.upstream'/>
    </interface>" >$LV/xt-lv-up.xml
	for g in xt-lv-ours xt-lv-up; do
		fresh $g
		virsh define $LV/$g.xml
		virsh start $g
	done
	# what libvirt gave libxl, as the backend keys say
	[ "$(be_key xt-lv-ours bridge)" = xenbr0 ]
	[ "$(be_key xt-lv-ours ip)" = "192.0.2.80 2001:db8:8::80" ]
	[ "$(be_key xt-lv-ours vifname)" = xtlv0 ]
	[ "$(be_key xt-lv-ours mac)" = 00:16:3e:00:80:10 ]
	[ "$(be_key xt-lv-ours script)" = /etc/xen/scripts/vif-bridge ]
	[ "$(be_key xt-lv-up script)" = /etc/xen/scripts/vif-bridge.upstream ]
	xt_not xenstore-exists "$(xt_be xt-lv-ours)/gatewaydev"
	for g in xt-lv-ours xt-lv-up; do
		[ "$(be_key $g hotplug-status)" = connected ]
	done
	# renamed to <target dev>, enslaved, up; ours guarded, upstream's not
	xt_port_up xtlv0 xenbr0
	xt_port_up xtlv1 xenbr0
	[ "$(ip -o link show xtlv0 | sed -n 's/.* alias \([^ ]*\).*/\1/p')" = "$(xt_vif xt-lv-ours)" ]
	xt_guarded netdev xtlv0 || xt_fail "xtlv0 not guarded"
	nft list table netdev xen_hotplug | grep -q '"xtlv0" . 2001:db8:8::80'
	xt_unguarded netdev xtlv1 || xt_fail "upstream's xtlv1 has our guard"
}

t_traffic() {
	[ "$(xt_guest_get xt-lv-ours ping 90)" = ok ]
	[ "$(xt_guest_get xt-lv-up ping 90)" = ok ]
	ping -c 1 -w 20 192.0.2.80
	ping -c 1 -w 20 192.0.2.81
}

# What nwfilter gives libvirt-on-Xen: nothing (libvirt's libxl driver
# passes no <filterref>); what our guard gives: the same as under xl.
t_spoof() {
	xt_guest_get xt-lv-ours spoofed
	xt_guest_get xt-lv-up spoofed
	xt_counters inet probe80
	declare -p XT_COUNT
	[ "${XT_COUNT[o_legit]}" -gt 0 ] || xt_fail "nothing from the guarded guest's own address"
	[ "${XT_COUNT[o_ip]}" -eq 0 ] || xt_fail "the guarded guest's spoofed source address crossed"
	[ "${XT_COUNT[o_mac]}" -eq 0 ] || xt_fail "the guarded guest's spoofed MAC crossed"
	[ "${XT_COUNT[u_legit]}" -gt 0 ] || xt_fail "upstream's: nothing from its own address"
	[ "${XT_COUNT[u_ip]}" -gt 0 ] || xt_fail "upstream's: the spoofed source address did not cross"
	[ "${XT_COUNT[u_mac]}" -gt 0 ] || xt_fail "upstream's: the spoofed MAC did not cross"
}

t_attach_device() {
	local v
	cat >$LV/nic.xml <<-EOF
		<interface type='bridge'>
		  <source bridge='xenbr0'/>
		  <mac address='00:16:3e:00:80:12'/>
		  <ip address='192.0.2.86'/>
		</interface>
	EOF
	virsh attach-device xt-lv-ours $LV/nic.xml --live
	v=$(xt_vif xt-lv-ours 1)
	xt_wait 30 eval '[ "$(be_key xt-lv-ours hotplug-status 1)" = connected ]'
	xt_port_up "$v" xenbr0
	xt_guarded netdev "$v"
	[ "$(xt_guest_get xt-lv-ours ping1 90)" = ok ]
	ping -c 1 -w 20 192.0.2.86
	virsh detach-device xt-lv-ours $LV/nic.xml --live
	xt_wait 30 xt_gone "$v"
	xt_wait 30 xt_unguarded netdev "$v"
	xt_wait 30 xt_no_xs "$(xt_be xt-lv-ours 1)"
}

t_attach_interface() {
	local v
	virsh attach-interface xt-lv-ours bridge xenbr0 --mac 00:16:3e:00:80:13 --outbound 1000 --live
	v=$(xt_vif xt-lv-ours 1)
	xt_wait 30 eval '[ "$(be_key xt-lv-ours hotplug-status 1)" = connected ]'
	xt_port_up "$v" xenbr0
	# --outbound 1000 (KiB/s): libxl's rate, bytes per 50 ms
	[ "$(be_key xt-lv-ours rate 1)" = 51200,50000 ]
	xt_unguarded netdev "$v" # no <ip>
	virsh detach-interface xt-lv-ours bridge --mac 00:16:3e:00:80:13 --live
	xt_wait 30 xt_gone "$v"
	xt_wait 30 xt_no_xs "$(xt_be xt-lv-ours 1)"
}

# type='network': a bridge network (on xenbr0) and a NAT network
# (libvirt's virbr8); libxl's default script runs (no <script> allowed).
t_networks() {
	fresh xt-lv-net
	lv_xml xt-lv-net "net 192.0.2.85/24
net 192.168.80.85/24 '' eth1
check bridged ping_ok 192.0.2.1
check nat ping_ok 192.168.80.1" "
    <interface type='network'>
      <source network='xtbr'/>
      <mac address='00:16:3e:00:80:15'/>
      <ip address='192.0.2.85'/>
    </interface>
    <interface type='network'>
      <source network='xtnat'/>
      <mac address='00:16:3e:00:80:16'/>
      <ip address='192.168.80.85'/>
    </interface>" >$LV/xt-lv-net.xml
	virsh create $LV/xt-lv-net.xml
	[ "$(be_key xt-lv-net bridge 0)" = xenbr0 ]
	[ "$(be_key xt-lv-net bridge 1)" = virbr8 ]
	[ "$(be_key xt-lv-net script 1)" = /etc/xen/scripts/vif-bridge ]
	xt_port_up "$(xt_vif xt-lv-net 0)" xenbr0
	xt_port_up "$(xt_vif xt-lv-net 1)" virbr8
	xt_guarded netdev "$(xt_vif xt-lv-net 0)"
	xt_guarded netdev "$(xt_vif xt-lv-net 1)"
	[ "$(xt_guest_get xt-lv-net bridged 90)" = ok ]
	[ "$(xt_guest_get xt-lv-net nat 90)" = ok ]
	# libvirt's own NAT rules are there (iptables-nft)
	iptables -t nat -S | grep -q 192.168.80.0/24
	virsh destroy xt-lv-net
	# a <script> on a network interface: refused by libvirt
	sed "s|<source network='xtnat'/>|<source network='xtnat'/><script path='vif-bridge'/>|; s|xt-lv-net|xt-lv-nats|" \
		$LV/xt-lv-net.xml >$LV/xt-lv-nats.xml
	xt_not virsh create $LV/xt-lv-nats.xml 2>$LV/nats.err
	cat $LV/nats.err
	grep -q "specifying a script is only supported with interface types bridge and ethernet" $LV/nats.err
	xt_not xl domid xt-lv-nats
}

# type='ethernet' with vif-route: no gatewaydev from libvirt (netdev
# empty).  Ours routes via the default route's device (up0); upstream's
# takes eth0, which this dom0 does not have, and fails (libvirt's word:
# "libxenlight failed to create new domain"; libxl-driver.log has the
# script's).
t_ethernet() {
	local v
	fresh xt-lv-eth
	lv_xml xt-lv-eth "net 198.51.100.84/24 198.51.100.1
check routed ping_ok 198.51.100.1" "
    <interface type='ethernet'>
      <mac address='00:16:3e:00:80:18'/>
      <ip address='198.51.100.84'/>
      <script path='vif-route'/>
    </interface>" >$LV/xt-lv-eth.xml
	virsh create $LV/xt-lv-eth.xml
	v=$(xt_vif xt-lv-eth)
	[ "$(be_key xt-lv-eth bridge)" = xenbr0 ] # libxl's default, unused
	[ "$(be_key xt-lv-eth script)" = /etc/xen/scripts/vif-route ]
	[[ $(ip -o route show 198.51.100.84) == "198.51.100.84 dev $v "* ]]
	[[ $(ip -o -4 addr show dev "$v") == *" inet 198.51.100.1/32 "* ]]
	xt_guarded netdev "$v"
	[ "$(xt_guest_get xt-lv-eth routed 90)" = ok ]
	ping -c 1 -w 20 198.51.100.84
	virsh destroy xt-lv-eth
	xt_wait 30 xt_gone "$v"
	[ -z "$(ip -o route show 198.51.100.84)" ]
	# upstream's
	fresh xt-lv-ethup
	sed "s|vif-route|vif-route.upstream|; s|xt-lv-eth|xt-lv-ethup|; s|00:16:3e:00:80:18|00:16:3e:00:80:19|; s|198.51.100.84|198.51.100.85|g" \
		$LV/xt-lv-eth.xml >$LV/xt-lv-ethup.xml
	xt_not virsh create $LV/xt-lv-ethup.xml 2>$LV/ethup.err
	cat $LV/ethup.err
	grep -q "libxenlight failed to create new domain" $LV/ethup.err
	xt_wait 10 lv_log "vif-route.upstream online .* exited with error status 1"
	grep -h "vif-route.upstream" "$LV_LOG" | tail -n 3
	xt_note "libvirt: type='ethernet' with vif-route and no gatewaydev: ours routes via up0 (the default route's device); upstream's wants eth0 (its dom0_ip) and fails: ${LV_LOG#/var/log/libvirt/} has '$(grep -h 'script: .*vif-route.upstream' "$LV_LOG" | head -n 1 | sed 's/.*script: //' | cut -c1-90)'"
}

# A missing bridge: virsh's only word is libxl's; hotplug-error is in
# libvirt's libxl log; nothing is left of the domain, its vif, its guard
# or its backend.  Ours and upstream's.
t_failing() {
	local g err script mac who n
	for g in xt-lv-bad xt-lv-badup; do
		fresh $g
		if [ $g = xt-lv-bad ]; then
			script='' mac=00:16:3e:00:80:20 who=ours
		else
			script="<script path='vif-bridge.upstream'/>" mac=00:16:3e:00:80:21 who="upstream's"
		fi
		lv_xml $g "" "
    <interface type='bridge'>
      <source bridge='nosuchbr'/>
      <mac address='$mac'/>
      <ip address='192.0.2.90'/>
      <target dev='${g#xt-lv-}'/>
      $script
    </interface>" >$LV/$g.xml
		n=$(cat $LV_LOGS 2>/dev/null | grep -c nosuchbr) || true
		xt_not virsh create $LV/$g.xml 2>$LV/$g.err
		cat $LV/$g.err
		grep -q "libxenlight failed to create new domain" $LV/$g.err
		ls -l /var/log/libvirt/libxl/
		tail -n 20 $LV_LOGS
		xt_wait 10 eval '[ "$(cat $LV_LOGS | grep -c nosuchbr)" -gt '$n' ]'
		lv_log nosuchbr
		err=$(grep -h "nosuchbr" "$LV_LOG" | tail -n 3)
		echo "$LV_LOG: $err"
		xt_not xl domid $g
		xt_not ip link show "${g#xt-lv-}"
		[[ $(nft list table netdev xen_hotplug) != *'"bad'* ]]
		[ -z "$(xenstore-list /local/domain/0/backend/vif 2>/dev/null | grep -v "^$(xt_domid xt-lv-ours)$\|^$(xt_domid xt-lv-up)$")" ]
		xt_note "libvirt: a missing bridge, $who: virsh says '$(grep -o 'internal error: .*' $LV/$g.err | head -n 1)'; ${LV_LOG#/var/log/libvirt/} has '$(grep -h 'nosuchbr' "$LV_LOG" | tail -n 1 | cut -c1-160)'"
	done
	grep -q "unable to find bridge 'nosuchbr': no such device" $LV_LOGS
}

# virsh shutdown: the guest powers off, libvirtd's event handling
# destroys the domain and its devices (the offline); destroy
t_shutdown_destroy() {
	local v=xtlv0 be u=xtlv1 ube
	be=$(xt_be xt-lv-ours) ube=$(xt_be xt-lv-up)
	virsh shutdown xt-lv-ours
	xt_wait 60 xt_gone $v
	xt_wait 30 xt_unguarded netdev $v
	xt_wait 30 xt_no_xs "$be"
	xt_wait 30 eval '[ "$(virsh domstate xt-lv-ours)" = "shut off" ]'
	virsh destroy xt-lv-up
	xt_wait 30 xt_gone $u
	xt_wait 30 xt_no_xs "$ube"
	virsh undefine xt-lv-ours
	virsh undefine xt-lv-up
	[ "$(xl list | wc -l)" -eq 2 ]
	[ -z "$(ip -o link show master xenbr0)" ]
	[ -z "$(xenstore-list /local/domain/0/backend/vif 2>/dev/null)" ]
	[[ $(nft list table netdev xen_hotplug) != *'"xtlv'* && $(nft list table netdev xen_hotplug) != *'"vif'[0-9]* ]]
}

xt_test libvirt/setup t_setup
xt_test libvirt/bridge-define-start-ours-and-upstream t_define_start
xt_test libvirt/traffic t_traffic
xt_test libvirt/spoof-blocked-upstream-crosses t_spoof
xt_test libvirt/attach-detach-device t_attach_device
xt_test libvirt/attach-detach-interface t_attach_interface
xt_test libvirt/network-bridge-and-nat t_networks
xt_test libvirt/ethernet-vif-route t_ethernet
xt_test libvirt/missing-bridge-fails-leaves-nothing t_failing
xt_test libvirt/shutdown-and-destroy t_shutdown_destroy
virsh net-destroy xtnat 2>/dev/null
virsh net-destroy xtbr 2>/dev/null
kill "$(cat /run/libvirtd.pid 2>/dev/null)" 2>/dev/null
cp -a /var/log/libvirt $XT_LOG/libvirt/var-log-libvirt 2>/dev/null
nft delete table inet probe80 2>/dev/null
ip link del xenbr0 2>/dev/null
ip link del up0 2>/dev/null
