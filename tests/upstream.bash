# tests/upstream.bash: Xen's own hotplug scripts, from Debian's
# xen-utils-common, fetched at test time (apt-get download, cached in
# $UPSTREAM_CACHE) and never committed.  Shared by upstream-parity.bats and
# the benchmark (tests/bench/bench.sh).
#
#   upstream_prepare DEST WORLD_DIR || skip "$UPSTREAM_WHY"
#       copies the scripts into DEST, adjusted to stay inside a test world:
#       stderr log WORLD_DIR/log/upstream-hotplug.log, hooks under
#       WORLD_DIR/upstream-hooks, locks under WORLD_DIR/upstream-lock,
#       log() to stderr instead of the host's syslog.
#   upstream_rules_on DEST
#       re-enables upstream's iptables rules that Debian turns off in
#       vif-common.sh (Debian bug 894013).

UPSTREAM_CACHE=${UPSTREAM_CACHE:-/var/cache/xen-hotplug-ng-test}

_upstream_fail() {
	UPSTREAM_WHY=$*
	return 1
}

# Unpacks xen-utils-common once into $UPSTREAM_CACHE/root.
upstream_unpack() {
	local root="$UPSTREAM_CACHE/root" log deb tmp
	[ -f "$root/etc/xen/scripts/vif-bridge" ] && return 0
	mkdir -p "$UPSTREAM_CACHE" || _upstream_fail "cannot create $UPSTREAM_CACHE" || return 1
	log=$(mktemp) || return 1
	deb=$(ls "$UPSTREAM_CACHE"/xen-utils-common_*.deb 2>/dev/null | tail -n 1)
	if [ -z "$deb" ]; then
		if ! (cd "$UPSTREAM_CACHE" && timeout 120 apt-get download xen-utils-common) >"$log" 2>&1; then
			_upstream_fail "apt-get download xen-utils-common failed: $(tail -n 1 "$log")"
			rm -f "$log"
			return 1
		fi
		deb=$(ls "$UPSTREAM_CACHE"/xen-utils-common_*.deb 2>/dev/null | tail -n 1)
	fi
	rm -f "$log"
	[ -n "$deb" ] || _upstream_fail "apt-get download xen-utils-common produced no .deb" || return 1
	tmp=$(mktemp -d "$UPSTREAM_CACHE/root.XXXXXX") || return 1
	if ! dpkg-deb -x "$deb" "$tmp"; then
		rm -rf "$tmp"
		_upstream_fail "dpkg-deb -x $deb failed"
		return 1
	fi
	# atomic for parallel runs: the first rename wins
	mv -T "$tmp" "$root" 2>/dev/null || rm -rf "$tmp"
	[ -f "$root/etc/xen/scripts/vif-bridge" ] || _upstream_fail "no vif-bridge in xen-utils-common"
}

upstream_prepare() {
	local up=$1 w=$2 root="$UPSTREAM_CACHE/root"
	upstream_unpack || return 1
	# upstream's scripts run the xenstore-* clients
	command -v xenstore-read >/dev/null 2>&1 ||
		_upstream_fail "upstream needs xenstore-utils (apt-get install xenstore-utils)" || return 1
	command -v which >/dev/null 2>&1 || _upstream_fail "upstream needs which(1)" || return 1
	mkdir -p "$up" "$w/log" "$w/upstream-lock" || return 1
	cp -a "$root/etc/xen/scripts/." "$up/"
	sed -i -e "s|^exec 2>>.*xen-hotplug.log|exec 2>>$w/log/upstream-hotplug.log|" \
		-e "s|@XEN_SCRIPT_DIR@|$w/upstream-hooks|; s|/etc/xen/scripts/\${1}-\${2}.d|$w/upstream-hooks/\${1}-\${2}.d|" \
		"$up/xen-hotplug-common.sh"
	grep -q "exec 2>>$w/log/upstream-hotplug.log" "$up/xen-hotplug-common.sh" ||
		_upstream_fail "unexpected xen-hotplug-common.sh layout" || return 1
	sed -i -e "s|^LOCK_BASEDIR=.*|LOCK_BASEDIR=$w/upstream-lock|" "$up/locking.sh"
	cat >"$up/logging.sh" <<'EOF'
log() {
  local level="$1"
  shift
  echo "$0: [$level] $*" >&2
}
EOF
	[ -f "$up/hotplugpath.sh" ] || echo 'XEN_SCRIPT_DIR=/etc/xen/scripts' >"$up/hotplugpath.sh"
	return 0
}

upstream_rules_on() {
	local f="$1/vif-common.sh"
	grep -q 'disabled in Debian packaging' "$f" || return 0 # not Debian's copy
	sed -i '/disabled in Debian packaging/{n;/^ *return 0 *$/d}' "$f"
	! sed -n '/^handle_iptable()/,/^}/p' "$f" | grep -q '^ *return 0 *$' ||
		_upstream_fail "could not re-enable handle_iptable in $f"
}
