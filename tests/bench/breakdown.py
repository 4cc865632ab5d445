#!/usr/bin/env python3
"""breakdown.py: where a traced run's wall time goes (tests/bench/breakdown.sh).

Reads the per-CPU text buffers of an ftrace instance (one directory per
traced run, files cpu*), holding for the traced process tree: raw_syscalls
(sys_enter, sys_exit), sched_switch (each with a kernel stack: the
`stacktrace` trigger), sched_process_exec/fork/exit, lock contention_begin
(with its stack) and contention_end, and uprobes on the tool's own
functions (e_<fn> at entry, r_<fn> at return, tests/bench/breakdown.sh).

Every nanosecond of the traced program, from its execve() to its exit, is
given a label (the innermost probed function running, or a phase: exec,
start, exit) and a state: user (on a CPU, in user space), kernel (on a
CPU, in a syscall), spin (on a CPU, spinning on a contended lock), or
off-CPU with the reason its kernel stack gives (an RCU grace period and
who waited for it, a mutex and which, xenstored's answer, preempted...).

  breakdown.py [--json OUT] NAME=DIR... : prints the tables; every DIR is
  one run of the program NAME (online, offline, floor...).
"""
import json
import re
import statistics
import sys
from collections import defaultdict
from pathlib import Path

LINE = re.compile(r"^\s*(.+)-(\d+)\s+\[(\d+)\]\s+\S+\s+(\d+\.\d+):\s+(\S+):\s?(.*)$")
STACK = re.compile(r"^\s*=>\s+(\S+)")

# x86_64 system call numbers we name (the rest print as NR n)
SYSCALLS = {0: "read", 1: "write", 3: "close", 7: "poll", 9: "mmap", 10: "mprotect",
            12: "brk", 21: "access", 41: "socket", 42: "connect", 44: "sendto",
            45: "recvfrom", 46: "sendmsg", 47: "recvmsg", 49: "bind", 56: "clone",
            57: "fork", 59: "execve", 61: "wait4", 231: "exit_group", 257: "openat",
            262: "newfstatat", 293: "pipe2", 435: "clone3", 436: "close_range"}


def frames_after(stack, names):
    """The index of the first frame whose name starts with one of names."""
    for i, f in enumerate(stack):
        base = f.split("+")[0].split(".")[0]
        if base in names:
            return i
    return -1


def caller(stack, i, n=2):
    """Up to n frames below stack[i], without wrappers."""
    out = []
    for f in stack[i + 1:]:
        b = f.split("+")[0].split(".")[0]
        if b in ("synchronize_net", "synchronize_rcu", "synchronize_rcu_expedited",
                 "__flush_work", "flush_work", "wait_rcu_gp", "__wait_rcu_gp"):
            continue
        out.append(b)
        if len(out) == n:
            break
    return " < ".join(out)


def why_off(state, stack):
    """The reason of an off-CPU interval: prev_state and the kernel stack."""
    if state.startswith("R"):
        return "preempted (waiting for a CPU)"
    if not stack:
        return "off-CPU (no stack)"
    i = frames_after(stack, {"synchronize_rcu_expedited"})
    if i >= 0:
        return "RCU grace period, expedited: " + caller(stack, i)
    i = frames_after(stack, {"synchronize_rcu", "synchronize_net", "wait_rcu_gp",
                             "__wait_rcu_gp", "synchronize_rcu_normal"})
    if i >= 0:
        return "RCU grace period: " + caller(stack, i)
    i = frames_after(stack, {"rcu_barrier"})
    if i >= 0:
        return "rcu_barrier: " + caller(stack, i)
    i = frames_after(stack, {"__flush_work", "flush_work"})
    if i >= 0:
        return "flush_work: " + caller(stack, i)
    i = frames_after(stack, {"__mutex_lock", "mutex_lock", "__mutex_lock_slowpath"})
    if i >= 0:
        return "mutex: " + lock_name(stack)
    i = frames_after(stack, {"unix_stream_read_generic", "unix_stream_data_wait"})
    if i >= 0:
        return "xenstored's answer (unix socket read)"
    i = frames_after(stack, {"do_nanosleep"})
    if i >= 0:
        return "sleep (nanosleep)"
    i = frames_after(stack, {"anon_pipe_read", "pipe_read"})
    if i >= 0:
        return "pipe read"
    i = frames_after(stack, {"do_wait", "kernel_wait4"})
    if i >= 0:
        return "waiting for a child"
    i = frames_after(stack, {"do_task_dead"})
    if i >= 0:
        return "exited"
    i = frames_after(stack, {"io_schedule", "folio_wait_bit_common"})
    if i >= 0:
        return "I/O: " + caller(stack, i)
    skip = {"__schedule", "schedule", "schedule_timeout", "schedule_preempt_disabled",
            "preempt_schedule_common", "__cond_resched", "trace_event_raw_event_sched_switch",
            "__traceiter_sched_switch"}
    rest = [f.split("+")[0] for f in stack if f.split("+")[0] not in skip]
    return "other: " + " < ".join(rest[:3])


def lock_name(stack):
    """Which lock a contended mutex is, from who takes it."""
    names = [f.split("+")[0].split(".")[0] for f in stack]
    if "nft_rcv_nl_event" in names:
        return "nf_tables commit_mutex (socket release)"
    if "nfnetlink_rcv_batch" in names or "nfnetlink_rcv" in names:
        return "nf_tables commit_mutex"
    if "rtnetlink_rcv_msg" in names or "rtnl_lock" in names or "rtnl_net_lock" in names:
        return "rtnl_mutex"
    if "addrconf_sysctl_disable" in names or "proc_sys_call_handler" in names:
        return "rtnl_mutex (sysctl)"
    skip = {"__mutex_lock", "mutex_lock", "__mutex_lock_slowpath",
            "trace_event_raw_event_contention_begin", "__traceiter_contention_begin",
            "__schedule", "schedule", "schedule_preempt_disabled"}
    rest = [n for n in names if n not in skip]
    return " < ".join(rest[:2])


def read_events(d):
    """Events of one run, every CPU's buffer, in time order (a CPU's own
    order kept for equal times); a stack follows its event."""
    evs = []
    for f in sorted(Path(d).glob("cpu*")):
        cur = last = None
        seq = 0
        for line in f.read_text(errors="replace").splitlines():
            m = STACK.match(line)
            if m:
                if cur is not None:
                    cur["stack"].append(m.group(1))
                continue
            if line.endswith("<stack trace>"):
                # the trigger's stack: of the event just before it on this CPU
                cur = last if last is not None and last.get("stack") == [] else None
                continue
            m = LINE.match(line)
            if not m:
                continue
            comm, pid, cpu, ts, ev, args = m.groups()
            seq += 1
            e = {"comm": comm, "pid": int(pid), "cpu": int(cpu), "t": float(ts),
                 "ev": ev, "args": args, "seq": seq}
            if ev in ("sched_switch", "contention_begin"):
                e["stack"] = []
            last = e
            cur = None
            evs.append(e)
        last = None
    evs.sort(key=lambda e: (e["t"], e["cpu"], e["seq"]))
    return evs


def kv(args):
    return dict(re.findall(r"(\w+)=(\S+)", args))


class Proc:
    def __init__(self, pid, name, t):
        self.pid = pid
        self.name = name
        self.t0 = t
        self.t = t
        self.probes = []  # stack of probed functions
        self.phase = "exec"
        self.sys = None  # the syscall it is in
        self.off = None  # reason, while off-CPU
        self.lock = None  # a contended lock, while waiting for it
        self.acc = defaultdict(float)  # (label, state) -> seconds
        self.calls = defaultdict(int)
        self.end = None

    def label(self):
        if self.probes:
            return " > ".join(self.probes[-2:])
        return self.phase

    def state(self):
        if self.off is not None:
            return "off: " + self.off
        if self.lock is not None:
            return "spin: " + self.lock
        if self.sys is not None:
            return "kernel"
        return "user"

    def advance(self, t):
        if t > self.t:
            self.acc[(self.label(), self.state())] += t - self.t
            self.t = t


def analyse(d, name):
    """One run: {pid: Proc} for the program exec'd as name and its children."""
    evs = read_events(d)
    procs = {}
    execve = {}  # pid -> when its execve() began
    for e in evs:
        pid = e["pid"]
        a = e["args"]
        if e["ev"] == "sys_enter" and a.split()[1] == "59":
            execve[pid] = e["t"]
        if e["ev"] == "sched_process_exec":
            k = kv(a)
            if Path(k.get("filename", "")).name == name and pid not in procs:
                # from the execve() that started it: the old image
                # dropped, the new one mapped
                p = Proc(pid, name, execve.get(pid, e["t"]))
                p.sys = 59
                p.advance(e["t"])
                p.phase = "start: loader, libraries"
                procs[pid] = p
            continue
        if e["ev"] == "sched_process_fork":
            k = kv(a)
            parent = int(k.get("pid", -1))
            if parent in procs:
                c = Proc(int(k["child_pid"]), name + " (child)", e["t"])
                c.phase = "child"
                procs[c.pid] = c
            continue
        if e["ev"] == "sched_switch":
            k = kv(a)
            prev, nxt = int(k["prev_pid"]), int(k["next_pid"])
            if prev in procs and procs[prev].end is None:
                p = procs[prev]
                p.advance(e["t"])
                st = k["prev_state"]
                if st in ("Z", "X", "I") or st.startswith("X") or st.startswith("Z"):
                    p.end = e["t"]
                    p.off = None
                else:
                    p.off = why_off(st, e.get("stack") or [])
            if nxt in procs and procs[nxt].end is None:
                p = procs[nxt]
                p.advance(e["t"])
                p.off = None
            continue
        if pid not in procs:
            continue
        p = procs[pid]
        if p.end is not None:
            continue
        p.advance(e["t"])
        p.off = None  # it runs
        ev = e["ev"]
        if ev == "sys_enter":
            nr = int(a.split()[1])
            p.sys = nr
            if nr == 231:
                p.probes = []
                p.phase = "exit: do_exit (files, sockets, memory)"
        elif ev == "sys_exit":
            nr = int(a.split()[1])
            p.sys = None
            if nr == 59 and p.phase.startswith("start"):
                pass
        elif ev == "contention_begin":
            p.lock = lock_name(e.get("stack") or [])
        elif ev == "contention_end":
            p.lock = None
        elif ev == "sched_process_exit":
            pass
        elif ev.startswith("e_"):
            fn = ev[2:].split("__")[0]
            if fn == "main":
                p.phase = "main: our code"
            else:
                p.probes.append(fn)
                p.calls[" > ".join(p.probes[-2:])] += 1
        elif ev.startswith("r_"):
            fn = ev[2:].split("__")[0]
            if fn == "main":
                p.probes = []
                p.phase = "exit: libc's exit handlers"
            elif fn in p.probes:
                while p.probes and p.probes.pop() != fn:
                    pass
    return procs


def median(v):
    return statistics.median(v) if v else 0.0


def quantile(v, q):
    v = sorted(v)
    if not v:
        return 0.0
    h = (len(v) - 1) * q
    lo = int(h)
    return v[lo] if lo + 1 >= len(v) else v[lo] + (h - lo) * (v[lo + 1] - v[lo])


def main(argv):
    out_json = None
    runs = defaultdict(list)  # name -> [procs of each run]
    args = argv[1:]
    while args:
        a = args.pop(0)
        if a == "--json":
            out_json = args.pop(0)
            continue
        name, d = a.split("=", 1)
        runs[name].append(d)
    report = {}
    for key, dirs in runs.items():
        prog = key.split(":")[0]
        per_run = []
        for d in dirs:
            procs = analyse(d, prog)
            main_p = [p for p in procs.values() if p.phase != "child" and p.name == prog]
            if not main_p:
                continue
            per_run.append(procs)
        report[key] = summarise(key, per_run)
    if out_json:
        Path(out_json).write_text(json.dumps(report, indent=1))
    for key, r in report.items():
        print_report(key, r)


def summarise(key, per_run):
    """Per (label, state), per label and per state: the time each run
    spent there (ms), as median, p10, p90 and mean over the runs (a run
    where it did not occur counts 0); the wall time of each run; the
    child's."""
    n = len(per_run)
    groups = {"cells": defaultdict(lambda: [0.0] * n), "labels": defaultdict(lambda: [0.0] * n),
              "states": defaultdict(lambda: [0.0] * n)}
    walls, cwalls = [], []
    calls = defaultdict(list)
    for i, procs in enumerate(per_run):
        for p in procs.values():
            child = p.phase == "child" or p.name.endswith("(child)")
            end = p.end if p.end is not None else p.t
            if child:
                cwalls.append((end - p.t0) * 1e3)
            else:
                walls.append((end - p.t0) * 1e3)
                for k, c in p.calls.items():
                    calls[k].append(c)
            for (label, state), sec in p.acc.items():
                if child:
                    label = "child: " + label
                groups["cells"][label + "\t" + state][i] += sec * 1e3
                groups["labels"][label][i] += sec * 1e3
                if not child:
                    groups["states"][state][i] += sec * 1e3

    def stats(v):
        return {"median": median(v), "p10": quantile(v, 0.1), "p90": quantile(v, 0.9),
                "mean": sum(v) / len(v) if v else 0.0, "runs_with": sum(1 for x in v if x > 0)}

    out = {"runs": n, "wall_ms": stats(walls),
           "child_wall_ms": median(cwalls) if cwalls else None,
           "calls": {k: median(v) for k, v in calls.items()}}
    for g, d in groups.items():
        out[g] = sorted(({"key": k, **stats(v)} for k, v in d.items()),
                        key=lambda x: (-x["median"], -x["mean"]))
    return out


def print_report(key, r):
    w = r["wall_ms"]
    print(f"## {key}: {r['runs']} runs, wall (execve to exit) median {w['median']:.3f} ms "
          f"[p10 {w['p10']:.3f} - p90 {w['p90']:.3f}], mean {w['mean']:.3f}")
    if r["child_wall_ms"] is not None:
        print(f"(its child, off the caller's path, lives {r['child_wall_ms']:.1f} ms)")
    print()
    print("| where (innermost probed function, or phase) | median ms | p90 | mean | calls |")
    print("|---|---:|---:|---:|---:|")
    for c in r["labels"]:
        if c["mean"] >= 0.005:
            print(f"| {c['key']} | {c['median']:.3f} | {c['p90']:.3f} | {c['mean']:.3f} | "
                  f"{r['calls'].get(c['key'], '')} |")
    print()
    print("| state (the process, its child left out) | median ms | p90 | mean | runs |")
    print("|---|---:|---:|---:|---:|")
    for c in r["states"]:
        if c["mean"] >= 0.005:
            print(f"| {c['key']} | {c['median']:.3f} | {c['p90']:.3f} | {c['mean']:.3f} | "
                  f"{c['runs_with']} |")
    print()
    print("| where | state | median ms | p90 | mean | runs |")
    print("|---|---|---:|---:|---:|---:|")
    for c in r["cells"]:
        if c["mean"] >= 0.005:
            label, state = c["key"].split("\t")
            print(f"| {label} | {state} | {c['median']:.3f} | {c['p90']:.3f} | {c['mean']:.3f} | "
                  f"{c['runs_with']} |")
    print()


if __name__ == "__main__":
    main(sys.argv)
