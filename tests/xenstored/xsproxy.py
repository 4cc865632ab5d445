#!/usr/bin/env python3
"""xsproxy.py: a man in the middle on the xenstore socket, for tests of
how the tools use xenstore (tests/xenstore.bats).

    xsproxy.py LISTEN UPSTREAM LOG [--conflicts N]

Listens on the unix socket LISTEN; every client connection is relayed to
the real xenstored at UPSTREAM, message by message (xenstore's wire
protocol: a 16-byte header type, req_id, tx_id, len, then len bytes).
Every message is appended to LOG as one JSON object per line:
{"conn": C, "dir": "req"|"rep", "type": "WRITE", "tx": T, "args": [...]}
(args: the payload split at NULs).

--conflicts N: the first N commits (TRANSACTION_END "T") that follow a
WRITE in their transaction are made to conflict before they are passed
on: the proxy, on a connection of its own, first creates a sibling of
the transaction's first written node (<dir>/xsproxy-conflict-<k>), as
netback writing its keys into a backend directory would.  xenstored then
answers the commit EAGAIN.
"""
import json
import os
import socket
import struct
import sys
import threading

TYPES = {0: "CONTROL", 1: "DIRECTORY", 2: "READ", 3: "GET_PERMS", 4: "WATCH",
         5: "UNWATCH", 6: "TRANSACTION_START", 7: "TRANSACTION_END",
         8: "INTRODUCE", 9: "RELEASE", 10: "GET_DOMAIN_PATH", 11: "WRITE",
         12: "MKDIR", 13: "RM", 14: "SET_PERMS", 15: "WATCH_EVENT",
         16: "ERROR", 17: "IS_DOMAIN_INTRODUCED", 18: "RESUME",
         19: "SET_TARGET", 21: "RESET_WATCHES", 22: "DIRECTORY_PART"}
WRITE, TX_END = 11, 7

lock = threading.Lock()
state = {"conflicts": 0, "injected": 0, "conn": 0}


def recv_msg(s):
    hdr = b""
    while len(hdr) < 16:
        c = s.recv(16 - len(hdr))
        if not c:
            return None
        hdr += c
    typ, req, tx, ln = struct.unpack("<IIII", hdr)
    body = b""
    while len(body) < ln:
        c = s.recv(ln - len(body))
        if not c:
            return None
        body += c
    return typ, req, tx, body


def pack(typ, req, tx, body):
    return struct.pack("<IIII", typ, req, tx, len(body)) + body


def log(out, conn, direction, typ, tx, body):
    args = [a.decode(errors="replace") for a in body.split(b"\0")]
    if args and args[-1] == "":
        args.pop()
    rec = {"conn": conn, "dir": direction, "type": TYPES.get(typ, str(typ)),
           "tx": tx, "args": args}
    with lock:
        out.write(json.dumps(rec) + "\n")
        out.flush()


def conflict(upstream, path, k):
    """Creates <dir of path>/xsproxy-conflict-<k> on a connection of its own."""
    node = path.rsplit("/", 1)[0] + "/xsproxy-conflict-%d" % k
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(upstream)
    s.sendall(pack(WRITE, 1, 0, node.encode() + b"\0" + b"%d" % k))
    rep = recv_msg(s)
    s.close()
    if rep is None or rep[0] != WRITE:
        sys.stderr.write("xsproxy: conflict write %s failed: %r\n" % (node, rep))


def relay_replies(up, client, out, conn):
    try:
        while True:
            m = recv_msg(up)
            if m is None:
                break
            log(out, conn, "rep", m[0], m[2], m[3])
            client.sendall(pack(*m))
    except OSError:
        pass
    finally:
        try:
            client.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def serve(client, upstream, out, conn):
    up = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    up.connect(upstream)
    t = threading.Thread(target=relay_replies, args=(up, client, out, conn), daemon=True)
    t.start()
    first_write = {}  # tx id -> first path written in it
    try:
        while True:
            m = recv_msg(client)
            if m is None:
                break
            typ, req, tx, body = m
            log(out, conn, "req", typ, tx, body)
            if typ == WRITE and tx and tx not in first_write:
                first_write[tx] = body.split(b"\0")[0].decode(errors="replace")
            if typ == TX_END and body.startswith(b"T") and tx in first_write:
                with lock:
                    k = state["injected"]
                    go = k < state["conflicts"]
                    if go:
                        state["injected"] += 1
                if go:
                    conflict(upstream, first_write[tx], k)
            if typ == TX_END:
                first_write.pop(tx, None)
            up.sendall(pack(*m))
    except OSError:
        pass
    finally:
        try:
            up.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        t.join(5)
        up.close()
        client.close()


def main():
    args = sys.argv[1:]
    if len(args) not in (3, 5) or (len(args) == 5 and args[3] != "--conflicts"):
        sys.stderr.write(__doc__)
        sys.exit(2)
    listen, upstream, logfile = args[:3]
    if len(args) == 5:
        state["conflicts"] = int(args[4])
    out = open(logfile, "a")
    if os.path.exists(listen):
        os.unlink(listen)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(listen)
    srv.listen(64)
    while True:
        client, _ = srv.accept()
        state["conn"] += 1
        threading.Thread(target=serve, args=(client, upstream, out, state["conn"]),
                         daemon=True).start()


if __name__ == "__main__":
    main()
