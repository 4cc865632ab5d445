#!/bin/bash
# cg-vif-bridge.sh SRCDIR: instructions (valgrind callgrind, user space) of
# one vif-bridge online and one offline of a guarded guest (ip=10.0.0.N,
# one IPv4 address), three guests in turn, in the test world of SRCDIR's
# tests/helpers.bash with SRCDIR's build/: so that two trees (before and
# after a change) are measured the same way.  Prints "online N IR" and
# "offline N IR"; CG_KEEP=DIR keeps the callgrind files there (for
# callgrind_annotate).  Needs root and valgrind; not part of make check.
set -u
SRC=$(realpath "$1")
export HP_BUILD=$SRC/build HP_SRCDIR=$SRC
skip() { echo "skip: $*"; exit 1; }
# shellcheck source=../helpers.bash
source "$SRC/tests/helpers.bash"
world_setup || exit 1
export XEN_HOTPLUG_DEBUG=0
for i in 1 2 3; do
	guest_create $i 0 ip4=10.0.0.$i/24 ip="10.0.0.$i" >/dev/null 2>&1 || { echo create failed; break; }
	for cmd in online offline; do
		cat >"$W_DIR/wrap" <<W
#!/bin/sh
exec valgrind --tool=callgrind -q --callgrind-out-file=$W_DIR/cg.$cmd.$i $HP_BUILD/vif-bridge "\$@"
W
		chmod +x "$W_DIR/wrap"
		run_vif "$W_DIR/wrap" $i 0 $cmd type_if=vif >/dev/null 2>&1 || echo "$cmd failed"
		printf '%s %s %s\n' "$cmd" "$i" "$(grep -h '^summary' "$W_DIR/cg.$cmd.$i" | awk '{print $2}')"
	done
done
[ -n "${CG_KEEP:-}" ] && cp "$W_DIR"/cg.* "$CG_KEEP"/ 2>/dev/null
world_teardown >/dev/null 2>&1
