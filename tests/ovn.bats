#!/usr/bin/env bats
# vif-openvswitch on a fleet of Xen hosts joined by OVN (tests/ovn.bash):
# two simulated hosts, each with its own xenstored, Open vSwitch
# (userspace datapath) and ovn-controller, Geneve between them over an
# underlay, one ovn-central.  Guests are plugged by our tool alone, as
# libxl runs it; the logical ports are what an orchestrator writes in
# the northbound database.  Each check stands beside a control where the
# same traffic crosses (or the same binding is made).

setup() {
	load helpers
	load ovs
	load ovn
	world_setup
	[ -x "$HP_BUILD/vif-openvswitch" ] || skip "build/vif-openvswitch not built"
	ovn_world a b
}

teardown() {
	ovn_teardown
	world_teardown
}

# Guests: name, host, domid, MAC, address (all in 10.1.0.0/24: only the
# logical switch separates them).
M_WEB=00:16:3e:00:01:01
M_APP=00:16:3e:00:02:01
M_MAIL=00:16:3e:00:03:01
U_WEB=5a6e0f1c-8c3e-4d0b-9a51-000000000001
U_APP=5a6e0f1c-8c3e-4d0b-9a51-000000000002
U_MAIL=5a6e0f1c-8c3e-4d0b-9a51-000000000003

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# ovn_online H DOMID: our online, asserted to succeed.
ovn_online() {
	ovn_vif "$1" "$2" 0 online type_if=vif
	[ "$(on_host "$1" xs_read "$(be_path "$2" 0)/hotplug-status")" = connected ]
}

# wait_chassis PORT CHASSIS MS: the Port_Binding's chassis becomes
# CHASSIS ("" for none) within MS.
_is_chassis() { [ "$(ovn_chassis "$1")" = "$2" ]; }
wait_chassis() {
	wait_for "$3" _is_chassis "$1" "$2" || {
		echo "Port_Binding $1: chassis '$(ovn_chassis "$1")', want '$2'"
		return 1
	}
}

# ovn_ping_ok H DOMID ADDR: answered, up to 5 tries (the flows of a
# port just bound may take a moment on a loaded machine).
ovn_ping_ok() {
	local i
	for i in 1 2 3 4 5; do
		ovn_ping "$@" && return 0
	done
	return 1
}

# Geneve packets seen on the underlay while CMD runs.
geneve_during() {
	local out="$W_DIR/underlay.txt" pid n
	ip netns exec "$W-ul" tcpdump -n -l -i ul --immediate-mode udp port 6081 \
		>"$out" 2>"$out.err" </dev/null 3>&- &
	pid=$!
	wait_for 3000 grep -q 'listening on' "$out.err"
	"$@"
	sleep 0.2
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	n=$(grep -c 'Geneve' "$out" || true)
	echo "$n"
}

# ---------------------------------------------------------------- binding

@test "binding: vif-openvswitch alone binds each guest to its logical port on its host (both hosts have a vif1.0); the guests reach each other over Geneve" {
	ovn_lsp ls1 web-0 "$M_WEB" 10.1.0.1
	ovn_lsp ls1 app-0 "$M_APP" 10.1.0.2
	ovn_guest a 1 web "$U_WEB" ip4=10.1.0.1/24 mac="$M_WEB"
	ovn_guest b 1 app "$U_APP" ip4=10.1.0.2/24 mac="$M_APP"
	# not bound before: the logical ports exist, no interface claims them
	[ -z "$(ovn_chassis web-0)" ]
	local t0 t1
	t0=$(now_ms)
	ovn_online a 1
	ovn_online b 1
	wait_for 20000 ovn_installed a vif1.0
	wait_for 20000 ovn_installed b vif1.0
	t1=$(now_ms)
	echo "# bound and installed on both hosts $((t1 - t0)) ms after the first online" >&3
	[ "$(ovn_chassis web-0)" = host-a ]
	[ "$(ovn_chassis app-0)" = host-b ]
	[ "$(ovn_ext_id a vif1.0 iface-id)" = web-0 ]
	[ "$(ovn_ext_id b vif1.0 iface-id)" = app-0 ]
	# the traffic crosses the underlay in Geneve
	local n
	n=$(geneve_during ovn_ping_ok a 1 10.1.0.2)
	echo "geneve packets: $n"
	[ "$n" -ge 2 ]
	ovn_ping_ok b 1 10.1.0.1
	# the iface-id is what binds it: taken off by hand, the port is let
	# go and the guest is cut off; a second online writes it again
	on_host a ovs_vsctl remove Interface vif1.0 external_ids iface-id
	wait_chassis web-0 "" 10000
	! ovn_ping b 1 10.1.0.1
	ovn_online a 1
	wait_chassis web-0 host-a 10000
	wait_for 10000 ovn_installed a vif1.0
	ovn_ping_ok b 1 10.1.0.1
}

@test "isolation: a guest of another logical switch, same subnet, either host, is cut off; moved to the same switch, it is reached" {
	ovn_lsp ls1 web-0 "$M_WEB" 10.1.0.1
	ovn_lsp ls1 app-0 "$M_APP" 10.1.0.2
	ovn_lsp ls2 mail-0 "$M_MAIL" 10.1.0.3
	ovn_guest a 1 web "$U_WEB" ip4=10.1.0.1/24 mac="$M_WEB"
	ovn_guest b 1 app "$U_APP" ip4=10.1.0.2/24 mac="$M_APP"
	ovn_guest b 2 mail "$U_MAIL" ip4=10.1.0.3/24 mac="$M_MAIL"
	ovn_online a 1
	ovn_online b 1
	ovn_online b 2
	wait_for 20000 ovn_installed a vif1.0
	wait_for 20000 ovn_installed b vif1.0
	wait_for 20000 ovn_installed b vif2.0
	[ "$(ovn_chassis mail-0)" = host-b ]
	# control: the same switch answers
	ovn_ping_ok a 1 10.1.0.2
	# ls2's guest: neither from the other host nor from its own
	! ovn_ping a 1 10.1.0.3
	! ovn_ping b 1 10.1.0.3
	! ovn_ping b 2 10.1.0.1
	# the same guest, its port moved to ls1 by the orchestrator: reached
	nbctl lsp-del mail-0 -- lsp-add ls1 mail-0 -- lsp-set-addresses mail-0 "$M_MAIL 10.1.0.3"
	wait_for 10000 ovn_installed b vif2.0
	ovn_ping_ok a 1 10.1.0.3
	ovn_ping_ok b 1 10.1.0.3
}

@test "Port_Binding: the host's chassis after online, none after offline; a second online keeps it" {
	ovn_lsp ls1 web-0 "$M_WEB" 10.1.0.1
	ovn_lsp ls1 app-0 "$M_APP" 10.1.0.2
	ovn_guest a 1 web "$U_WEB" ip4=10.1.0.1/24 mac="$M_WEB"
	ovn_guest b 1 app "$U_APP" ip4=10.1.0.2/24 mac="$M_APP"
	ovn_online b 1
	[ -z "$(ovn_chassis web-0)" ]
	local t0 t1 t2
	t0=$(now_ms)
	ovn_online a 1
	t1=$(now_ms)
	wait_chassis web-0 host-a 10000
	wait_for 10000 ovn_installed a vif1.0
	t2=$(now_ms)
	echo "# online $((t1 - t0)) ms; bound with its flows installed $((t2 - t0)) ms after the online began" >&3
	ovn_ping_ok b 1 10.1.0.1
	# a second online (a reconnecting frontend): the binding stays
	ovn_online a 1
	[ "$(ovn_chassis web-0)" = host-a ]
	ovn_ping_ok b 1 10.1.0.1
	# offline after netback removed the vif, as libxl runs it
	on_host a guest_unplug 1 0
	t0=$(now_ms)
	ovn_vif a 1 0 offline type_if=vif
	wait_chassis web-0 "" 10000
	t1=$(now_ms)
	echo "# released $((t1 - t0)) ms after the offline began" >&3
	[ -z "$(on_host a ovs_port_bridge vif1.0)" ]
	! ovn_ping b 1 10.1.0.1
	# control: the other guest is still bound on its host
	[ "$(ovn_chassis app-0)" = host-b ]
}

# ---------------------------------------------------------------- migration

# pinger_start H DOMID ADDR FILE: 20 pings a second from a guest, each
# reply a line with "seq=N" in FILE; its pid in PINGER.
pinger_start() {
	PINGER=$(on_host "$1" guest_bg "$2" sh -c "exec busybox ping -i 0.05 -W 1 $3 >$4")
	wait_for 5000 grep -q seq= "$4"
}
last_seq() { sed -n 's/.*seq=\([0-9]*\) .*/\1/p' "$1" | sort -n | tail -n 1; }
# The longest run of pings lost among seqs FIRST..LAST of FILE.
longest_loss() {
	sed -n 's/.*seq=\([0-9]*\) .*/\1/p' "$1" | sort -n -u |
		awk -v f="$2" -v l="$3" '$1 >= f && $1 <= l { got[$1] = 1 }
			END { run = 0; max = 0
			      for (s = f; s <= l; s++) if (got[s]) run = 0; else if (++run > max) max = run
			      print max }'
}

# The world of the migrations: web (domain 1 on host a) on ls1, app
# (domain 1 on host b) pinging it 20 times a second.
migration_world() {
	ovn_lsp ls1 web-0 "$M_WEB" 10.1.0.1
	ovn_lsp ls1 app-0 "$M_APP" 10.1.0.2
	ovn_guest a 1 web "$U_WEB" ip4=10.1.0.1/24 mac="$M_WEB"
	ovn_guest b 1 app "$U_APP" ip4=10.1.0.2/24 mac="$M_APP"
	ovn_online a 1
	ovn_online b 1
	wait_for 20000 ovn_installed a vif1.0
	wait_for 20000 ovn_installed b vif1.0
	# control: it answers through host a
	ovn_ping_ok b 1 10.1.0.1
	[ "$(ovn_chassis web-0)" = host-a ]
	ovn_watch "$W_DIR/bindings.txt"
	pinger_start b 1 10.1.0.1 "$W_DIR/ping.txt"
	sleep 0.5
	MIG_S0=$(last_seq "$W_DIR/ping.txt")
}

# migrate_web: web to host b as domain 7, in the order xl migrate runs
# it (xen.git tools/xl/xl_migrate.c, xl_vmcontrol.c): the guest
# suspended on a; on b the domain created as web--incoming (the same
# uuid, a new domid) and its vif attached (our online) while a's still
# exists; b renames it web and resumes it (its frontend connects to b's
# vif, and it sends a gratuitous ARP as netfront does on resume); a
# destroys its domain (netback removes vif1.0) and runs its offline.
# Times (epoch ms) in MIG_SUSPEND, MIG_ONLINE (its start), MIG_RESUME,
# MIG_OFFLINE (its end).
migrate_web() {
	local gns
	gns=$(_guest_ns 1) # the guest: host a's namespace of domain 1
	# b: the receiving domain's xenstore and netback's vif, its frontend
	# not connected yet (the guest's end waits, down)
	on_host b guest_create 7 0 create=later script="$XEN_SCRIPT_DIR/vif-openvswitch" \
		bridge=br-int mac="$M_WEB"
	on_host b xenstore-write /local/domain/7/vm "/vm/$U_WEB" "/vm/$U_WEB/name" web--incoming \
		"/vm/$U_WEB/uuid" "$U_WEB" /local/domain/7/name web--incoming
	ip -n "$W-hb" link add vif7.0 type veth peer name mig0 netns "$gns"
	ip netns exec "$W-hb" ethtool -K vif7.0 tx off >/dev/null
	ip netns exec "$gns" ethtool -K mig0 tx off >/dev/null
	ip -n "$gns" link set mig0 address "$M_WEB"

	MIG_SUSPEND=$(now_ms)
	ip -n "$gns" link set eth0 down
	MIG_ONLINE=$(now_ms)
	ovn_online b 7
	MIG_TOOL=$OVN_MS
	on_host b xenstore-write "/vm/$U_WEB/name" web /local/domain/7/name web
	ip -n "$gns" link set eth0 name old0
	ip -n "$gns" link set mig0 name eth0
	ip -n "$gns" addr add 10.1.0.1/24 dev eth0
	ip -n "$gns" link set eth0 up
	MIG_RESUME=$(now_ms)
	ip netns exec "$gns" busybox arping -U -c 1 -I eth0 10.1.0.1 >/dev/null 2>&1 || true
	ip -n "$gns" link del old0
	ovn_vif a 1 0 offline type_if=vif
	MIG_OFFLINE=$(now_ms)
}

# After migrate_web: bound on b for good, the keys of the final name,
# a's port gone, the guest answering from b; the figures shown.
migration_done() {
	local out=$W_DIR/ping.txt s1 gap moves moved
	wait_chassis web-0 host-b 20000
	wait_for 20000 ovn_installed b vif7.0
	sleep 1.5
	s1=$(last_seq "$out")
	kill "$PINGER"
	[ "$(ovn_chassis web-0)" = host-b ]
	[ "$(ovn_ext_id b vif7.0 iface-id)" = web-0 ]
	[ "$(ovn_ext_id b vif7.0 xen-vm-name)" = web ]
	[ -z "$(on_host a ovs_port_bridge vif1.0)" ]
	ovn_binding_changes "$W_DIR/bindings.txt" web-0 >"$W_DIR/moves.txt"
	cat "$W_DIR/moves.txt"
	# the changes after the first: the last one is to b
	moves=$(($(wc -l <"$W_DIR/moves.txt") - 1))
	[ "$(tail -n 1 "$W_DIR/moves.txt" | cut -d' ' -f2)" = host-b ]
	moved=$(($(tail -n 1 "$W_DIR/moves.txt" | cut -d' ' -f1) - MIG_ONLINE))
	gap=$(longest_loss "$out" "$MIG_S0" "$s1")
	echo "# migration: b's online $MIG_TOOL ms; the guest suspended $((MIG_RESUME - MIG_SUSPEND)) ms; a's offline done $((MIG_OFFLINE - MIG_ONLINE)) ms after b's online began; the binding changed $moves time(s) ($(awk -v t="$MIG_ONLINE" 'NR > 1 { printf "%s%s at %+d ms", s, $2, $1 - t; s = ", " }' "$W_DIR/moves.txt")), for good to host-b $moved ms after b's online began; longest loss $gap pings of 50 ms" >&3
	MIG_MOVES=$moves
	# answering through b at the end, a second without a loss
	[ "$(longest_loss "$out" $((s1 - 20)) "$s1")" = 0 ]
	# the loss is the suspension's: it ends within a second of the resume
	# (the binding was on b by then)
	[ "$gap" -le $(((MIG_RESUME - MIG_SUSPEND + 1000) / 50)) ]
}

@test "migration in libxl's order: the binding follows the guest to the receiving host, which answers (gap and binding time measured)" {
	migration_world
	migrate_web
	migration_done
}

@test "migration with the orchestrator's requested-chassis: the same, and no claim fight between the two hosts" {
	migration_world
	# what an orchestrator writes as the migration starts: both hosts may
	# bind the port (OVN sends its traffic to both), and when it ends: b
	# only.  Without it a and b both have an interface with its iface-id
	# until a's offline, and claim the port in turn.
	nbctl lsp-set-options web-0 requested-chassis=host-a,host-b
	migrate_web
	nbctl lsp-set-options web-0 requested-chassis=host-b
	migration_done
	[ "$MIG_MOVES" -le 2 ]
	! grep -q 'Changing chassis for lport web-0' "$(_host_dir a)/ovs/ovn-controller.log" \
		"$(_host_dir b)/ovs/ovn-controller.log"
}

# ---------------------------------------------------------------- port security

# What the guarded vif sends, seen on host a after the guard (a netdev
# chain on the vif at priority 0, the guard's at -300): source MACs,
# IPv4 sources, ARP senders.
observe_after_guard() {
	on_host a in_dom0 nft -f - <<-EOF2
	table netdev seen {
		set mac { type ether_addr; flags dynamic; }
		set src4 { type ipv4_addr; flags dynamic; }
		set arp4 { type ipv4_addr; flags dynamic; }
		chain in {
			type filter hook ingress device "$1" priority 0; policy accept;
			update @mac { ether saddr }
			meta protocol ip update @src4 { ip saddr }
			meta protocol arp update @arp4 { arp saddr ip }
		}
	}
	EOF2
}
seen() { on_host a in_dom0 nft get element netdev seen "$1" "{ $2 }" >/dev/null 2>&1; }

# What reaches app (host b), seen in its namespace: one line per frame;
# tcpdump's pid in SNIFFER.
sniff_app() {
	SNIFFER=$(on_host b guest_bg 1 sh -c "exec tcpdump -e -n -l -i eth0 --immediate-mode icmp or arp >'$1' 2>'$1.err'")
	wait_for 3000 grep -q 'listening on' "$1.err"
}

# web's traffic to app: its own, then from 10.1.0.50 (an address it
# added), a gratuitous ARP for 10.1.0.50, then from MAC 00:16:3e:99:99:99.
spoof_from_web() {
	local gns
	gns=$(_guest_ns 1)
	ip -n "$gns" neigh replace 10.1.0.2 lladdr "$M_APP" dev eth0 nud permanent
	ip -n "$gns" addr add 10.1.0.50/24 dev eth0
	ip netns exec "$gns" busybox ping -c 2 -W 1 10.1.0.2 >/dev/null 2>&1 || true
	ip netns exec "$gns" busybox ping -c 2 -W 1 -I 10.1.0.50 10.1.0.2 >/dev/null 2>&1 || true
	ip netns exec "$gns" busybox arping -U -c 2 -I eth0 -s 10.1.0.50 10.1.0.50 >/dev/null 2>&1 || true
	ip -n "$gns" link set eth0 address 00:16:3e:99:99:99
	ip netns exec "$gns" busybox ping -c 2 -W 1 10.1.0.2 >/dev/null 2>&1 || true
	ip -n "$gns" link set eth0 address "$M_WEB"
	ip -n "$gns" addr del 10.1.0.50/24 dev eth0
	sleep 0.3
}

@test "port security: OVN's (the logical port's addresses) and our guard (the ip key) drop the same spoofed frames and pass the same own ones; without either, all cross" {
	ovn_lsp ls1 web-0 "$M_WEB" 10.1.0.1
	ovn_lsp ls1 app-0 "$M_APP" 10.1.0.2
	ovn_guest a 1 web "$U_WEB" ip4=10.1.0.1/24 mac="$M_WEB" ip=10.1.0.1
	ovn_guest b 1 app "$U_APP" ip4=10.1.0.2/24 mac="$M_APP"
	ovn_online b 1
	local mode f=$W_DIR/app.txt
	for mode in secure open; do
		if [ "$mode" = secure ]; then
			nbctl lsp-set-port-security web-0 "$M_WEB 10.1.0.1"
			echo antispoof=nft >"$XEN_HOTPLUG_CONF"
		else
			nbctl lsp-set-port-security web-0
			echo antispoof=none >"$XEN_HOTPLUG_CONF"
		fi
		ovn_online a 1
		wait_for 20000 ovn_installed a vif1.0
		wait_for 20000 ovn_installed b vif1.0
		# both hosts' flows have the change (northd, then each
		# ovn-controller): the guest's own traffic answered
		ovn_ping_ok a 1 10.1.0.2
		observe_after_guard vif1.0
		sniff_app "$f"
		spoof_from_web
		cat "$f"
		# its own: crosses both, whatever the mode
		grep -q "$M_WEB > $M_APP.* 10.1.0.1 > 10.1.0.2: ICMP echo request" "$f"
		seen src4 10.1.0.1
		seen mac "$M_WEB"
		if [ "$mode" = secure ]; then
			# the same elements on both sides
			[ "$(nbctl lsp-get-port-security web-0)" = "$M_WEB 10.1.0.1" ]
			on_host a in_dom0 nft get element netdev xen_hotplug addrs4 '{ "vif1.0" . 10.1.0.1 }'
			on_host a in_dom0 nft get element netdev xen_hotplug macs "{ \"vif1.0\" . $M_WEB }"
			# spoofed: dropped by OVN (app never sees it), and by the
			# guard (nothing after it sees it)
			! grep -q '10.1.0.50 > 10.1.0.2' "$f"
			! grep -q 'tell 10.1.0.50' "$f"
			! grep -q '00:16:3e:99:99:99 >' "$f"
			! seen src4 10.1.0.50
			! seen arp4 10.1.0.50
			! seen mac 00:16:3e:99:99:99
		else
			# the control: the same frames cross, and pass
			grep -q '10.1.0.50 > 10.1.0.2: ICMP echo request' "$f"
			grep -q 'tell 10.1.0.50' "$f"
			grep -q '00:16:3e:99:99:99 > .*ICMP echo request' "$f"
			seen src4 10.1.0.50
			seen arp4 10.1.0.50
			seen mac 00:16:3e:99:99:99
		fi
		on_host a in_dom0 nft delete table netdev seen
		kill "$SNIFFER"
	done
}

# ---------------------------------------------------------------- HVM

@test "HVM guest: OVN binds the active one of its vif and tap: the vif while both are there; the tap once the vif goes and its device stays; nothing once the domain is destroyed" {
	local M_HVM=00:16:3e:00:04:01
	ovn_lsp ls1 hvm-0 "$M_HVM" 10.1.0.4
	ovn_lsp ls1 app-0 "$M_APP" 10.1.0.2
	ovn_guest a 3 hvm 5a6e0f1c-8c3e-4d0b-9a51-000000000004 ip4=10.1.0.4/24 mac="$M_HVM" type=vif_ioemu
	ovn_guest b 1 app "$U_APP" ip4=10.1.0.2/24 mac="$M_APP"
	ovn_online b 1
	# libxl's order: the vif's online, then the tap's add
	ovn_online a 3
	ovn_vif a 3 0 add type_if=tap
	wait_for 20000 ovn_installed a vif3.0
	[ "$(ovn_chassis hvm-0)" = host-a ]
	[ "$(ovn_ext_id a vif3.0 iface-status)" = active ]
	[ "$(ovn_ext_id a vif3.0-emu iface-status)" = inactive ]
	[ -z "$(ovn_ext_id a vif3.0-emu iface-id)" ]
	[ -z "$(ovn_ext_id a vif3.0-emu ovn-installed)" ]
	# the guest's PV NIC is the one in OVN
	wait_for 20000 ovn_installed b vif1.0
	ovn_ping_ok b 1 10.1.0.4
	# control: the iface-id on both, as a writer of the contract that
	# relied on iface-status would leave it: OVN does not read
	# iface-status, it moves the port to the interface changed last (the
	# tap), and the guest's PV NIC is cut off until the tap loses it
	on_host a ovs_vsctl set Interface vif3.0-emu external_ids:iface-id=hvm-0
	wait_for 10000 ovn_installed a vif3.0-emu
	! ovn_ping b 1 10.1.0.4
	on_host a ovs_vsctl remove Interface vif3.0-emu external_ids iface-id
	wait_for 10000 ovn_installed a vif3.0
	ovn_ping_ok b 1 10.1.0.4

	# the vif goes while the device model keeps its tap (an emulated NIC
	# detached; a guest without PV drivers): the tap is the guest's NIC
	on_host a guest_unplug 3 0
	ovn_vif a 3 0 offline type_if=vif
	[ "$(ovn_ext_id a vif3.0-emu iface-status)" = active ]
	[ "$(ovn_ext_id a vif3.0-emu iface-id)" = hvm-0 ]
	wait_for 20000 ovn_installed a vif3.0-emu
	[ "$(ovn_chassis hvm-0)" = host-a ]
	# the domain destroyed: libxl stops the device model (the tap goes),
	# then runs the scripts
	on_host a in_dom0 ip link del vif3.0-emu
	ovn_vif a 3 0 remove type_if=tap
	wait_chassis hvm-0 "" 10000
	[ -z "$(on_host a ovs_port_bridge vif3.0-emu)" ]
	[ "$(ovn_chassis app-0)" = host-b ]
}
