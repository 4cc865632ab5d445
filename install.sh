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
# staging root: the tools in its XEN_SCRIPT_DIR, nothing diverted, nothing
# outside it touched), PREFIX (default /usr/local).
#
# The tools go to $PREFIX/libexec/xen-hotplug-ng, and the package's own
# activation, xen-hotplug-activate on (installed in $PREFIX/sbin), links
# them into XEN_SCRIPT_DIR.  Upstream's scripts are kept: on Debian each
# one is diverted with dpkg-divert (so a xen-utils-common upgrade installs
# its copy beside ours, as <name>.upstream, instead of over it); elsewhere
# it is renamed to <name>.upstream.  --uninstall puts them back
# (xen-hotplug-activate off).
set -euo pipefail

cd "$(dirname "$0")"
XEN_SCRIPT_DIR=${XEN_SCRIPT_DIR:-/etc/xen/scripts}
DESTDIR=${DESTDIR:-}
PREFIX=${PREFIX:-/usr/local}
TOOLS="vif-bridge vif-route vif-nat network-bridge vif-openvswitch"
LIBEXEC=$PREFIX/libexec/xen-hotplug-ng

BUILD_DEPS="gcc make pkg-config libnl-3-dev libnl-route-3-dev libxen-dev libnftnl-dev libmnl-dev libyajl-dev scdoc"
TEST_DEPS="bats clang-format busybox iproute2 jq xenstore-utils nftables iptables python3 python3-scapy git procps dnsmasq-base dhcpcd-base strace valgrind clang libclang-rt-14-dev gcc-multilib qemu-user iperf3"
# vif-openvswitch's tests run their own private Open vSwitch (tests/ovs.bash),
# tests/ovn.bats its own OVN (tests/ovn.bash)
TEST_DEPS="$TEST_DEPS openvswitch-switch ethtool tcpdump ovn-central ovn-host"
# make deb and make check-package (tests/package.sh): the package's build,
# lintian, the manual pages' checkers
TEST_DEPS="$TEST_DEPS dpkg-dev debhelper lintian mandoc groff-base man-db"
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

# The same for ovn-central and ovn-host (northd, the NB and SB databases,
# ovn-controller), when this run installed them.
ovn_quiet() {
	if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
		systemctl disable --now ovn-central.service ovn-northd.service \
			ovn-ovsdb-server-nb.service ovn-ovsdb-server-sb.service ovn-host.service \
			ovn-controller.service >/dev/null 2>&1 || true
	fi
	if [ -x /usr/share/ovn/scripts/ovn-ctl ]; then
		/usr/share/ovn/scripts/ovn-ctl stop_controller >/dev/null 2>&1 || true
		/usr/share/ovn/scripts/ovn-ctl stop_northd >/dev/null 2>&1 || true
		/usr/share/ovn/scripts/ovn-ctl stop_ovsdb >/dev/null 2>&1 || true
	fi
	say "ovn-central and ovn-host are for the tests: their system-wide daemons are not left running"
}

deps() {
	local missing=() p ovs_was=0 ovn_was=0
	for p in $BUILD_DEPS $TEST_DEPS $XEN_VM_DEPS; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	installed openvswitch-switch && ovs_was=1
	installed ovn-central && installed ovn-host && ovn_was=1
	if ! command -v apt-get >/dev/null; then
		say "please install: ${missing[*]}" >&2
		return 1
	fi
	say "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	if [ "$ovn_was" = 0 ] && installed ovn-central; then
		ovn_quiet
	fi
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

# What an install.sh before xen-hotplug-activate left: our tool copied
# over upstream's name, upstream's kept by a local diversion (Debian) or
# renamed (elsewhere).
give_back_legacy() {
	local t f
	for t in $TOOLS; do
		f=$XEN_SCRIPT_DIR/$t
		[ ! -L "$f" ] || continue
		if command -v dpkg-divert >/dev/null &&
			[ "$(dpkg-divert --listpackage "$f")" = LOCAL ] &&
			[ "$(dpkg-divert --truename "$f")" = "$f.upstream" ]; then
			rm -f "$f"
			dpkg-divert --quiet --local --rename --divert "$f.upstream" --remove "$f"
			say "restored upstream $f (an older install's local diversion)"
		elif ! command -v dpkg-divert >/dev/null && [ -e "$f.upstream" ]; then
			mv "$f.upstream" "$f"
			say "restored upstream $f"
		fi
	done
}

do_install() {
	# TOOLDIR at build time too: xen-hotplug runs the vif tools from there
	if [ -n "$DESTDIR" ]; then make -s; else make -s TOOLDIR="$LIBEXEC"; fi
	if [ -n "$DESTDIR" ]; then
		make -s install DESTDIR="$DESTDIR" XEN_SCRIPT_DIR="$XEN_SCRIPT_DIR" PREFIX="$PREFIX"
		say "installed $TOOLS into $DESTDIR$XEN_SCRIPT_DIR"
		return 0
	fi
	make -s install XEN_SCRIPT_DIR="$XEN_SCRIPT_DIR" PREFIX="$PREFIX" TOOLDIR="$LIBEXEC"
	give_back_legacy
	"$PREFIX/sbin/xen-hotplug-activate" on
	say "installed $TOOLS into $LIBEXEC, in use as $XEN_SCRIPT_DIR/<tool> ($PREFIX/sbin/xen-hotplug-activate status)"
}

do_uninstall() {
	if [ -n "$DESTDIR" ]; then
		make -s uninstall DESTDIR="$DESTDIR" XEN_SCRIPT_DIR="$XEN_SCRIPT_DIR" PREFIX="$PREFIX"
		return 0
	fi
	if [ -x "$PREFIX/sbin/xen-hotplug-activate" ]; then
		"$PREFIX/sbin/xen-hotplug-activate" off
	fi
	give_back_legacy
	make -s uninstall XEN_SCRIPT_DIR="$XEN_SCRIPT_DIR" PREFIX="$PREFIX" TOOLDIR="$LIBEXEC"
}

case "${1:-}" in
"") deps; do_install ;;
--demo) deps; xen_utils; do_install; exec tests/demo.sh "$DESTDIR$XEN_SCRIPT_DIR" ;;
--deps) deps; xen_utils ;;
--no-deps) do_install ;;
--uninstall) do_uninstall ;;
-h | --help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//' ;;
*) say "unknown option '$1' (try --help)" >&2; exit 2 ;;
esac
