#!/usr/bin/env bats
# vif-bridge: libxl's calls (online/offline type_if=vif, add/remove
# type_if=tap) against a simulated dom0, asserting kernel state, xenstore
# and real traffic between guest namespaces.

setup() {
	load helpers
	world_setup
	[ -x "$HP_BUILD/vif-bridge" ] || skip "build/vif-bridge not built"
}

teardown() {
	world_teardown
}

# ---------------------------------------------------------------- helpers

# The port setup every online/add must have done on DEV, for BRIDGE, MTU.
assert_port() {
	local dev=$1 br=$2 mtu=$3
	run link_master "$dev"
	[ "$output" = "$br" ] || { echo "master of $dev: '$output', want '$br'"; return 1; }
	link_up "$dev" || { echo "$dev not up: $(link_json "$dev")"; return 1; }
	run link_mac "$dev"
	[ "$output" = "fe:ff:ff:ff:ff:ff" ] || { echo "mac of $dev: $output"; return 1; }
	run link_mtu "$dev"
	[ "$output" = "$mtu" ] || { echo "mtu of $dev: $output, want $mtu"; return 1; }
	run in_dom0 ip -j addr show dev "$dev"
	[ "$(jq '[.[0].addr_info[] | select(.scope != "link")] | length' <<<"$output")" = 0 ] ||
		{ echo "addresses left on $dev: $output"; return 1; }
}

# Not a port, down.
assert_released() {
	local dev=$1
	run link_master "$dev"
	[ -z "$output" ] || { echo "$dev still has master $output"; return 1; }
	! link_up "$dev" || { echo "$dev still up"; return 1; }
}

# Bad input: online fails with exit 1, hotplug-error naming the key and
# the value, hotplug-status error, and dom0 unchanged.
# assert_rejected KEY VALUE: KEY is written to the backend dir of guest 1/0.
assert_rejected() {
	local key=$1 val=$2 be before after
	guest_create 1 0
	be=$(be_path 1 0)
	xs_write "$be/$key" "$val"
	before=$(dom0_snapshot)
	run run_vif vif-bridge 1 0 online type_if=vif
	echo "$output"
	[ "$status" -eq 1 ]
	[ "$(xs_read "$be/hotplug-status")" = error ]
	local err
	err=$(xs_read "$be/hotplug-error")
	echo "hotplug-error: $err"
	grep -qF -- "$val" <<<"$err"
	grep -qF -- "$key" <<<"$err"
	after=$(dom0_snapshot)
	[ "$before" = "$after" ] || { echo "before: $before"; echo "after:  $after"; return 1; }
	link_exists vif1.0
}

write_hook() { # write_hook NAME MODE BODY
	local f="$XEN_SCRIPT_DIR/vif-post.d/$1"
	printf '%s\n' "$3" >"$f"
	chmod "$2" "$f"
}

# A hook recording what it sees into $W_DIR/hook.<command>.
recording_hook() {
	write_hook 00-test.hook 0755 "
out=$W_DIR/hook.\$command
{
echo \"command=\$command\"
echo \"dev=\$dev\"
echo \"vif=\$vif\"
echo \"bridge=\$bridge\"
echo \"ip=\$ip\"
echo \"XENBUS_PATH=\$XENBUS_PATH\"
echo \"type_if=\$type_if\"
echo \"mac=\$mac\"
echo \"vifname=\$vifname\"
echo \"xs_mac=\$(xenstore_read \"\$XENBUS_PATH/mac\")\"
echo \"xs_default=\$(xenstore_read_default \"\$XENBUS_PATH/no-such-key\" dflt)\"
echo \"status_at_hook=\$(xenstore-read \"\$XENBUS_PATH/hotplug-status\" 2>/dev/null)\"
echo \"master_at_hook=\$(cat /sys/class/net/\$dev/master/uevent 2>/dev/null | sed -n 's/^INTERFACE=//p')\"
} >\"\$out\"
xenstore_write \"\$XENBUS_PATH/hook-was-here\" \"\$command\"
log debug \"test hook ran for \$dev\"
"
}

hook_val() { sed -n "s/^$2=//p" "$W_DIR/hook.$1"; }

# ---------------------------------------------------------------- online

@test "online: vif becomes an up port of xenbr0 with fe:ff:ff:ff:ff:ff, status connected" {
	guest_create 1 0 ip4=10.0.0.1/24
	in_dom0 ip addr add 192.0.2.9/24 dev vif1.0
	run run_vif vif-bridge 1 0 online type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	assert_port vif1.0 xenbr0 1500
	[ "$(xs_read "$(be_path 1 0)/hotplug-status")" = connected ]
	[ "$(xs_read "$(fe_path 1 0)/mtu")" = 1500 ]
	! xs_exists "$(be_path 1 0)/hotplug-error" || false
	[ "$(bridge_port_state xenbr0 vif1.0)" = forwarding ]
	# the port's own stack: rp_filter, no IPv6 (the MAC, down, rp_filter
	# and addr_gen_mode went in one request: no line says otherwise)
	[ "$(in_dom0 sysctl -n net.ipv4.conf.vif1/0.rp_filter)" = 1 ]
	[ "$(in_dom0 sysctl -n net.ipv6.conf.vif1/0.disable_ipv6)" = 1 ]
	[ "$(in_dom0 ip -d -j link show dev vif1.0 | jq -r '.[0].inet6_addr_gen_mode')" = none ]
	[[ "$output" != *"one setting at a time"* ]]
}

@test "online: MTU taken from the bridge when there is no mtu key, written to the frontend" {
	in_dom0 ip link set xenbr0 mtu 1400
	[ "$(link_mtu xenbr0)" = 1400 ]
	guest_create 1 0
	run run_vif vif-bridge 1 0 online type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	assert_port vif1.0 xenbr0 1400
	[ "$(xs_read "$(fe_path 1 0)/mtu")" = 1400 ]
}

@test "online: xenstore mtu key sets the vif MTU and the frontend mtu" {
	guest_create 1 0 mtu=4000
	run run_vif vif-bridge 1 0 online type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	assert_port vif1.0 xenbr0 4000
	[ "$(xs_read "$(fe_path 1 0)/mtu")" = 4000 ]
	[ "$(xs_read "$(be_path 1 0)/hotplug-status")" = connected ]
}

@test "online: xenstore bridge key beats the bridge= argument, which beats env bridge" {
	local b
	for b in xenbr1 xenbr2 xenbr3; do
		in_dom0 ip link add "$b" type bridge stp_state 0 forward_delay 0
		in_dom0 ip link set "$b" up
	done
	# all three given: xenstore wins
	guest_create 1 0 bridge=xenbr3
	VIF_ENV=(bridge=xenbr1)
	run run_vif vif-bridge 1 0 online type_if=vif bridge=xenbr2
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(link_master vif1.0)" = xenbr3 ]
	# no xenstore key: the argument wins over the environment
	guest_create 2 0 bridge=
	run run_vif vif-bridge 2 0 online type_if=vif bridge=xenbr2
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(link_master vif2.0)" = xenbr2 ]
	# environment only
	guest_create 3 0 bridge=
	run run_vif vif-bridge 3 0 online type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(link_master vif3.0)" = xenbr1 ]
}

@test "online: no bridge configured anywhere uses the host's only bridge" {
	guest_create 1 0 bridge=
	run run_vif vif-bridge 1 0 online type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	assert_port vif1.0 xenbr0 1500
	[ "$(xs_read "$(be_path 1 0)/hotplug-status")" = connected ]
}

@test "online: no bridge configured and several bridges: error, nothing changed" {
	in_dom0 ip link add xenbr1 type bridge
	guest_create 1 0 bridge=
	local before
	before=$(dom0_snapshot)
	run run_vif vif-bridge 1 0 online type_if=vif
	echo "$output"
	[ "$status" -eq 1 ]
	[ "$(xs_read "$(be_path 1 0)/hotplug-status")" = error ]
	[ -n "$(xs_read "$(be_path 1 0)/hotplug-error")" ]
	[ "$(dom0_snapshot)" = "$before" ]
}

@test "online: no bridge configured and no bridge at all: error" {
	in_dom0 ip link del xenbr0
	guest_create 1 0 bridge=
	local before
	before=$(dom0_snapshot)
	run run_vif vif-bridge 1 0 online type_if=vif
	echo "$output"
	[ "$status" -eq 1 ]
	[ "$(xs_read "$(be_path 1 0)/hotplug-status")" = error ]
	[ -n "$(xs_read "$(be_path 1 0)/hotplug-error")" ]
	[ "$(dom0_snapshot)" = "$before" ]
}

@test "online: legacy xenbrN missing and ethN a bridge: uses ethN" {
	in_dom0 ip link add eth5 type bridge stp_state 0 forward_delay 0
	in_dom0 ip link set eth5 up
	guest_create 1 0 bridge=xenbr5
	run run_vif vif-bridge 1 0 online type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	assert_port vif1.0 eth5 1500
}

@test "online: missing bridge: error naming it, nothing changed" {
	assert_rejected bridge nosuchbr0
}

@test "online: bridge that is not a bridge: error naming it, nothing changed" {
	in_dom0 ip link add notabr0 type veth peer name notabr0p
	assert_rejected bridge notabr0
}

@test "online: vifname renames the vif, keeps the old name as ifalias" {
	guest_create 1 0 vifname=web0
	run run_vif vif-bridge 1 0 online type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	! link_exists vif1.0 || false
	assert_port web0 xenbr0 1500
	[ "$(link_alias web0)" = vif1.0 ]
	# the frontend path comes from the backend, not from the (new) name
	[ "$(xs_read "$(fe_path 1 0)/mtu")" = 1500 ]
	[ "$(xs_read "$(be_path 1 0)/hotplug-status")" = connected ]
}

@test "online: vifname already taken by another link: error, nothing changed" {
	in_dom0 ip link add taken0 type veth peer name taken0p
	assert_rejected vifname taken0
	[ "$(link_master taken0)" = "" ]
}

@test "online twice: success, same end state, one port" {
	guest_create 1 0 mtu=1400 vifname=web0
	run run_vif vif-bridge 1 0 online type_if=vif
	[ "$status" -eq 0 ]
	local first
	first=$(dom0_snapshot)
	run run_vif vif-bridge 1 0 online type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(dom0_snapshot)" = "$first" ]
	[ "$(bridge_ports xenbr0)" = web0 ]
	[ "$(xs_read "$(be_path 1 0)/hotplug-status")" = connected ]
	assert_port web0 xenbr0 1400
}

@test "online before the vif exists: waits for it" {
	guest_create 1 0 create=later
	run_vif vif-bridge 1 0 online type_if=vif >"$W_DIR/late.out" 2>&1 &
	local pid=$!
	sleep 0.5
	guest_plug 1 0
	local rc=0
	wait "$pid" || rc=$?
	cat "$W_DIR/late.out"
	[ "$rc" -eq 0 ]
	assert_port vif1.0 xenbr0 1500
	[ "$(xs_read "$(be_path 1 0)/hotplug-status")" = connected ]
}

@test "online: vif never appears: 'timed out' after XEN_HOTPLUG_WAIT_MS" {
	guest_create 1 0 create=never
	export XEN_HOTPLUG_WAIT_MS=400
	local t0 t1
	t0=$(date +%s%N)
	run run_vif vif-bridge 1 0 online type_if=vif
	t1=$(date +%s%N)
	echo "$output"
	[ "$status" -eq 1 ]
	grep -qi "timed out" <<<"$output"
	grep -qi "timed out" <<<"$(xs_read "$(be_path 1 0)/hotplug-error")"
	[ "$(xs_read "$(be_path 1 0)/hotplug-status")" = error ]
	local ms=$(((t1 - t0) / 1000000))
	echo "took $ms ms"
	[ "$ms" -ge 300 ]
	[ "$ms" -lt 2500 ]
}

# ---------------------------------------------------------------- offline

@test "offline: vif down and released from the bridge, xenstore untouched" {
	guest_create 1 0
	run run_vif vif-bridge 1 0 online type_if=vif
	[ "$status" -eq 0 ]
	assert_port vif1.0 xenbr0 1500
	local before
	before=$(xs_ls /local/domain)
	run run_vif vif-bridge 1 0 offline type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	assert_released vif1.0
	[ -z "$(bridge_ports xenbr0)" ]
	[ "$(xs_ls /local/domain)" = "$before" ]
}

@test "offline: renamed vif (vifname) is released" {
	guest_create 1 0 vifname=web0
	run run_vif vif-bridge 1 0 online type_if=vif
	[ "$status" -eq 0 ]
	assert_port web0 xenbr0 1500
	run run_vif vif-bridge 1 0 offline type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	assert_released web0
}

@test "offline: a vifname of 14 characters is released and its guard removed" {
	guest_create 1 0 vifname=guest-web-eth0 ip=10.0.0.1
	run run_vif vif-bridge 1 0 online type_if=vif
	[ "$status" -eq 0 ]
	assert_port guest-web-eth0 xenbr0 1500
	in_dom0 nft list set bridge xen_hotplug guarded | grep -q '"guest-web-eth0"'
	run run_vif vif-bridge 1 0 offline type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	assert_released guest-web-eth0
	! in_dom0 nft list set bridge xen_hotplug guarded | grep -q '"guest-web-eth0"' || false
}

@test "error: a control character in a value is escaped in every message" {
	guest_create 1 0 mtu=$'15\n00'
	run run_vif vif-bridge 1 0 online type_if=vif
	echo "$output"
	[ "$status" -eq 1 ]
	# one line per event, the newline shown as \x0a
	grep -qF "invalid mtu '15\x0a00'" <<<"$output"
	grep -qF "read backend/vif/1/0/mtu = '15\x0a00'" <<<"$output"
	! grep -q "^00'" <<<"$output" || false
	[ "$(xs_read "$(be_path 1 0)/hotplug-status")" = error ]
}

@test "offline: vif already destroyed by netback: success, xenstore untouched" {
	guest_create 1 0
	run run_vif vif-bridge 1 0 online type_if=vif
	[ "$status" -eq 0 ]
	guest_unplug 1 0
	local before
	before=$(xs_ls /local/domain)
	run run_vif vif-bridge 1 0 offline type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(xs_ls /local/domain)" = "$before" ]
}

@test "offline: vif never existed: success" {
	guest_create 1 0 create=never
	run run_vif vif-bridge 1 0 offline type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(xs_read "$(be_path 1 0)/hotplug-status")" = "" ]
}

# ---------------------------------------------------------------- tap

@test "tap add: the -emu tap becomes a port, no hotplug-status written" {
	guest_create 1 0 type=vif_ioemu mtu=1400
	run run_vif vif-bridge 1 0 add type_if=tap
	echo "$output"
	[ "$status" -eq 0 ]
	assert_port vif1.0-emu xenbr0 1400
	[ "$(xs_read "$(be_path 1 0)/hotplug-status")" = "" ]
	# the PV vif is left alone by the tap run
	assert_released vif1.0
}

@test "tap add with vifname: tap renamed to <vifname>-emu" {
	guest_create 1 0 type=vif_ioemu vifname=web0
	run run_vif vif-bridge 1 0 add type_if=tap
	echo "$output"
	[ "$status" -eq 0 ]
	! link_exists vif1.0-emu || false
	assert_port web0-emu xenbr0 1500
	[ "$(xs_read "$(be_path 1 0)/hotplug-status")" = "" ]
}

@test "tap remove: tap down and released, no xenstore write" {
	guest_create 1 0 type=vif_ioemu
	run run_vif vif-bridge 1 0 add type_if=tap
	[ "$status" -eq 0 ]
	assert_port vif1.0-emu xenbr0 1500
	local before
	before=$(xs_ls /local/domain)
	run run_vif vif-bridge 1 0 remove type_if=tap
	echo "$output"
	[ "$status" -eq 0 ]
	assert_released vif1.0-emu
	[ "$(xs_ls /local/domain)" = "$before" ]
}

@test "ioemu nic: vif online and tap add both end up on the bridge" {
	guest_create 1 0 type=vif_ioemu
	run run_vif vif-bridge 1 0 online type_if=vif
	[ "$status" -eq 0 ]
	run run_vif vif-bridge 1 0 add type_if=tap
	[ "$status" -eq 0 ]
	[ "$(bridge_ports xenbr0 | sort | tr '\n' ' ')" = "vif1.0 vif1.0-emu " ]
	[ "$(xs_read "$(be_path 1 0)/hotplug-status")" = connected ]
}

@test "online type_if=tap and add type_if=vif: exit 0, nothing done" {
	guest_create 1 0 type=vif_ioemu
	local before xs_before
	before=$(dom0_snapshot)
	xs_before=$(xs_ls /local/domain)
	run run_vif vif-bridge 1 0 online type_if=tap
	echo "$output"
	[ "$status" -eq 0 ]
	run run_vif vif-bridge 1 0 add type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	run run_vif vif-bridge 1 0 offline type_if=tap
	[ "$status" -eq 0 ]
	run run_vif vif-bridge 1 0 remove type_if=vif
	[ "$status" -eq 0 ]
	[ "$(dom0_snapshot)" = "$before" ]
	[ "$(xs_ls /local/domain)" = "$xs_before" ]
}

# ---------------------------------------------------------------- bad input

@test "error: vifname too long" { assert_rejected vifname abcdefghijklmnop; }
@test "error: vifname with /" { assert_rejected vifname "web/0"; }
@test "error: vifname with a space" { assert_rejected vifname "web 0"; }
@test "error: mtu not a number" { assert_rejected mtu abc; }
@test "error: mtu 0" { assert_rejected mtu 0; }
@test "error: mtu 70000" { assert_rejected mtu 70000; }
@test "error: mac not hex" { assert_rejected mac zz:16:3e:00:00:01; }
@test "error: mac multicast" { assert_rejected mac 01:00:5e:00:00:01; }
@test "error: ip list with a bad IPv4" { assert_rejected ip "10.0.0.1 10.0.0.300"; }
@test "error: ip list with a bad IPv6" { assert_rejected ip "fd00::zz"; }

@test "error: unreachable xenstored: exit 1, message on stderr, nothing changed" {
	guest_create 1 0
	local before
	before=$(dom0_snapshot)
	XENSTORED_PATH="$W_DIR/no-such.sock" run run_vif vif-bridge 1 0 online type_if=vif
	echo "$output"
	[ "$status" -eq 1 ]
	[ -n "$output" ]
	[ "$(dom0_snapshot)" = "$before" ]
	[ "$(xs_read "$(be_path 1 0)/hotplug-status")" = "" ]
}

@test "error: unknown command: exit 2 (usage) with a message, nothing changed" {
	guest_create 1 0
	local before
	before=$(dom0_snapshot)
	run run_vif vif-bridge 1 0 frobnicate type_if=vif
	echo "$output"
	[ "$status" -eq 2 ] # a usage error
	grep -q frobnicate <<<"$output"
	[ "$(dom0_snapshot)" = "$before" ]
}

@test "error: XENBUS_PATH missing from the environment" {
	guest_create 1 0
	local before
	before=$(dom0_snapshot)
	VIF_UNSET=(XENBUS_PATH)
	run run_vif vif-bridge 1 0 online type_if=vif
	echo "$output"
	[ "$status" -eq 1 ]
	grep -q XENBUS_PATH <<<"$output"
	[ "$(dom0_snapshot)" = "$before" ]
}

@test "error: vif missing from the environment" {
	guest_create 1 0
	local before
	before=$(dom0_snapshot)
	VIF_UNSET=(vif)
	run run_vif vif-bridge 1 0 online type_if=vif
	echo "$output"
	[ "$status" -eq 1 ]
	grep -q vif <<<"$output"
	[ "$(dom0_snapshot)" = "$before" ]
}

@test "--help: exit 0 with usage" {
	run "$HP_BUILD/vif-bridge" --help
	echo "$output"
	[ "$status" -eq 0 ]
	grep -qi usage <<<"$output"
}

# ---------------------------------------------------------------- logging

@test "logging: prefixed lines on stderr and in xen-hotplug.log, nothing on stdout" {
	guest_create 1 0
	run_vif vif-bridge 1 0 online type_if=vif >"$W_DIR/stdout" 2>"$W_DIR/stderr"
	cat "$W_DIR/stderr"
	[ ! -s "$W_DIR/stdout" ]
	grep -q 'vif-bridge\[vif1\.0\]: ' "$W_DIR/stderr"
	grep -q 'vif-bridge\[vif1\.0\]: ' "$XEN_LOG_DIR/xen-hotplug.log"
}

# Upstream logs "Successful vif-bridge offline for vif1.0." at every
# offline; ours one line too, also without XEN_HOTPLUG_DEBUG and when
# netback has removed the vif first (the usual offline).
@test "logging: every offline leaves one line, also when the vif is gone already" {
	guest_create 1 0
	run run_vif vif-bridge 1 0 online type_if=vif
	[ "$status" -eq 0 ]
	VIF_ENV=(XEN_HOTPLUG_DEBUG=0)
	run run_vif vif-bridge 1 0 offline type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "vif-bridge[vif1.0]: offline: detached from bridge 'xenbr0'" ]
	guest_unplug 1 0
	: >"$XEN_LOG_DIR/xen-hotplug.log"
	run run_vif vif-bridge 1 0 offline type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "vif-bridge[vif1.0]: offline: 'vif1.0' is gone already: nothing to detach" ]
	[ "$(cat "$XEN_LOG_DIR/xen-hotplug.log")" = "$output" ]
}

@test "logging: the failure message reaches the log and hotplug-error" {
	guest_create 1 0 bridge=nosuchbr0
	run run_vif vif-bridge 1 0 online type_if=vif
	[ "$status" -eq 1 ]
	cat "$XEN_LOG_DIR/xen-hotplug.log"
	grep 'vif-bridge\[vif1\.0\]: ' "$XEN_LOG_DIR/xen-hotplug.log" | grep -q nosuchbr0
	grep -q nosuchbr0 <<<"$(xs_read "$(be_path 1 0)/hotplug-error")"
}

# ---------------------------------------------------------------- hooks

@test "hooks: a post hook sees upstream's variables and helpers, before connected" {
	recording_hook
	guest_create 1 0 ip="10.0.0.1 fd00::1"
	run run_vif vif-bridge 1 0 online type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	cat "$W_DIR/hook.online"
	[ "$(hook_val online command)" = online ]
	[ "$(hook_val online dev)" = vif1.0 ]
	[ "$(hook_val online vif)" = vif1.0 ]
	[ "$(hook_val online bridge)" = xenbr0 ]
	[ "$(hook_val online ip)" = "10.0.0.1 fd00::1" ]
	[ "$(hook_val online XENBUS_PATH)" = backend/vif/1/0 ]
	[ "$(hook_val online type_if)" = vif ]
	[ "$(hook_val online mac)" = 00:16:3e:01:00:01 ]
	[ "$(hook_val online vifname)" = "" ]
	[ "$(hook_val online xs_mac)" = 00:16:3e:01:00:01 ]
	[ "$(hook_val online xs_default)" = dflt ]
	[ "$(hook_val online status_at_hook)" = "" ]
	[ "$(hook_val online master_at_hook)" = xenbr0 ]
	[ "$(xs_read "$(be_path 1 0)/hook-was-here")" = online ]
	[ "$(xs_read "$(be_path 1 0)/hotplug-status")" = connected ]
}

@test "hooks: renamed vif, offline run" {
	recording_hook
	guest_create 1 0 vifname=web0
	run run_vif vif-bridge 1 0 online type_if=vif
	[ "$status" -eq 0 ]
	[ "$(hook_val online dev)" = web0 ]
	[ "$(hook_val online vif)" = vif1.0 ]
	[ "$(hook_val online vifname)" = web0 ]
	run run_vif vif-bridge 1 0 offline type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	cat "$W_DIR/hook.offline"
	[ "$(hook_val offline command)" = offline ]
	[ "$(hook_val offline dev)" = web0 ]
	[ "$(hook_val offline bridge)" = xenbr0 ]
}

@test "hooks: tap add runs the hooks with type_if=tap" {
	recording_hook
	guest_create 1 0 type=vif_ioemu
	run run_vif vif-bridge 1 0 add type_if=tap
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(hook_val add command)" = add ]
	[ "$(hook_val add type_if)" = tap ]
	[ "$(hook_val add dev)" = vif1.0-emu ]
	[ "$(hook_val add bridge)" = xenbr0 ]
}

@test "hooks: a non-executable .hook is ignored, so are other names" {
	write_hook 10-noexec.hook 0644 "touch $W_DIR/noexec-ran"
	write_hook 20-other.sh 0755 "touch $W_DIR/other-ran"
	guest_create 1 0
	run run_vif vif-bridge 1 0 online type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	[ ! -e "$W_DIR/noexec-ran" ]
	[ ! -e "$W_DIR/other-ran" ]
	[ "$(xs_read "$(be_path 1 0)/hotplug-status")" = connected ]
}

@test "hooks: a hook calling fatal fails online with its message" {
	write_hook 00-fatal.hook 0755 'fatal "hook says no to $dev"'
	guest_create 1 0
	run run_vif vif-bridge 1 0 online type_if=vif
	echo "$output"
	[ "$status" -eq 1 ]
	[ "$(xs_read "$(be_path 1 0)/hotplug-status")" = error ]
	grep -qF "hook says no to vif1.0" <<<"$(xs_read "$(be_path 1 0)/hotplug-error")"
}

@test "hooks: run in name order" {
	write_hook 20-b.hook 0755 "echo b >>$W_DIR/order"
	write_hook 10-a.hook 0755 "echo a >>$W_DIR/order"
	guest_create 1 0
	run run_vif vif-bridge 1 0 online type_if=vif
	[ "$status" -eq 0 ]
	[ "$(tr -d '\n' <"$W_DIR/order")" = ab ]
}

# ---------------------------------------------------------------- traffic

@test "traffic: two guests on xenbr0 ping each other; offline cuts guest 2 off" {
	guest_create 1 0 ip4=10.0.0.1/24 ip6=fd00::1/64
	guest_create 2 0 ip4=10.0.0.2/24 ip6=fd00::2/64
	# not yet plugged into the bridge: no path
	guest_noping 1 10.0.0.2
	run run_vif vif-bridge 1 0 online type_if=vif
	[ "$status" -eq 0 ]
	run run_vif vif-bridge 2 0 online type_if=vif
	[ "$status" -eq 0 ]
	[ "$(bridge_ports xenbr0 | sort | tr '\n' ' ')" = "vif1.0 vif2.0 " ]
	wait_for 2000 test "$(bridge_port_state xenbr0 vif1.0)" = forwarding
	[ "$(bridge_port_state xenbr0 vif1.0)" = forwarding ]
	[ "$(bridge_port_state xenbr0 vif2.0)" = forwarding ]
	guest_ping 1 10.0.0.2
	guest_ping 2 10.0.0.1
	guest_ping 1 fd00::2
	run run_vif vif-bridge 2 0 offline type_if=vif
	[ "$status" -eq 0 ]
	[ "$(bridge_ports xenbr0)" = vif1.0 ]
	guest_noping 1 10.0.0.2
}

@test "traffic: renamed vif and jumbo MTU carry traffic" {
	in_dom0 ip link set xenbr0 mtu 4000
	guest_create 1 0 ip4=10.0.0.1/24 mtu=4000 vifname=a0
	guest_create 2 0 ip4=10.0.0.2/24 mtu=4000 vifname=b0
	in_guest 1 ip link set eth0 mtu 4000
	in_guest 2 ip link set eth0 mtu 4000
	run run_vif vif-bridge 1 0 online type_if=vif
	[ "$status" -eq 0 ]
	run run_vif vif-bridge 2 0 online type_if=vif
	[ "$status" -eq 0 ]
	# a 3000-byte ping (not fragmented: guest MTU 4000) is dropped by any 1500 hop
	in_guest 1 busybox ping -c 2 -W 1 -s 3000 10.0.0.2 >/dev/null
}

@test "parallel: eight vifs of two domains brought online at once" {
	local d n pids=()
	for d in 1 2; do
		for n in 0 1 2 3; do
			guest_create "$d" "$n"
		done
	done
	for d in 1 2; do
		for n in 0 1 2 3; do
			run_vif vif-bridge "$d" "$n" online type_if=vif >"$W_DIR/par-$d-$n.out" 2>&1 &
			pids+=($!)
		done
	done
	local p rc=0
	for p in "${pids[@]}"; do
		wait "$p" || rc=1
	done
	cat "$W_DIR"/par-*.out
	[ "$rc" -eq 0 ]
	for d in 1 2; do
		for n in 0 1 2 3; do
			[ "$(xs_read "$(be_path "$d" "$n")/hotplug-status")" = connected ]
			assert_port "vif$d.$n" xenbr0 1500
		done
	done
	[ "$(bridge_ports xenbr0 | wc -l)" -eq 8 ]
}
