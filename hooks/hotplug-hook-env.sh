# hotplug-hook-env.sh: what a vif-post.d/*.hook file finds defined when our
# tools source it.  Upstream's vif scripts sourced hooks inside their own
# shell, so hooks may use the script's variables (command, dev, vif,
# bridge, ip, mac, mtu, vifname, type_if, XENBUS_PATH, netdev, main_ip...)
# and its helper functions.  The tools export those variables and run
# this text, built into them, in one bash before the hooks.  It is also
# installed, for reference, in <prefix>/share/xen-hotplug-ng/.

# upstream runs with set -e and fails the device on any error
set -e
export LANG=POSIX
export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH"

log() {
	local level=$1
	shift
	logger -p "daemon.$level" -- "$0:" "$@" 2>/dev/null || echo "$0:" "$@" >&2
}

# Report a failure the way libxl reads it.  Only an online writes to
# xenstore: after an offline the backend directory may be gone already,
# and writing would create it again.
fatal() {
	if [ "${command:-}" = online ] && [ -n "${XENBUS_PATH:-}" ]; then
		xenstore-write "$XENBUS_PATH/hotplug-error" "$*" \
			"$XENBUS_PATH/hotplug-status" error 2>/dev/null || :
	fi
	log err "$@"
	exit 1
}

sigerr() {
	fatal "$0 failed; error detected."
}
trap sigerr ERR

success() {
	xenstore_write "$XENBUS_PATH/hotplug-status" connected
}

do_or_die() {
	"$@" || fatal "$* failed"
}

do_without_error() {
	"$@" 2>/dev/null || log debug "$* failed"
}

xenstore_read() {
	local v
	v=$(xenstore-read "$@" 2>/dev/null || :)
	[ -n "$v" ] || fatal "xenstore-read $* failed."
	echo "$v"
}

xenstore_read_default() {
	xenstore-read "$1" 2>/dev/null || echo "$2"
}

_xenstore_write() {
	log debug "Writing $* to xenstore."
	xenstore-write "$@"
}

xenstore_write() {
	_xenstore_write "$@" || fatal "Writing $* to xenstore failed."
}

evalVariables() {
	local arg
	for arg in "$@"; do
		case "$arg" in
		[A-Za-z_]*=*) eval "${arg%%=*}=\"\${arg#*=}\"" ;;
		esac
	done
}

findCommand() {
	local arg
	for arg in "$@"; do
		case "$arg" in
		*=*) ;;
		*) command=$arg; return ;;
		esac
	done
}

# flock(1) locks under /run/xen-hotplug, released by the kernel on exit.
claim_lock() {
	mkdir -p /run/xen-hotplug
	eval "exec {_hp_lock_$1}>>/run/xen-hotplug/$1"
	eval "flock -x \"\$_hp_lock_$1\""
}

release_lock() {
	eval "[ -n \"\${_hp_lock_$1:-}\" ] && exec {_hp_lock_$1}>&-" || :
}

ip_of() {
	ip -4 -o addr show primary dev "$1" | awk '$3 == "inet" {split($4,i,"/"); print i[1]; exit}'
}

dom0_ip() {
	local nd=${netdev:-eth0} r
	r=$(ip_of "$nd")
	[ -n "$r" ] || fatal "$nd is not up.  Bring it up or specify another interface with netdev=<if> as a parameter to $0."
	echo "$r"
}
