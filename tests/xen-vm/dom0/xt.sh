# xt.sh: the helpers of the suites run in the VM's dom0 (sourced by
# dom0/init, which calls xt_main).
#
# A suite is a bash file in tests/xen-vm/suites/, NN-name.sh, sourced in a
# subshell of its own, in name order.  It defines functions and runs each
# as a test with xt_test; the domains it leaves are destroyed after it.
#
#   xt_test NAME FUNC [ARG...]   runs FUNC in a subshell with `set -e -x`,
#       its output in /run/xt/log/NAME.log (NAME: suite/test, no spaces),
#       at most XT_TEST_TIMEOUT (150) s; prints `xt: PASS NAME (T s)` or
#       `xt: FAIL NAME` and the end of its log.  Tests run one at a time:
#       a later test may use what an earlier one made (a running guest).
#   xt_fail MESSAGE              fails the test
#   xt_not CMD...                fails the test if CMD succeeds (`! CMD`
#                                does not, under set -e)
#   xt_wait SECONDS CMD...       runs CMD every 0.2 s until it succeeds;
#                                fails the test after SECONDS
#   xt_note TEXT                 a line `xt: NOTE TEXT` in the host's summary
#
# Guests (PV, the VM's kernel, a busybox initramfs: guest/init):
#   xt_guest_start NAME SCRIPT [VIF...]   xl create; SCRIPT is run by the
#       guest's init (its helpers: net, check, say, spoof, wait_dev, see
#       guest/init); each VIF is an xl vif spec (`bridge=xenbr0,ip=...`).
#       Set beforehand, for other guests: XT_GUEST_TYPE (pv; pvh),
#       XT_GUEST_MEMORY (128 MiB), XT_GUEST_INITRD (another initramfs),
#       XT_GUEST_CMDLINE (more kernel options, ending in a space),
#       XT_GUEST_CFG (more lines of xl.cfg)
#   xt_guest_get NAME KEY [SECONDS]       waits for the guest to `say KEY
#       VALUE` (on its console) and prints VALUE; fails the test after
#       SECONDS (60)
#   xt_domid NAME (no xl run), xt_vif NAME [DEVID] (vif<domid>.<devid>),
#   xt_be NAME [DEVID] (its backend path in xenstore)
#
# Kernel state (a process costs tenths of a second under emulation, jq a
# second: these start one each):
#   xt_master VIF (prints its bridge), xt_port_up VIF BRIDGE, xt_gone VIF,
#   xt_no_xs PATH, xt_guarded FAMILY VIF (our table FAMILY xen_hotplug has
#   elements for VIF: netdev for the guard itself, since layout v3), xt_unguarded FAMILY VIF: predicates for xt_wait
#   xt_counters FAMILY TABLE   its counters into XT_COUNT[name]=packets
# and ip -j, bridge -j, nft -j with jq where a structure is asserted.
XT_DIR=/run/xt
XT_LOG=$XT_DIR/log
XT_TEST_TIMEOUT=${XT_TEST_TIMEOUT:-150}
XT_SCRIPTS=/etc/xen/scripts
XT_GUEST_KERNEL=/boot/vmlinux
XT_GUEST_RAMDISK=/boot/guest.cpio
mkdir -p "$XT_LOG" "$XT_DIR/guests"

xt_fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# `! cmd` never fails a test under set -e: this does.
xt_not() {
	if "$@"; then
		xt_fail "succeeded, should not have: $*"
	fi
}

xt_wait() {
	local n=$(($1 * 5))
	shift
	while ! "$@"; do
		n=$((n - 1))
		[ $n -gt 0 ] || xt_fail "timed out waiting for: $*"
		xt_sleep 0.2
	done
}

xt_note() {
	echo "xt: NOTE $*" >/dev/console
}

xt_now() { echo "${EPOCHREALTIME/./}"; } # microseconds

# sleep without a process (fork is slow under emulation): read from a
# FIFO nobody writes to, with a timeout
[ -p "$XT_DIR/sleep.fifo" ] || mkfifo "$XT_DIR/sleep.fifo"
exec 8<>"$XT_DIR/sleep.fifo"
xt_sleep() { read -r -t "$1" -u 8 _ || true; }

# Kills a process and all its descendants.
xt_killtree() {
	local c
	for c in $(awk -v p="$1" '$4 == p { print $1 }' /proc/[0-9]*/stat 2>/dev/null); do
		xt_killtree "$c"
	done
	kill -KILL "$1" 2>/dev/null
}

xt_test() {
	local name=$1 fn=$2 log=$XT_LOG/$1.log t0 pid w rc=0
	shift 2
	mkdir -p "${log%/*}"
	rm -f "$XT_DIR/timeout"
	t0=$(xt_now)
	(
		: >"$log"
		exec >>"$log" 2>&1 </dev/null # appends: the watchdog writes too
		XT_T0=${EPOCHREALTIME/./}
		PS4='+ $(((${EPOCHREALTIME/./} - XT_T0) / 1000)) ms: '
		set -e -x
		"$fn" "$@"
	) &
	pid=$!
	(
		xt_sleep "$XT_TEST_TIMEOUT"
		echo "FAIL: timed out after $XT_TEST_TIMEOUT s" >>"$log"
		: >"$XT_DIR/timeout"
		xt_killtree "$pid"
	) &
	w=$!
	wait "$pid" 2>/dev/null || rc=$?
	kill "$w" 2>/dev/null
	wait "$w" 2>/dev/null
	[ ! -e "$XT_DIR/timeout" ] || rc=124
	t0=$((($(xt_now) - t0) / 100000))
	if [ $rc -eq 0 ]; then
		echo "PASS $name" >>"$XT_DIR/results"
		echo "xt: PASS $name ($((t0 / 10)).$((t0 % 10)) s)"
	else
		echo "FAIL $name" >>"$XT_DIR/results"
		echo "xt: FAIL $name (exit $rc, $((t0 / 10)).$((t0 % 10)) s)"
		tail -n 60 "$log" | sed "s|^|xt-log $name: |"
	fi
}

# Every process costs under emulation (a dynamically linked one, tenths
# of a second): these helpers start as few as they can.
xt_domid() {
	local d
	if [ -s "$XT_DIR/guests/$1.domid" ]; then
		read -r d <"$XT_DIR/guests/$1.domid"
		echo "$d"
	else
		xl domid "$1"
	fi
}
xt_gone() { ! ip link show dev "$1" >/dev/null 2>&1; }
xt_no_xs() { ! xenstore-exists "$1"; }

# VIF's bridge, with `ip -o link` (jq costs a second here).
xt_master() {
	local l
	l=$(ip -o link show dev "$1") || return 1
	[[ $l =~ " master "([^ ]+)" " ]] && echo "${BASH_REMATCH[1]}"
}
# VIF is a port of BRIDGE and up.
xt_port_up() {
	local l up='<([^>]*,)?UP[,>]'
	l=$(ip -o link show dev "$1") || return 1
	[[ $l == *" master $2 "* && $l =~ $up ]]
}

# Whether our guard (table FAMILY xen_hotplug) has elements for VIF.
xt_guarded() {
	local t
	t=$(nft list table "$1" xen_hotplug 2>/dev/null) || return 1
	[[ $t == *"\"$2\""* ]]
}
xt_unguarded() { ! xt_guarded "$@"; }

# The counters of table FAMILY NAME, into the array XT_COUNT[counter]=packets.
declare -A XT_COUNT
xt_counters() {
	local l c=
	XT_COUNT=()
	while read -r l; do
		if [[ $l =~ ^counter\ ([^ ]+)\ \{ ]]; then
			c=${BASH_REMATCH[1]}
		elif [[ -n $c && $l =~ ^packets\ ([0-9]+) ]]; then
			XT_COUNT[$c]=${BASH_REMATCH[1]}
		fi
	done < <(nft list counters table "$1" "$2")
}
xt_vif() { echo "vif$(xt_domid "$1").${2:-0}"; }
xt_be() { echo "/local/domain/0/backend/vif/$(xt_domid "$1")/${2:-0}"; }

xt_guest_start() {
	local name=$1 script=$2 vifs="" v cfg=$XT_DIR/guests/$1.cfg
	shift 2
	for v in "$@"; do vifs+="${vifs:+, }'$v'"; done
	cat >"$cfg" <<-EOF
		name = "$name"
		type = "${XT_GUEST_TYPE:-pv}"
		kernel = "$XT_GUEST_KERNEL"
		ramdisk = "${XT_GUEST_INITRD:-$XT_GUEST_RAMDISK}"
		memory = ${XT_GUEST_MEMORY:-128}
		vcpus = 1
		extra = "console=hvc0 quiet ${XT_GUEST_CMDLINE:-}xt.run=$(printf '%s' "$script" | gzip -9 | base64 -w0)"
		vif = [ $vifs ]
		on_poweroff = "destroy"
		on_reboot = "destroy"
		on_crash = "destroy"
		${XT_GUEST_CFG:-}
	EOF
	rm -f "/var/log/xen/console/guest-$name.log" "$XT_DIR/guests/$name.domid"
	xl create "$cfg"
	xl domid "$name" >"$XT_DIR/guests/$name.domid"
}

# The guest's console, as xenconsoled logs it.
xt_guest_console() { tr -d '\r' <"/var/log/xen/console/guest-$1.log" 2>/dev/null; }

xt_guest_get() {
	local name=$1 key=$2 n=$((${3:-60} * 5)) v
	while :; do
		v=$(xt_guest_console "$name" | sed -n "s/^xg: $key=//p" | tail -n 1)
		[ -n "$v" ] && break
		n=$((n - 1))
		if [ $n -le 0 ]; then
			echo "--- console of guest $name"
			xt_guest_console "$name" | tail -n 40
			xt_fail "guest $name did not say $key"
		fi
		xt_sleep 0.2
	done
	echo "$v"
}

# Open vSwitch on the kernel datapath, with a private database:
# xt_ovs_start LOGDIR (ovsdb-server and ovs-vswitchd, Debian's paths),
# xt_ovs_stop.
XT_OVS_RUN=/run/openvswitch
xt_ovs_start() {
	modprobe openvswitch
	mkdir -p $XT_OVS_RUN /etc/openvswitch "$1"
	rm -f $XT_DIR/ovs.db
	ovsdb-tool create $XT_DIR/ovs.db /usr/share/openvswitch/vswitch.ovsschema
	ovsdb-server $XT_DIR/ovs.db --remote=punix:$XT_OVS_RUN/db.sock \
		--pidfile=$XT_OVS_RUN/ovsdb-server.pid --detach --log-file="$1/ovsdb-server.log"
	ovs-vsctl --no-wait init
	/usr/lib/openvswitch-switch/ovs-vswitchd unix:$XT_OVS_RUN/db.sock \
		--pidfile=$XT_OVS_RUN/ovs-vswitchd.pid --detach --log-file="$1/ovs-vswitchd.log"
}
xt_ovs_stop() {
	local p
	for p in ovs-vswitchd ovsdb-server; do
		[ ! -s $XT_OVS_RUN/$p.pid ] || kill "$(cat $XT_OVS_RUN/$p.pid)" 2>/dev/null || true
		rm -f $XT_OVS_RUN/$p.pid
	done
	rm -f $XT_DIR/ovs.db
}

# Destroys every domain but dom0 and waits until xl sees none.
xt_destroy_all() {
	local d
	for d in $(xl list | awk 'NR > 1 && $2 != 0 { print $1 }'); do
		xl destroy "$d" || true
	done
}

# The results disk (run.sh's results.img, /dev/sda when dom0/init found
# it): a tar of /run/xt at its start, written after each suite, so that
# the host has the logs of the suites that ended even when the VM does
# not end in time.
xt_save_results() {
	[ -b /dev/sda ] || return 0
	rm -rf "$XT_DIR/var-log-xen"
	cp -a /var/log/xen "$XT_DIR/var-log-xen"
	tar -c -C $XT_DIR . >/dev/sda 2>/dev/null && sync
}

xt_main() {
	local f s
	: >"$XT_DIR/results"
	for f in /xt/suites/*.sh; do
		s=${f##*/}
		s=${s%.sh}
		if [ $# -gt 0 ] && [[ " $* " != *" $s "* ]] && [[ " $* " != *" ${s#[0-9][0-9]-} "* ]]; then
			continue
		fi
		echo "xt: suite $s"
		(. "$f")
		xt_destroy_all >>"$XT_LOG/cleanup.log" 2>&1
		xt_save_results
	done
	echo "xt: END $(grep -c '^PASS' "$XT_DIR/results") passed, $(grep -c '^FAIL' "$XT_DIR/results") failed"
	# for the results disk: the kernel's log (xt_save_results copies
	# the toolstack's and the scripts')
	dmesg >"$XT_DIR/dmesg.txt"
}
