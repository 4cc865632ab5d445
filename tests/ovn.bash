# tests/ovn.bash: a fleet of simulated Xen hosts on one OVN (load after
# helpers and ovs, after world_setup).
#
# Each host is a network namespace with its own xenstored (Debian's, as
# world_setup starts it), its own ovsdb-server and ovs-vswitchd (the
# userspace datapath, tests/ovs.bash) and its own ovn-controller; host a
# is the world's $DOM0 and its xenstored.  The hosts reach each other on
# an underlay, 172.31.0.0/24: a Linux bridge in the namespace ${W}-ul and
# one veth per host, the host's end a port of its OVS bridge br-ul, which
# carries the tunnel endpoint's address (userspace tunnelling sends
# through the routing and neighbour tables of ovs-vswitchd, not the
# kernel's).  One ovn-central in ${W}-c: the NB and SB ovsdb-servers and
# ovn-northd, reached by every ovn-controller over a unix socket.
# Nothing leaves the namespaces; every daemon runs inside one of the
# world's namespaces, so world_teardown's sweep ends them all.
#
#   ovn_world H...             all of it, with hosts H... (letters)
#   ovn_teardown               (before world_teardown) logs, daemons stopped
#   ovn_central_start          NB, SB, northd
#   ovn_host_add H N           host H (a letter), underlay address .N
#   on_host H CMD...           CMD with host H's environment: DOM0,
#                              XENSTORED_PATH, OVS_*, XEN_HOTPLUG_OVSDB,
#                              W_DIR (its guests' files), the guests'
#                              namespace names (helpers' _guest_ns)
#   ovn_guest H DOMID NAME UUID [guest_create options]
#                              a guest of host H as ovs_guest makes it,
#                              its vm directory holding NAME and UUID
#   ovn_vif H DOMID DEVID CMD [ARGS]
#                              our vif-openvswitch on host H as libxl runs
#                              it; its output in $OVN_OUT, its time (ms) in
#                              $OVN_MS, its status returned
#   nbctl ARGS / sbctl ARGS    ovn-nbctl, ovn-sbctl on the central databases
#   ovn_lsp LS PORT MAC IP     a logical switch port with its addresses
#   ovn_chassis PORT           the chassis (its name) a Port_Binding is on, or ""
#   ovn_ext_id H DEV KEY       an external id of interface DEV on host H
#   ovn_installed H DEV        ovn-controller says the flows of DEV are in
#   ovn_ping H DOMID ADDR      one ping from a guest, answered within 1 s
#   ovn_watch FILE; ovn_binding_changes FILE PORT
#                              the Port_Binding's chassis over time

OVN_NB_SCHEMA=${OVN_NB_SCHEMA:-/usr/share/ovn/ovn-nb.ovsschema}
OVN_SB_SCHEMA=${OVN_SB_SCHEMA:-/usr/share/ovn/ovn-sb.ovsschema}
OVN_UNDERLAY=172.31.0

# The guests' namespaces carry their host's letter (host a: none), so that
# two hosts can each have a domain 1.
_guest_ns() { echo "${W}-${HP_HOST:-}g$1"; }

_ovn_need() {
	local t
	for t in ovsdb-tool ovsdb-server ovs-vswitchd ovs-vsctl ovs-appctl ovsdb-client ethtool \
		tcpdump busybox; do
		command -v "$t" >/dev/null 2>&1 || skip "needs $t (openvswitch-switch, ethtool, tcpdump, busybox)"
	done
	for t in ovn-northd ovn-controller ovn-nbctl ovn-sbctl; do
		command -v "$t" >/dev/null 2>&1 || skip "needs $t (ovn-central, ovn-host)"
	done
	[ -f "$OVN_NB_SCHEMA" ] && [ -f "$OVN_SB_SCHEMA" ] || skip "needs the OVN schemas (ovn-common)"
}

# _ovn_daemon NS DIR NAME CMD...: a daemon of ours, detached, inside NS,
# its pidfile and log in DIR; its start-up errors shown on failure.
_ovn_daemon() {
	local ns=$1 dir=$2 name=$3
	shift 3
	ip netns exec "$ns" "$@" --pidfile="$dir/$name.pid" --log-file="$dir/$name.log" \
		--detach --no-chdir </dev/null >>"$dir/start.log" 2>&1 3>&- || {
		echo "# $name failed to start:" >&3
		sed 's/^/#   /' "$dir/start.log" >&3
		return 1
	}
}

ovn_central_start() {
	_ovn_need
	OVN_C="$W_DIR/central"
	mkdir -p "$OVN_C"
	export OVN_C
	ip netns add "$W-c" && ip -n "$W-c" link set lo up || return 1
	local db
	for db in nb sb; do
		local schema=$OVN_NB_SCHEMA
		[ "$db" = sb ] && schema=$OVN_SB_SCHEMA
		ovsdb-tool create "$OVN_C/$db.db" "$schema" >/dev/null || return 1
		OVS_RUNDIR=$OVN_C _ovn_daemon "$W-c" "$OVN_C" "ovsdb-$db" ovsdb-server "$OVN_C/$db.db" \
			--remote="punix:$OVN_C/$db.sock" --unixctl="$OVN_C/ovsdb-$db.ctl" || return 1
	done
	OVN_RUNDIR=$OVN_C OVS_RUNDIR=$OVN_C _ovn_daemon "$W-c" "$OVN_C" northd ovn-northd \
		--ovnnb-db="unix:$OVN_C/nb.sock" --ovnsb-db="unix:$OVN_C/sb.sock"
}

nbctl() { ovn-nbctl --db="unix:$OVN_C/nb.sock" --timeout=10 "$@"; }
sbctl() { ovn-sbctl --db="unix:$OVN_C/sb.sock" --timeout=10 "$@"; }

# The host's namespace and directory.
_host_ns() { if [ "$1" = a ]; then echo "$W-d0"; else echo "$W-h$1"; fi; }
_host_dir() { if [ "$1" = a ]; then echo "$W_DIR"; else echo "$W_DIR/h-$1"; fi; }

on_host() {
	local h=$1 dir
	shift
	dir=$(_host_dir "$h")
	(
		export DOM0 XENSTORED_PATH W_DIR HP_HOST OVS_DIR OVS_RUNDIR OVS_DBDIR OVS_LOGDIR \
			OVS_SYSCONFDIR OVN_RUNDIR XEN_HOTPLUG_OVSDB
		DOM0=$(_host_ns "$h")
		W_DIR=$dir
		XENSTORED_PATH=$dir/xs.sock
		HP_HOST=${h#a}
		OVS_DIR=$dir/ovs
		OVS_RUNDIR=$OVS_DIR OVS_DBDIR=$OVS_DIR OVS_LOGDIR=$OVS_DIR OVS_SYSCONFDIR=$OVS_DIR
		OVN_RUNDIR=$OVS_DIR
		XEN_HOTPLUG_OVSDB=$OVS_DIR/db.sock
		"$@"
	)
}

# ovn_host_add H N: host H at $OVN_UNDERLAY.N, a chassis named host-H.
ovn_host_add() {
	local h=$1 n=$2 ns dir
	ns=$(_host_ns "$h")
	dir=$(_host_dir "$h")
	if [ "$h" != a ]; then
		mkdir -p "$dir" && : >"$dir/bg.pids" || return 1
		ip netns add "$ns" && ip -n "$ns" link set lo up || return 1
		on_host "$h" xenstored_start || return 1
		on_host "$h" xenstore-write /local/domain/0/domid 0 /local/domain/0/name Domain-0 || return 1
	fi
	on_host "$h" ovs_start || return 1
	on_host "$h" _ovn_host_net "$h" "$n" || return 1
	on_host "$h" _ovn_daemon "$ns" "$dir/ovs" ovn-controller ovn-controller \
		"unix:$dir/ovs/db.sock" || return 1
}

_ovn_host_net() {
	local h=$1 n=$2
	# the underlay: the host's end in its OVS bridge br-ul, which has the
	# address
	ip -n "$W-ul" link add "ul-$h" type veth peer name ul0 netns "$DOM0" || return 1
	ip -n "$W-ul" link set "ul-$h" master ul up || return 1
	in_dom0 ethtool -K ul0 tx off >/dev/null || return 1
	in_dom0 ip link set ul0 up || return 1
	ovs_vsctl add-br br-ul -- set Bridge br-ul datapath_type=netdev \
		-- add-port br-ul ul0 || return 1
	in_dom0 ip addr add "$OVN_UNDERLAY.$n/24" dev br-ul || return 1
	in_dom0 ip link set br-ul up || return 1
	# the integration bridge as ovn-controller would make it, but on the
	# userspace datapath
	ovs_vsctl add-br br-int -- set Bridge br-int datapath_type=netdev fail_mode=secure \
		other_config:disable-in-band=true || return 1
	in_dom0 ip link set br-int up || return 1
	ovs_vsctl set Open_vSwitch . external_ids:system-id="host-$h" \
		external_ids:ovn-remote="unix:$OVN_C/sb.sock" \
		external_ids:ovn-encap-type=geneve external_ids:ovn-encap-ip="$OVN_UNDERLAY.$n" \
		external_ids:ovn-bridge=br-int external_ids:ovn-bridge-datapath-type=netdev || return 1
}

# ovn_world H... : ovn-central, the underlay and hosts H (letters; host
# H's underlay address is .1, .2... in that order), then one ping between
# each pair across the underlay: ovs-vswitchd's userspace tunnels take
# the next hop's MAC from the neighbours it has seen on br-ul, and until
# it has one a guest's first packets to that host are lost.
ovn_world() {
	local h g n=0
	OVN_HOSTS=("$@")
	ovn_central_start || return 1
	ip netns add "$W-ul" && ip -n "$W-ul" link set lo up || return 1
	ip -n "$W-ul" link add ul type bridge stp_state 0 forward_delay 0 || return 1
	ip -n "$W-ul" link set ul up || return 1
	for h in "$@"; do
		n=$((n + 1))
		ovn_host_add "$h" "$n" || return 1
	done
	n=0
	for h in "$@"; do
		n=$((n + 1))
		for g in $(seq $((n + 1)) $#); do
			on_host "$h" in_dom0 busybox ping -c 1 -W 2 "$OVN_UNDERLAY.$g" >/dev/null || {
				echo "# host $h does not reach $OVN_UNDERLAY.$g on the underlay" >&3
				return 1
			}
		done
	done
}

# Before world_teardown: each host's daemons' last words when the test
# failed, then the daemons stopped (the namespace sweep would kill them).
ovn_teardown() {
	local h dir f
	for h in ${OVN_HOSTS[@]+"${OVN_HOSTS[@]}"}; do
		dir=$(_host_dir "$h")/ovs
		if [ -n "${BATS_TEST_COMPLETED:-}" ] && [ "${BATS_TEST_COMPLETED}" != 1 ]; then
			for f in ovn-controller ovs-vswitchd; do
				[ -f "$dir/$f.log" ] || continue
				echo "# host $h, $f.log (last lines):"
				tail -n 12 "$dir/$f.log" | sed 's/^/#   /'
			done
		fi
		on_host "$h" ovs_stop
		# OVN_KEEP=DIR: every host's daemons' logs kept there
		if [ -n "${OVN_KEEP:-}" ]; then
			mkdir -p "$OVN_KEEP/$h" && cp "$dir"/*.log "$OVN_KEEP/$h/" 2>/dev/null
		fi
	done
	[ -z "${OVN_KEEP:-}" ] || cp "$OVN_C"/*.log "$OVN_KEEP/" 2>/dev/null || true
}

ovn_guest() {
	local h=$1 d=$2 name=$3 uuid=$4
	shift 4
	on_host "$h" _ovn_guest "$d" "$name" "$uuid" "$@"
}

_ovn_guest() {
	local d=$1 name=$2 uuid=$3
	shift 3
	guest_create "$d" 0 create=later script="$XEN_SCRIPT_DIR/vif-openvswitch" bridge=br-int "$@" ||
		return 1
	xenstore-write "/local/domain/$d/vm" "/vm/$uuid" "/vm/$uuid/name" "$name" \
		"/vm/$uuid/uuid" "$uuid" "/local/domain/$d/name" "$name" || return 1
	guest_plug "$d" 0 || return 1
	in_dom0 ethtool -K "vif$d.0" tx off >/dev/null 2>&1 || return 1
	in_guest "$d" ethtool -K eth0 tx off >/dev/null 2>&1
}

ovn_vif() {
	local h=$1 t0 rc
	shift
	t0=$(date +%s%N)
	OVN_OUT=$(on_host "$h" run_vif vif-openvswitch "$@" 2>&1)
	rc=$?
	OVN_MS=$((($(date +%s%N) - t0) / 1000000))
	echo "ovn_vif $h $*: $rc ($OVN_MS ms): $OVN_OUT"
	return $rc
}

ovn_lsp() {
	local ls=$1 port=$2 mac=$3 ip=$4
	nbctl --may-exist ls-add "$ls" -- --may-exist lsp-add "$ls" "$port" \
		-- lsp-set-addresses "$port" "$mac $ip"
}

ovn_chassis() {
	local ch
	ch=$(sbctl --bare --columns=chassis find Port_Binding logical_port="$1") || return 1
	[ -n "$ch" ] || return 0
	sbctl --bare --columns=name list Chassis "$ch"
}

# ovn_ext_id H DEV KEY: one external id of an interface, unquoted ("" when
# absent).
ovn_ext_id() {
	local v
	v=$(on_host "$1" ovs_col Interface "$2" "external_ids:$3") || v=""
	v=${v#\"}
	echo "${v%\"}"
}

ovn_installed() { [ "$(ovn_ext_id "$1" "$2" ovn-installed)" = true ]; }

# ovn_watch FILE: every change of the Port_Bindings' chassis, from now,
# into FILE (ovsdb-client monitor on the southbound database, each
# update under a wall-clock timestamp with ms).
ovn_watch() {
	_ns_bg "$W-c" sh -c "exec ovsdb-client --timestamp -f csv --no-headings monitor \
		unix:$OVN_C/sb.sock OVN_Southbound Port_Binding logical_port,chassis >'$1'" >/dev/null
	wait_for 5000 grep -q ',initial,' "$1"
}

# ovn_binding_changes FILE PORT: PORT's chassis after each change in
# FILE, one line "EPOCH_MS CHASSIS" ("-": none).
ovn_binding_changes() {
	local file=$1 port=$2 ts="" line uuid name
	declare -A names=()
	while IFS=, read -r uuid name; do
		names[$uuid]=$name
	done < <(sbctl -f csv --no-headings --columns=_uuid,name list Chassis)
	while IFS= read -r line; do
		case "$line" in
		[0-9][0-9][0-9][0-9]-*) ts=$(date -u -d "$line" +%s%3N) ;;
		*",new,$port,"* | *",initial,$port,"*)
			uuid=${line##*,}
			echo "$ts ${names[$uuid]:--}"
			;;
		esac
	done <"$file"
}

ovn_ping() { on_host "$1" in_guest "$2" busybox ping -c 1 -W 1 "$3" >/dev/null 2>&1; }
