#!/bin/bash
# run.sh: `make check-xen`.  Boots a real Xen host under qemu's software
# emulation (no KVM needed) and runs the suites of tests/xen-vm/suites in
# its dom0, with the real toolstack (xl, libxl, xenstored, netback) and
# our tools installed as /etc/xen/scripts/<tool>.
#
# Prints the suites' lines as they come (`xt: PASS|FAIL|NOTE ...`), then
# `check-xen: N passed, N failed`; exits 1 on any failure, on a VM that
# does not finish within XEN_VM_TIMEOUT seconds (default 540) or that
# never reports.  Files, in XEN_VM_OUT (default $HP_BUILD/xen-vm):
# serial.log (the whole serial console), results/log/<suite>/<test>.log
# (each test's own log, from the VM's results disk), the images.
#
# Environment: HP_BUILD (the built tools), XEN_VM_SUITES (names of suites
# to run, e.g. "vif-bridge timing"; default all), XEN_VM_TIMEOUT,
# XEN_VM_VERBOSE=1 (dom0's kernel messages on the console), and those of
# world.sh (XEN_VM_CACHE...).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
HP_BUILD=$(realpath -m "${HP_BUILD:-$src/build}")
export HP_BUILD
OUT=$(realpath -m "${XEN_VM_OUT:-$HP_BUILD/xen-vm}")
TIMEOUT=${XEN_VM_TIMEOUT:-540}
SUITES=$(tr ' ,' '::' <<<"${XEN_VM_SUITES:-}")
t_start=$(date +%s)

say() { echo "check-xen: $*"; }
finish() { # FAILED-EXTRA: prints the summary, exits
	local pass fail
	pass=$(grep -c '^xt: PASS ' "$OUT/console.txt" 2>/dev/null)
	fail=$(($(grep -c '^xt: FAIL ' "$OUT/console.txt" 2>/dev/null) + $1))
	[ $((pass + fail)) -gt 0 ] || fail=1
	if [ "$fail" -gt 0 ]; then
		echo
		say "failed:"
		grep '^xt: FAIL ' "$OUT/console.txt" 2>/dev/null | sed 's/^xt: FAIL /  /'
		[ -d "$OUT/results/log" ] && say "each test's log: $OUT/results/log/<suite>/<test>.log"
		say "serial console: $OUT/serial.log"
	fi
	grep '^xt: NOTE ' "$OUT/console.txt" 2>/dev/null | sed 's/^xt: NOTE /check-xen: /'
	say "$(($(date +%s) - t_start)) s in all"
	echo "check-xen: $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit
}

command -v qemu-system-x86_64 >/dev/null || { say "qemu-system-x86_64 missing (./install.sh --deps)"; exit 1; }
mkdir -p "$OUT"
rm -rf "$OUT/results" "$OUT/console.txt" "$OUT/serial.log"
if ! "$here/world.sh" "$OUT"; then
	say "could not assemble the VM (above)"
	: >"$OUT/console.txt"
	finish 1
fi

rm -f "$OUT/results.img"
truncate -s 64M "$OUT/results.img"
kopts="console=hvc0 rdinit=/init"
[ "${XEN_VM_VERBOSE:-0}" = 1 ] || kopts+=" quiet loglevel=3"
[ -z "$SUITES" ] || kopts+=" xt.suites=$SUITES"
: >"$OUT/serial.log"
say "booting Xen under qemu (TCG), at most $TIMEOUT s"
qemu-system-x86_64 -machine pc -accel tcg -cpu qemu64,+svm -m 3072 -smp 2 \
	-display none -monitor none -serial "file:$OUT/serial.log" -no-reboot -nic none \
	-drive "file=$OUT/results.img,format=raw,if=ide,index=0" \
	-kernel "$OUT/xen" \
	-append "console=com1 com1=115200,8n1 dom0_mem=1024M,max:1024M dom0_max_vcpus=1 noreboot" \
	-initrd "$OUT/vmlinux $kopts,$OUT/dom0.cpio" </dev/null >"$OUT/qemu.log" 2>&1 &
qpid=$!

# The console's own lines (xt: and xt-log), shown as they come.
shown=0
show() {
	local n
	tr -d '\r' <"$OUT/serial.log" | sed -n 's/^\((d0) \)\{0,1\}\(xt[:-].*\)/\2/p' >"$OUT/console.new"
	cat "$OUT/console.extra" >>"$OUT/console.new" 2>/dev/null
	mv "$OUT/console.new" "$OUT/console.txt"
	n=$(wc -l <"$OUT/console.txt")
	[ "$n" -le "$shown" ] || tail -n +$((shown + 1)) "$OUT/console.txt"
	shown=$n
}

rm -f "$OUT/console.extra"
extra=0 t_end=$((SECONDS + TIMEOUT)) t_done=
while kill -0 "$qpid" 2>/dev/null; do
	show
	if [ -z "$t_done" ] && grep -q '^xt: END ' "$OUT/console.txt"; then
		t_done=$((SECONDS + 30)) # the results disk, the reboot
	fi
	if [ -n "$t_done" ] && [ $SECONDS -ge "$t_done" ]; then
		kill "$qpid"
		break
	fi
	if [ $SECONDS -ge $t_end ]; then
		echo "xt: FAIL timeout (the VM was still running after $TIMEOUT s)" >"$OUT/console.extra"
		kill "$qpid"
		break
	fi
	sleep 1
done
wait "$qpid" 2>/dev/null
show

if ! grep -q '^xt: END ' "$OUT/console.txt"; then
	say "the VM ended without reporting; the end of its serial console:"
	tail -n 40 "$OUT/serial.log" | tr -d '\r' | sed 's/^/  | /'
	[ -s "$OUT/qemu.log" ] && sed 's/^/  qemu| /' "$OUT/qemu.log"
	[ -s "$OUT/console.extra" ] || extra=1 # a timeout counts once
fi
# the tests' logs: dom0 wrote a tar of /run/xt at the start of the disk
mkdir -p "$OUT/results"
tar -x -C "$OUT/results" -f "$OUT/results.img" 2>/dev/null || rm -rf "$OUT/results"
finish $extra
