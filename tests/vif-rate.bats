#!/usr/bin/env bats
# A tap's `rate` (an HVM guest's emulated NIC, which netback does not
# limit): vif-bridge, vif-route and vif-nat limit it both ways with tbf,
# and an ifb for what the guest sends.  Kernel state (tc -j, ip -j),
# removal, bad values, and real throughput with iperf3 measured against
# the same tap without the limit: a generous bound on a ratio, never a
# timing.

setup() {
	load helpers
	world_setup
	[ -x "$HP_BUILD/vif-bridge" ] || skip "build/vif-bridge not built"
	command -v iperf3 >/dev/null || skip "needs iperf3 (install.sh --deps)"
	command -v tc >/dev/null || skip "needs tc (iproute2)"
}

teardown() {
	world_teardown
}

# xl's rate=10Mb/s: 1250000 bytes/s, 62500 bytes every 50 ms
RATE10=62500,50000
LIMIT=10000000

# A bridge as on a real host: its NIC a port (an empty bridge loses its
# carrier and its address when its last port leaves, whoever removed it).
nic_on_bridge() {
	in_dom0 ip link add nic0 type veth peer name nic0p
	in_dom0 ip link set nic0 master xenbr0 up
	in_dom0 ip link set nic0p up
}

# emu_guest DOMID [guest_create options]: an HVM guest whose emulated NIC
# carries traffic.  A tap needs qemu on its other end, so the test's
# "tap" is a veth named as libxl names the tap, vif<d>.0-emu, whose peer
# eth0 in the guest has the guest's MAC and 10.77.0.<d>/24.  dom0 is
# 10.77.0.254 on xenbr0.
emu_guest() {
	local d=$1 gns="${W}-g$1"
	shift
	guest_create "$d" 0 type=vif_ioemu create=never "$@"
	ip -n "$DOM0" link add "vif$d.0-emu" type veth peer name eth0 netns "$gns"
	ip -n "$gns" link set eth0 address "$(xs_read "$(be_path "$d" 0)/mac")"
	ip -n "$gns" addr add "10.77.0.$d/24" dev eth0
	ip -n "$gns" link set eth0 up
	if ! in_dom0 ip -4 -o addr show dev xenbr0 | grep -q 10.77.0.254; then
		nic_on_bridge
		in_dom0 ip addr add 10.77.0.254/24 dev xenbr0
		dom0_bg iperf3 -s -B 10.77.0.254 >/dev/null
	fi
}

# bw DOMID up|down: bits/s of a 2 s iperf3 run between the guest and
# dom0, as the receiving end counted them (up: what the guest sends).
bw() {
	local r=()
	[ "$2" = down ] && r=(-R)
	wait_for 3000 guest_ping "$1" 10.77.0.254 || return 1
	in_guest "$1" iperf3 -c 10.77.0.254 -t 2 -J "${r[@]}" |
		jq -e '.end.sum_received.bits_per_second | floor'
}

qdiscs() { in_dom0 tc -j qdisc show dev "$1"; }
# The root tbf of DEV as "<rate in bytes/s> <bucket in KiB>k", or "" (the
# kernel keeps the bucket as a time, so it comes back a few bytes off).
tbf_of() {
	qdiscs "$1" | jq -r '.[] | select(.kind == "tbf" and .root) |
		"\(.options.rate) \(.options.burst / 1024 | round)k"'
}

# Nothing of a rate limit left on DEV (when it exists) and no ifb IFB.
assert_unlimited() {
	local dev=$1 ifb=$2
	! link_exists "$ifb" || { echo "$ifb left: $(link_json "$ifb")"; return 1; }
	if link_exists "$dev"; then
		[ "$(qdiscs "$dev" | jq '[.[] | select(.kind == "tbf" or .kind == "ingress")] | length')" = 0 ] ||
			{ echo "qdiscs left on $dev: $(qdiscs "$dev")"; return 1; }
	fi
}

@test "rate: limits what the guest sends and receives on its tap; remove lifts it" {
	emu_guest 1
	local be
	be=$(be_path 1 0)
	run run_vif vif-bridge 1 0 add type_if=tap
	[ "$status" -eq 0 ]
	# the control: the same tap, no rate key
	local up0 down0 up1 down1 up2 down2
	up0=$(bw 1 up)
	down0=$(bw 1 down)
	run run_vif vif-bridge 1 0 remove type_if=tap
	[ "$status" -eq 0 ]

	xs_write "$be/rate" "$RATE10"
	run run_vif vif-bridge 1 0 add type_if=tap
	echo "$output"
	[ "$status" -eq 0 ]
	# the kernel's state: tbf on the tap (what the guest receives), its
	# ingress redirected to ifb1.0, tbf there (what the guest sends)
	[ "$(tbf_of vif1.0-emu)" = "1250000 128k" ]
	[ "$(tbf_of ifb1.0)" = "1250000 128k" ]
	[ "$(link_json ifb1.0 | jq -r '.linkinfo.info_kind')" = ifb ]
	[ "$(link_alias ifb1.0)" = "xen-hotplug rate limit of vif1.0-emu" ]
	link_up ifb1.0
	run in_dom0 tc -j filter show dev vif1.0-emu ingress
	echo "$output"
	[ "$(jq -r '[.[] | .options.actions[]? | select(.kind == "mirred") |
		"\(.mirred_action) \(.to_dev)"] | join(",")' <<<"$output")" = "redirect ifb1.0" ]
	up1=$(bw 1 up)
	down1=$(bw 1 down)

	run run_vif vif-bridge 1 0 remove type_if=tap
	[ "$status" -eq 0 ]
	assert_unlimited vif1.0-emu ifb1.0
	xs_rm "$be/rate"
	run run_vif vif-bridge 1 0 add type_if=tap
	[ "$status" -eq 0 ]
	assert_unlimited vif1.0-emu ifb1.0
	up2=$(bw 1 up)
	down2=$(bw 1 down)

	echo "# rate=10Mb/s: guest sends $up0 -> $up1 -> $up2 bit/s, receives $down0 -> $down1 -> $down2 bit/s (none, limited, removed)" >&3
	# limited: at most the limit plus the 128 KiB bucket over 2 s, and
	# a half again for the measurement (iperf3 counts its own headers)
	[ "$up1" -le $((LIMIT * 3 / 2)) ]
	[ "$down1" -le $((LIMIT * 3 / 2)) ]
	# the same tap without the limit, before and after, carries at least
	# five times that: it is the limit, not a slow machine
	[ "$up0" -ge $((LIMIT * 5)) ] && [ "$up2" -ge $((LIMIT * 5)) ]
	[ "$down0" -ge $((LIMIT * 5)) ] && [ "$down2" -ge $((LIMIT * 5)) ]
}

# A tc redirect to an ifb skips the netdev ingress hook (the ifb hands
# the frame back with tc_skip_classify): a guarded tap's redirect is its
# guard chain's own `fwd`, after the guard.
@test "rate: a guarded tap is judged by its guard, then limited: no tc redirect, its chain hands what passes to the ifb" {
	emu_guest 1 ip=10.77.0.1
	xs_write "$(be_path 1 0)/rate" "$RATE10"
	run run_vif vif-bridge 1 0 add type_if=tap
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(tbf_of ifb1.0)" = "1250000 128k" ]
	[ "$(qdiscs vif1.0-emu | jq '[.[] | select(.kind == "ingress")] | length')" = 0 ]
	in_dom0 nft list chain netdev xen_hotplug in_vif1.0-emu | tr -d '\t' | grep -qx 'jump guard'
	in_dom0 nft list chain netdev xen_hotplug in_vif1.0-emu | grep -q 'fwd to "ifb1.0"'
	# its own traffic limited; a spoofed source counted and dropped
	local up
	up=$(bw 1 up)
	echo "# guarded tap, rate=10Mb/s: the guest sends $up bit/s" >&3
	[ "$up" -le $((LIMIT * 3 / 2)) ]
	in_guest 1 ip addr add 10.77.0.99/24 dev eth0
	in_guest 1 busybox ping -c 3 -W 1 -I 10.77.0.99 10.77.0.254 || true
	[ "$(in_dom0 nft -j list counter netdev xen_hotplug vif1.0-emu/ip4 | jq '.nftables[1].counter.packets')" -ge 3 ]
	# remove: the limit, the ifb and the guard go
	run run_vif vif-bridge 1 0 remove type_if=tap
	[ "$status" -eq 0 ]
	assert_unlimited vif1.0-emu ifb1.0
	run in_dom0 nft list chain netdev xen_hotplug in_vif1.0-emu
	[ "$status" -ne 0 ]
}

@test "rate: a second add updates the limit in place; its failure keeps the limit" {
	emu_guest 1
	local be
	be=$(be_path 1 0)
	xs_write "$be/rate" "$RATE10"
	run run_vif vif-bridge 1 0 add type_if=tap
	[ "$status" -eq 0 ]
	local ifindex
	ifindex=$(link_json ifb1.0 | jq .ifindex)
	# 20 Mbit/s with a 1 s interval: a bucket of one interval
	xs_write "$be/rate" 2500000,1000000
	run run_vif vif-bridge 1 0 add type_if=tap
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(tbf_of vif1.0-emu)" = "2500000 2441k" ]
	[ "$(tbf_of ifb1.0)" = "2500000 2441k" ]
	[ "$(link_json ifb1.0 | jq .ifindex)" = "$ifindex" ]
	[ "$(in_dom0 tc -j filter show dev vif1.0-emu ingress | jq '[.[] | select(.options.actions)] | length')" = 1 ]
	# a later step failing: the running tap keeps its limit
	XEN_HOTPLUG_FAIL_STEP=hooks run run_vif vif-bridge 1 0 add type_if=tap
	[ "$status" -eq 1 ]
	[ "$(tbf_of vif1.0-emu)" = "2500000 2441k" ]
	[ "$(tbf_of ifb1.0)" = "2500000 2441k" ]
}

# Links (ifbs included) and our qdiscs.
rate_state() {
	dom0_snapshot
	in_dom0 tc -j qdisc show |
		jq -c '[.[] | select(.kind == "tbf" or .kind == "ingress") | {dev, kind, handle}]'
}

@test "rate: a failure at any step of add (with vifname) leaves dom0 as it was" {
	emu_guest 1 vifname=web
	xs_write "$(be_path 1 0)/rate" "$RATE10"
	local before s
	before=$(rate_state)
	for s in rename prepare-port mtu rate guard enslave up hooks connected; do
		VIF_ENV=("XEN_HOTPLUG_FAIL_STEP=$s")
		run run_vif vif-bridge 1 0 add type_if=tap
		echo "step $s: status $status"
		[ "$status" -eq 1 ] || { echo "$output"; return 1; }
		[[ "$output" == *"'$s' failed: injected by XEN_HOTPLUG_FAIL_STEP"* ]] ||
			{ echo "$output"; return 1; }
		[ "$(rate_state)" = "$before" ] || { echo "$output"; rate_state; return 1; }
	done
	VIF_ENV=()
	run run_vif vif-bridge 1 0 add type_if=tap
	[ "$status" -eq 0 ]
	[ "$(tbf_of web-emu)" = "1250000 128k" ]
	[ "$(rate_state)" != "$before" ]
}

@test "rate: remove after the tap is gone removes the ifb; remove again succeeds" {
	emu_guest 1
	xs_write "$(be_path 1 0)/rate" "$RATE10"
	run run_vif vif-bridge 1 0 add type_if=tap
	[ "$status" -eq 0 ]
	link_exists ifb1.0
	# qemu exits: its tap goes, and the tap's qdiscs with it
	in_dom0 ip link del vif1.0-emu
	run run_vif vif-bridge 1 0 remove type_if=tap
	echo "$output"
	[ "$status" -eq 0 ]
	! link_exists ifb1.0 || false
	run run_vif vif-bridge 1 0 remove type_if=tap
	[ "$status" -eq 0 ]
}

@test "rate: a renamed tap (vifname) is limited and found again by remove" {
	emu_guest 1 vifname=web
	xs_write "$(be_path 1 0)/rate" "$RATE10"
	run run_vif vif-bridge 1 0 add type_if=tap
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(tbf_of web-emu)" = "1250000 128k" ]
	[ "$(link_alias ifb1.0)" = "xen-hotplug rate limit of web-emu" ]
	run run_vif vif-bridge 1 0 remove type_if=tap
	[ "$status" -eq 0 ]
	assert_unlimited web-emu ifb1.0
}

# assert_bad_rate VALUE: add fails (exit 1) naming the key and the value,
# before any change.
assert_bad_rate() {
	emu_guest 1
	xenstore-write -- "$(be_path 1 0)/rate" "$1"
	local before
	before=$(dom0_settled)
	run run_vif vif-bridge 1 0 add type_if=tap
	echo "$output"
	[ "$status" -eq 1 ]
	grep -qF "invalid rate '$1'" <<<"$output"
	dom0_unchanged "$before"
	assert_unlimited vif1.0-emu ifb1.0
	# a tap run writes nothing to xenstore, as upstream
	[ "$(xs_read "$(be_path 1 0)/hotplug-status")" = "" ]
}

@test "rate: bad value: not a number" { assert_bad_rate abc; }
@test "rate: bad value: xl's syntax instead of libxl's" { assert_bad_rate 10Mb/s@20ms; }
@test "rate: bad value: no interval" { assert_bad_rate 62500; }
@test "rate: bad value: 0 bytes" { assert_bad_rate 0,50000; }
@test "rate: bad value: a 0 interval" { assert_bad_rate 62500,0; }
@test "rate: bad value: negative" { assert_bad_rate -1,50000; }
@test "rate: bad value: more than 64 bits" { assert_bad_rate 18446744073709551616,50000; }
@test "rate: bad value: below the lowest limit" {
	assert_bad_rate 5,50000
	grep -q "656 bytes/s" <<<"$output"
}
@test "rate: bad value: empty" { assert_bad_rate ""; }

@test "rate: an ifb of that name that is not ours: a clear error, left alone" {
	emu_guest 1
	xs_write "$(be_path 1 0)/rate" "$RATE10"
	# the admin's own ifb (no alias of ours)
	in_dom0 ip link add ifb1.0 type ifb
	local before
	before=$(dom0_snapshot)
	run run_vif vif-bridge 1 0 add type_if=tap
	echo "$output"
	[ "$status" -eq 1 ]
	grep -q "an interface named 'ifb1.0' exists and is not a rate limit of ours" <<<"$output"
	[ "$(dom0_snapshot)" = "$before" ]
	[ -z "$(link_alias ifb1.0)" ]
	run run_vif vif-bridge 1 0 remove type_if=tap
	[ "$status" -eq 0 ]
	link_exists ifb1.0
}

@test "rate: a failure inside the rate step (a clsact on the tap) is undone; the clsact stays" {
	emu_guest 1
	xs_write "$(be_path 1 0)/rate" "$RATE10"
	in_dom0 tc qdisc add dev vif1.0-emu clsact
	local before
	before=$(rate_state)
	run run_vif vif-bridge 1 0 add type_if=tap
	echo "$output"
	[ "$status" -eq 1 ]
	grep -q "unable to limit the rate of 'vif1.0-emu' to '$RATE10': Invalid argument" <<<"$output"
	[ "$(rate_state)" = "$before" ]
	! link_exists ifb1.0 || false
	[ "$(qdiscs vif1.0-emu | jq -r '.[] | select(.handle == "ffff:") | .kind')" = clsact ]
}

@test "rate: the PV vif is netback's to limit: online leaves it alone" {
	guest_create 1 0
	xs_write "$(be_path 1 0)/rate" "$RATE10"
	run run_vif vif-bridge 1 0 online type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(xs_read "$(be_path 1 0)/hotplug-status")" = connected ]
	assert_unlimited vif1.0 ifb1.0
	# and a bad value there is netback's to report, not ours
	xs_write "$(be_path 1 0)/rate" junk
	run run_vif vif-bridge 1 0 online type_if=vif
	[ "$status" -eq 0 ]
}

@test "rate: vif-route and vif-nat limit their taps too, and remove it" {
	outside_create
	local tool
	for tool in vif-route vif-nat; do
		[ -x "$HP_BUILD/$tool" ] || skip "build/$tool not built"
	done
	guest_create 1 0 type=vif_ioemu ip=192.0.2.10 script=vif-route
	guest_create 2 0 type=vif_ioemu script=vif-nat
	xs_write "$(be_path 1 0)/rate" "$RATE10"
	xs_write "$(be_path 2 0)/rate" 125000,50000
	export XEN_HOTPLUG_NAT_DHCP=none
	run run_vif vif-route 1 0 add type_if=tap
	echo "$output"
	[ "$status" -eq 0 ]
	run run_vif vif-nat 2 0 add type_if=tap
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(tbf_of vif1.0-emu)" = "1250000 128k" ]
	[ "$(tbf_of ifb1.0)" = "1250000 128k" ]
	[ "$(tbf_of vif2.0-emu)" = "2500000 128k" ]
	[ "$(tbf_of ifb2.0)" = "2500000 128k" ]
	run run_vif vif-route 1 0 remove type_if=tap
	[ "$status" -eq 0 ]
	run run_vif vif-nat 2 0 remove type_if=tap
	[ "$status" -eq 0 ]
	assert_unlimited vif1.0-emu ifb1.0
	assert_unlimited vif2.0-emu ifb2.0
}
