#!/bin/bash
# install.sh: install xen-hotplug-ng's tools over Xen's hotplug scripts.
#
#   ./install.sh              dependencies (apt), build, install
#   ./install.sh --demo       the same, then attach simulated guests
#   ./install.sh --deps       dependencies only (build, runtime and tests,
#                             Debian's xenstored and xl for the tests)
#   ./install.sh --no-deps    build and install only
#   ./install.sh --uninstall  remove ours, give upstream's scripts back
#
# Environment: XEN_SCRIPT_DIR (default /etc/xen/scripts), DESTDIR (a
# staging root: no diversions, nothing outside it touched), PREFIX.
#
# Upstream's scripts are kept: on Debian each one we replace is diverted
# with dpkg-divert (so a xen-utils-common upgrade installs its copy
# beside ours, as <name>.upstream, instead of over it); elsewhere it is
# renamed to <name>.upstream.  --uninstall puts them back.
set -euo pipefail

cd "$(dirname "$0")"
XEN_SCRIPT_DIR=${XEN_SCRIPT_DIR:-/etc/xen/scripts}
DESTDIR=${DESTDIR:-}
PREFIX=${PREFIX:-/usr/local}
TOOLS="vif-bridge vif-route vif-nat network-bridge vif-openvswitch"

BUILD_DEPS="gcc make pkg-config libnl-3-dev libnl-route-3-dev libxen-dev libnftnl-dev libmnl-dev libyajl-dev"
TEST_DEPS="bats clang-format busybox iproute2 jq xenstore-utils nftables iptables python3 python3-scapy git procps dnsmasq-base strace valgrind clang libclang-rt-14-dev gcc-multilib qemu-user iperf3"
# vif-openvswitch's tests run their own private Open vSwitch (tests/ovs.bash)
TEST_DEPS="$TEST_DEPS openvswitch-switch ethtool tcpdump"
# make check-xen (tests/xen-vm): qemu boots Xen; the VM's own packages are
# fetched by tests/xen-vm/world.sh with apt-get download into its cache,
# never installed here
XEN_VM_DEPS="qemu-system-x86 cpio python3 perl binutils"

say() { echo "install.sh: $*"; }

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"; }

# openvswitch-switch is a test dependency only: when this run installed
# it, the system-wide daemons its package starts (on a host with systemd
# and no policy-rc.d) are stopped and disabled again.  No kernel module
# is needed, nothing else is touched.
ovs_quiet() {
	if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
		systemctl disable --now openvswitch-switch.service ovs-vswitchd.service \
			ovsdb-server.service >/dev/null 2>&1 || true
	fi
	if [ -x /usr/share/openvswitch/scripts/ovs-ctl ]; then
		OVS_RUNDIR=/var/run/openvswitch /usr/share/openvswitch/scripts/ovs-ctl stop \
			>/dev/null 2>&1 || true
	fi
	say "openvswitch-switch is for the tests: its system-wide daemons are not left running"
}

deps() {
	local missing=() p ovs_was=0
	for p in $BUILD_DEPS $TEST_DEPS $XEN_VM_DEPS; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	installed openvswitch-switch && ovs_was=1
	if ! command -v apt-get >/dev/null; then
		say "please install: ${missing[*]}" >&2
		return 1
	fi
	say "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	if [ "$ovs_was" = 0 ] && installed openvswitch-switch; then
		ovs_quiet
	fi
}

# The test world and the demo run Debian's real xenstored and xl, from
# xen-utils-<X> at the installed libxenmisc<X>'s exact version, unpacked
# (never installed: that would upgrade systemd and pull udev) into
# /var/cache/xen-hotplug-ng-test/xen-utils-<X>_<version>/ (UPSTREAM_CACHE),
# one directory per version: tests/xen-utils.sh.
xen_utils() {
	local root
	root=$(tests/xen-utils.sh) || return 1
	say "Debian's xenstored and xl for the tests: $root"
}

# Keep upstream's script: a dpkg diversion when a package owns it.
keep_upstream() {
	local f=$XEN_SCRIPT_DIR/$1
	if [ -n "$DESTDIR" ]; then
		return 0
	fi
	if command -v dpkg-divert >/dev/null; then
		if ! dpkg-divert --list "$f" | grep -q .; then
			dpkg-divert --quiet --local --rename --divert "$f.upstream" --add "$f"
			say "diverted $f to $f.upstream"
		fi
	elif [ -e "$f" ] && [ ! -e "$f.upstream" ]; then
		mv "$f" "$f.upstream"
		say "kept $f as $f.upstream"
	fi
}

give_back_upstream() {
	local f=$XEN_SCRIPT_DIR/$1
	rm -f "$DESTDIR$f"
	[ -n "$DESTDIR" ] && return 0
	if command -v dpkg-divert >/dev/null && dpkg-divert --list "$f" | grep -q .; then
		dpkg-divert --quiet --local --rename --remove "$f"
		if [ -e "$f" ]; then
			say "restored upstream $f"
		else
			say "removed the diversion of $f (there was no upstream copy)"
		fi
	elif [ -e "$f.upstream" ]; then
		mv "$f.upstream" "$f"
		say "restored upstream $f"
	fi
}

do_install() {
	make -s
	local t
	for t in $TOOLS; do
		keep_upstream "$t"
	done
	make -s install DESTDIR="$DESTDIR" XEN_SCRIPT_DIR="$XEN_SCRIPT_DIR" PREFIX="$PREFIX"
	say "installed $TOOLS into $DESTDIR$XEN_SCRIPT_DIR"
}

do_uninstall() {
	local t
	for t in $TOOLS; do
		give_back_upstream "$t"
	done
	make -s uninstall DESTDIR="$DESTDIR" XEN_SCRIPT_DIR="$XEN_SCRIPT_DIR" PREFIX="$PREFIX" TOOLS=
}

case "${1:-}" in
"") deps; do_install ;;
--demo) deps; xen_utils; do_install; exec tests/demo.sh "$DESTDIR$XEN_SCRIPT_DIR" ;;
--deps) deps; xen_utils ;;
--no-deps) do_install ;;
--uninstall) do_uninstall ;;
-h | --help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//' ;;
*) say "unknown option '$1' (try --help)" >&2; exit 2 ;;
esac
