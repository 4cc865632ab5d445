#!/bin/bash
# run.sh: the whole suite (unit tests, then every bats file), ending with
# one line "check: N passed, N failed, N skipped".  make check runs it.
# Arguments: bats files to run instead of all of tests/*.bats.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${HP_BUILD:-$here/../build}
pass=0 fail=0 skip=0

for t in "$build"/unit/*; do
	[ -x "$t" ] || continue
	# a 32-bit build runs under qemu-user: kernels without IA32
	# emulation cannot execute it
	run=()
	case $t in *-m32) command -v qemu-i386 >/dev/null && run=(qemu-i386) ;; esac
	out=$(${run[@]+"${run[@]}"} "$t" 2>&1)
	echo "$out"
	p=$(sed -n 's/.* \([0-9]*\) passed, \([0-9]*\) failed.*/\1/p' <<<"$out" | tail -1)
	f=$(sed -n 's/.* \([0-9]*\) passed, \([0-9]*\) failed.*/\2/p' <<<"$out" | tail -1)
	pass=$((pass + ${p:-0}))
	fail=$((fail + ${f:-1}))
done

files=("$@")
[ ${#files[@]} -gt 0 ] || files=("$here"/*.bats)
tap=$(mktemp)
bats --tap "${files[@]}" | tee "$tap"
p=$(grep -c '^ok .*# skip' "$tap")
skip=$((skip + p))
pass=$((pass + $(grep -c '^ok ' "$tap") - p))
fail=$((fail + $(grep -c '^not ok ' "$tap")))
grep '^ok .*# skip' "$tap" >"$tap.keep" || true
rm -f "$tap"
echo "check: $pass passed, $fail failed, $skip skipped"
# As root every test can run: a skip then means something is missing (a
# package ./install.sh --deps installs), and a suite that silently skips
# proves nothing.
if [ "$skip" -gt 0 ] && [ "$(id -u)" = 0 ]; then
	echo "check: $skip test(s) skipped as root: counted as failures"
	grep '^ok .*# skip' "$tap.keep" 2>/dev/null || true
	fail=$((fail + skip))
fi
rm -f "$tap.keep"
[ "$fail" -eq 0 ]
