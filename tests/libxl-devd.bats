#!/usr/bin/env bats
# libxl-devd: Debian's real libxl runs our tools.  `xl devd -F` (libxl
# 4.17's device daemon, libxl_device.c libxl_device_events_handler), under
# build/hp-xenshim.so (no hypervisor), watches dom0's backend directory on
# the world's real xenstored.  The test plays the dom0 toolstack
# (guest_create writes a vif as libxl__device_generic_add does;
# toolstack_detach as libxl__initiate_device_generic_remove) and netback
# (the vif, the backend's state 2 then 4 on connect, 6 on close).  devd
# runs the backend's `script` with libxl's argv, environment and fds,
# logs, and removes the device's nodes after offline.  Asserted: kernel
# state, xenstore, and devd's own log.

setup() {
	load helpers
	world_setup
	local t
	for t in vif-bridge vif-route vif-nat; do
		[ -x "$HP_BUILD/$t" ] || skip "build/$t not built"
	done
	devd_start
}

teardown() {
	world_teardown
}

DEVD_LOG=""

# xl devd in the foreground, in dom0, its stderr (and so the scripts'
# stdout and stderr) in $DEVD_LOG, started from / as a service is.
devd_start() {
	local xl
	xl=$(xen_bin xl) || return 1
	DEVD_LOG="$W_DIR/devd.log"
	# (no job of the test's shell, as xenstored: see xenstored_start)
	(
		cd / || exit 1
		ip netns exec "$DOM0" env LD_PRELOAD="$HP_BUILD/hp-xenshim.so" \
			"$xl" -vvv devd -F </dev/null >>"$DEVD_LOG" 2>&1 3>&- &
		echo "$!" >>"$W_DIR/bg.pids"
	)
	wait_for 10000 grep -q 'libxl_device_events_handler: .*inprogress' "$DEVD_LOG" ||
		{ cat "$DEVD_LOG"; return 1; }
}

# devd_logged TEXT: devd's log has a line containing TEXT.
devd_logged() { grep -qF -- "$1" "$DEVD_LOG"; }
# devd_count TEXT: how many lines contain TEXT.
devd_count() { grep -cF -- "$1" "$DEVD_LOG" || true; }
devd_wait() { wait_for 15000 devd_logged "$1" || { echo "devd never logged: $1"; cat "$DEVD_LOG"; return 1; }; }

hs_is() { [ "$(xs_read "$(be_path "$1" "$2")/hotplug-status")" = "$3" ]; }
xs_gone() { ! xs_exists "$1"; }

# netback_connect DOMID DEVID: the vif appears, the backend waits for
# its hotplug script (state 2, InitWait); once hotplug-status is
# connected, it connects (state 4).
netback_connect() {
	local d=$1 n=$2
	guest_plug "$d" "$n" || return 1
	xs_write "$(be_path "$d" "$n")/state" 2 || return 1
	wait_for 15000 hs_is "$d" "$n" connected || {
		echo "hotplug-status of $d/$n: '$(xs_read "$(be_path "$d" "$n")/hotplug-status")'"
		cat "$DEVD_LOG"
		return 1
	}
	devd_wait "device $(be_path "$d" "$n") add succeed" || return 1
	xs_write "$(be_path "$d" "$n")/state" 4
}

# toolstack_detach DOMID DEVID: what the dom0 toolstack writes to detach
# a vif: online 0 and state 5 (Closing), one transaction.
toolstack_detach() {
	local be
	be=$(be_path "$1" "$2")
	printf 'write %s/online 0\nwrite %s/state 5\n' "$be" "$be" | "$HP_BUILD/hp-xs-tx"
}

# netback_close DOMID DEVID vif-first|state-first: netback closes the
# backend (state 6, Closed) and destroys the vif, in either order; then
# devd runs offline and removes the backend directory.
netback_close() {
	local d=$1 n=$2 order=$3 be
	be=$(be_path "$d" "$n")
	[ "$order" = vif-first ] && { guest_unplug "$d" "$n" || return 1; }
	xs_write "$be/state" 6 || return 1
	wait_for 15000 xs_gone "$be" || { echo "$be still there"; cat "$DEVD_LOG"; return 1; }
	devd_wait "device $be remove succeed"
}

# After devd's offline: the backend directory is gone, devd removed it.
# The frontend and the /libxl copy stay: devd's libxl__device_destroy
# works on a device parsed from the backend path, which leaves its kind
# unset (libxl__parse_backend_path), so its frontend and /libxl cleanup
# aim at .../device/none/<devid>; the dom0 toolstack that detached the
# vif removes them (toolstack_cleanup).
assert_backend_removed() {
	local d=$1 n=$2 p
	xs_gone "$(be_path "$d" "$n")" || { echo "backend left: $(xs_ls "$(be_path "$d" "$n")")"; return 1; }
	for p in "$(fe_path "$d" "$n")/backend" "/libxl/$d/device/vif/$n/backend"; do
		xs_exists "$p" || { echo "$p gone: devd is not expected to remove it"; return 1; }
	done
}

# toolstack_cleanup DOMID DEVID: the toolstack's own libxl__device_destroy.
toolstack_cleanup() {
	printf 'rm %s\nrm %s\n' "$(fe_path "$1" "$2")" "/libxl/$1/device/vif/$2" | "$HP_BUILD/hp-xs-tx"
}

# The guard's elements for DEV in dom0's nftables.
guard_of() {
	in_dom0 nft -j list ruleset 2>/dev/null |
		jq -r --arg d "$1" '[.nftables[] | select(.set and .set.table == "xen_hotplug") |
			(.set.elem // [])[] | tostring | select(contains($d))] | length'
}

@test "vif-bridge: devd runs online with libxl's argv and environment; port on the bridge, connected, traffic" {
	guest_create 1 0 create=later script="$HP_BUILD/vif-bridge" ip4=10.0.0.1/24 ip=10.0.0.1
	guest_create 2 0 create=later script="$HP_BUILD/vif-bridge" ip4=10.0.0.2/24 ip=10.0.0.2
	netback_connect 1 0
	netback_connect 2 0
	local be
	be=$(be_path 1 0)
	devd_logged "calling hotplug script: $HP_BUILD/vif-bridge online"
	devd_logged "	type_if=vif"
	devd_logged "	script: $HP_BUILD/vif-bridge"
	devd_logged "	XENBUS_TYPE: vif"
	devd_logged "	XENBUS_PATH: backend/vif/1/0"
	devd_logged "	XENBUS_BASE_PATH: backend"
	devd_logged "	netdev:"
	devd_logged "	vif: vif1.0"
	# the tool's stderr is devd's
	devd_logged "vif-bridge[vif1.0]: online: attached to bridge 'xenbr0'"
	[ "$(devd_count "calling hotplug script: $HP_BUILD/vif-bridge online")" = 2 ]
	# kernel: enslaved, up, guarded
	[ "$(link_master vif1.0)" = xenbr0 ]
	[ "$(link_master vif2.0)" = xenbr0 ]
	link_up vif1.0
	[ "$(guard_of vif1.0)" -gt 0 ]
	# xenstore: connected, the frontend's mtu, no error
	hs_is 1 0 connected
	[ "$(xs_read "$(fe_path 1 0)/mtu")" = 1500 ]
	xs_gone "$be/hotplug-error"
	guest_ping 1 10.0.0.2
}

@test "vif-bridge offline, the vif destroyed before state 6: devd runs offline, the guard goes, devd removes the backend" {
	guest_create 1 0 create=later script="$HP_BUILD/vif-bridge" ip4=10.0.0.1/24 ip=10.0.0.1
	netback_connect 1 0
	[ "$(guard_of vif1.0)" -gt 0 ]
	toolstack_detach 1 0
	netback_close 1 0 vif-first
	devd_logged "calling hotplug script: $HP_BUILD/vif-bridge offline"
	[ "$(guard_of vif1.0)" = 0 ]
	assert_backend_removed 1 0
	! link_exists vif1.0 || false
	# the tool's own word that it found the vif gone (no error)
	! grep -q 'vif-bridge\[vif1.0\].*\(unable\|error\)' "$DEVD_LOG" || false
}

@test "vif-bridge offline, the vif destroyed after state 6: the port is released before it goes" {
	guest_create 1 0 create=later script="$HP_BUILD/vif-bridge" ip4=10.0.0.1/24 ip=10.0.0.1
	guest_create 2 0 create=later script="$HP_BUILD/vif-bridge" ip4=10.0.0.2/24
	netback_connect 1 0
	netback_connect 2 0
	guest_ping 2 10.0.0.1
	toolstack_detach 1 0
	netback_close 1 0 state-first
	devd_logged "calling hotplug script: $HP_BUILD/vif-bridge offline"
	# still there, no longer a port, down: guest 1 is cut off
	link_exists vif1.0
	[ "$(link_master vif1.0)" = "" ]
	! link_up vif1.0 || false
	[ "$(guard_of vif1.0)" = 0 ]
	guest_noping 2 10.0.0.1
	assert_backend_removed 1 0
	guest_unplug 1 0
}

@test "failing online: devd logs our hotplug-error, hotplug-status error, nothing attached; removal still works" {
	guest_create 1 0 create=later script="$HP_BUILD/vif-bridge" bridge=nosuchbr0
	guest_plug 1 0
	xs_write "$(be_path 1 0)/state" 2
	wait_for 15000 hs_is 1 0 error || { cat "$DEVD_LOG"; false; }
	devd_wait "device $(be_path 1 0) add failed"
	local err
	err=$(xs_read "$(be_path 1 0)/hotplug-error")
	echo "hotplug-error: $err"
	[[ "$err" == *nosuchbr0* ]]
	# libxl reads hotplug-error after the script's non-zero exit, logs it
	grep -F "libxl: error: " "$DEVD_LOG" | grep -qF "script: $err"
	grep -F "libxl: error: " "$DEVD_LOG" | grep -F "$HP_BUILD/vif-bridge online [" |
		grep -qF "exited with error status 1"
	[ "$(link_master vif1.0)" = "" ]
	! link_up vif1.0 || false
	# the toolstack gives up on the device: devd still runs offline
	toolstack_detach 1 0
	netback_close 1 0 vif-first
	devd_logged "calling hotplug script: $HP_BUILD/vif-bridge offline"
	assert_backend_removed 1 0
}

@test "a second vif of the same domain: both online; detaching one leaves the other connected" {
	guest_create 1 0 create=later script="$HP_BUILD/vif-bridge" ip4=10.0.0.1/24
	guest_create 1 1 create=later script="$HP_BUILD/vif-bridge" ip4=10.0.1.1/24
	guest_create 2 0 create=later script="$HP_BUILD/vif-bridge" ip4=10.0.0.2/24
	netback_connect 1 0
	netback_connect 1 1
	netback_connect 2 0
	devd_logged "	XENBUS_PATH: backend/vif/1/1"
	devd_logged "	vif: vif1.1"
	[ "$(bridge_ports xenbr0 | sort | tr '\n' ' ')" = "vif1.0 vif1.1 vif2.0 " ]
	toolstack_detach 1 1
	netback_close 1 1 vif-first
	assert_backend_removed 1 1
	toolstack_cleanup 1 1
	# devid 0 untouched: its nodes, its port, its traffic
	hs_is 1 0 connected
	xs_exists "/libxl/1/device/vif/0"
	xs_exists "$(fe_path 1 0)/backend"
	[ "$(bridge_ports xenbr0 | sort | tr '\n' ' ')" = "vif1.0 vif2.0 " ]
	guest_ping 2 10.0.0.1
	toolstack_detach 1 0
	netback_close 1 0 state-first
	assert_backend_removed 1 0
	# the last device gone: devd forgets the domain
	devd_logged "Domain 1:Removed domain from the list of active guests"
}

@test "vif-route: devd passes gatewaydev as netdev; routes and proxy ARP, traffic; offline removes the routes" {
	dom0_sysctl net.ipv4.ip_forward 1
	outside_create
	guest_create 1 0 create=later bridge= script="$HP_BUILD/vif-route" gatewaydev=eth0 \
		ip=192.0.2.11 ip4=192.0.2.11/24 gw4=192.0.2.1
	netback_connect 1 0
	devd_logged "calling hotplug script: $HP_BUILD/vif-route online"
	devd_logged "	netdev: eth0"
	run in_dom0 ip -j -4 route show table main exact 192.0.2.11
	echo "$output"
	[ "$(jq -r '.[0] | "\(.dev) \(.prefsrc) \(.metric)"' <<<"$output")" = "vif1.0 192.0.2.1 2" ]
	[ "$(dom0_sysctl net.ipv4.conf.vif1/0.proxy_arp)" = 1 ]
	guest_ping 1 192.0.2.2
	toolstack_detach 1 0
	netback_close 1 0 state-first
	devd_logged "calling hotplug script: $HP_BUILD/vif-route offline"
	[ "$(in_dom0 ip -j -4 route show table main exact 192.0.2.11)" = "[]" ]
	guest_noping 1 192.0.2.2
	assert_backend_removed 1 0
}

@test "vif-nat: devd brings a NAT guest online (router address, route) and offline" {
	dom0_sysctl net.ipv4.ip_forward 1
	guest_create 1 0 create=later bridge= script="$HP_BUILD/vif-nat" ip4=10.0.1.1/16 gw4=10.0.1.128
	netback_connect 1 0
	devd_logged "calling hotplug script: $HP_BUILD/vif-nat online"
	run in_dom0 ip -j -4 addr show dev vif1.0
	[ "$(jq -r '.[0].addr_info[] | select(.family == "inet") | "\(.local)/\(.prefixlen)"' <<<"$output")" = 10.0.1.128/32 ]
	run in_dom0 ip -j -4 route show table main exact 10.0.1.1
	[ "$(jq -r '.[0] | "\(.dev) \(.prefsrc)"' <<<"$output")" = "vif1.0 10.0.1.128" ]
	guest_ping 1 10.0.1.128
	toolstack_detach 1 0
	netback_close 1 0 vif-first
	devd_logged "calling hotplug script: $HP_BUILD/vif-nat offline"
	[ "$(in_dom0 ip -j -4 route show table main exact 10.0.1.1)" = "[]" ]
	assert_backend_removed 1 0
}

@test "emulated NIC (HVM guest): devd runs online type_if=vif, then add type_if=tap with INTERFACE; both on the bridge" {
	guest_create 1 0 create=later script="$HP_BUILD/vif-bridge" type=vif_ioemu
	netback_connect 1 0
	devd_wait "calling hotplug script: $HP_BUILD/vif-bridge add"
	devd_logged "	type_if=tap"
	devd_logged "	INTERFACE: vif1.0-emu"
	# netback_connect waited for libxl's "add succeed", after both runs
	[ "$(link_master vif1.0-emu)" = xenbr0 ]
	[ "$(link_master vif1.0)" = xenbr0 ]
	[ "$(devd_count "calling hotplug script: $HP_BUILD/vif-bridge online")" = 1 ]
}

# The hook dumps what the tool was given: libxl's variables, cwd, stdin,
# LD_PRELOAD; to dump.devd.* (devd's environment has no HP_WHO) or
# dump.$HP_WHO.*.
env_hook() {
	cat >"$XEN_SCRIPT_DIR/vif-post.d/00-dump.hook" <<-'EOF'
		out="$XEN_LOG_DIR/dump.${HP_WHO:-devd}.$command"
		for v in script XENBUS_TYPE XENBUS_PATH XENBUS_BASE_PATH netdev vif INTERFACE; do
			echo "$v=${!v-(unset)}"
		done >"$out"
		echo "cwd=$(pwd)" >>"$out"
		echo "stdin=$(readlink /proc/self/fd/0)" >>"$out"
		echo "LD_PRELOAD=${LD_PRELOAD-(unset)}" >>"$out"
	EOF
	chmod +x "$XEN_SCRIPT_DIR/vif-post.d/00-dump.hook"
}

@test "run_vif gives the tool what devd gives it: libxl's variables, cwd /, stdin /dev/null, no shim preloaded" {
	env_hook
	guest_create 1 0 create=later script="$HP_BUILD/vif-bridge"
	netback_connect 1 0
	[ -f "$XEN_LOG_DIR/dump.devd.online" ] || { cat "$DEVD_LOG"; false; }
	cat "$XEN_LOG_DIR/dump.devd.online"
	grep -qx "XENBUS_PATH=backend/vif/1/0" "$XEN_LOG_DIR/dump.devd.online"
	grep -qx "cwd=/" "$XEN_LOG_DIR/dump.devd.online"
	grep -qx "stdin=/dev/null" "$XEN_LOG_DIR/dump.devd.online"
	grep -qx "LD_PRELOAD=(unset)" "$XEN_LOG_DIR/dump.devd.online"
	# the same vif through run_vif (a second online: idempotent)
	export HP_WHO=run_vif
	run run_vif vif-bridge 1 0 online type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	if [ "${HP_VALGRIND:-0}" = 1 ]; then
		# valgrind preloads its own libraries into the tool and leaves
		# LD_PRELOAD empty for the tool's children (the hook's shell)
		diff <(grep -v '^LD_PRELOAD=' "$XEN_LOG_DIR/dump.devd.online") \
			<(grep -v '^LD_PRELOAD=' "$XEN_LOG_DIR/dump.run_vif.online")
	else
		diff "$XEN_LOG_DIR/dump.devd.online" "$XEN_LOG_DIR/dump.run_vif.online"
	fi
}
