#!/bin/bash
# package.sh: `make check-package`.  The Debian package (make deb) as an
# administrator meets it, on this host, leaving the host as it was.
#
# Here, changing nothing: lintian (no error, no warning, the overrides
# listed), the package's contents and dependencies, every manual page
# rendered by groff -ww, man --warnings and mandoc -T lint.  Then, in a
# private copy-on-write view of this host (an overlay over / in a mount
# namespace of its own, chrooted into, thrown away at the end, so that
# neither other users of the machine nor the host's own packages see any
# of it): tests/package-life.sh, the package's life with xen-utils-common
# installed, upgraded and reinstalled around it.
#
# The xen-utils-common packages are fetched here with apt-get download:
# apt's candidate (NEW), an older version apt also knows (OLD, when there
# is one), and NEW rebuilt with a line added to each vif script and its
# version raised (CHANGED: a conffile that really changes on upgrade).
#
# Environment: HP_BUILD (default build/: the .deb in $HP_BUILD/deb/, the
# test shim for the demo); work files in $HP_BUILD/package/.  Needs root.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
HP_BUILD=$(realpath -m "${HP_BUILD:-$src/build}")
work=$HP_BUILD/package
t0=$(date +%s)
pass=0

say() { echo "check-package: $*"; }
fail() {
	say "FAIL $*"
	say "0 ... $pass passed, 1 failed ($(($(date +%s) - t0)) s)"
	exit 1
}
ok() {
	pass=$((pass + 1))
	echo "package: PASS $*"
}

[ "$(id -u)" = 0 ] || { say "needs root (it installs packages in a private overlay of /)"; exit 1; }
debs=("$HP_BUILD"/deb/xen-hotplug-ng_*.deb)
deb=${debs[0]}
[ ${#debs[@]} = 1 ] && [ -f "$deb" ] || fail "no single $HP_BUILD/deb/xen-hotplug-ng_*.deb: run make deb"
changes=$(ls "$HP_BUILD"/deb/xen-hotplug-ng_*.changes)
[ -f "$HP_BUILD/hp-xenshim.so" ] || fail "no $HP_BUILD/hp-xenshim.so: run make"
for c in lintian groff mandoc man dpkg-deb apt-get unshare chroot; do
	command -v "$c" >/dev/null || fail "$c missing (./install.sh --deps)"
done
rm -rf "$work"
mkdir -p "$work/debs" "$work/x"
# what the host has, to find it unchanged at the end
before=$(dpkg-query -W -f='${Package} ${Status} ${Version}\n' xen-utils-common xen-hotplug-ng 2>/dev/null || true)
divs_before=$(dpkg-divert --list | sort)

# ---------------------------------------------------------------- lintian
# Every tag but the overridden ones and informational ones fails; the
# overrides in use are listed (debian/xen-hotplug-ng.lintian-overrides
# gives each one's reason).
lintian --fail-on error,warning --display-info --pedantic "$changes" >"$work/lintian.txt" 2>&1 ||
	{ cat "$work/lintian.txt"; fail "lintian: errors or warnings (above)"; }
# (lintian exits 2 when it shows overridden errors: only the list is used)
lintian --show-overrides --display-info --pedantic "$changes" >"$work/lintian-overrides.txt" 2>&1 || true
grep -v '^running with root privileges\|^N:' "$work/lintian.txt" "$work/lintian-overrides.txt" |
	sed 's/^[^:]*txt:/  lintian: /' | sort -u || true
for tag in remove-of-unknown-diversion spare-manual-page; do
	grep -q "^O: xen-hotplug-ng: $tag" "$work/lintian-overrides.txt" ||
		fail "lintian: the override of $tag is no longer used: drop it"
done
ok "lintian: no error, no warning"

# ---------------------------------------------------------------- contents
dpkg-deb -c "$deb" | awk '{ print $1, $6 }' | sed 's|\./|/|' >"$work/contents.txt"
sed 's/^/  deb: /' "$work/contents.txt"
(
	set -e
	for t in vif-bridge vif-route vif-nat vif-openvswitch network-bridge; do
		grep -qx -- "-rwxr-xr-x /usr/libexec/xen-hotplug-ng/$t" "$work/contents.txt" ||
			{ echo "no executable /usr/libexec/xen-hotplug-ng/$t"; exit 1; }
	done
	grep -qx -- "-rwxr-xr-x /usr/sbin/xen-hotplug-activate" "$work/contents.txt" ||
		{ echo "no /usr/sbin/xen-hotplug-activate"; exit 1; }
	# one page per source: a new man/<page>.scd is in the package by itself
	for s in "$src"/man/*.scd; do
		p=${s##*/}
		p=${p%.scd}
		grep -qx -- "-rw-r--r-- /usr/share/man/man${p##*.}/$p.gz" "$work/contents.txt" ||
			{ echo "no manual page $p for man/$p.scd"; exit 1; }
	done
	# nothing in /etc (no conffile: activation is the administrator's)
	! grep -q ' /etc/' "$work/contents.txt" || { echo "files in /etc"; exit 1; }
	! dpkg-deb -f "$deb" Conffiles | grep -q . || { echo "conffiles"; exit 1; }
) >"$work/contents.err" 2>&1 || fail "contents: $(cat "$work/contents.err")"
ok "contents: the tools in /usr/libexec/xen-hotplug-ng, xen-hotplug-activate, $(ls "$src"/man/*.scd | wc -l) manual pages, nothing in /etc"

depends=$(dpkg-deb -f "$deb" Depends)
echo "  deb: Depends: $depends"
for l in libnl-3-200 libnl-route-3-200 libxenstore4 libnftnl11 libmnl0 libyajl2 libnftables1; do
	[[ ", $depends," == *", $l "* || ", $depends," == *", $l,"* ]] || fail "Depends lacks $l: $depends"
done
for l in bats busybox jq python3 iperf3 openvswitch-switch tcpdump xen-utils; do
	[[ $depends != *"$l"* ]] || fail "Depends has $l, a test dependency: $depends"
done
ok "dependencies: libnl, libxenstore, libnftnl, libmnl, yajl (shlibs) and libnftables1 (dlopen), nothing for the tests"

# ---------------------------------------------------------------- manual pages
dpkg-deb -x "$deb" "$work/x"
n=0
for page in "$work"/x/usr/share/man/man*/*.gz; do
	name=${page##*/}
	name=${name%.gz}
	zcat "$page" >"$work/page"
	out=$(
		groff -ww -man -Tutf8 -z "$work/page" 2>&1
		LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$work/page" 2>&1 >/dev/null
		# scdoc puts a paragraph macro after each heading: mandoc's
		# style remark about it is the only one let through
		mandoc -T lint -W warning "$work/page" 2>&1 | grep -v 'WARNING: skipping paragraph macro: PP \(empty\|after SH\|after SS\)' || true
	)
	[ -z "$out" ] || fail "manual page $name: $out"
	# its NAME section names it, and man finds it by name
	head=$(LC_ALL=C.UTF-8 MANWIDTH=200 man -l "$work/page" 2>/dev/null | sed -n '/^NAME/{n;p;q}')
	[[ $head == *"${name%.*} - "* ]] || fail "manual page $name: NAME says '$head'"
	n=$((n + 1))
done
[ "$n" -ge 7 ] || fail "only $n manual pages"
ok "manual pages: $n, each rendered with no warning (groff -ww, man --warnings, mandoc -T lint)"

# ---------------------------------------------------------------- activation without dpkg
# A root with no dpkg database (an image being built, another
# distribution): `on` renames upstream's scripts, `off` renames them back.
(
	set -e
	r=$work/root
	mkdir -p "$r/etc/xen/scripts" "$r/usr/libexec"
	cp -a "$work/x/usr/libexec/xen-hotplug-ng" "$r/usr/libexec/"
	for t in vif-bridge vif-route vif-nat vif-openvswitch; do
		echo "upstream's $t" >"$r/etc/xen/scripts/$t"
	done
	act=$work/x/usr/sbin/xen-hotplug-activate
	ls -li "$r/etc/xen/scripts" >"$work/root.before"
	rc=0
	"$act" --root "$r" status >/dev/null || rc=$?
	[ "$rc" = 3 ]
	"$act" --root "$r" on
	for t in vif-bridge vif-route vif-nat vif-openvswitch network-bridge; do
		[ "$(readlink "$r/etc/xen/scripts/$t")" = "/usr/libexec/xen-hotplug-ng/$t" ]
	done
	for t in vif-bridge vif-route vif-nat vif-openvswitch; do
		[ "$(cat "$r/etc/xen/scripts/$t.upstream")" = "upstream's $t" ]
	done
	[ ! -e "$r/etc/xen/scripts/network-bridge.upstream" ]
	"$act" --root "$r" status
	"$act" --root "$r" on -q
	"$act" --root "$r" off
	ls -li "$r/etc/xen/scripts" | diff "$work/root.before" -
) >"$work/root.log" 2>&1 &
# (waited for, not in a `||` list, where bash would ignore set -e in it)
wait $! || { cat "$work/root.log"; fail "activation in a root without dpkg (above)"; }
ok "activation in a root without dpkg (--root): on renames upstream's to .upstream and links ours, off gives back the same files"

# ---------------------------------------------------------------- xen-utils-common
NEW=$(apt-cache policy xen-utils-common | awk '/Candidate:/ { print $2 }')
[ -n "$NEW" ] && [ "$NEW" != "(none)" ] || fail "apt knows no xen-utils-common (apt-get update?)"
OLD=
for v in $(apt-cache madison xen-utils-common | awk '{ print $3 }'); do
	if dpkg --compare-versions "$v" lt "$NEW" && { [ -z "$OLD" ] || dpkg --compare-versions "$v" gt "$OLD"; }; then
		OLD=$v
	fi
done
(
	cd "$work/debs"
	apt-get download -q "xen-utils-common=$NEW" ${OLD:+"xen-utils-common=$OLD"} 2>"$work/apt.err" || {
		apt-get update -qq 2>/dev/null || true
		apt-get download -q "xen-utils-common=$NEW" ${OLD:+"xen-utils-common=$OLD"}
	}
) >/dev/null 2>>"$work/apt.err" || fail "apt-get download xen-utils-common: $(tail -n 3 "$work/apt.err")"
# CHANGED: NEW with a line added to each vif script, version NEW+hptest1
new_deb=$(ls "$work"/debs/xen-utils-common_*"${NEW##*:}"_*.deb)
dpkg-deb -R "$new_deb" "$work/changed"
for t in vif-bridge vif-route vif-nat vif-openvswitch; do
	echo "# xen-hotplug-ng's package test: this script changed in this version" >>"$work/changed/etc/xen/scripts/$t"
done
(cd "$work/changed" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum >DEBIAN/md5sums)
sed -i "s/^Version: .*/Version: $NEW+hptest1/" "$work/changed/DEBIAN/control"
dpkg-deb --root-owner-group -Zgzip -b "$work/changed" "$work/debs/xen-utils-common_changed.deb" >/dev/null
rm -rf "$work/changed"
ok "xen-utils-common: ${OLD:-no older version known to apt}${OLD:+ (OLD)}, $NEW (NEW), $NEW+hptest1 (CHANGED, rebuilt here)"

# ---------------------------------------------------------------- the overlay

# Runs "$@" chrooted into a private copy-on-write view of /: an overlay
# whose upper layer is a tmpfs, in a mount namespace of its own; fresh
# /run and /tmp; the checkout bound read-only at its own path (it may be
# on another file system than /).  Everything goes when it exits.
overlay_run() {
	local tmp rc=0
	tmp=$(mktemp -d /tmp/hp-package.XXXXXX)
	unshare --mount --propagation private bash -s "$tmp" "$src" "$@" <<-'EOF' || rc=$?
		set -euo pipefail
		tmp=$1 src=$2
		shift 2
		mount -t tmpfs -o mode=0755,size=4g hp-package "$tmp"
		mkdir "$tmp/up" "$tmp/work" "$tmp/root"
		mount -t overlay hp-package -o "lowerdir=/,upperdir=$tmp/up,workdir=$tmp/work" "$tmp/root"
		r=$tmp/root
		for d in proc sys dev; do
			mount --rbind "/$d" "$r/$d"
		done
		mount -t tmpfs -o mode=0755 hp-run "$r/run"
		mkdir -p "$r/run/lock"
		mount -t tmpfs -o mode=1777 hp-tmp "$r/tmp"
		mkdir -p "$r$src"
		mount --bind "$src" "$r$src"
		mount -o remount,bind,ro "$r$src"
		exec chroot "$r" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			HOME=/root LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@" </dev/null
	EOF
	rmdir "$tmp" 2>/dev/null || true
	return "$rc"
}

ob=$(date +%s)
rc=0
overlay_run "$src/tests/package-life.sh" "$deb" "$work" "$HP_BUILD" "$OLD" "$NEW" 2>&1 |
	tee "$work/life.log" || rc=$?
pass=$((pass + $(grep -c '^package: PASS ' "$work/life.log")))
[ "$rc" = 0 ] || fail "the package's life (above), in the overlay: $(($(date +%s) - ob)) s"

# the host is as it was
after=$(dpkg-query -W -f='${Package} ${Status} ${Version}\n' xen-utils-common xen-hotplug-ng 2>/dev/null || true)
[ "$before" = "$after" ] || fail "the host's packages changed: '$before' -> '$after'"
[ "$divs_before" = "$(dpkg-divert --list | sort)" ] || fail "the host's diversions changed"
ok "the host untouched: xen-utils-common and xen-hotplug-ng as before ($(echo "$before" | tr '\n' ';')), its diversions as before"
say "$pass passed, 0 failed ($(($(date +%s) - t0)) s; the overlay $(($(date +%s) - ob)) s)"
