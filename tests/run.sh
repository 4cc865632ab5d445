#!/bin/bash
# run.sh: the whole suite (unit tests, then every bats file), ending with
# one line "check: N passed, N failed, N skipped".  make check runs it.
# Arguments: bats files to run instead of all of tests/*.bats.
#
# HP_JOBS=N runs N bats files at once (default 1), each in its own bats
# process: every test builds its own uniquely named world, and a suite
# spends most of its time waiting (for xenstored, the kernel, timeouts),
# not on a CPU.  The largest files start first; each file's TAP is shown
# whole when it ends, with its time.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${HP_BUILD:-$here/../build}
jobs=${HP_JOBS:-1}
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
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# one bats file: its TAP in $out/<n>.tap, then shown
suite() {
	local n=$1 f=$2 start=$SECONDS
	echo "${f##*/}" >"$out/$n.name"
	bats --tap "$f" >"$out/$n.tap" 2>&1
	echo "$?" >"$out/$n.rc"
	{
		echo "# ---- ${f##*/} ($((SECONDS - start)) s)"
		cat "$out/$n.tap"
	} >"$out/$n.show"
}

if [ "$jobs" -le 1 ] || [ ${#files[@]} -le 1 ]; then
	n=0
	for f in "${files[@]}"; do
		n=$((n + 1))
		suite "$n" "$f"
		cat "$out/$n.show"
	done
else
	# the largest first: the pool then ends about together
	mapfile -t files < <(wc -l "${files[@]}" | sed '$d' | sort -rn | awk '{print $2}')
	n=0 running=0
	for f in "${files[@]}"; do
		n=$((n + 1))
		suite "$n" "$f" &
		running=$((running + 1))
		if [ "$running" -ge "$jobs" ]; then
			wait -n
			running=$((running - 1))
		fi
		for s in "$out"/*.show; do
			[ -e "$s" ] && cat "$s" && mv "$s" "$s.done"
		done
	done
	wait
	for s in "$out"/*.show; do
		[ -e "$s" ] && cat "$s" && mv "$s" "$s.done"
	done
fi

tap=$(mktemp)
cat "$out"/*.tap >"$tap"
p=$(grep -c '^ok .*# skip' "$tap")
skip=$((skip + p))
pass=$((pass + $(grep -c '^ok ' "$tap") - p))
fail=$((fail + $(grep -c '^not ok ' "$tap")))
# a bats process that failed without a failing test (a syntax error, a
# crash in setup_file) counts as a failure too
for rc in "$out"/*.rc; do
	[ "$(cat "$rc")" = 0 ] || grep -q '^not ok ' "${rc%.rc}.tap" || {
		echo "check: $(cat "${rc%.rc}.name"): bats exited $(cat "$rc") without a failing test"
		fail=$((fail + 1))
	}
done
grep '^ok .*# skip' "$tap" >"$tap.keep" || true
# the failures again, last, each with the first lines of its diagnostics
# (where it failed) and the last (what the tools said): a CI that keeps
# only the end of the output still shows what failed and why
if [ "$fail" -gt 0 ]; then
	echo "check: the failures again:"
	awk 'function flush(i) {
		for (i = 1; i <= n; i++)
			if (i <= 4 || i > n - 16) print d[i]; else if (i == 5) print "# ..."
		n = 0; on = 0
	}
	/^(ok|not ok) / { flush() }
	/^not ok / { print; on = 1; next }
	on && /^#/ { d[++n] = $0 }
	END { flush() }' "$tap"
fi
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
