# tests/helpers.bash: the simulated dom0 world shared by all bats suites.
#
# Every test gets its own world: a dom0 network namespace ($DOM0) with a
# bridge xenbr0, a private instance of Debian's real C xenstored (from
# xen-utils-<X>, tests/xen-utils.sh, run under build/hp-xenshim.so: no
# hypervisor needed) reached through XENSTORED_PATH, and one namespace per
# guest ("${W}-g<domid>") linked to dom0 by veth pairs named as netback
# names its vifs.  Nothing is done in the host's own namespace except
# starting processes and creating files in $W_DIR.
#
#   setup()    { load helpers; world_setup; }
#   teardown() { world_teardown; }
#
# API (see each function): world_setup world_teardown guest_create
# guest_plug guest_unplug run_vif in_dom0 in_guest guest_ping guest_noping guest_bg
# dom0_bg xs_read xs_write xs_exists xs_rm xs_ls be_path fe_path link_json
# libxl_domain_ops libxl_nic_ops xen_bin
# link_master link_state link_up link_mtu link_mac link_alias link_exists
# bridge_ports bridge_port_state dom0_snapshot wait_for
# outside_create in_outside dom0_sysctl route_snapshot

HP_BUILD=${HP_BUILD:-$BATS_TEST_DIRNAME/../build}
# libxl_domain_ops, libxl_nic_ops: xenstore as libxl writes it
# shellcheck source=libxl-xs.bash
. "$(dirname "${BASH_SOURCE[0]}")/libxl-xs.bash"
HP_SRCDIR=${HP_SRCDIR:-$BATS_TEST_DIRNAME/..}

_hp_abs() { realpath -m -- "$1"; }

# ---------------------------------------------------------------- world

world_setup() {
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
	command -v ip >/dev/null 2>&1 || skip "needs iproute2 (ip)"
	command -v jq >/dev/null 2>&1 || skip "needs jq"
	command -v xenstore-write >/dev/null 2>&1 || skip "needs xenstore-utils"
	ip netns list >/dev/null 2>&1 || skip "ip netns does not work here"

	HP_BUILD=$(_hp_abs "$HP_BUILD")
	HP_SRCDIR=$(_hp_abs "$HP_SRCDIR")
	export HP_BUILD HP_SRCDIR

	# A short prefix unique to this test process: parallel runs must not
	# collide on namespace names.
	local try
	for try in 1 2 3 4 5 6 7 8; do
		W="hp$$$RANDOM"
		if ! ip netns list 2>/dev/null | awk '{print $1}' | grep -q "^$W-"; then
			break
		fi
	done
	export W
	export DOM0="${W}-d0"
	W_DIR=$(mktemp -d "${TMPDIR:-/tmp}/$W.XXXXXX") || return 1
	export W_DIR
	: >"$W_DIR/bg.pids"

	if ! ip netns add "$DOM0" 2>"$W_DIR/netns.err"; then
		local why
		why=$(cat "$W_DIR/netns.err")
		skip "cannot create a network namespace: $why"
	fi
	ip -n "$DOM0" link set lo up || return 1
	ip -n "$DOM0" link add xenbr0 type bridge stp_state 0 forward_delay 0 || return 1
	ip -n "$DOM0" link set xenbr0 up || return 1

	export XEN_SCRIPT_DIR="$W_DIR/scripts"
	export XEN_LOG_DIR="$W_DIR/log"
	export XEN_HOTPLUG_DEBUG=1
	export XEN_HOTPLUG_WAIT_MS=3000
	# never the host's /etc/xen/xen-hotplug.conf: suites write their own
	export XEN_HOTPLUG_CONF="$W_DIR/xen-hotplug.conf"
	: >"$XEN_HOTPLUG_CONF"
	mkdir -p "$XEN_SCRIPT_DIR/vif-post.d" "$XEN_LOG_DIR"
	# What `make install` puts next to the tools: the hook environment
	# (upstream's helper functions for sourced hooks).
	if [ -f "$HP_SRCDIR/hooks/hotplug-hook-env.sh" ]; then
		cp "$HP_SRCDIR/hooks/hotplug-hook-env.sh" "$XEN_SCRIPT_DIR/"
	fi

	xenstored_start || return 1
	# what xen-init-dom0 writes at boot (the real xenstored starts with
	# /tool/xenstored only)
	xenstore-write /local/domain/0/domid 0 /local/domain/0/name Domain-0 \
		/local/pool/0/name Pool-0 || return 1
}

# xen_bin NAME: the path of Debian's NAME (xenstored, xl) from the
# unpacked xen-utils package, fetched on first use (tests/xen-utils.sh;
# ./install.sh --deps does it beforehand).  HP_XEN_ROOT holds the root.
xen_bin() {
	# once per bats run, not per test
	local cache="${BATS_RUN_TMPDIR:-/nonexistent}/hp-xen-root"
	[ -n "${HP_XEN_ROOT:-}" ] || HP_XEN_ROOT=$(cat "$cache" 2>/dev/null) || HP_XEN_ROOT=""
	if [ -z "$HP_XEN_ROOT" ] || [ ! -d "$HP_XEN_ROOT" ]; then
		HP_XEN_ROOT=$("$HP_SRCDIR/tests/xen-utils.sh") || return 1
		[ -d "${BATS_RUN_TMPDIR:-/nonexistent}" ] && echo "$HP_XEN_ROOT" >"$cache"
	fi
	export HP_XEN_ROOT
	local b
	for b in "$HP_XEN_ROOT"/usr/lib/xen-*/bin/"$1"; do
		[ -x "$b" ] && echo "$b" && return 0
	done
	echo "xen_bin: no $1 in $HP_XEN_ROOT" >&2
	return 1
}

# xenstored_start: the world's xenstored, in memory, on $W_DIR/xs.sock,
# pid in $W_DIR/xs.pid, its stderr in $W_DIR/xenstored.log (with
# HP_XENSTORED_TRACE=1 every request in $W_DIR/xenstored.trace).
xenstored_start() {
	local xsd shim="$HP_BUILD/hp-xenshim.so" i
	if ! xsd=$(xen_bin xenstored 2>"$W_DIR/xen-utils.err"); then
		echo "# Debian's xenstored is not available: $(tail -n 1 "$W_DIR/xen-utils.err")" >&3
		return 1
	fi
	if [ ! -f "$shim" ]; then
		echo "# $shim is missing: run make -C $HP_SRCDIR" >&3
		return 1
	fi
	export XENSTORED_PATH="$W_DIR/xs.sock"
	mkdir -p "$W_DIR/xenstored"
	local -a opt=(-N -F "$W_DIR/xs.pid")
	[ "${HP_XENSTORED_TRACE:-0}" = 1 ] && opt+=(-T "$W_DIR/xenstored.trace")
	# Started inside $DOM0 so that the namespace sweep in teardown reaches
	# it too; the unix socket lives in the filesystem, reachable from all.
	# -N: no fork.  Started from a subshell, so that it is no job of the
	# test's shell (a test's plain `wait` must not wait for it); fd 3
	# closed: bats waits for it otherwise.
	(
		ip netns exec "$DOM0" env LD_PRELOAD="$shim" XENSTORED_RUNDIR="$W_DIR/xenstored" \
			"$xsd" "${opt[@]}" </dev/null >>"$W_DIR/xenstored.log" 2>&1 3>&- &
		echo "$!" >"$W_DIR/xs.proc"
	)
	for i in $(seq 500); do
		[ -S "$XENSTORED_PATH" ] && xenstore-exists /tool/xenstored 2>/dev/null && return 0
		[ -d "/proc/$(cat "$W_DIR/xs.proc")" ] || break
		sleep 0.01
	done
	echo "# xenstored failed to start:" >&3
	sed 's/^/#   /' "$W_DIR/xenstored.log" >&3
	return 1
}

# Alive and not a zombie (a daemon reparented to a pid 1 that does not
# reap stays a zombie: kill -0 still succeeds on it).
_hp_alive() {
	local st
	st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
	case "$st" in Z*) return 1 ;; esac
	return 0
}

world_teardown() {
	# Never stop half way: errexit off for this function only.
	local -
	set +e
	[ -n "${W:-}" ] || return 0
	case "$W" in hp[0-9]*) ;; *) return 0 ;; esac

	local pid
	# Guest-side and dom0-side background processes we started.
	if [ -n "${W_DIR:-}" ] && [ -f "$W_DIR/bg.pids" ]; then
		while read -r pid; do
			[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null || true
		done <"$W_DIR/bg.pids"
	fi
	# xenstored: SIGTERM, then insist (the namespace sweep below would
	# too; a stopped one is continued so that it can die).
	if [ -n "${W_DIR:-}" ] && [ -f "$W_DIR/xs.proc" ]; then
		pid=$(cat "$W_DIR/xs.proc" 2>/dev/null)
		if [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null; then
			kill -CONT "$pid" 2>/dev/null || true
			local i
			for i in $(seq 20); do
				_hp_alive "$pid" || break
				sleep 0.05
			done
			kill -KILL "$pid" 2>/dev/null || true
		fi
	fi
	# Every namespace of this world, whatever state setup reached.
	local ns
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
		case "$ns" in "$W"-*) ;; *) continue ;; esac
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null || true
		done
		ip netns del "$ns" 2>/dev/null || ip netns del "$ns" 2>/dev/null || true
	done
	if [ -n "${W_DIR:-}" ] && [ -d "$W_DIR" ]; then
		rm -rf -- "$W_DIR"
	fi
	return 0
}

# ---------------------------------------------------------------- guests

be_path() { echo "/local/domain/0/backend/vif/$1/$2"; }
fe_path() { echo "/local/domain/$1/device/vif/$2"; }
_guest_ns() { echo "${W}-g$1"; }

# guest_create DOMID DEVID [mac=] [ip4=] [ip6=] [bridge=] [ip=] [mtu=]
#              [vifname=] [type=vif|vif_ioemu] [create=now|later|never]
#              [gatewaydev=] [script=] [gw4=] [gw6=]
# The xenstore side as the dom0 toolstack writes it (libxl_domain_ops for
# a domain not yet there, then libxl_nic_ops), then, with create=now,
# netback's vif (guest_plug).  mac=, bridge= (xenbr0; empty: no key),
# ip=, mtu=, vifname=, type=, gatewaydev=, script=: the vif's xl settings
# (libxl_nic_ops).  ip4=/ip6=: the guest's own addresses on eth<devid>;
# gw4=/gw6=: its default routes (routed and NAT guests), set by guest_plug.
guest_create() {
	local d=$1 n=$2
	shift 2
	local ip4="" ip6="" type=vif create=now gw4="" gw6="" mac
	mac=$(printf '00:16:3e:%02x:%02x:01' $((d & 255)) $((n & 255)))
	local kv
	local -a nic=()
	for kv in "$@"; do
		case "$kv" in
		ip4=*) ip4=${kv#*=} ;;
		ip6=*) ip6=${kv#*=} ;;
		create=*) create=${kv#*=} ;;
		gw4=*) gw4=${kv#*=} ;;
		gw6=*) gw6=${kv#*=} ;;
		mac=*) mac=${kv#*=} ;;
		type=*) type=${kv#*=}; nic+=("$kv") ;;
		bridge=* | ip=* | mtu=* | vifname=* | gatewaydev=* | script=*) nic+=("$kv") ;;
		*) echo "guest_create: unknown option $kv" >&2; return 2 ;;
		esac
	done
	case "$type" in vif | vif_ioemu) ;; *) echo "guest_create: bad type $type" >&2; return 2 ;; esac
	case "$create" in now | later | never) ;; *) echo "guest_create: bad create $create" >&2; return 2 ;; esac

	local gns
	gns=$(_guest_ns "$d")
	if [ ! -e "/var/run/netns/$gns" ]; then
		ip netns add "$gns" || return 1
		ip -n "$gns" link set lo up || return 1
	fi

	# What the guest side needs later (guest_plug).
	{
		printf 'g_mac=%q\n' "$mac"
		printf 'g_ip4=%q\n' "$ip4"
		printf 'g_ip6=%q\n' "$ip6"
		printf 'g_type=%q\n' "$type"
		printf 'g_gw4=%q\n' "$gw4"
		printf 'g_gw6=%q\n' "$gw6"
	} >"$W_DIR/guest-$d-$n.conf"

	{
		xs_exists "/local/domain/$d/domid" ||
			libxl_domain_ops "$d" "$([ "$type" = vif_ioemu ] && echo hvm || echo pv)"
		libxl_nic_ops "$d" "$n" "mac=$mac" ${nic[@]+"${nic[@]}"}
	} >"$W_DIR/guest-$d-$n.xs" || return 1
	"$HP_BUILD/hp-xs-tx" <"$W_DIR/guest-$d-$n.xs" || return 1

	if [ "$create" = now ]; then
		guest_plug "$d" "$n" || return 1
	fi
}

# guest_plug DOMID DEVID: what netback does when the frontend connects:
# the dom0-side vif<d>.<n> (DOWN) and, for ioemu NICs, the tap
# vif<d>.<n>-emu; the guest side eth<n> is up with its MAC and addresses.
guest_plug() {
	local d=$1 n=$2
	local g_mac g_ip4 g_ip6 g_type g_gw4="" g_gw6=""
	# shellcheck disable=SC1090
	. "$W_DIR/guest-$d-$n.conf" || return 1
	local gns vif="vif$d.$n"
	gns=$(_guest_ns "$d")
	ip -n "$DOM0" link add "$vif" type veth peer name "eth$n" netns "$gns" || return 1
	ip -n "$gns" link set "eth$n" address "$g_mac" || return 1
	ip -n "$gns" link set "eth$n" up || return 1
	if [ -n "$g_ip4" ]; then
		ip -n "$gns" -4 addr add "$g_ip4" dev "eth$n" || return 1
	fi
	if [ -n "$g_ip6" ]; then
		ip -n "$gns" -6 addr add "$g_ip6" dev "eth$n" nodad || return 1
	fi
	if [ -n "$g_gw4" ]; then
		ip -n "$gns" -4 route add default via "$g_gw4" dev "eth$n" onlink || return 1
	fi
	if [ -n "$g_gw6" ]; then
		ip -n "$gns" -6 route add default via "$g_gw6" dev "eth$n" || return 1
	fi
	if [ "$g_type" = vif_ioemu ]; then
		ip -n "$DOM0" tuntap add dev "$vif-emu" mode tap || return 1
	fi
}

# guest_unplug DOMID DEVID [NAME]: netback destroying the vif (before
# offline runs).  NAME: the dom0-side name if it was renamed.
guest_unplug() {
	local d=$1 n=$2 name=${3:-vif$1.$2}
	ip -n "$DOM0" link del "$name"
}

# run_vif TOOL DOMID DEVID COMMAND [args...]: as libxl runs a vif script
# (libxl_linux.c get_hotplug_env, libxl_device.c device_hotplug,
# libxl__exec).  TOOL: a name in $HP_BUILD, or a path.  Use as `run
# run_vif ...`.  The caller's whole environment (libxl passes its own on,
# setenv'ing its variables over it) plus script, XENBUS_TYPE, XENBUS_PATH
# (relative), XENBUS_BASE_PATH, netdev (the backend's gatewaydev or
# empty), INTERFACE (ioemu NICs) and vif; stdin /dev/null, cwd /, and an
# inherited fd 9 beyond 0-2 (libxl's children inherit its open fds).
# Unlike libxl, the tool's stdout is not sent to stderr: tests check it
# stays empty.  In dom0's namespace, killed after 30 s (libxl: 40 s).
run_vif() {
	local tool=$1 d=$2 n=$3
	shift 3
	local path
	case "$tool" in
	*/*) path=$(_hp_abs "$tool") ;;
	*) path="$HP_BUILD/$tool" ;;
	esac
	local be type gw
	be=$(be_path "$d" "$n")
	# (errexit-safe: bats tests run with set -e)
	type=$(xenstore-read "$be/type" 2>/dev/null) || type=""
	gw=$(xenstore-read "$be/gatewaydev" 2>/dev/null) || gw=""
	local -a e=(
		"script=$path"
		"XENBUS_TYPE=vif"
		"XENBUS_PATH=backend/vif/$d/$n"
		"XENBUS_BASE_PATH=backend"
		"netdev=$gw"
	)
	[ "$type" = vif_ioemu ] && e+=("INTERFACE=vif$d.$n-emu")
	e+=("vif=vif$d.$n")
	# Test knobs (plain shell arrays, set by the caller before `run`):
	# VIF_ENV=(name=value...) adds to the environment, VIF_UNSET=(name...)
	# removes variables libxl would have set (or the caller has).
	local x u keep
	local -a f=() un=()
	for u in ${VIF_UNSET[@]+"${VIF_UNSET[@]}"}; do
		un+=(-u "$u")
	done
	for x in "${e[@]}" ${VIF_ENV[@]+"${VIF_ENV[@]}"}; do
		keep=1
		for u in ${VIF_UNSET[@]+"${VIF_UNSET[@]}"}; do
			[ "${x%%=*}" = "$u" ] && keep=0
		done
		[ "$keep" = 1 ] && f+=("$x")
	done
	# HP_VALGRIND=1 (make check-valgrind): the tool under valgrind; any
	# memory error or leak makes it exit 99.  Compiled tools only, not
	# upstream's shell scripts (bash itself leaks).  The child that
	# carries an nf_tables socket's release past our exit (fw-nl.c: a
	# fork, no exec, then _exit) holds the parent's heap as it was: not
	# its leaks, so not checked.  HP_VALGRIND_LEAK_KINDS: a test whose
	# tool ends in _exit (the watchdog's last word) skips the libraries'
	# destructors, and what their constructors allocated is left.
	local -a vg=()
	if [ "${HP_VALGRIND:-0}" = 1 ] && [ "$(head -c 4 "$path" 2>/dev/null)" = $'\x7fELF' ]; then
		vg=(valgrind -q --child-silent-after-fork=yes --leak-check=full
			"--errors-for-leak-kinds=${HP_VALGRIND_LEAK_KINDS:-all}" --error-exitcode=99
			"--suppressions=$HP_SRCDIR/tests/valgrind.supp")
	fi
	(
		cd / || exit 1
		exec ip netns exec "$DOM0" timeout -k 2 30 env ${un[@]+"${un[@]}"} "${f[@]}" \
			${vg[@]+"${vg[@]}"} "$path" "$@" </dev/null 9>>"$W_DIR/libxl-fd"
	)
}

# ---------------------------------------------------------------- exec

in_dom0() { ip netns exec "$DOM0" "$@"; }
in_guest() {
	local d=$1
	shift
	ip netns exec "$(_guest_ns "$d")" "$@"
}
guest_ping() { in_guest "$1" busybox ping -c 2 -W 1 "$2" >/dev/null 2>&1; }
# guest_noping DOMID ADDR: true when one ping gets no answer within 1 s.
guest_noping() { ! in_guest "$1" busybox ping -c 1 -W 1 "$2" >/dev/null 2>&1; }

# Background processes, killed by world_teardown.  Output goes to
# $W_DIR/bg-<pid>.log; fd 3 is closed so that bats does not wait.
_ns_bg() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@" </dev/null >>"$W_DIR/bg.log" 2>&1 3>&- &
	local pid=$!
	echo "$pid" >>"$W_DIR/bg.pids"
	echo "$pid"
}
guest_bg() {
	local d=$1
	shift
	_ns_bg "$(_guest_ns "$d")" "$@"
}
dom0_bg() { _ns_bg "$DOM0" "$@"; }

# ---------------------------------------------------------------- xenstore

xs_read() { xenstore-read "$1" 2>/dev/null; }
xs_write() { xenstore-write "$1" "$2"; }
xs_exists() { xenstore-exists "$1" 2>/dev/null; }
xs_rm() { xenstore-rm "$1" 2>/dev/null; }
xs_ls() { xenstore-ls -f "$1" 2>/dev/null; }

# ---------------------------------------------------------------- links (dom0)

link_json() { ip -n "$DOM0" -j -d link show dev "$1" 2>/dev/null | jq -c '.[0]'; }
link_exists() { ip -n "$DOM0" link show dev "$1" >/dev/null 2>&1; }
link_master() { link_json "$1" | jq -r '.master // ""'; }
link_state() { link_json "$1" | jq -r '.operstate // ""'; }
# link_up DEV: true when the UP flag (administrative state) is set.
link_up() { link_json "$1" | jq -e '.flags | index("UP") != null' >/dev/null; }
link_mtu() { link_json "$1" | jq -r '.mtu // ""'; }
link_mac() { link_json "$1" | jq -r '.address // ""'; }
link_alias() { link_json "$1" | jq -r '.ifalias // ""'; }
bridge_ports() {
	bridge -n "$DOM0" -j link show 2>/dev/null |
		jq -r --arg br "$1" '.[] | select(.master == $br) | .ifname'
}
bridge_port_state() {
	bridge -n "$DOM0" -j link show 2>/dev/null |
		jq -r --arg br "$1" --arg dev "$2" \
			'.[] | select(.master == $br and .ifname == $dev) | .state'
}
# The parts of every dom0 link a failed run must leave unchanged.
dom0_snapshot() {
	ip -n "$DOM0" -j -d link show | jq -S -c \
		'[.[] | {ifindex, ifname, master, flags, mtu, address, ifalias}] | sort_by(.ifindex)'
}

# dom0_settled: dom0_snapshot once two of them 300 ms apart agree (at
# most 3 s): a link just made or enslaved by the test itself changes its
# flags later on a loaded host (the kernel's link watch), which is not
# what the tool under test did.
dom0_settled() {
	local a b i
	a=$(dom0_snapshot)
	for i in 1 2 3 4 5 6 7 8 9 10; do
		sleep 0.3
		b=$(dom0_snapshot)
		[ "$a" = "$b" ] && break
		a=$b
	done
	printf '%s\n' "$b"
}

# dom0_unchanged BEFORE: dom0's links as BEFORE says, else the difference
# and false.
dom0_unchanged() {
	local now
	now=$(dom0_snapshot)
	[ "$now" = "$1" ] && return 0
	echo "dom0's links changed:"
	diff <(jq . <<<"$1") <(jq . <<<"$now")
	return 1
}

# wait_for MS CMD...: poll CMD every 50 ms until it succeeds or MS pass.
wait_for() {
	local ms=$1 t=0
	shift
	until "$@"; do
		[ "$t" -ge "$ms" ] && return 1
		sleep 0.05
		t=$((t + 50))
	done
}

# ---------------------------------------------------------------- outside

# outside_create [route=yes|no] [ip6=yes|no]: an "outside" host (namespace ${W}-out)
# on dom0's uplink: a veth `eth0` in dom0 (192.0.2.1/24, 2001:db8:1::1/64)
# to `eth0` outside (192.0.2.2/24, 2001:db8:1::2/64).  route=yes (the
# default) makes the outside host dom0's default gateway for both
# families.  Routed guests take addresses in 192.0.2.0/24 and
# 2001:db8:1::/64, as on a real LAN.  ip6=no: no IPv6 addresses or route
# (for a dom0 with IPv6 disabled).
outside_create() {
	local route=yes ip6=yes kv
	for kv in "$@"; do
		case "$kv" in
		route=*) route=${kv#*=} ;;
		ip6=*) ip6=${kv#*=} ;;
		*) echo "outside_create: unknown option $kv" >&2; return 2 ;;
		esac
	done
	local ons="${W}-out"
	ip netns add "$ons" || return 1
	ip -n "$ons" link set lo up || return 1
	ip -n "$DOM0" link add eth0 type veth peer name eth0 netns "$ons" || return 1
	ip -n "$DOM0" addr add 192.0.2.1/24 dev eth0 || return 1
	ip -n "$ons" addr add 192.0.2.2/24 dev eth0 || return 1
	if [ "$ip6" = yes ]; then
		ip -n "$DOM0" addr add 2001:db8:1::1/64 dev eth0 nodad || return 1
		ip -n "$ons" addr add 2001:db8:1::2/64 dev eth0 nodad || return 1
	fi
	ip -n "$DOM0" link set eth0 up || return 1
	ip -n "$ons" link set eth0 up || return 1
	if [ "$route" = yes ]; then
		ip -n "$DOM0" route add default via 192.0.2.2 dev eth0 || return 1
		if [ "$ip6" = yes ]; then
			ip -n "$DOM0" -6 route add default via 2001:db8:1::2 dev eth0 || return 1
		fi
	fi
}
in_outside() { ip netns exec "${W}-out" "$@"; }

# dom0_sysctl NAME VALUE / dom0_sysctl NAME: write or read a sysctl of
# dom0 ("net.ipv4.conf.vif1/0.proxy_arp": '/' for a '.' in a name).
dom0_sysctl() {
	local path="/proc/sys/$(tr './' '/.' <<<"$1")"
	if [ $# -ge 2 ]; then
		in_dom0 sh -c "echo $2 >'$path'"
	else
		in_dom0 cat "$path"
	fi
}

# The routes of dom0 (both families, main table), for no-change checks.
route_snapshot() {
	{
		ip -n "$DOM0" -j -4 route show table main
		ip -n "$DOM0" -j -6 route show table main
		ip -n "$DOM0" -j -6 neigh show proxy
		ip -n "$DOM0" -j addr show
	} | jq -S -c 'walk(if type == "object" then del(.tentative) else . end)'
	# "tentative" is duplicate address detection still running: a
	# moment, not configuration (it flips under valgrind's slowdown)
}
