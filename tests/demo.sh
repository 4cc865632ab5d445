#!/bin/bash
# demo.sh [SCRIPT_DIR]: attach two simulated guests with the installed
# vif-bridge, show them talking, detach them, clean up.
#
# No hypervisor is needed: dom0 and the guests are network namespaces,
# each guest's netback vif a veth named vif<domid>.0, and xenstore is
# Debian's own C xenstored (xen-utils-<X>, unpacked in a cache by
# tests/xen-utils.sh, never installed) under the test shim
# build/hp-xenshim.so, in memory on a private socket (XENSTORED_PATH), so
# a real Xen host's xenstore is never touched.  The tool runs with the
# arguments and environment libxl gives it.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
scripts=${1:-/etc/xen/scripts}
tool=$scripts/vif-bridge
shim=$here/../build/hp-xenshim.so
[ -x "$tool" ] || { echo "demo: no $tool; run ./install.sh first" >&2; exit 1; }
[ -f "$shim" ] || { echo "demo: $shim not found; run make" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "demo: needs root (network namespaces)" >&2; exit 1; }
xen=$("$here/xen-utils.sh") || { echo "demo: Debian's xenstored is not available (./install.sh --deps)" >&2; exit 1; }
xsd=$(ls "$xen"/usr/lib/xen-*/bin/xenstored)

p=hpdemo$$
tmp=$(mktemp -d)
cleanup() {
	local ns
	for ns in $(ip netns list | awk -v p="$p-" 'index($1, p) == 1 {print $1}'); do
		ip netns del "$ns" 2>/dev/null || :
	done
	[ -n "${xs_pid:-}" ] && kill "$xs_pid" 2>/dev/null || :
	rm -rf "$tmp"
}
trap cleanup EXIT

export XENSTORED_PATH=$tmp/xs.sock
mkdir -p "$tmp/log" "$tmp/xenstored"
LD_PRELOAD=$shim XENSTORED_RUNDIR=$tmp/xenstored "$xsd" -N </dev/null >"$tmp/xenstored.log" 2>&1 &
xs_pid=$!
for i in $(seq 100); do
	xenstore-exists /tool/xenstored 2>/dev/null && break
	[ "$i" = 100 ] && { echo "demo: xenstored did not start: $(cat "$tmp/xenstored.log")" >&2; exit 1; }
	sleep 0.05
done
# what xen-init-dom0 writes at boot
xenstore-write /local/domain/0/domid 0 /local/domain/0/name Domain-0

dom0=$p-dom0
ip netns add "$dom0"
ip -n "$dom0" link set lo up
ip -n "$dom0" link add xenbr0 type bridge stp_state 0 forward_delay 0
ip -n "$dom0" link set xenbr0 up

be() { echo "/local/domain/0/backend/vif/$1/0"; }
guest() { # domid address
	local d=$1 ns=$p-g$1 fe=/local/domain/$1/device/vif/0
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	ip link add "vif$d.0" netns "$dom0" type veth peer name eth0 netns "$ns"
	ip -n "$ns" link set eth0 address "00:16:3e:00:00:0$d"
	ip -n "$ns" addr add "$2/24" dev eth0
	ip -n "$ns" link set eth0 up
	xenstore-write "$(be "$d")/frontend" "$fe" "$(be "$d")/frontend-id" "$d" \
		"$(be "$d")/online" 1 "$(be "$d")/state" 1 "$(be "$d")/script" "$tool" \
		"$(be "$d")/mac" "00:16:3e:00:00:0$d" "$(be "$d")/handle" 0 \
		"$(be "$d")/type" vif "$(be "$d")/bridge" xenbr0 "$(be "$d")/hotplug-status" "" \
		"$fe/backend" "$(be "$d")" "$fe/backend-id" 0 "$fe/handle" 0 "$fe/state" 1 \
		"$fe/mac" "00:16:3e:00:00:0$d"
}
libxl_run() { # domid command: as libxl_linux.c runs a vif script (its
	# own environment plus these variables, stdin /dev/null, from /)
	(cd / && XEN_LOG_DIR="$tmp/log" script="$tool" XENBUS_TYPE=vif \
		XENBUS_PATH="backend/vif/$1/0" XENBUS_BASE_PATH=backend netdev= vif="vif$1.0" \
		exec ip netns exec "$dom0" "$tool" "$2" type_if=vif </dev/null)
}

echo "== two guests, dom0 bridge xenbr0, xenstore: Debian's xenstored on $XENSTORED_PATH"
guest 1 10.99.0.1
guest 2 10.99.0.2
for d in 1 2; do
	echo "-- $tool online type_if=vif   (vif=vif$d.0 XENBUS_PATH=backend/vif/$d/0)"
	libxl_run "$d" online
	echo "   hotplug-status = $(xenstore-read "$(be "$d")/hotplug-status")," \
		"frontend mtu = $(xenstore-read "/local/domain/$d/device/vif/0/mtu")"
done
echo "== bridge ports in dom0"
ip netns exec "$dom0" bridge link show
echo "== guest 1 pings guest 2"
ip netns exec "$p-g1" busybox ping -c 3 -W 1 10.99.0.2
echo "-- $tool offline type_if=vif (guest 2)"
libxl_run 2 offline
if ip netns exec "$p-g1" busybox ping -c 1 -W 1 10.99.0.2 >/dev/null 2>&1; then
	echo "demo: guest 2 still reachable after offline" >&2
	exit 1
fi
echo "== guest 2 detached: unreachable, as it should be"
libxl_run 1 offline
echo "demo: done; the log is what /var/log/xen/xen-hotplug.log would hold:"
sed 's/^/   /' "$tmp/log/xen-hotplug.log"
