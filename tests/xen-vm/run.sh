#!/bin/bash
# run.sh: `make check-xen`.  Boots real Xen hosts under qemu's software
# emulation (no KVM needed) and runs the suites of tests/xen-vm/suites in
# their dom0, with the real toolstack (xl, libxl, xenstored, netback) and
# our tools installed as /etc/xen/scripts/<tool>.
#
# A suite runs in the VM its line `# xt-vm: NAME` names (default: main).
# Each VM is one boot of its own kind (see VMS below: the CPU qemu
# emulates, the extra root filesystem world.sh made for it); the VMs with
# suites to run boot at the same time (XEN_VM_PARALLEL=0: one after the
# other).
#
# Prints the suites' lines as they come (`xt: PASS|FAIL|NOTE ...`), then
# `check-xen: N passed, N failed`; exits 1 on any failure, on a VM that
# does not finish within XEN_VM_TIMEOUT seconds (default 1800) or that
# never reports.  Files, in XEN_VM_OUT (default $HP_BUILD/xen-vm): the
# images; for the main VM serial.log (the whole serial console) and
# results/log/<suite>/<test>.log (each test's own log, from the VM's
# results disk); the same for each other VM under vm-<name>/.
#
# Environment: HP_BUILD (the built tools), XEN_VM_SUITES (names of suites
# to run, e.g. "vif-bridge timing"; default all), XEN_VM_TIMEOUT,
# XEN_VM_PARALLEL, XEN_VM_VERBOSE=1 (dom0's kernel messages on the
# console), and those of world.sh (XEN_VM_CACHE...).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
HP_BUILD=$(realpath -m "${HP_BUILD:-$src/build}")
export HP_BUILD
OUT=$(realpath -m "${XEN_VM_OUT:-$HP_BUILD/xen-vm}")
TIMEOUT=${XEN_VM_TIMEOUT:-1800}
PARALLEL=${XEN_VM_PARALLEL:-1}
t_start=$(date +%s)

# The kinds of VM: NAME, qemu's -cpu, the extra root filesystem (world.sh
# writes OUT/<extra>.cpio; the dom0 initramfs is dom0.cpio followed by it).
#  main: AMD's SVM with nested paging (+npt): Xen's HAP, for PVH guests
#        (Debian's Xen has no shadow paging) while dom0 stays PV.
#  intel: the same CPU as Intel: libvirt's libxl driver finds no CPU model
#        for the AMD flavour (Xen hides SEP there; every model in
#        libvirt's cpu_map has it) and does not load.  Xen then has no
#        HVM (no VMX under TCG): PV guests only.
declare -A VM_CPU=([main]=qemu64,+svm,+npt [intel]=qemu64,+svm,vendor=GenuineIntel)
declare -A VM_EXTRA=([main]= [intel]=libvirt)

say() { echo "check-xen: $*"; }

# ---------------------------------------------------------------- suites
# NAME of each suite file, and its VM; XEN_VM_SUITES picks (with or
# without the NN- prefix, as dom0's xt_main does).
declare -A SUITES_OF=()
pick=" $(tr ',' ' ' <<<"${XEN_VM_SUITES:-}") "
for f in "$here"/suites/*.sh; do
	s=${f##*/}
	s=${s%.sh}
	if [ -n "${XEN_VM_SUITES:-}" ] && [[ $pick != *" $s "* ]] && [[ $pick != *" ${s#[0-9][0-9]-} "* ]]; then
		continue
	fi
	vm=$(sed -n 's/^# xt-vm: *\([a-z0-9]*\).*/\1/p' "$f" | head -n 1)
	vm=${vm:-main}
	[ -n "${VM_CPU[$vm]:-}" ] || { say "$f: unknown xt-vm '$vm'"; exit 1; }
	SUITES_OF[$vm]+="${SUITES_OF[$vm]:+:}$s"
done
[ ${#SUITES_OF[@]} -gt 0 ] || { say "no suite matches XEN_VM_SUITES='${XEN_VM_SUITES:-}'"; exit 1; }
VMS=$(printf '%s\n' "${!SUITES_OF[@]}" | sort | tr '\n' ' ')

vm_dir() { if [ "$1" = main ]; then echo "$OUT"; else echo "$OUT/vm-$1"; fi; }

finish() { # FAILED-EXTRA: prints the summary, exits
	local pass=0 fail=$1 vm d
	for vm in $VMS; do
		d=$(vm_dir "$vm")
		pass=$((pass + $(grep -c '^xt: PASS ' "$d/console.txt" 2>/dev/null)))
		fail=$((fail + $(grep -c '^xt: FAIL ' "$d/console.txt" 2>/dev/null)))
	done
	[ $((pass + fail)) -gt 0 ] || fail=1
	for vm in $VMS; do
		grep '^xt: NOTE ' "$(vm_dir "$vm")/console.txt" 2>/dev/null | sed 's/^xt: NOTE /check-xen: /'
	done
	for vm in $VMS; do
		[ ! -s "$(vm_dir "$vm")/time" ] || say "VM $vm: $(cat "$(vm_dir "$vm")/time") s"
	done
	say "$(($(date +%s) - t_start)) s in all"
	# the failures last, each with the end of its log: a CI that keeps
	# only the end of the output still shows what failed and why
	if [ "$fail" -gt 0 ]; then
		local t
		for vm in $VMS; do
			d=$(vm_dir "$vm")
			grep '^xt: FAIL ' "$d/console.txt" 2>/dev/null | sed 's/^xt: FAIL \([^ ]*\).*/\1/' |
				while read -r t; do
					# its output's last lines, then its last commands (set -x)
					say "FAIL $t (VM $vm), the end of its log:"
					grep -F "xt-log $t: " "$d/console.txt" | cut -d ' ' -f 3- >"$d/fail.log"
					grep -v '^+* [0-9]* ms: ' "$d/fail.log" | tail -n 20 | sed 's/^/  | /'
					grep '^+* [0-9]* ms: ' "$d/fail.log" | tail -n 6 | sed 's/^/  | /'
				done
			# what Xen itself said went wrong in a guest (its console)
			tr -d '\r' <"$d/serial.log" 2>/dev/null | grep -E '^\(XEN\) .*(Triple fault|crash|panic|BUG)' |
				tail -n 5 | sed "s/^/check-xen: Xen ($vm): /"
			[ -d "$d/results/log" ] && say "each test's log ($vm): $d/results/log/<suite>/<test>.log"
			say "serial console ($vm): $d/serial.log"
		done
		say "failed:"
		for vm in $VMS; do
			grep '^xt: FAIL ' "$(vm_dir "$vm")/console.txt" 2>/dev/null | sed "s/^xt: FAIL /  ($vm) /"
		done
	fi
	echo "check-xen: $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit
}

# ---------------------------------------------------------------- one VM
# vm_run NAME: boots it with its suites, shows its console's xt lines as
# they come; its results in vm_dir NAME; exit status 1 when it never
# reported (counted once in the summary).
vm_run() {
	local vm=$1 d initrd kopts qpid shown=0 t_end t_done= t0=$SECONDS
	d=$(vm_dir "$vm")
	mkdir -p "$d"
	rm -rf "$d/results" "$d/console.txt" "$d/console.extra" "$d/serial.log" "$d/time"
	initrd=$OUT/dom0.cpio
	if [ -n "${VM_EXTRA[$vm]}" ]; then
		initrd=$d/dom0-${VM_EXTRA[$vm]}.cpio
		cat "$OUT/dom0.cpio" "$OUT/${VM_EXTRA[$vm]}.cpio" >"$initrd"
	fi
	rm -f "$d/results.img"
	truncate -s 64M "$d/results.img"
	kopts="console=hvc0 rdinit=/init xt.suites=${SUITES_OF[$vm]}"
	[ "${XEN_VM_VERBOSE:-0}" = 1 ] || kopts+=" quiet loglevel=3"
	: >"$d/serial.log"
	say "booting Xen under qemu (TCG), VM $vm (-cpu ${VM_CPU[$vm]}): ${SUITES_OF[$vm]//:/ }; at most $TIMEOUT s"
	qemu-system-x86_64 -machine pc -accel tcg -cpu "${VM_CPU[$vm]}" -m 3072 -smp 2 \
		-display none -monitor none -serial "file:$d/serial.log" -no-reboot -nic none \
		-drive "file=$d/results.img,format=raw,if=ide,index=0" \
		-kernel "$OUT/xen" \
		-append "console=com1 com1=115200,8n1 dom0_mem=1024M,max:1024M dom0_max_vcpus=1 noreboot" \
		-initrd "$OUT/vmlinux $kopts,$initrd" </dev/null >"$d/qemu.log" 2>&1 &
	qpid=$!

	# The console's own lines (xt: and xt-log), shown as they come.
	show() {
		local n
		tr -d '\r' <"$d/serial.log" | sed -n 's/^\((d0) \)\{0,1\}\(xt[:-].*\)/\2/p' >"$d/console.new"
		cat "$d/console.extra" >>"$d/console.new" 2>/dev/null
		mv "$d/console.new" "$d/console.txt"
		n=$(wc -l <"$d/console.txt")
		[ "$n" -le "$shown" ] || tail -n +$((shown + 1)) "$d/console.txt"
		shown=$n
	}

	t_end=$((SECONDS + TIMEOUT))
	while kill -0 "$qpid" 2>/dev/null; do
		show
		if [ -z "$t_done" ] && grep -q '^xt: END ' "$d/console.txt"; then
			t_done=$((SECONDS + 30)) # the results disk, the reboot
		fi
		if [ -n "$t_done" ] && [ $SECONDS -ge "$t_done" ]; then
			kill "$qpid"
			break
		fi
		if [ $SECONDS -ge $t_end ]; then
			echo "xt: FAIL timeout (VM $vm was still running after $TIMEOUT s)" >"$d/console.extra"
			kill "$qpid"
			break
		fi
		sleep 1
	done
	wait "$qpid" 2>/dev/null
	show
	echo $((SECONDS - t0)) >"$d/time"

	# the tests' logs: dom0 wrote a tar of /run/xt at the start of the disk
	mkdir -p "$d/results"
	tar -x -C "$d/results" -f "$d/results.img" 2>/dev/null || rm -rf "$d/results"
	if ! grep -q '^xt: END ' "$d/console.txt"; then
		say "VM $vm ended without reporting; the end of its serial console:"
		tail -n 40 "$d/serial.log" | tr -d '\r' | sed 's/^/  | /'
		[ -s "$d/qemu.log" ] && sed 's/^/  qemu| /' "$d/qemu.log"
		[ -s "$d/console.extra" ] || return 1 # a timeout counts once
	fi
	return 0
}

# ---------------------------------------------------------------- main
command -v qemu-system-x86_64 >/dev/null || { say "qemu-system-x86_64 missing (./install.sh --deps)"; exit 1; }
mkdir -p "$OUT"
extras=
for vm in $VMS; do
	extras+=" ${VM_EXTRA[$vm]}"
done
if ! XEN_VM_EXTRAS="$extras" "$here/world.sh" "$OUT"; then
	say "could not assemble the VM (above)"
	for vm in $VMS; do
		mkdir -p "$(vm_dir "$vm")"
		: >"$(vm_dir "$vm")/console.txt"
	done
	finish 1
fi

extra=0
if [ "$PARALLEL" = 1 ]; then
	pids=()
	for vm in $VMS; do
		vm_run "$vm" &
		pids+=($!)
	done
	for p in "${pids[@]}"; do
		wait "$p" || extra=$((extra + 1))
	done
else
	for vm in $VMS; do
		vm_run "$vm" || extra=$((extra + 1))
	done
fi
finish $extra
