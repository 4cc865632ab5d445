# tests/ovs.bash: a private Open vSwitch inside a test world (load after
# helpers, after world_setup).
#
# ovsdb-server and ovs-vswitchd run inside $DOM0 with their database,
# sockets, pidfiles and logs in $OVS_DIR ($W_DIR/ovs), never the host's
# /var/run/openvswitch: OVS_RUNDIR and friends point every ovs-* client
# there, and XEN_HOTPLUG_OVSDB points our tool there.  No kernel module:
# ovs-vswitchd --disable-system, bridges with datapath_type=netdev (the
# userspace datapath, AF_PACKET on the ports).
#
#   ovs_start            start both daemons (skips without openvswitch-switch)
#   ovs_stop [vswitchd]  stop both (or only ovs-vswitchd)
#   ovs_vsctl ARGS       ovs-vsctl on the private database
#   ovs_br_add NAME      a userspace bridge
#   ovs_guest DOMID DEVID [guest_create options]
#                        a guest as guest_create makes it, plus its vm
#                        directory (name guest<d>, a uuid) and the TX
#                        checksum offload off on both ends (the userspace
#                        datapath does not fill checksums in)
#   ovs_col TABLE ROW COLUMN      one column, as ovs-vsctl prints it
#   ovs_port_bridge DEV  the bridge that has port DEV, or ""
#   ovs_snapshot         the whole database's Bridge/Port/Interface config
#   run_upstream_ovs DOMID DEVID ARGS   upstream's script as libxl runs it
#   ovs_vlan_host DOMID VID=ADDR...     the guest answers ARP and ping on
#                        those VLANs of its eth0, tagged (tests/vlan-host.py:
#                        this kernel has no 802.1Q of its own)

OVS_SCHEMA=${OVS_SCHEMA:-/usr/share/openvswitch/vswitch.ovsschema}

ovs_start() {
	local t
	for t in ovsdb-tool ovsdb-server ovs-vswitchd ovs-vsctl ovs-appctl ethtool; do
		command -v "$t" >/dev/null 2>&1 || skip "needs $t (openvswitch-switch, ethtool)"
	done
	[ -f "$OVS_SCHEMA" ] || skip "needs $OVS_SCHEMA (openvswitch-common)"
	OVS_DIR="$W_DIR/ovs"
	mkdir -p "$OVS_DIR"
	# every ovs-* client and daemon default goes to the private directory
	export OVS_DIR OVS_RUNDIR="$OVS_DIR" OVS_DBDIR="$OVS_DIR" OVS_LOGDIR="$OVS_DIR"
	export OVS_SYSCONFDIR="$OVS_DIR" OVS_PKGDATADIR=/usr/share/openvswitch
	export XEN_HOTPLUG_OVSDB="$OVS_DIR/db.sock"
	ovsdb-tool create "$OVS_DIR/conf.db" "$OVS_SCHEMA" || return 1
	in_dom0 ovsdb-server "$OVS_DIR/conf.db" --remote="punix:$OVS_DIR/db.sock" \
		--pidfile="$OVS_DIR/ovsdb-server.pid" --unixctl="$OVS_DIR/ovsdb-server.ctl" \
		--log-file="$OVS_DIR/ovsdb-server.log" --detach --no-chdir \
		</dev/null >>"$OVS_DIR/start.log" 2>&1 3>&- || {
		echo "# ovsdb-server failed:" >&3
		sed 's/^/#   /' "$OVS_DIR/start.log" >&3
		return 1
	}
	ovs_vsctl --no-wait init || return 1
	ovs_start_vswitchd
}

ovs_start_vswitchd() {
	in_dom0 ovs-vswitchd "unix:$OVS_DIR/db.sock" --disable-system \
		--pidfile="$OVS_DIR/ovs-vswitchd.pid" --unixctl="$OVS_DIR/ovs-vswitchd.ctl" \
		--log-file="$OVS_DIR/ovs-vswitchd.log" --detach --no-chdir \
		</dev/null >>"$OVS_DIR/start.log" 2>&1 3>&- || {
		echo "# ovs-vswitchd failed:" >&3
		sed 's/^/#   /' "$OVS_DIR/start.log" >&3
		return 1
	}
	# ovs-vsctl (without --no-wait) returns once ovs-vswitchd caught up
	ovs_vsctl --timeout=10 set Open_vSwitch . external_ids:hp-test=1
}

_ovs_stop_one() {
	local name=$1 pid i
	[ -f "$OVS_DIR/$name.pid" ] || return 0
	pid=$(cat "$OVS_DIR/$name.pid" 2>/dev/null) || return 0
	ovs-appctl -t "$OVS_DIR/$name.ctl" exit >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null
	for i in $(seq 40); do
		_hp_alive "$pid" || break
		sleep 0.05
	done
	kill -KILL "$pid" 2>/dev/null || true
	rm -f "$OVS_DIR/$name.pid"
}

ovs_stop() {
	[ -n "${OVS_DIR:-}" ] || return 0
	_ovs_stop_one ovs-vswitchd
	[ "${1:-}" = vswitchd ] && return 0
	_ovs_stop_one ovsdb-server
}

# Shows the daemons' logs on failure, then stops them (before world_teardown).
ovs_teardown() {
	if [ -n "${OVS_DIR:-}" ] && [ -f "$OVS_DIR/ovs-vswitchd.log" ] && [ -n "${BATS_TEST_COMPLETED:-}" ] &&
		[ "${BATS_TEST_COMPLETED}" != 1 ]; then
		echo "# ovs-vswitchd.log (last lines):"
		tail -n 15 "$OVS_DIR/ovs-vswitchd.log" | sed 's/^/#   /'
	fi
	ovs_stop
}

ovs_vsctl() { ovs-vsctl --db="unix:$OVS_DIR/db.sock" --timeout=10 "$@"; }

ovs_br_add() {
	ovs_vsctl add-br "$1" -- set Bridge "$1" datapath_type=netdev || return 1
	in_dom0 ip link set "$1" up
}

ovs_guest() {
	local d=$1 n=$2 uuid
	shift 2
	guest_create "$d" "$n" create=later script="$XEN_SCRIPT_DIR/vif-openvswitch" "$@" || return 1
	uuid=$(printf '00000000-0000-4000-8000-%012d' "$d")
	xenstore-write "/local/domain/$d/vm" "/vm/$uuid" "/vm/$uuid/name" "guest$d" \
		"/vm/$uuid/uuid" "$uuid" || return 1
	guest_plug "$d" "$n" || return 1
	in_dom0 ethtool -K "vif$d.$n" tx off >/dev/null 2>&1 || return 1
	in_guest "$d" ethtool -K "eth$n" tx off >/dev/null 2>&1 || return 1
}

ovs_col() { ovs_vsctl --if-exists get "$1" "$2" "$3" 2>/dev/null; }
ovs_port_bridge() { ovs_vsctl port-to-br "$1" 2>/dev/null || true; }
# Every bridge, port and interface with the columns a vif script sets.
ovs_snapshot() {
	ovs_vsctl --format=json --columns=name,ports list Bridge
	ovs_vsctl --format=json --columns=name,tag,trunks,vlan_mode,interfaces list Port
	ovs_vsctl --format=json --columns=name,external_ids,mtu_request list Interface
}

# The port and interface of DEV as one JSON line, uuids left out (for
# comparing two ports).
ovs_port_summary() {
	local dev=$1
	jq -n -c --arg br "$(ovs_port_bridge "$dev")" --arg tag "$(ovs_col Port "$dev" tag)" \
		--arg trunks "$(ovs_col Port "$dev" trunks)" \
		--arg mode "$(ovs_col Port "$dev" vlan_mode)" \
		--arg ofport "$( [ "$(ovs_col Interface "$dev" ofport)" -gt 0 ] 2>/dev/null && echo yes || echo no)" \
		--arg error "$(ovs_col Interface "$dev" error)" \
		'{bridge: $br, tag: $tag, trunks: $trunks, vlan_mode: $mode, opened: $ofport, error: $error}'
}

# upstream's vif-openvswitch as libxl runs it, with ovs-vsctl pointed at
# the private database (libxl's environment has no OVS_RUNDIR: without it
# ovs-vsctl would talk to the host's /var/run/openvswitch).
run_upstream_ovs() {
	local d=$1 n=$2
	shift 2
	VIF_ENV=("OVS_RUNDIR=$OVS_DIR" "OVS_DBDIR=$OVS_DIR" "OVS_SYSCONFDIR=$OVS_DIR")
	run_vif "$UP/vif-openvswitch" "$d" "$n" "$@"
	local rc=$?
	VIF_ENV=()
	return $rc
}

# Traffic: ping from guest A to ADDR answered (or not) within 1 s.
ovs_ping() { in_guest "$1" busybox ping -c 1 -W 1 "$2" >/dev/null 2>&1; }
# ovs_ping_ok A ADDR: up to 3 tries (MAC learning, port setup in vswitchd).
ovs_ping_ok() {
	local i
	for i in 1 2 3; do
		ovs_ping "$1" "$2" && return 0
	done
	return 1
}

ovs_vlan_host() {
	local d=$1
	shift
	local ready="$W_DIR/vlan-host-$d.ready"
	guest_bg "$d" python3 "$HP_SRCDIR/tests/vlan-host.py" eth0 "$ready" "$@" >/dev/null
	wait_for 5000 test -s "$ready"
}

# The guard's per-vif ingress chains (common/fw/fw-netdev.c), one line each:
# "NAME DEVICE PRIO RULES", RULES the chain's rules as nft -j gives them
# (the device from the text listing: nft 1.0.6's JSON leaves it out).
ovs_guard_chains() {
	local name dev rest
	in_dom0 nft -j list table netdev xen_hotplug 2>/dev/null | jq -r -c '
		.nftables as $all | $all[] | select(.chain and .chain.hook) | .chain as $c
		| [$all[] | select(.rule and .rule.chain == $c.name) | .rule.expr] as $r
		| "\($c.name) \($c.prio) \($r | tostring)"' |
		while read -r name rest; do
			dev=$(in_dom0 nft list chain netdev xen_hotplug "$name" |
				sed -n 's/.* device "\([^"]*\)".*/\1/p')
			echo "$name $dev $rest"
		done
}

# The number of the guard's set elements for DEV in the netdev table (0
# without the table).
ovs_guard_elems() {
	local n
	n=$(in_dom0 nft -j list table netdev xen_hotplug 2>/dev/null |
		jq --arg dev "$1" '[.nftables[] | select(.set) | .set.elem // [] | .[] | tostring
			| select(contains("\"" + $dev + "\""))] | length')
	echo "${n:-0}"
}
