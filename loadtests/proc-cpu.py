#!/usr/bin/env python3
"""CPU ticks of process trees over a window, from /proc, with a per-process breakdown.

    loadtests/proc-cpu.py [--delay S] --window S --root NAME=PID [--root NAME=PID …] [--requests N]

Sleeps --delay seconds, samples, sleeps --window seconds, samples again, and prints for each root (e.g.
gateway=PID, harness=PID) its own CPU, each descendant's (the gateway's bwrap + bootstrap workers), and the
children reaped inside the window (cutime + cstime growth of the live members), in seconds and, with
--requests, in µs per request. Independent of the load harness's own --cpu-pids accounting, so that the two
can be checked against each other (docs/performance.md, "Honest instruments"). compare.sh also uses it for
the wrk runs, which have no in-process sampler.
"""
import argparse
import os
import sys
import time

HZ = os.sysconf("SC_CLK_TCK")


def read_all(first=()):
    """Every process's stat; the roots first, so that a root which is about to exit (the load generator at the end of
    its run) is read before the scan of a busy box's few hundred processes, which can take a second under load."""
    procs = {}
    for name in [str(p) for p in first] + os.listdir("/proc"):
        if not name.isdigit() or int(name) in procs:
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                text = f.read()
        except OSError:
            continue
        comm = text[text.index("(") + 1:text.rindex(")")]
        fields = text[text.rindex(")") + 2:].split()
        procs[int(name)] = {
            "ppid": int(fields[1]),
            "comm": comm,
            "own": int(fields[11]) + int(fields[12]),
            "reaped": int(fields[13]) + int(fields[14]),
        }
    return procs


def tree(procs, root):
    members = {root} if root in procs else set()
    grew = True
    while grew:
        grew = False
        for pid, p in procs.items():
            if p["ppid"] in members and pid not in members:
                members.add(pid)
                grew = True
    return members


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--delay", type=float, default=0.0)
    ap.add_argument("--window", type=float, required=True)
    ap.add_argument("--root", action="append", required=True, help="NAME=PID")
    ap.add_argument("--requests", type=float, default=0, help="requests answered in the window (for µs/request)")
    ap.add_argument("--summary", action="store_true", help="one line per root only")
    args = ap.parse_args()
    roots = [(n, int(p)) for n, p in (r.split("=", 1) for r in args.root)]

    time.sleep(args.delay)
    t0 = time.monotonic()
    before = read_all(pid for _, pid in roots)
    time.sleep(args.window)
    after = read_all(pid for _, pid in roots)
    seconds = time.monotonic() - t0

    def per_request(ticks):
        return f" {ticks * 1e6 / HZ / args.requests:8.1f} µs/req" if args.requests else ""

    print(f"PROCCPU window_s={seconds:.2f} hz={HZ} requests={args.requests:.0f}")
    for name, root in roots:
        members = tree(before, root) | tree(after, root)
        own_total = 0
        reaped_total = 0
        rows = []
        for pid in sorted(members):
            b = before.get(pid, {"own": 0, "reaped": 0})
            a = after.get(pid)
            if a is None:
                continue  # exited inside the window: its ticks are in its parent's reaped growth
            own = a["own"] - b["own"]
            reaped = a["reaped"] - b["reaped"]
            own_total += own
            reaped_total += reaped
            rows.append((pid, a["comm"], own, reaped, "" if pid in before else " (new)"))
        total = own_total + reaped_total
        self_ticks = next((own for pid, _, own, _, _ in rows if pid == root), 0)
        print(f"PROCCPU root={name} pid={root} processes={len(rows)} cpu_s={total / HZ:.2f}{per_request(total)}"
              f" self_s={self_ticks / HZ:.2f}{per_request(self_ticks)} reaped_s={reaped_total / HZ:.2f}")
        if not args.summary:
            for pid, comm, own, reaped, new in rows:
                if own or reaped:
                    print(f"  {pid:>7} {comm:<16} {own / HZ:7.2f} s{per_request(own)} reaped {reaped / HZ:.2f} s{new}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
