#!/usr/bin/env bats
# tests/xenstored.bats: hp-xenstored, the test suite's own xenstored, driven
# through the real xenstore-utils, the real libxenstore (xs-txn-test) and
# raw protocol messages (python3).  Needs neither root nor Xen.
#
# Every test gets a fresh daemon on a socket in its own temp dir, started
# in setup and stopped in teardown whatever happened.

setup_file() {
	HP_BUILD=$(realpath -m -- "${HP_BUILD:-$BATS_TEST_DIRNAME/../build}")
	export HP_BUILD
	export XSD="$HP_BUILD/hp-xenstored"
	export TOOLS="$BATS_FILE_TMPDIR"

	# The libxenstore client is built here, not by the Makefile: it is
	# only a test.  Tests needing it skip if this fails.
	if command -v pkg-config >/dev/null && pkg-config --exists xenstore; then
		# shellcheck disable=SC2046
		cc -std=gnu11 -Wall -Wextra -Werror -o "$TOOLS/xs-txn-test" \
			"$BATS_TEST_DIRNAME/xenstored/xs-txn-test.c" \
			$(pkg-config --cflags --libs xenstore) \
			>"$TOOLS/cc.log" 2>&1 || true
	fi

	# xsraw SOCK TYPE [ARG...]: send one message whose payload is the
	# NUL-terminated ARGs (tx id from $XSRAW_TX) and print the reply as
	# "<type> <payload>" with NULs shown as '|'.  Watch events are skipped.
	cat >"$TOOLS/xsraw.py" <<'EOF'
import os, socket, struct, sys
sock, typ, args = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
payload = b"".join(a.encode() + b"\0" for a in args)
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(5)
s.connect(sock)
s.sendall(struct.pack("<IIII", typ, 42, int(os.environ.get("XSRAW_TX", "0")),
                      len(payload)) + payload)
def recv(n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            sys.exit("connection closed")
        b += c
    return b
while True:
    t, req, tx, ln = struct.unpack("<IIII", recv(16))
    body = recv(ln)
    if t != 15:
        break
assert req == 42, "req_id not echoed"
print(t, body.decode(errors="replace").replace("\0", "|"))
EOF
}

setup() {
	[ -x "$XSD" ] || {
		echo "# $XSD is missing: run make -C $BATS_TEST_DIRNAME/.. build/hp-xenstored" >&3
		return 1
	}
	command -v xenstore-write >/dev/null || skip "needs xenstore-utils"
	D=$BATS_TEST_TMPDIR
	export XENSTORED_PATH="$D/xs.sock"
	PIDFILE="$D/xs.pid"
	LOG="$D/xs.log"
	"$XSD" --socket "$XENSTORED_PATH" --pidfile "$PIDFILE" --daemon \
		--log "$LOG" 3>&-
}

# Running, and not a zombie: in some containers nobody reaps orphans.
alive() {
	local st
	st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
	[[ "$st" != Z* ]]
}

# SIGTERM, give it a second, then SIGKILL.
stop_pid() {
	local pid=$1 i
	kill -TERM "$pid" 2>/dev/null || return 0
	for i in $(seq 20); do
		alive "$pid" || return 0
		sleep 0.05
	done
	kill -KILL "$pid" 2>/dev/null
	return 1
}

teardown() {
	local pid
	for pid in $(jobs -p); do
		kill -KILL "$pid" 2>/dev/null
	done
	if [ -n "${PIDFILE:-}" ] && [ -f "$PIDFILE" ]; then
		stop_pid "$(cat "$PIDFILE")"
	fi
	if [ -n "${EXTRA_PID:-}" ]; then
		stop_pid "$EXTRA_PID"
	fi
}

xsraw() {
	python3 "$TOOLS/xsraw.py" "$XENSTORED_PATH" "$@"
}

# Wait up to 5s for a command to succeed.
wait_for() {
	local i
	for i in $(seq 100); do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}

daemon_alive() {
	alive "$(cat "$PIDFILE")"
}

# ---------------------------------------------------------------- CLI

@test "--help prints usage and exits 0" {
	run "$XSD" --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"--socket PATH"* ]]
	[[ "$output" == *"--daemon"* ]]
}

@test "missing --socket is a usage error" {
	run "$XSD" --daemon
	[ "$status" -eq 2 ]
	[[ "$output" == *usage* ]]
}

@test "--daemon returns once the socket serves and the pidfile is written" {
	[ -S "$XENSTORED_PATH" ]
	[ -s "$PIDFILE" ]
	daemon_alive
	# Mode 0600: clients are root.
	[ "$(stat -c %a "$XENSTORED_PATH")" = 600 ]
	run xenstore-read /local/domain/0/name
	[ "$status" -eq 0 ]
	[ "$output" = Domain-0 ]
}

@test "a second daemon refuses a live socket, replaces a stale one" {
	run "$XSD" --socket "$XENSTORED_PATH" --pidfile "$D/other.pid" --daemon 3>&-
	[ "$status" -ne 0 ]
	[[ "$output" == *"another daemon"* ]]
	daemon_alive

	kill -KILL "$(cat "$PIDFILE")"
	wait_for eval '! daemon_alive'
	[ -S "$XENSTORED_PATH" ]
	rm -f "$PIDFILE"
	"$XSD" --socket "$XENSTORED_PATH" --pidfile "$PIDFILE" --daemon 3>&-
	run xenstore-read /local/domain/0/domid
	[ "$status" -eq 0 ]
	[ "$output" = 0 ]
}

@test "SIGTERM removes socket and pidfile and exits 0" {
	local sock="$D/fg.sock" pidf="$D/fg.pid" pid
	"$XSD" --socket "$sock" --pidfile "$pidf" 3>&- &
	pid=$!
	local rc=0
	EXTRA_PID=$pid
	wait_for test -S "$sock"
	wait_for test -s "$pidf"
	[ "$(cat "$pidf")" = "$pid" ]
	kill -TERM "$pid"
	wait "$pid" || rc=$?
	[ "$rc" -eq 0 ]
	[ ! -e "$sock" ]
	[ ! -e "$pidf" ]

	# And the daemonised one.
	pid=$(cat "$PIDFILE")
	kill -TERM "$pid"
	wait_for eval "! alive $pid"
	[ ! -e "$XENSTORED_PATH" ]
	[ ! -e "$PIDFILE" ]
}

@test "--log traces one line per request" {
	xenstore-read /local/domain/0/name
	run xenstore-read /nope
	[ "$status" -ne 0 ]
	grep -q 'READ .*\[/local/domain/0/name|\] -> OK' "$LOG"
	grep -q 'READ .*\[/nope|\] -> ENOENT' "$LOG"
}

# ---------------------------------------------------------------- store

@test "initial tree" {
	run xenstore-ls -f /
	[ "$status" -eq 0 ]
	[ "$output" = '/tool = ""
/local = ""
/local/domain = ""
/local/domain/0 = ""
/local/domain/0/name = "Domain-0"
/local/domain/0/domid = "0"' ]
}

@test "write and read an absolute path" {
	xenstore-write /abs/key "some value"
	run xenstore-read /abs/key
	[ "$status" -eq 0 ]
	[ "$output" = "some value" ]
	xenstore-write /abs/key ""
	run xenstore-read /abs/key
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
}

@test "relative paths land under /local/domain/0" {
	xenstore-write backend/vif/3/0/state 2
	run xenstore-read /local/domain/0/backend/vif/3/0/state
	[ "$status" -eq 0 ]
	[ "$output" = 2 ]
	xenstore-write /local/domain/0/backend/vif/3/0/mac 00:16:3e:00:00:01
	run xenstore-read backend/vif/3/0/mac
	[ "$output" = 00:16:3e:00:00:01 ]
	run xenstore-exists /backend
	[ "$status" -ne 0 ]
}

@test "reading a missing node fails with ENOENT" {
	run xenstore-read /no/such/node
	[ "$status" -ne 0 ]
	run xsraw 2 /no/such/node
	[ "$output" = "16 ENOENT|" ]
}

@test "writing a nested path creates the parents with empty values" {
	xenstore-write /m/a/b/c leaf
	run xenstore-read /m/a/b
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	run xenstore-ls -f /m
	[ "$output" = '/m/a = ""
/m/a/b = ""
/m/a/b/c = "leaf"' ]
}

@test "xenstore-ls shows the tree" {
	xenstore-write /ls/x 1 /ls/y/z two /ls/y/w "with space"
	run xenstore-ls /ls
	[ "$status" -eq 0 ]
	[ "$output" = 'x = "1"
y = ""
 z = "two"
 w = "with space"' ]
}

@test "xenstore-list lists children in creation order" {
	xenstore-write /l/zeta 1 /l/alpha 2 /l/mid/deep 3
	run xenstore-list /l
	[ "$status" -eq 0 ]
	[ "$output" = 'zeta
alpha
mid' ]
	run xenstore-list /l/zeta
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
}

@test "xenstore-exists" {
	xenstore-write /e/here 1
	xenstore-exists /e/here
	xenstore-exists /e
	run xenstore-exists /e/gone
	[ "$status" -ne 0 ]
}

@test "xenstore-rm removes recursively" {
	xenstore-write /r/a/b/c 1 /r/a/d 2 /r/keep 3
	xenstore-rm /r/a
	run xenstore-exists /r/a/b/c
	[ "$status" -ne 0 ]
	run xenstore-exists /r/a
	[ "$status" -ne 0 ]
	run xenstore-list /r
	[ "$output" = keep ]
}

@test "rm of a missing node succeeds only if its parent exists" {
	xenstore-write /rm/p 1
	run xsraw 13 /rm/p/missing
	[ "$output" = "13 OK|" ]
	run xsraw 13 /rm/missing/child
	[ "$output" = "16 ENOENT|" ]
	run xsraw 13 /
	[ "$output" = "16 EINVAL|" ]
}

@test "mkdir creates empty nodes and leaves existing ones alone" {
	xenstore-write /mk/v keep
	run xsraw 12 /mk/v
	[ "$output" = "12 OK|" ]
	run xenstore-read /mk/v
	[ "$output" = keep ]
	run xsraw 12 /mk/new/dir
	[ "$output" = "12 OK|" ]
	run xenstore-read /mk/new/dir
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
}

@test "xenstore-chmod sets permissions shown by xenstore-ls -p" {
	xenstore-write /p/q/leaf x
	xenstore-chmod /p/q n0 r5
	run xenstore-ls -p /p
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "q = \"\""*"(n0,r5)" ]]
	[[ "${lines[1]}" == " leaf = \"x\""*"(n0)" ]]
	# New children inherit their parent's permissions.
	xenstore-write /p/q/new y
	run xenstore-ls -p /p/q
	[[ "${lines[1]}" == "new = \"y\""*"(n0,r5)" ]]
	run xsraw 3 /p/q
	[ "$output" = "3 n0|r5|" ]
	# Recursive.
	xenstore-chmod -r /p b7
	run xsraw 3 /p/q/leaf
	[ "$output" = "3 b7|" ]
}

@test "set_perms rejects malformed permissions" {
	xenstore-write /pp 1
	run xsraw 14 /pp x0
	[ "$output" = "16 EINVAL|" ]
	run xsraw 14 /pp
	[ "$output" = "16 EINVAL|" ]
	run xsraw 3 /pp
	[ "$output" = "3 n0|" ]
}

@test "invalid paths are rejected with EINVAL" {
	local p
	for p in "/a//b" "/a/" "/a.b" "/a b" "" "@x" "$(printf '/%04000d' 0)"; do
		run xsraw 2 "$p"
		[ "$output" = "16 EINVAL|" ] || { echo "path '$p': $output"; false; }
	done
	run xenstore-write /bad//path x
	[ "$status" -ne 0 ]
}

@test "DIRECTORY and DIRECTORY_PART replies" {
	xenstore-write /dp/a 1 /dp/bb 2 /dp/ccc 3
	run xsraw 1 /dp
	[ "$output" = "1 a|bb|ccc|" ]
	run xsraw 22 /dp 0
	[[ "$output" =~ ^22\ [0-9]+\|a\|bb\|ccc\|\|$ ]]
	run xsraw 22 /dp 2
	[[ "$output" =~ ^22\ [0-9]+\|bb\|ccc\|\|$ ]]
	run xsraw 22 /dp 99
	[[ "$output" =~ ^22\ [0-9]+\|\|$ ]]
}

@test "domain calls and unknown message types" {
	run xsraw 10 12
	[ "$output" = "10 /local/domain/12|" ]
	run xsraw 17 0
	[ "$output" = "17 T|" ]
	run xsraw 17 9
	[ "$output" = "17 F|" ]
	run xsraw 8 9 1234 5
	[ "$output" = "8 OK|" ]
	run xsraw 17 9
	[ "$output" = "17 T|" ]
	run xsraw 9 9
	[ "$output" = "9 OK|" ]
	run xsraw 9 9
	[ "$output" = "16 ENOENT|" ]
	# Like xenstored: unsupported types, including the reply-only ones.
	for t in 15 16 20 23 999; do
		run xsraw "$t" /x
		[ "$output" = "16 ENOSYS|" ] || { echo "type $t: $output"; false; }
	done
	run xsraw 0 print hello
	[ "$output" = "0 OK|" ]
	grep -q 'print: hello' "$LOG"
}

@test "unknown transaction ids get ENOENT" {
	XSRAW_TX=77 run xsraw 2 /local/domain/0/name
	[ "$output" = "16 ENOENT|" ]
	XSRAW_TX=77 run xsraw 7 T
	[ "$output" = "16 ENOENT|" ]
}

# ---------------------------------------------------------------- watches

@test "xenstore-watch gets the initial event, then the change" {
	timeout 10 xenstore-watch -n 2 /wt >"$D/watch.out" 2>&1 3>&- &
	local wpid=$! rc=0
	# Registered once the daemon has acknowledged the WATCH.
	wait_for grep -q 'WATCH .*\[/wt|' "$LOG"
	xenstore-write /wt/x 1
	wait "$wpid" || rc=$?
	[ "$rc" -eq 0 ]
	run cat "$D/watch.out"
	[ "$output" = '/wt
/wt/x' ]
}

@test "watch events for rm, below and above the watched node" {
	xenstore-write /wr/a/b 1
	timeout 10 xenstore-watch -n 3 /wr/a >"$D/watch.out" 2>&1 3>&- &
	local wpid=$! rc=0
	wait_for grep -q 'WATCH .*\[/wr/a|' "$LOG"
	xenstore-rm /wr/a/b
	xenstore-rm /wr
	wait "$wpid" || rc=$?
	[ "$rc" -eq 0 ]
	run cat "$D/watch.out"
	[ "$output" = '/wr/a
/wr/a/b
/wr/a' ]
}

@test "libxenstore: transactions, watches, DIRECTORY_PART, perms, domains" {
	[ -x "$TOOLS/xs-txn-test" ] || skip "xs-txn-test did not build: $(cat "$TOOLS/cc.log" 2>/dev/null)"
	run timeout 60 "$TOOLS/xs-txn-test"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" != *"not ok"* ]]
	[[ "$output" == *"1..53"* ]]
	grep -q 'DIRECTORY_PART' "$LOG"
}

# ---------------------------------------------------------------- load

@test "200 concurrent clients all get served" {
	local i pids=() failed=0
	for i in $(seq 200); do
		xenstore-write "/t/$i" "v$i" 3>&- &
		pids+=($!)
	done
	for i in "${pids[@]}"; do
		wait "$i" || failed=$((failed + 1))
	done
	[ "$failed" -eq 0 ]
	run xenstore-list /t
	[ "${#lines[@]}" -eq 200 ]
	run xenstore-ls -f /t
	for i in $(seq 200); do
		[[ "$output" == *"/t/$i = \"v$i\""* ]] || { echo "missing /t/$i"; false; }
	done
}

@test "520 simultaneously connected clients" {
	run python3 - "$XENSTORED_PATH" <<'EOF'
import socket, struct, sys
conns = []
for i in range(520):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(sys.argv[1])
    conns.append(s)
p = b"/local/domain/0/name\0"
for i, s in enumerate(conns):
    s.sendall(struct.pack("<IIII", 2, i, 0, len(p)) + p)
ok = 0
for i, s in enumerate(conns):
    hdr = s.recv(16, socket.MSG_WAITALL)
    t, req, tx, ln = struct.unpack("<IIII", hdr)
    body = s.recv(ln, socket.MSG_WAITALL)
    ok += (t == 2 and req == i and body == b"Domain-0")
print(ok)
EOF
	[ "$status" -eq 0 ]
	[ "$output" = 520 ]
}

@test "a client that never reads its replies does not block others" {
	xenstore-write /big "$(head -c 3000 /dev/zero | tr '\0' x)"
	python3 - "$XENSTORED_PATH" 3>&- <<'EOF' &
import socket, struct, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.setblocking(False)
p = b"/big\0"
m = struct.pack("<IIII", 2, 1, 0, len(p)) + p
sent = 0
end = time.time() + 3
while time.time() < end:
    try:
        s.send(m)
        sent += 1
    except BlockingIOError:
        time.sleep(0.01)
time.sleep(30)
EOF
	EXTRA_PID=$!
	sleep 1
	run timeout 5 xenstore-read /local/domain/0/name
	[ "$status" -eq 0 ]
	[ "$output" = Domain-0 ]
	daemon_alive
}

@test "malformed messages close only that connection" {
	run python3 - "$XENSTORED_PATH" <<'EOF'
import os, socket, struct, sys
path = sys.argv[1]
def conn():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(path)
    return s
def closed(s):
    try:
        return s.recv(1) == b""
    except ConnectionResetError:
        return True
good = conn()
# Oversized payload length: the daemon must hang up.
bad = conn()
bad.sendall(struct.pack("<IIII", 2, 1, 0, 100000))
assert closed(bad), "oversized message did not close the connection"
# Random garbage, then a truncated message, then hang up ourselves.
for blob in (os.urandom(4096), os.urandom(10), struct.pack("<IIII", 11, 1, 0, 50) + b"/x"):
    g = conn()
    g.sendall(blob)
    g.close()
# Payloads without the NUL terminators the type requires.
for t, p in ((2, b"/local"), (4, b"/x\0tok"), (14, b"/x"), (11, b"novalue")):
    s = conn()
    s.sendall(struct.pack("<IIII", t, 9, 0, len(p)) + p)
    t2, req, tx, ln = struct.unpack("<IIII", s.recv(16, socket.MSG_WAITALL))
    body = s.recv(ln, socket.MSG_WAITALL)
    assert (t2, req, body) == (16, 9, b"EINVAL\0"), (t, t2, body)
p = b"/local/domain/0/domid\0"
good.sendall(struct.pack("<IIII", 2, 7, 0, len(p)) + p)
t, req, tx, ln = struct.unpack("<IIII", good.recv(16, socket.MSG_WAITALL))
print(t, req, good.recv(ln, socket.MSG_WAITALL).decode())
EOF
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "2 7 0" ]
	daemon_alive
	run xenstore-read /local/domain/0/name
	[ "$output" = Domain-0 ]
}
