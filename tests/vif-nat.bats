#!/usr/bin/env bats
# vif-nat: guests on private addresses behind dom0.  dom0 masquerades them
# to its uplink eth0 (an nft rule here, as an administrator would), leading
# to an "outside" host (outside_create).  DHCP: a dnsmasq in dom0 serving
# the vifs from a --dhcp-hostsdir directory that vif-nat fills; the guests
# ask with busybox udhcpc.

setup() {
	load helpers
	world_setup
	[ -x "$HP_BUILD/vif-nat" ] || skip "build/vif-nat not built"
	dom0_sysctl net.ipv4.ip_forward 1
	HOSTS="$W_DIR/dhcp-hosts"
	mkdir -p "$HOSTS"
}

teardown() {
	world_teardown
}

# The host side: masquerade the guests' 10/8 to the uplink.
masquerade() {
	in_dom0 nft -f - <<EOT
table ip nat {
	chain post {
		type nat hook postrouting priority 100;
		ip saddr 10.0.0.0/8 oifname "eth0" masquerade
	}
}
EOT
}

# dnsmasq in dom0, DHCP only, on the vifs, host entries from $HOSTS.
start_dnsmasq() {
	command -v dnsmasq >/dev/null 2>&1 || skip "needs dnsmasq (dnsmasq-base)"
	dom0_bg dnsmasq --keep-in-foreground --conf-file=/dev/null --user=root --group=root \
		--port=0 --no-resolv --no-hosts --bind-dynamic --interface='vif*' \
		--dhcp-range=10.0.0.0,static,255.0.0.0 --dhcp-hostsdir="$HOSTS" \
		--dhcp-leasefile="$W_DIR/dnsmasq.leases" --pid-file="$W_DIR/dnsmasq.pid" \
		--log-dhcp --log-facility="$W_DIR/dnsmasq.log" >/dev/null
	wait_for 3000 test -s "$W_DIR/dnsmasq.pid"
}

# The DHCP client of guest DOMID on eth DEVID: configures what it is given.
dhcp_client() {
	local d=$1 n=$2
	cat >"$W_DIR/udhcpc.script" <<'EOT'
#!/bin/sh
case "$1" in
bound|renew)
	ip addr flush dev "$interface"
	ip addr add "$ip/$subnet" dev "$interface"
	[ -n "$router" ] && ip route replace default via "$router" dev "$interface"
	echo "$ip $subnet $router" >"$LEASE_OUT"
	;;
esac
exit 0
EOT
	chmod 0755 "$W_DIR/udhcpc.script"
	in_guest "$d" env LEASE_OUT="$W_DIR/lease-$d-$n" \
		busybox udhcpc -i "eth$n" -n -q -t 6 -T 1 -s "$W_DIR/udhcpc.script" >/dev/null 2>&1
}

nat_guest() {
	local d=$1 n=$2
	shift 2
	guest_create "$d" "$n" bridge= script="$HP_BUILD/vif-nat" "$@"
}

route_json() { in_dom0 ip -j -4 route show table main exact "$1"; }
addr_of() { in_dom0 ip -j addr show dev "$1" | jq -r '.[0].addr_info[] | select(.family == "inet") | "\(.local)/\(.prefixlen)"'; }

@test "online: default address rule, router address /32 on the vif, route, proxy ARP, connected" {
	nat_guest 1 0
	run run_vif vif-nat 1 0 online type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(xs_read "$(be_path 1 0)/hotplug-status")" = connected ]
	[ "$(addr_of vif1.0)" = 10.0.1.128/32 ]
	[ "$(route_json 10.0.1.1 | jq -r '.[0] | "\(.dev) \(.prefsrc) \(.metric)"')" = "vif1.0 10.0.1.128 2" ]
	[ "$(dom0_sysctl net.ipv4.conf.vif1/0.proxy_arp)" = 1 ]
	link_up vif1.0
	# DHCP is off unless asked for
	[ -z "$(ls -A "$HOSTS")" ]
}

@test "dnsmasq: the guest gets its lease, reaches dom0 and, masqueraded, the outside; offline removes the entry" {
	outside_create
	masquerade
	export XEN_HOTPLUG_NAT_DHCP=dnsmasq XEN_HOTPLUG_NAT_DHCP_DIR="$HOSTS"
	start_dnsmasq
	nat_guest 1 0
	run run_vif vif-nat 1 0 online type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	cat "$HOSTS/vif1.0"
	[ "$(cat "$HOSTS/vif1.0")" = "00:16:3e:01:00:01,id:*,tag:vif1.0,10.0.1.1,dom1" ]
	dhcp_client 1 0 || { cat "$W_DIR/dnsmasq.log"; false; }
	cat "$W_DIR/lease-1-0"
	[ "$(cat "$W_DIR/lease-1-0")" = "10.0.1.1 255.0.0.0 10.0.1.128" ]
	guest_ping 1 10.0.1.128
	guest_ping 1 192.0.2.2
	# the outside host sees dom0's address only
	run in_outside ip -j neigh show
	! grep -q '10\.0\.1\.1' <<<"$output" || false

	run run_vif vif-nat 1 0 offline type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	[ ! -e "$HOSTS/vif1.0" ]
	[ "$(route_json 10.0.1.1)" = "[]" ]
	guest_noping 1 192.0.2.2
}

@test "dnsmasq: several guests and vifs get distinct leases, without a restart" {
	outside_create
	masquerade
	export XEN_HOTPLUG_NAT_DHCP=dnsmasq XEN_HOTPLUG_NAT_DHCP_DIR="$HOSTS"
	start_dnsmasq
	local pid
	pid=$(cat "$W_DIR/dnsmasq.pid")
	nat_guest 1 0
	nat_guest 1 1
	nat_guest 2 0
	nat_guest 300 0
	# in parallel, as libxl attaches them
	local -a pids=()
	run_vif vif-nat 1 0 online type_if=vif >"$W_DIR/o10" 2>&1 3>&- &
	pids+=($!)
	run_vif vif-nat 1 1 online type_if=vif >"$W_DIR/o11" 2>&1 3>&- &
	pids+=($!)
	run_vif vif-nat 2 0 online type_if=vif >"$W_DIR/o20" 2>&1 3>&- &
	pids+=($!)
	run_vif vif-nat 300 0 online type_if=vif >"$W_DIR/o300" 2>&1 3>&- &
	pids+=($!)
	wait "${pids[@]}" # not dnsmasq, also a child of this shell
	local g
	for g in "1 0" "1 1" "2 0" "300 0"; do
		set -- $g
		[ "$(xs_read "$(be_path "$1" "$2")/hotplug-status")" = connected ]
		dhcp_client "$1" "$2" || { cat "$W_DIR/dnsmasq.log"; false; }
	done
	[ "$(cut -d' ' -f1,3 "$W_DIR/lease-1-0")" = "10.0.1.1 10.0.1.128" ]
	[ "$(cut -d' ' -f1,3 "$W_DIR/lease-1-1")" = "10.0.1.2 10.0.1.129" ]
	[ "$(cut -d' ' -f1,3 "$W_DIR/lease-2-0")" = "10.0.2.1 10.0.2.128" ]
	[ "$(cut -d' ' -f1,3 "$W_DIR/lease-300-0")" = "10.1.44.1 10.1.44.128" ]
	[ "$(cat "$HOSTS/vif1.1")" = "00:16:3e:01:01:01,id:*,tag:vif1.1,10.0.1.2,dom1-2" ]
	guest_ping 300 192.0.2.2
	guest_ping 2 10.0.1.1 # guest to guest, through dom0
	# the same dnsmasq all along
	[ "$(cat "$W_DIR/dnsmasq.pid")" = "$pid" ]
	# no temporary file left behind
	[ "$(ls -A "$HOSTS" | sort | tr '\n' ' ')" = "vif1.0 vif1.1 vif2.0 vif300.0 " ]
}

# dnsmasq keeps what a deleted hosts file held until SIGHUP: the next
# guest on the vif's name with the old MAC would get the old lease.
# forget_run PIDFILE: guest 1 online, lease, offline; guest 2 (same vif
# name, same MAC, no DHCP entry of its own) asks; prints what it got.
forget_run() {
	export XEN_HOTPLUG_NAT_DHCP=dnsmasq XEN_HOTPLUG_NAT_DHCP_DIR="$HOSTS"
	export XEN_HOTPLUG_NAT_DHCP_PIDFILE=$1
	nat_guest 1 0 vifname=vifnat0
	run run_vif vif-nat 1 0 online type_if=vif
	[ "$status" -eq 0 ] || return 1
	dhcp_client 1 0 || { cat "$W_DIR/dnsmasq.log"; return 1; }
	[ "$(cut -d' ' -f1 "$W_DIR/lease-1-0")" = 10.0.1.1 ] || return 1
	guest_unplug 1 0 vifnat0
	run run_vif vif-nat 1 0 offline type_if=vif
	echo "$output" >&2
	[ "$status" -eq 0 ] || return 1
	[ ! -e "$HOSTS/vifnat0" ] || return 1
	nat_guest 2 0 vifname=vifnat0 mac=00:16:3e:01:00:01 ip=10.0.2.1
	run run_vif vif-nat 2 0 online type_if=vif dhcp=no
	[ "$status" -eq 0 ] || return 1
	rm -f "$W_DIR/lease-2-0"
	dhcp_client 2 0 || true
	cat "$W_DIR/lease-2-0" >"$W_DIR/got" 2>/dev/null || echo none >"$W_DIR/got"
}

@test "dnsmasq: offline makes dnsmasq forget the guest (SIGHUP), asked of dnsmasq itself" {
	export XEN_HOTPLUG_NAT_DHCP=dnsmasq
	start_dnsmasq
	forget_run "$W_DIR/dnsmasq.pid"
	echo "guest 2 got: $(cat "$W_DIR/got")"
	[ "$(cat "$W_DIR/got")" = none ]
}

@test "dnsmasq: control: without the SIGHUP the old entry is served to the next guest" {
	start_dnsmasq
	: >"$W_DIR/not-dnsmasq.pid"

}

@test "ip: an explicit address, with upstream's overflow fixed (.200 gets router .73)" {
	nat_guest 1 0 ip=192.168.5.200/24
	run run_vif vif-nat 1 0 online type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(addr_of vif1.0)" = 192.168.5.73/32 ]
	[ "$(route_json 192.168.5.200 | jq -r '.[0].prefsrc')" = 192.168.5.73 ]
	run in_dom0 nft -j list set netdev xen_hotplug addrs4
	grep -q '192.168.5.200' <<<"$output"
	# judged at its own ingress, on a point-to-point link
	in_dom0 nft list set netdev xen_hotplug p2p | grep -q '"vif1.0"'
	in_dom0 nft list chain netdev xen_hotplug in_vif1.0 | grep -q 'hook ingress device "vif1.0"'
}

@test "ip: unusable configurations are refused clearly and change nothing" {
	local bad before
	for bad in "10.0.0.1 10.0.0.2" "2001:db8::5" "10.0.0.0/24" "10.0.0.1/26" "10.0.0.300"; do
		nat_guest 1 0 ip="$bad"
		before=$(route_snapshot)
		run run_vif vif-nat 1 0 online type_if=vif
		echo "$output"
		[ "$status" -eq 1 ]
		[ "$(xs_read "$(be_path 1 0)/hotplug-status")" = error ]
		xs_read "$(be_path 1 0)/hotplug-error" | grep -qF -- "$bad"
		[ "$(route_snapshot)" = "$before" ]
		! link_up vif1.0 || false
		in_dom0 ip link del vif1.0
	done
	# devid 127: the default rule would leave 10.x.y.1-254
	nat_guest 2 127
	run run_vif vif-nat 2 127 online type_if=vif
	echo "$output"
	[ "$status" -eq 1 ]
	xs_read "$(be_path 2 127)/hotplug-error" | grep -q "devids up to 126"
}

@test "conflicts: a guest or router address another vif holds is refused" {
	nat_guest 1 0 ip=10.9.0.5/16
	run run_vif vif-nat 1 0 online type_if=vif
	[ "$status" -eq 0 ]
	nat_guest 2 0 ip=10.9.0.5/16
	run run_vif vif-nat 2 0 online type_if=vif
	echo "$output"
	[ "$status" -eq 1 ]
	xs_read "$(be_path 2 0)/hotplug-error" | grep -q "already"
	# 10.9.0.132 is guest 1's router: as a guest address it cannot work
	nat_guest 3 0 ip=10.9.0.132/16
	run run_vif vif-nat 3 0 online type_if=vif
	echo "$output"
	[ "$status" -eq 1 ]
	xs_read "$(be_path 3 0)/hotplug-error" | grep -q "10.9.0.132"
	[ "$(route_json 10.9.0.5 | jq -r '.[].dev')" = vif1.0 ]
}

@test "online twice: one copy of everything" {
	export XEN_HOTPLUG_NAT_DHCP=dnsmasq XEN_HOTPLUG_NAT_DHCP_DIR="$HOSTS"
	nat_guest 1 0
	run run_vif vif-nat 1 0 online type_if=vif
	[ "$status" -eq 0 ]
	local before
	before=$(route_snapshot)
	run run_vif vif-nat 1 0 online type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(route_snapshot)" = "$before" ]
	[ "$(ls -A "$HOSTS")" = vif1.0 ]
}

@test "offline when the vif is gone: success, DHCP entry removed" {
	export XEN_HOTPLUG_NAT_DHCP=dnsmasq XEN_HOTPLUG_NAT_DHCP_DIR="$HOSTS"
	nat_guest 1 0
	run run_vif vif-nat 1 0 online type_if=vif
	[ "$status" -eq 0 ]
	[ -e "$HOSTS/vif1.0" ]
	guest_unplug 1 0
	run run_vif vif-nat 1 0 offline type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	[ ! -e "$HOSTS/vif1.0" ]
	run run_vif vif-nat 1 0 offline type_if=vif
	[ "$status" -eq 0 ]
}

@test "tap: metric 1 beside the vif's metric 2, one DHCP entry each; remove keeps the vif's" {
	export XEN_HOTPLUG_NAT_DHCP=dnsmasq XEN_HOTPLUG_NAT_DHCP_DIR="$HOSTS"
	nat_guest 1 0 type=vif_ioemu
	run run_vif vif-nat 1 0 add type_if=tap
	echo "$output"
	[ "$status" -eq 0 ]
	run run_vif vif-nat 1 0 online type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(route_json 10.0.1.1 | jq -r 'sort_by(.metric) | map("\(.dev) \(.metric)") | join(",")')" = "vif1.0-emu 1,vif1.0 2" ]
	[ "$(ls -A "$HOSTS" | sort | tr '\n' ' ')" = "vif1.0 vif1.0-emu " ]
	run run_vif vif-nat 1 0 remove type_if=tap
	[ "$status" -eq 0 ]
	[ "$(route_json 10.0.1.1 | jq -r 'map("\(.dev) \(.metric)") | join(",")')" = "vif1.0 2" ]
	[ "$(ls -A "$HOSTS")" = vif1.0 ]
}

@test "dhcp: the conf file selects the backend; dhcp=no turns it off; dhcp=yes means dnsmasq" {
	printf 'nat_dhcp = dnsmasq\nnat_dhcp_hostsdir = "%s"\n' "$HOSTS" >"$XEN_HOTPLUG_CONF"
	nat_guest 1 0
	run run_vif vif-nat 1 0 online type_if=vif
	[ "$status" -eq 0 ]
	[ -e "$HOSTS/vif1.0" ]
	nat_guest 2 0
	run run_vif vif-nat 2 0 online type_if=vif dhcp=no
	[ "$status" -eq 0 ]
	[ ! -e "$HOSTS/vif2.0" ]
	printf 'nat_dhcp_hostsdir=%s\n' "$HOSTS" >"$XEN_HOTPLUG_CONF"
	nat_guest 3 0
	run run_vif vif-nat 3 0 online type_if=vif dhcp=yes
	[ "$status" -eq 0 ]
	[ -e "$HOSTS/vif3.0" ]
	printf 'nat_dhcp=kea\n' >"$XEN_HOTPLUG_CONF"
	nat_guest 4 0
	run run_vif vif-nat 4 0 online type_if=vif
	echo "$output"
	[ "$status" -eq 1 ]
	xs_read "$(be_path 4 0)/hotplug-error" | grep -q "invalid nat_dhcp 'kea'"
}

@test "isc: upstream's host line in dhcpd.conf under the lock, restart run, exact removal" {
	local conf="$W_DIR/dhcpd.conf"
	printf 'subnet 10.0.0.0 netmask 255.0.0.0 { }\nhost dom1-2 { hardware ethernet 00:16:3e:99:99:99; fixed-address 10.0.1.2; }\n' >"$conf"
	cat >"$W_DIR/restart" <<EOT
#!/bin/sh
echo "\$*" >>"$W_DIR/restarts"
EOT
	chmod 0755 "$W_DIR/restart"
	printf 'nat_dhcp=isc\nnat_dhcp_isc_conf=%s\nnat_dhcp_isc_restart=%s restart\n' \
		"$conf" "$W_DIR/restart" >"$XEN_HOTPLUG_CONF"
	export XEN_HOTPLUG_RUN_DIR="$W_DIR/run"
	nat_guest 1 0
	run run_vif vif-nat 1 0 online type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	cat "$conf"
	grep -qxF 'host dom1 { hardware ethernet 00:16:3e:01:00:01; fixed-address 10.0.1.1; option routers 10.0.1.128; option host-name "dom1"; }' "$conf"
	[ "$(cat "$W_DIR/restarts")" = restart ]
	# a second online changes nothing: no restart (upstream restarted)
	run run_vif vif-nat 1 0 online type_if=vif
	[ "$(grep -c '^host dom1 ' "$conf")" = 1 ]
	[ "$(wc -l <"$W_DIR/restarts")" = 1 ]
	run run_vif vif-nat 1 0 offline type_if=vif
	[ "$status" -eq 0 ]
	! grep -q '^host dom1 ' "$conf" || false
	# upstream's grep removed dom1-2 with dom1
	grep -q '^host dom1-2 ' "$conf"
	grep -q '^subnet' "$conf"
	[ "$(wc -l <"$W_DIR/restarts")" = 2 ]
}

@test "hooks: ip is the default address, router_ip, vif_ip and hostname in scope" {
	cat >"$XEN_SCRIPT_DIR/vif-post.d/00-test.hook" <<EOT
echo "\$command \$dev \$ip \$router_ip \$vif_ip \$hostname \$dhcp" >>"$W_DIR/hook.out"
EOT
	chmod 0755 "$XEN_SCRIPT_DIR/vif-post.d/00-test.hook"
	nat_guest 1 0
	run run_vif vif-nat 1 0 online type_if=vif
	[ "$status" -eq 0 ]
	[ "$(cat "$W_DIR/hook.out")" = "online vif1.0 10.0.1.1/16 10.0.1.128 10.0.1.1 dom1 no" ]
}

@test "offline with an ip edited into nonsense still removes the DHCP entry" {
	export XEN_HOTPLUG_NAT_DHCP=dnsmasq XEN_HOTPLUG_NAT_DHCP_DIR="$HOSTS"
	export XEN_HOTPLUG_NAT_DHCP_PIDFILE="$W_DIR/none.pid"
	nat_guest 1 0
	run run_vif vif-nat 1 0 online type_if=vif
	[ "$status" -eq 0 ]
	[ -e "$HOSTS/vif1.0" ]
	xs_write "$(be_path 1 0)/ip" "not-an-address"
	run run_vif vif-nat 1 0 offline type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	[ ! -e "$HOSTS/vif1.0" ]
}
