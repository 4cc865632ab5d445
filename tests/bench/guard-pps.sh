#!/bin/bash
# guard-pps.sh SRCDIR [N]: packets per second a guest's vif carries to a
# host on the bridge: 60-byte UDP frames from the guest's own MAC and
# address, sent as fast as one AF_PACKET loop can (tests/bench/flood.c,
# 64 a sendmmsg, 3 s a run), counted as the receiver's interface received
# them.  The sender's own CPU carries each frame through the veth, the
# vif's ingress (the guard), the bridge and the receiver's veth, so the
# rate is the path's cost per frame.  In the test world of SRCDIR's
# tests/helpers.bash with SRCDIR's build/ (two trees, before and after a
# change, measured the same way).  Variants, interleaved in RUNS rounds
# (default 5): the vif unguarded (antispoof=none), guarded alone, then
# (after N-1 more guarded vifs are added: veths vif2.0.., guarded through
# the library's own driver, default N=1000) unguarded and guarded among
# N.  Prints "VARIANT median [min-max] pps" and every run, and the
# kernel memory the N-1 veth pairs and their guards took (rough: host-wide).  Needs root and
# a C compiler; not part of make check.
set -u
SRC=$(realpath "$1")
N=${2:-1000}
RUNS=${RUNS:-5}
export HP_BUILD=$SRC/build HP_SRCDIR=$SRC
skip() { echo "skip: $*"; exit 1; }
# shellcheck source=../helpers.bash
source "$SRC/tests/helpers.bash"
world_setup || exit 1
trap 'world_teardown >/dev/null 2>&1' EXIT
export XEN_HOTPLUG_CONF=$W_DIR/xen-hotplug.conf
: >"$XEN_HOTPLUG_CONF"

OUT="${W}-out"
ip netns add "$OUT"
ip -n "$OUT" link set lo up
ip -n "$DOM0" link add out0 type veth peer name eth0 netns "$OUT"
ip -n "$DOM0" link set out0 master xenbr0 up
ip -n "$OUT" addr add 10.0.0.100/24 dev eth0
ip -n "$OUT" link set eth0 up
guest_create 1 0 ip4=10.0.0.1/24 ip=10.0.0.1 >/dev/null 2>&1 || exit 1
FLOOD=$W_DIR/flood
cc -O2 -o "$FLOOD" "$(dirname "$(realpath "$0")")/flood.c" || exit 1

# the guard's driver: ours (build/hp-fwctl), or the tree's own by hand
FWCTL=$HP_BUILD/hp-fwctl
if [ ! -x "$FWCTL" ]; then
	FWCTL=$W_DIR/fwctl
	cc -std=gnu11 -D_GNU_SOURCE -I"$SRC/common/include" -I"$SRC/common" -o "$FWCTL" \
		"$SRC/tests/fw-dev/fwctl.c" "$HP_BUILD/libhotplug.a" \
		$(pkg-config --libs libnl-3.0 libnl-route-3.0 xenstore libnftnl libmnl yajl) -ldl || exit 1
fi

online() { # online none|nft
	XEN_HOTPLUG_ANTISPOOF=$1 run_vif vif-bridge 1 0 online type_if=vif >/dev/null 2>&1 ||
		{ echo "online ($1) failed"; exit 1; }
}

rx() { ip -n "$OUT" -j -s link show eth0 | jq '.[0].stats64.rx.packets'; }

pps() {
	local a b
	wait_for 3000 guest_ping 1 10.0.0.100 || return 1
	a=$(rx)
	in_guest 1 "$FLOOD" eth0 00:16:3e:01:00:01 10.0.0.1 "$(ip -n "$OUT" -j link show eth0 |
		jq -r '.[0].address')" 10.0.0.100 3 >/dev/null || return 1
	sleep 0.2
	b=$(rx)
	echo $(((b - a) / 3))
}

declare -A R
measure() { # measure VARIANT
	local p
	p=$(pps) || { echo "$1: the flood failed"; return; }
	R[$1]+="$p "
	echo "run $1 $p"
}

online nft
for r in $(seq 1 "$RUNS"); do
	online none
	measure unguarded
	online nft
	measure guarded-1
done
# the kernel's memory (KiB): Slab and Percpu of /proc/meminfo, host-wide
# (other work on the host moves it too: a rough figure)
kmem() { awk '/^(Slab|Percpu):/ { s += $2 } END { print s }' /proc/meminfo; }
# N-1 more guarded vifs: veths in dom0 carrying their names
m0=$(kmem)
for i in $(seq 2 "$N"); do
	echo "link add vif$i.0 type veth peer name vif$i.0p"
done | ip -n "$DOM0" -batch -
m1=$(kmem)
for i in $(seq 2 "$N"); do
	ip netns exec "$DOM0" "$FWCTL" add "vif$i.0" bridge "$(printf '00:16:3e:%02x:%02x:01' $((i >> 8)) $((i & 255)))" \
		"10.$((i >> 8)).$((i & 255)).1" >/dev/null 2>&1 || { echo "guard of vif$i.0 failed"; exit 1; }
done
m2=$(kmem)
echo "kernel memory (Slab+Percpu): $((N - 1)) veth pairs $((m1 - m0)) KiB, their guards $((m2 - m1)) KiB"
echo "guarded vifs: $(ip netns exec "$DOM0" nft -j list set netdev xen_hotplug guarded 2>/dev/null | jq '.nftables[1].set.elem | length' ||
	ip netns exec "$DOM0" nft -j list set bridge xen_hotplug guarded | jq '.nftables[1].set.elem | length')"
for r in $(seq 1 "$RUNS"); do
	online none
	measure "unguarded-among-$N"
	online nft
	measure "guarded-among-$N"
done
for v in unguarded guarded-1 "unguarded-among-$N" "guarded-among-$N"; do
	# shellcheck disable=SC2086
	printf '%s\n' ${R[$v]} | sort -n | awk -v v="$v" '{ a[NR] = $1 } END {
		printf "%s %d [%d-%d] pps\n", v, a[int((NR + 1) / 2)], a[1], a[NR] }'
done
