#!/bin/bash
# package-life.sh DEB WORK HP_BUILD OLD NEW: the package's life on a host,
# run by tests/package.sh inside a throwaway overlay of that host (never
# run it on a host you want to keep as it is: it installs, upgrades and
# purges packages).
#
# xen-utils-common OLD (else NEW) installed; our package installed (nothing
# changes in /etc/xen/scripts); activation refused by a foreign diversion
# and undone after an injected failure, both leaving everything as it was;
# activated (twice); the demo's two guests through the installed tools;
# xen-utils-common reinstalled, upgraded to NEW and to CHANGED (its vif
# scripts differ): our links stay, upstream's new files land beside them;
# deactivated (the demo then runs upstream's script: the control);
# reactivated and removed (prerm gives upstream's back); purged; installed,
# activated and removed with the prerm's command gone (postrm cleans up);
# purged: nothing of ours anywhere, upstream's scripts as CHANGED ships
# them, byte for byte.  After each step a line `left:` says what is there.
set -euo pipefail

deb=$1 work=$2 HP_BUILD=$3 OLD=$4 NEW=$5
here=$(cd "$(dirname "$0")" && pwd)
S=/etc/xen/scripts
LIBEXEC=/usr/libexec/xen-hotplug-ng
TOOLS="vif-bridge vif-route vif-nat vif-openvswitch network-bridge"
UPSTREAM="vif-bridge vif-route vif-nat vif-openvswitch" # what xen-utils-common ships
tmp=$(mktemp -d)
log=$tmp/step.log

xuc_deb() { # OLD|NEW|CHANGED: the xen-utils-common package file
	case $1 in
	CHANGED) echo "$work/debs/xen-utils-common_changed.deb" ;;
	*) ls "$work"/debs/xen-utils-common_"${2##*:}"_*.deb ;;
	esac
}
# What each version ships in /etc/xen/scripts, to compare byte for byte.
ref() { echo "$tmp/ref-$1$S"; }
for v in OLD NEW CHANGED; do
	case $v in OLD) ver=$OLD ;; NEW) ver=$NEW ;; *) ver= ;; esac
	[ "$v" != OLD ] || [ -n "$OLD" ] || continue
	dpkg-deb -x "$(xuc_deb "$v" "$ver")" "$tmp/ref-$v"
done
if [ -z "$OLD" ]; then
	OLD=$NEW
	ln -s ref-NEW "$tmp/ref-OLD"
fi

apt() { # apt-get, quiet, with one retry after `apt-get update`
	apt-get -y -q -o Dpkg::Use-Pty=0 "$@" </dev/null && return 0
	apt-get update -qq || true
	apt-get -y -q -o Dpkg::Use-Pty=0 "$@" </dev/null
}

# ---------------------------------------------------------------- what is there
# One line: the packages, each tool's file, the diversions.
left() {
	local t line d
	line="xen-utils-common $(dpkg-query -W -f='${db:Status-Abbrev}${Version}' xen-utils-common 2>/dev/null || echo none)"
	line+=", xen-hotplug-ng $(dpkg-query -W -f='${db:Status-Abbrev}${Version}' xen-hotplug-ng 2>/dev/null || echo none);"
	for t in $TOOLS; do
		if [ -L "$S/$t" ]; then
			line+=" $t -> $(readlink "$S/$t")"
		elif [ -e "$S/$t" ]; then
			line+=" $t $(sum_of "$S/$t")"
		else
			line+=" $t none"
		fi
		[ ! -e "$S/$t.upstream" ] || line+=" + .upstream $(sum_of "$S/$t.upstream")"
		line+=","
	done
	d=$(dpkg-divert --list "$S/*" | wc -l)
	line+=" diversions in $S: $d"
	[ "$d" = 0 ] || line+=" ($(dpkg-divert --list "$S/*" | awk '{ print $NF }' | sort | uniq -c | xargs))"
	echo "  left: $line"
}
# A file's version: the references it equals (OLD's and NEW's scripts may
# be the same), else its size.
sum_of() {
	local v t=${1##*/} out=
	t=${t%.upstream}
	for v in OLD NEW CHANGED; do
		[ -f "$(ref "$v")/$t" ] && cmp -s "$1" "$(ref "$v")/$t" && out+=" = $v's"
	done
	if [ -n "$out" ]; then
		echo "${out# }"
	else
		echo "($(stat -c %s "$1") bytes, no version's)"
	fi
}
# Everything that says who owns what in /etc/xen/scripts, to compare.
state() {
	ls -lAi --time-style=+%s "$S" 2>/dev/null | sed 1d
	dpkg-divert --list | sort
}

# ---------------------------------------------------------------- assertions
# Upstream's scripts of version $1 in place, no diversion, nothing of ours.
upstream_in_place() {
	local t
	for t in $UPSTREAM; do
		[ ! -L "$S/$t" ] || { echo "$S/$t is a link"; return 1; }
		cmp "$S/$t" "$(ref "$1")/$t" || { echo "$S/$t is not $1's"; return 1; }
		[ ! -e "$S/$t.upstream" ] || { echo "$S/$t.upstream left"; return 1; }
	done
	[ ! -e "$S/network-bridge" ] && [ ! -L "$S/network-bridge" ] || { echo "$S/network-bridge left"; return 1; }
	[ -z "$(dpkg-divert --list "$S/*")" ] || { echo "diversions left: $(dpkg-divert --list "$S/*")"; return 1; }
	no_leftovers
}
# Ours in use, upstream's scripts of version $1 kept as <tool>.upstream,
# each a diversion by xen-hotplug-ng.
ours_active() {
	local t
	for t in $TOOLS; do
		[ "$(readlink "$S/$t")" = "$LIBEXEC/$t" ] || { echo "$S/$t is not our link"; return 1; }
		[ -x "$S/$t" ] || { echo "$S/$t does not lead to an executable"; return 1; }
		[ "$(dpkg-divert --listpackage "$S/$t")" = xen-hotplug-ng ] || { echo "$S/$t not diverted by us"; return 1; }
		[ "$(dpkg-divert --truename "$S/$t")" = "$S/$t.upstream" ] || { echo "$S/$t diverted elsewhere"; return 1; }
	done
	for t in $UPSTREAM; do
		cmp "$S/$t.upstream" "$(ref "$1")/$t" || { echo "$S/$t.upstream is not $1's"; return 1; }
		# dpkg -S tells an administrator what happened
		dpkg -S "$S/$t" | grep -qx "diversion by xen-hotplug-ng to: $S/$t.upstream" ||
			{ echo "dpkg -S $S/$t: $(dpkg -S "$S/$t")"; return 1; }
	done
	[ ! -e "$S/network-bridge.upstream" ] || { echo "a network-bridge.upstream appeared"; return 1; }
	xen-hotplug-activate status
	no_leftovers
}
# No half-done file of dpkg's or of ours.
no_leftovers() {
	local f
	f=$(find "$S" -maxdepth 1 \( -name '*.dpkg-*' -o -name '*.hp-new' -o -name '*.ucf-*' \) 2>/dev/null)
	[ -z "$f" ] || { echo "left over: $f"; return 1; }
}
# The demo's two guests through /etc/xen/scripts/vif-bridge, as libxl runs
# it: both connected, pinging each other, detached.  Our tool says so in
# its log lines (upstream's script writes none like them).
demo_ours() {
	local out
	[ "$(readlink -f "$S/vif-bridge")" = "$LIBEXEC/vif-bridge" ]
	dpkg -S "$LIBEXEC/vif-bridge" | grep -qx "xen-hotplug-ng: $LIBEXEC/vif-bridge"
	out=$("$here/demo.sh" "$S" 2>&1) || { echo "$out"; return 1; }
	echo "$out" | sed 's/^/    demo: /'
	[ "$(grep -c 'hotplug-status = connected' <<<"$out")" = 2 ]
	[ "$(grep -c "^vif-bridge\[vif[12].0\]: online: attached to bridge 'xenbr0'" <<<"$out")" = 2 ]
	grep -q '3 packets transmitted, 3 packets received' <<<"$out"
	grep -q 'guest 2 detached: unreachable' <<<"$out"
}

# Every file or directory whose name says xen-hotplug-ng, where packages
# put files.
ours_on_disk() {
	find /etc /usr /var /opt -xdev -path /var/cache -prune -o -name '*xen-hotplug-ng*' -print | sort
}

# ---------------------------------------------------------------- steps
n=0
t_start=$(date +%s)
# (In the background and waited for: in a `||` list bash would ignore set -e
# inside the step.)
step() { # NAME FUNCTION: stops the whole run at the first failure
	local name=$1 t0 rc=0
	shift
	t0=$EPOCHREALTIME
	(
		set -e
		"$@"
	) >"$log" 2>&1 &
	wait $! || rc=$?
	if [ "$rc" != 0 ]; then
		echo "package: FAIL $name"
		tail -n 60 "$log" | sed 's/^/  log: /'
		left
		exit 1
	fi
	n=$((n + 1))
	echo "package: PASS $name ($(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s)"
	grep '^    demo: vif-bridge\|^  note: ' "$log" | head -n 6 || true
	left
}

baseline() {
	set -x
	# this view is the host's: nothing of ours may be there before we start
	if dpkg-query -W -f='${Status}' xen-hotplug-ng 2>/dev/null | grep -q installed; then
		echo "  note: the host had xen-hotplug-ng: purged in this view"
		apt purge xen-hotplug-ng
	fi
	dpkg-divert --list "$S/*" | grep -q . &&
		echo "  note: the host has diversions in $S: removed in this view" &&
		dpkg-divert --list "$S/*" | while read -r _ _ f _ to _; do
			rm -f "$f"
			dpkg-divert --quiet --rename --divert "$to" --remove "$f" 2>/dev/null ||
				dpkg-divert --quiet --local --rename --divert "$to" --remove "$f"
		done
	apt install --allow-downgrades "$(xuc_deb OLD "$OLD")"
	dpkg-query -W -f='${Version}' xen-utils-common | grep -qxF "$OLD"
	upstream_in_place OLD
	ours_on_disk >/tmp/ours.before
}

install_pkg() {
	set -x
	# APT upgrades the installed packages of a dependency's source package
	# with it (libxenstore4 and xen-utils-common are both built by xen):
	# not here, where xen-utils-common is older than the host's
	# libxenstore4 on purpose; its upgrade is a step of its own
	apt -o APT::Get::Upgrade-By-Source-Package=false install "$deb"
	dpkg-query -W -f='${Version}' xen-utils-common | grep -qxF "$OLD"
	dpkg-query -W -f='${Status}' xen-hotplug-ng | grep -qx 'install ok installed'
	for t in $TOOLS; do
		[ -x "$LIBEXEC/$t" ]
		if ldd "$LIBEXEC/$t" | grep 'not found'; then exit 1; fi
	done
	man -w vif-bridge | grep -qx /usr/share/man/man8/vif-bridge.8.gz
	man -w 5 xen-hotplug.conf | grep -qx /usr/share/man/man5/xen-hotplug.conf.5.gz
	# installing changes nothing: upstream's scripts still run
	upstream_in_place OLD
	rc=0
	xen-hotplug-activate status || rc=$?
	[ "$rc" = 3 ]
}

refused() {
	set -x
	# someone else's diversion of one tool: `on` refuses, changes nothing
	dpkg-divert --quiet --package hp-test-other --no-rename --divert "$S/vif-nat.other" --add "$S/vif-nat"
	state >/tmp/state.before
	rc=0
	xen-hotplug-activate on 2>/tmp/err || rc=$?
	cat /tmp/err
	[ "$rc" = 1 ]
	grep -q "unable to activate '$S/vif-nat': diverted by hp-test-other" /tmp/err
	state | diff /tmp/state.before -
	dpkg-divert --quiet --package hp-test-other --no-rename --divert "$S/vif-nat.other" --remove "$S/vif-nat"
	upstream_in_place OLD
}

undone() {
	set -x
	# a failure at the fourth tool, after its diversion: all four undone
	state >/tmp/state.before
	rc=0
	XEN_HOTPLUG_FAIL_STEP=vif-openvswitch xen-hotplug-activate on 2>/tmp/err || rc=$?
	cat /tmp/err
	[ "$rc" = 1 ]
	grep -q "failure injected" /tmp/err
	grep -q "undoing: vif-openvswitch vif-nat vif-route vif-bridge" /tmp/err
	# the same files (inodes included), the same diversions
	state | diff /tmp/state.before -
	upstream_in_place OLD
}

activate() {
	set -x
	xen-hotplug-activate on
	ours_active OLD
	# again: nothing changes
	state >/tmp/state.before
	xen-hotplug-activate on
	state | diff /tmp/state.before -
}

demo() {
	set -x
	demo_ours
}

xuc_reinstall() {
	set -x
	apt install --reinstall "$(xuc_deb OLD "$OLD")"
	ours_active OLD
	demo_ours
}

xuc_upgrade() {
	set -x
	if [ "$OLD" = "$NEW" ]; then
		echo "  note: apt knows one xen-utils-common version only: no upgrade from the archive"
		return 0
	fi
	apt install "$(xuc_deb NEW "$NEW")"
	dpkg-query -W -f='${Version}' xen-utils-common | grep -qxF "$NEW"
	ours_active NEW
	demo_ours
}

xuc_changed() {
	set -x
	# its vif scripts changed: dpkg installs them as <tool>.upstream
	if cmp -s "$(ref CHANGED)/vif-bridge" "$S/vif-bridge.upstream"; then exit 1; fi
	apt install "$(xuc_deb CHANGED)" 2>&1 | tee /tmp/apt.out
	grep -q "Installing new version of config file $S/vif-bridge.upstream" /tmp/apt.out
	dpkg-query -W -f='${Version}' xen-utils-common | grep -qxF "$NEW+hptest1"
	ours_active CHANGED
	demo_ours
}

deactivate() {
	set -x
	xen-hotplug-activate off
	upstream_in_place CHANGED
	rc=0
	xen-hotplug-activate status || rc=$?
	[ "$rc" = 3 ]
	# again: nothing changes
	state >/tmp/state.before
	xen-hotplug-activate off
	state | diff /tmp/state.before -
	# the control: the same demo now runs upstream's script, which
	# writes none of our lines
	out=$("$here/demo.sh" "$S" 2>&1) || true
	echo "$out"
	if grep -q "^vif-bridge\[vif1.0\]: online: attached" <<<"$out"; then exit 1; fi
	echo "  note: after off the demo runs upstream's script: none of our lines"
}

remove_active() {
	set -x
	xen-hotplug-activate on
	ours_active CHANGED
	apt remove xen-hotplug-ng 2>&1 | tee /tmp/apt.out
	# prerm gave upstream's back before the tools went (the postrm would
	# clean up too, after them: its lines say it was the prerm)
	grep -q "^xen-hotplug-activate: $S/vif-bridge: upstream's again" /tmp/apt.out
	upstream_in_place CHANGED
	[ ! -e "$LIBEXEC" ]
	[ ! -e /usr/sbin/xen-hotplug-activate ]
	if dpkg-query -W -f='${Status}' xen-hotplug-ng | grep -q ' installed'; then exit 1; fi
}

purge() {
	set -x
	apt purge xen-hotplug-ng
	nothing_of_ours
}

nothing_of_ours() {
	if dpkg-query -W -f='${Status}' xen-hotplug-ng 2>/dev/null | grep 'installed\|config-files'; then
		exit 1
	fi
	rc=0
	dpkg -S xen-hotplug-ng 2>&1 || rc=$?
	[ "$rc" = 1 ]
	if dpkg-divert --list | grep xen-hotplug-ng; then exit 1; fi
	upstream_in_place CHANGED
	ours_on_disk | diff /tmp/ours.before -
}

forced() {
	set -x
	apt install "$deb"
	xen-hotplug-activate on
	ours_active CHANGED
	# prerm cannot run the command (gone): postrm still removes our
	# diversions and links, and upstream's scripts come back
	rm /usr/sbin/xen-hotplug-activate
	apt purge xen-hotplug-ng 2>&1 | tee /tmp/apt.out
	if grep -q "^xen-hotplug-activate: " /tmp/apt.out; then exit 1; fi
	nothing_of_ours
}

step "baseline: xen-utils-common $OLD installed, nothing of ours" baseline
step "install: apt-get install ./${deb##*/}; /etc/xen/scripts untouched" install_pkg
step "activate refused (a foreign diversion of vif-nat): nothing changed" refused
step "activate failing at vif-openvswitch: everything undone" undone
step "activate: xen-hotplug-activate on, twice" activate
step "demo: two guests through /etc/xen/scripts/vif-bridge, ours" demo
step "reinstall xen-utils-common $OLD: ours still in use" xuc_reinstall
step "upgrade xen-utils-common to $NEW: ours in use, NEW's scripts as .upstream" xuc_upgrade
step "upgrade xen-utils-common to $NEW+hptest1 (scripts changed): they land as .upstream" xuc_changed
step "deactivate: xen-hotplug-activate off, twice; the demo runs upstream's" deactivate
step "remove while active: prerm gives upstream's scripts back" remove_active
step "purge: dpkg -S and dpkg-divert show nothing of ours, upstream's byte for byte" purge
step "forced: prerm's command gone, postrm cleans up, purge leaves nothing" forced
echo "package-life: $n steps passed in $(($(date +%s) - t_start)) s"
rm -rf "$tmp"
