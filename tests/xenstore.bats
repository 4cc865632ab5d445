#!/usr/bin/env bats
# xenstore: how the tools use xenstore (common/xs/xs.c through libxenstore),
# against the world's real xenstored (Debian's C xenstored 4.17): the
# result protocol's transaction (hp_xs_report_error: hotplug-error then
# hotplug-status=error, one transaction, replayed on EAGAIN), conflicts
# made on purpose and met under load, the order of online's writes as a
# watcher sees them, the permissions libxl gave the nodes they write, and
# offline writing nothing.  The tool talks through xsproxy.py (a relay
# that logs every message and can make commits conflict) where the
# messages themselves are asserted.

setup() {
	load helpers
	world_setup
	[ -x "$HP_BUILD/vif-bridge" ] || skip "build/vif-bridge not built"
	command -v python3 >/dev/null 2>&1 || skip "needs python3"
}

teardown() {
	world_teardown
}

# proxy_start [--conflicts N]: xsproxy.py on $W_DIR/proxy.sock, its log
# in $PROXY_LOG; the tool is pointed at it with VIF_ENV.
proxy_start() {
	PROXY_LOG="$W_DIR/xsproxy.log"
	: >"$PROXY_LOG"
	dom0_bg python3 "$HP_SRCDIR/tests/xenstored/xsproxy.py" "$W_DIR/proxy.sock" \
		"$XENSTORED_PATH" "$PROXY_LOG" "$@" >/dev/null
	wait_for 5000 test -S "$W_DIR/proxy.sock" || { cat "$W_DIR/bg.log"; return 1; }
	VIF_ENV=("XENSTORED_PATH=$W_DIR/proxy.sock")
}

# The tool's requests that change the store, one line each:
# "<type> <tx != 0> <path> [value]".
changes() {
	jq -r 'select(.dir == "req" and (.type == "WRITE" or .type == "RM" or .type == "MKDIR"
		or .type == "SET_PERMS")) | "\(.type) \(.tx != 0) \(.args | join(" "))"' "$PROXY_LOG"
}
commits() { jq -r 'select(.dir == "req" and .type == "TRANSACTION_END") | .args[0]' "$PROXY_LOG" | grep -c '^T$' || true; }
eagains() { jq -r 'select(.dir == "rep" and .type == "ERROR") | .args[0]' "$PROXY_LOG" | grep -c '^EAGAIN$' || true; }

perms_of() { xenstore-ls -p "$(dirname "$1")" 2>/dev/null | awk -v k="$(basename "$1")" '$1 == k { print $NF }'; }

@test "failing online: hotplug-error then hotplug-status=error, in one committed transaction, with libxl's permissions" {
	guest_create 1 0 bridge=nosuchbr0
	proxy_start
	run run_vif vif-bridge 1 0 online type_if=vif
	echo "$output"
	[ "$status" -eq 1 ]
	changes
	[ "$(changes)" = "WRITE true backend/vif/1/0/hotplug-error unable to find bridge 'nosuchbr0': no such device
WRITE true backend/vif/1/0/hotplug-status error" ]
	# both writes in the transaction that was committed
	local tx
	tx=$(jq -r 'select(.dir == "req" and .type == "WRITE") | .tx' "$PROXY_LOG" | sort -u)
	[ "$(wc -l <<<"$tx")" = 1 ]
	[ "$(jq -r --argjson t "$tx" 'select(.dir == "req" and .type == "TRANSACTION_END" and .tx == $t) | .args[0]' "$PROXY_LOG")" = T ]
	[ "$(commits)" = 1 ]
	# in the store, owned by dom0 and readable by the guest as the backend
	# directory libxl made (new nodes inherit their parent's permissions)
	local be
	be=$(be_path 1 0)
	[ "$(xs_read "$be/hotplug-status")" = error ]
	[ "$(xs_read "$be/hotplug-error")" = "unable to find bridge 'nosuchbr0': no such device" ]
	[ "$(perms_of "$be/hotplug-error")" = "(n0,r1)" ]
	[ "$(perms_of "$be/hotplug-status")" = "(n0,r1)" ]
}

@test "EAGAIN on commit (3 conflicts): the tool replays its transaction and both keys land" {
	guest_create 1 0 bridge=nosuchbr0
	proxy_start --conflicts 3
	run run_vif vif-bridge 1 0 online type_if=vif
	echo "$output"
	[ "$status" -eq 1 ]
	[ "$(eagains)" = 3 ]
	[ "$(commits)" = 4 ]
	# the conflicts were real: someone else's nodes in the same directory
	local be
	be=$(be_path 1 0)
	xs_exists "$be/xsproxy-conflict-2"
	[ "$(xs_read "$be/hotplug-status")" = error ]
	[[ "$(xs_read "$be/hotplug-error")" == *nosuchbr0* ]]
	[[ "$output" != *"unable to write hotplug-error"* ]]
}

@test "EAGAIN on every commit: the tool gives up after bounded retries, says so, and leaves neither key" {
	guest_create 1 0 bridge=nosuchbr0
	proxy_start --conflicts 100000
	run run_vif vif-bridge 1 0 online type_if=vif
	echo "$output"
	[ "$status" -eq 1 ]
	local n
	n=$(commits)
	echo "# gave up after $n commits" >&3
	[ "$n" -gt 1 ]
	[ "$n" -lt 1000 ]
	[ "$(eagains)" = "$n" ]
	[[ "$output" == *"unable to write hotplug-error"* ]]
	local be
	be=$(be_path 1 0)
	[ "$(xs_read "$be/hotplug-status")" = "" ]
	! xs_exists "$be/hotplug-error" || false
}

@test "successful online: the frontend's mtu, then hotplug-status=connected last, no transaction; libxl's permissions kept" {
	in_dom0 ip link set xenbr0 mtu 1400
	guest_create 1 0
	# libxl wrote the frontend's mtu (1500, dom0's node, readable by the guest)
	[ "$(xs_read "$(fe_path 1 0)/mtu")" = 1500 ]
	proxy_start
	run run_vif vif-bridge 1 0 online type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	changes
	[ "$(changes)" = "WRITE false /local/domain/1/device/vif/0/mtu 1400
WRITE false backend/vif/1/0/hotplug-status connected" ]
	[ "$(commits)" = 0 ]
	[ "$(xs_read "$(fe_path 1 0)/mtu")" = 1400 ]
	[ "$(perms_of "$(fe_path 1 0)/mtu")" = "(n0,r1)" ]
	[ "$(perms_of "$(be_path 1 0)/hotplug-status")" = "(n0,r1)" ]
	# the frontend directory is still the guest's
	[ "$(xenstore-ls -p /local/domain/1/device/vif | awk '$1 == "0" { print $NF }')" = "(n1,r0)" ]
}

@test "offline and tap remove write nothing to xenstore" {
	guest_create 1 0 type=vif_ioemu
	run run_vif vif-bridge 1 0 online type_if=vif
	[ "$status" -eq 0 ]
	run run_vif vif-bridge 1 0 add type_if=tap
	[ "$status" -eq 0 ]
	proxy_start
	run run_vif vif-bridge 1 0 remove type_if=tap
	[ "$status" -eq 0 ]
	run run_vif vif-bridge 1 0 offline type_if=vif
	echo "$output"
	[ "$status" -eq 0 ]
	# the tool did talk to xenstore (it reads its keys), and changed nothing
	[ "$(jq -r 'select(.dir == "req" and .type == "READ")' "$PROXY_LOG" | wc -l)" -gt 0 ]
	[ -z "$(changes)" ]
}

@test "a watcher of hotplug-status (as netback and libxl watch it) sees connected with the frontend's mtu already set" {
	in_dom0 ip link set xenbr0 mtu 1400
	guest_create 1 0
	local be fe
	be=$(be_path 1 0)
	fe=$(fe_path 1 0)
	# on every event: the two values read right then
	python3 - "$XENSTORED_PATH" "$be/hotplug-status" "$fe/mtu" >"$W_DIR/watch.out" 2>&1 3>&- <<'EOF' &
import socket, struct, sys, time
sock, status, mtu = sys.argv[1:]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sock)
s.settimeout(8)
def send(t, *args):
    p = b"".join(a.encode() + b"\0" for a in args)
    s.sendall(struct.pack("<IIII", t, 0, 0, len(p)) + p)
def recv():
    h = b""
    while len(h) < 16:
        h += s.recv(16 - len(h))
    t, r, x, n = struct.unpack("<IIII", h)
    b = b""
    while len(b) < n:
        b += s.recv(n - len(b))
    return t, b
events, replies = 0, []
send(4, status, "tok")
end = time.time() + 8
while time.time() < end:
    try:
        t, b = recv()
    except socket.timeout:
        break
    if t == 15:
        events += 1
        send(2, status)
        send(2, mtu)
    elif t == 2:
        replies.append(b.decode())
        if len(replies) % 2 == 0:
            print("%s %s" % (replies[-2] or "(empty)", replies[-1]), flush=True)
            if replies[-2] == "connected":
                break
EOF
	local watcher=$!
	# the initial event has been seen before the tool starts
	wait_for 5000 grep -q . "$W_DIR/watch.out"
	run run_vif vif-bridge 1 0 online type_if=vif
	[ "$status" -eq 0 ]
	wait "$watcher"
	cat "$W_DIR/watch.out"
	[ "$(head -n 1 "$W_DIR/watch.out")" = "(empty) 1500" ]
	[ "$(grep -c '^connected ' "$W_DIR/watch.out")" = 1 ]
	[ "$(grep '^connected ' "$W_DIR/watch.out")" = "connected 1400" ]
}

# "netback": writes a feature key into each of the 20 backend directories
# in turn, about 1000 writes a second in all (each directory about every
# 20 ms), until $W_DIR/contend.stop exists; prints "ready" once, then the
# count.
contender() {
	python3 - "$XENSTORED_PATH" "$W_DIR/contend.stop" <<'EOF'
import os, socket, struct, sys, time
sock, stop = sys.argv[1:]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sock)
k, end = 0, time.time() + 60
while not os.path.exists(stop) and time.time() < end:
    for d in (1, 2, 3, 4):
        for n in range(5):
            p = b"/local/domain/0/backend/vif/%d/%d/feature-%d\0%d" % (d, n, k % 8, k)
            s.sendall(struct.pack("<IIII", 11, k, 0, len(p)) + p)
            h = s.recv(16, socket.MSG_WAITALL)
            s.recv(struct.unpack("<IIII", h)[3], socket.MSG_WAITALL)
            k += 1
            time.sleep(0.001)
    if k == 20:
        print("ready", flush=True)
print(k, flush=True)
EOF
}

@test "under load: 3 rounds of 20 vifs failing online at once while netback writes into their backend directories; each ends error with its message" {
	local d n r rounds=3 doms="1 2 3 4"
	# under valgrind (make check-valgrind), 20 at once outlast libxl's kill
	[ "${HP_VALGRIND:-0}" = 1 ] && rounds=1 doms=1
	for d in $doms; do
		for n in 0 1 2 3 4; do
			guest_create "$d" "$n" bridge="nosuchbr$d$n"
		done
	done
	proxy_start
	contender >"$W_DIR/contend.out" 2>&1 3>&- &
	local contender=$! succeeded=0
	wait_for 10000 grep -q ready "$W_DIR/contend.out" || { cat "$W_DIR/contend.out"; false; }
	local -a pids
	for ((r = 1; r <= rounds; r++)); do
		pids=()
		for d in $doms; do
			for n in 0 1 2 3 4; do
				run_vif vif-bridge "$d" "$n" online type_if=vif >"$W_DIR/out.$r.$d.$n" 2>&1 &
				pids+=($!)
			done
		done
		for d in "${pids[@]}"; do
			wait "$d" && succeeded=$((succeeded + 1))
		done
		for d in $doms; do
			for n in 0 1 2 3 4; do
				[ "$(xs_read "$(be_path "$d" "$n")/hotplug-status")" = error ] ||
					{ cat "$W_DIR/out.$r.$d.$n"; false; }
				[[ "$(xs_read "$(be_path "$d" "$n")/hotplug-error")" == *"nosuchbr$d$n"* ]]
				! grep -q "unable to write hotplug-error" "$W_DIR/out.$r.$d.$n" || false
				xs_rm "$(be_path "$d" "$n")/hotplug-error"
				xs_write "$(be_path "$d" "$n")/hotplug-status" ""
			done
		done
	done
	touch "$W_DIR/contend.stop"
	wait "$contender"
	# every online failed, as it should (no such bridge)
	[ "$succeeded" = 0 ]
	local keys
	keys=$(tail -n 1 "$W_DIR/contend.out")
	echo "# netback wrote $keys keys; the tools met EAGAIN $(eagains) times in $(commits) commits" >&3
	[ "$keys" -gt 20 ]
	[ "$(commits)" = $((rounds * $(wc -w <<<"$doms") * 5 + $(eagains))) ]
}
