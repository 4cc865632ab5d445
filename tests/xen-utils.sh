#!/bin/bash
# xen-utils.sh: Debian's real Xen tools (xenstored, xl) for the test world,
# without installing xen-utils-<X> (that would upgrade systemd and pull
# udev).  Prints the directory the package is unpacked in; the binaries
# are under usr/lib/xen-<X>/bin/ there.
#
# The package is the one matching the installed libxenmisc<X> (libxenctrl,
# libxenlight), at exactly its version: apt-get download
# xen-utils-<X>=<version>, dpkg-deb -x, cached once per version in
#   $UPSTREAM_CACHE/xen-utils-<X>_<version>/    (default /var/cache/xen-hotplug-ng-test)
# so an upgrade of libxenmisc fetches the matching xenstored next time.
# Never committed, never installed.  install.sh --deps runs it; so does
# tests/helpers.bash when the cache is missing.  Exit 1 with the reason
# on stderr when the package cannot be had.
set -euo pipefail

cache=${UPSTREAM_CACHE:-/var/cache/xen-hotplug-ng-test}
fail() {
	echo "xen-utils.sh: $*" >&2
	exit 1
}

read -r misc ver < <(dpkg-query -W -f='${Package} ${Version} ${Status}\n' 'libxenmisc*' 2>/dev/null |
	awk '$NF == "installed" { print $1, $2; exit }') ||
	fail "libxenmisc is not installed (apt-get install libxen-dev)"
series=${misc#libxenmisc}
pkg=xen-utils-$series
dir=$cache/${pkg}_$ver
if [ -x "$dir/usr/lib/xen-$series/bin/xenstored" ]; then
	echo "$dir"
	exit 0
fi

mkdir -p "$cache" || fail "cannot create $cache"
tmp=$(mktemp -d "$cache/.${pkg}.XXXXXX") || fail "cannot create a directory in $cache"
trap 'rm -rf "$tmp"' EXIT
download() { (cd "$tmp" && timeout 300 apt-get download -q "$pkg=$ver") >"$tmp/log" 2>&1; }
if ! download; then
	# a fresh machine may have no package lists yet
	apt-get update -qq >/dev/null 2>&1 || true
	download || fail "apt-get download $pkg=$ver failed: $(grep -v '^W:' "$tmp/log" | tail -n 1)"
fi
deb=$(ls "$tmp"/*.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] || fail "apt-get download $pkg=$ver produced no .deb"
mkdir "$tmp/root"
dpkg-deb -x "$deb" "$tmp/root" || fail "dpkg-deb -x $deb failed"
[ -x "$tmp/root/usr/lib/xen-$series/bin/xenstored" ] || fail "no xenstored in $deb"
# atomic for parallel runs: the first rename wins
mv -T "$tmp/root" "$dir" 2>/dev/null || [ -x "$dir/usr/lib/xen-$series/bin/xenstored" ] ||
	fail "cannot create $dir"
echo "$dir"
