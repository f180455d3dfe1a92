#!/usr/bin/env python3
"""The client side and the bookkeeping of loadtests/cluster-proof.sh (standard library only).

  proof.py flood   --nodes URL,URL,… --target NAME:RATE:LIMIT … --ms D --duration S --out FILE.json
      Open loop: for each target, RATE sync invokes per second spread evenly, all targets merged in send-time order
      and dealt round-robin across the nodes (request i goes to node i mod N). Each request's payload is
      {"id":"<name>-<i>","ms":D}. Writes every answer (node, status, 429 Reason, latency) to FILE.json.
  proof.py events  --nodes … --function NAME --count N --concurrency C --prefix P --out FILE.json
                   [--ms D] [--fail] [--kill-pid PID --kill-after K] [--redis-restart-after K --redis-cmd CMD]
      N Event invokes round-robin; a refused connection goes to the next node (as a load balancer would).
      After K answers, kill -9 PID (once), or run CMD (once, in the background). Writes tag -> status.
  proof.py overlap RECORDS [--function NAME]…
      Max number of runs in progress at once, from the record file's order: per function and over all of them.
  proof.py model   FLOOD.json --target NAME:LIMIT[:REASON] … [--tolerance P] [--slack N]
      The concurrency model beside what was measured (see model()).
  proof.py ran     RECORDS EVENTS.json [--min-runs K]
      Every tag answered 202 ended at least K times in the record file.

The record file is written by loadtests/cluster/recorder/bootstrap (start/end lines, O_APPEND).
"""
import argparse
import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor


def invoke(url, function, payload, event=False, timeout=60):
    """One POST …/invocations on a fresh connection: (status, reason, body, latency seconds). status -1: no connection."""
    parts = urllib.parse.urlsplit(url)
    start = time.monotonic()
    try:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
        headers = {"Content-Type": "application/json"}
        if event:
            headers["X-Amz-Invocation-Type"] = "Event"
        conn.request("POST", f"/2015-03-31/functions/{function}/invocations", body=payload, headers=headers)
        response = conn.getresponse()
        body = response.read()
        conn.close()
    except (OSError, http.client.HTTPException) as e:
        return -1, type(e).__name__, b"", time.monotonic() - start
    reason = ""
    if response.status == 429:
        try:
            reason = json.loads(body).get("Reason", "")
        except ValueError:
            reason = "(unparsable)"
    elif response.status >= 400:
        try:
            reason = json.loads(body).get("Type") or json.loads(body).get("__type", "")
        except ValueError:
            reason = ""
    return response.status, reason, body, time.monotonic() - start


def flood(args):
    nodes = args.nodes.split(",")
    schedule = []  # (send time, function, tag)
    for target in args.target:
        name, rate = target.split(":")[0], float(target.split(":")[1])
        n = int(round(rate * args.duration))
        schedule += [(i / rate, name, f"{name}-{i}") for i in range(n)]
    schedule.sort()
    results = [None] * len(schedule)
    origin = time.monotonic() + 0.2

    def send(i):
        t, name, tag = schedule[i]
        url = nodes[i % len(nodes)]
        lag = time.monotonic() - (origin + t)
        status, reason, _, latency = invoke(url, name, json.dumps({"id": tag, "ms": args.ms}, separators=(",", ":")).encode(), timeout=args.ms / 1000 + 30)
        results[i] = {"t": t, "function": name, "tag": tag, "node": i % len(nodes), "status": status, "reason": reason,
                      "latency": latency, "lag": lag}

    with ThreadPoolExecutor(max_workers=args.workers) as pool:
        for i, (t, _, _) in enumerate(schedule):
            wait = origin + t - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            pool.submit(send, i)
    json.dump(results, open(args.out, "w"))
    by = {}
    for r in results:
        key = (r["function"], r["status"], r["reason"])
        by[key] = by.get(key, 0) + 1
    for (name, status, reason), n in sorted(by.items()):
        print(f"  {name}: {status} {reason} x{n}")
    late = max(r["lag"] for r in results) if results else 0
    print(f"  client: {len(results)} sent over {args.duration} s round-robin to {len(nodes)} nodes; max send lag {late * 1000:.0f} ms")


def model(args):
    """The concurrency model: a request is admitted when fewer than LIMIT of its function's admitted requests are still
    running at its send time, and an admitted request holds its slot for the mean latency of the admitted ones (the
    function's sleep plus the real overhead of dispatch and of a bash runtime, measured, not assumed; the mean, not
    the median, because a saturated limit admits LIMIT / mean holding time per second, Little's law). Functions with
    their own LIMIT are independent (reserved concurrency is carved out of the account; the unreserved function's
    LIMIT is account − reserved). Compared with the totals as throttle.sh compares: within --tolerance percent or
    --slack requests."""
    results = json.load(open(args.flood))
    ok = True
    for target in args.target:
        name, limit, reason = (target.split(":") + [""])[:3]
        limit = int(limit)
        rs = sorted((r for r in results if r["function"] == name), key=lambda r: r["t"])
        admitted = [r for r in rs if r["status"] == 200]
        # A 429 counts as throttled by the limit only with Lambda's reason for it (when given): any other is "other".
        throttled = [r for r in rs if r["status"] == 429 and (not reason or r["reason"] == reason)]
        other = [r for r in rs if r["status"] != 200 and r not in throttled]
        hold = statistics.fmean(r["latency"] for r in admitted) if admitted else 0
        running, pa, pt = [], 0, 0
        for r in rs:
            running = [e for e in running if e > r["t"]]
            if len(running) < limit:
                running.append(r["t"] + hold)
                pa += 1
            else:
                pt += 1

        def within(actual, expected):
            return abs(actual - expected) <= args.slack or (expected > 0 and 100.0 * abs(actual - expected) / expected <= args.tolerance)
        good = within(len(admitted), pa) and within(len(throttled), pt) and not other
        ok &= good
        reasons = sorted({r["reason"] for r in throttled})
        print(f"  {name} (limit {limit}, slot held {hold * 1000:.0f} ms): admitted {len(admitted)} vs {pa} predicted, "
              f"throttled {len(throttled)} vs {pt} predicted ({', '.join(reasons) or 'no 429'}), other {len(other)}"
              f" -> {'within' if good else 'OUTSIDE'} {args.tolerance:g}% / {args.slack} requests")
        for r in other[:5]:
            print(f"    other: {r['status']} {r['reason']} on node {r['node'] + 1}")
        if len(other) > 5:
            print(f"    … {len(other) - 5} more")
    return 0 if ok else 1


def read_records(path, markers=False):
    """start/end lines (7 fields); with markers, also the script's "killed <gateway pid>" lines."""
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 7 and parts[0] in ("start", "end"):
                yield parts
            elif markers and len(parts) == 2 and parts[0] == "killed":
                yield parts + [""] * 5


def overlap(args):
    """Max runs in progress at once. A run is (function, request id, pid): its start line and its end line. A run
    whose end never came counts as running until a "killed <gateway pid>" line (written by the script right after it
    killed that node with SIGKILL) closes every open run whose worker's parent was that gateway, else until the end
    of the file: an upper bound either way."""
    functions = args.function or None
    current, peak = {}, {}
    total = total_peak = 0
    open_runs = {}
    for kind, fn, rid, tag, us, pid, ppid in read_records(args.records, markers=True):
        if kind == "killed":
            for key, parent in list(open_runs.items()):
                if parent == fn:  # the marker's second field is the killed gateway's pid
                    del open_runs[key]
                    current[key[0]] -= 1
                    total -= 1
            continue
        if functions and fn not in functions:
            continue
        key = (fn, rid, pid)
        if kind == "start":
            open_runs[key] = ppid
            current[fn] = current.get(fn, 0) + 1
            total += 1
        elif key in open_runs:
            del open_runs[key]
            current[fn] -= 1
            total -= 1
        peak[fn] = max(peak.get(fn, 0), current.get(fn, 0))
        total_peak = max(total_peak, total)
    print(json.dumps({"peak": peak, "total_peak": total_peak, "unfinished": len(open_runs)}))


def events(args):
    nodes = args.nodes.split(",")
    results = {}
    lock = threading.Lock()
    done = [0]
    fired = [False]

    def maybe_fire():
        with lock:
            done[0] += 1
            if fired[0] or done[0] < args.after:
                return
            fired[0] = True
        if args.kill_pid:
            os.kill(args.kill_pid, signal.SIGKILL)
            print(f"  kill -9 {args.kill_pid} after {done[0]} answers", flush=True)
        if args.run:
            subprocess.Popen(args.run, shell=True)
            print(f"  ran '{args.run}' after {done[0]} answers", flush=True)

    def send(i):
        tag = f"{args.prefix}-{i}"
        payload = json.dumps({"id": tag, "ms": args.ms, "fail": 1 if args.fail else 0}, separators=(",", ":")).encode()
        status, reason, node = -1, "", i % len(nodes)
        for attempt in range(len(nodes)):
            node = (i + attempt) % len(nodes)
            status, reason, _, _ = invoke(nodes[node], args.function, payload, event=True, timeout=30)
            if status != -1:
                break
        results[tag] = {"status": status, "reason": reason, "node": node, "at": time.time()}
        maybe_fire()
        if args.pace:
            time.sleep(args.pace)

    with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
        list(pool.map(send, range(args.count)))
    json.dump(results, open(args.out, "w"))
    by = {}
    for r in results.values():
        by[(r["status"], r["reason"])] = by.get((r["status"], r["reason"]), 0) + 1
    print("  answers: " + ", ".join(f"{s} {reason}".strip() + f" x{n}" for (s, reason), n in sorted(by.items())))


def ran(args):
    """Every tag answered 202 has at least --min-runs end lines in the record file; prints the missing ones."""
    accepted = {tag for tag, r in json.load(open(args.events)).items() if r["status"] == 202}
    ends, starts = {}, {}
    for kind, fn, rid, tag, us, pid, ppid in read_records(args.records):
        (ends if kind == "end" else starts)[tag] = (ends if kind == "end" else starts).get(tag, 0) + 1
    missing = sorted(t for t in accepted if ends.get(t, 0) < args.min_runs)
    extra = sum(max(0, ends.get(t, 0) - args.min_runs) for t in accepted)
    print(f"  {len(accepted)} answered 202; {len(accepted) - len(missing)} ended at least {args.min_runs}x; "
          f"{len(missing)} missing; {extra} extra run(s) (at least once allows them)")
    if missing:
        print("  missing (first 10): " + " ".join(f"{t}(starts={starts.get(t, 0)},ends={ends.get(t, 0)})" for t in missing[:10]))
    return 1 if missing or not accepted else 0


def api(url, method, path, body=None, timeout=30):
    """One management API call: (status, parsed JSON or None)."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    conn.request(method, path, body=json.dumps(body).encode() if body is not None else None,
                 headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    data = response.read()
    conn.close()
    try:
        return response.status, json.loads(data) if data else None
    except ValueError:
        return response.status, None


def registry(args):
    """A change made through node 1's management API, timed until nodes 2 … N serve it: CreateFunction (served =
    an invoke answers 200 with MARK v1, the code fetched by CodeSha256), UpdateFunctionConfiguration (MARK v2),
    PutFunctionConcurrency 0 (served = 429 ReservedFunctionConcurrentInvocationLimitExceeded). The clock starts when
    node 1 has answered the API call; each node is polled (a fresh invoke every 20 ms) until it serves the change."""
    import base64
    import io
    import zipfile
    nodes = args.nodes.split(",")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        info = zipfile.ZipInfo("bootstrap")
        info.external_attr = 0o100755 << 16
        z.writestr(info, open(args.bootstrap, "rb").read())
    name = args.function
    variables = {"RECORD_FILE": args.records, "MARK": "v1"}

    def served_by(check):
        """Seconds until every other node passes check(status, body), in parallel; None for a node that never did."""
        t0 = time.monotonic()
        seen = {}

        def poll(i):
            deadline = t0 + args.timeout
            while time.monotonic() < deadline:
                status, reason, body, _ = invoke(nodes[i], name, json.dumps({"id": f"{name}-probe", "ms": 0}, separators=(",", ":")).encode(), timeout=10)
                if check(status, reason, body):
                    seen[i] = time.monotonic() - t0
                    return
                time.sleep(0.02)
        threads = [threading.Thread(target=poll, args=(i,)) for i in range(1, len(nodes))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return [seen.get(i) for i in range(1, len(nodes))]

    def mark_is(value):
        def check(status, reason, body):
            if status != 200:
                return False
            try:
                return json.loads(body).get("mark") == value
            except ValueError:
                return False
        return check

    steps = []
    status, _ = api(nodes[0], "POST", "/2015-03-31/functions", {
        "FunctionName": name, "Runtime": "provided.al2023", "Role": "arn:aws:iam::000000000000:role/proof", "Handler": "proof",
        "Timeout": 30, "Code": {"ZipFile": base64.b64encode(buffer.getvalue()).decode()}, "Environment": {"Variables": variables}})
    steps.append(("CreateFunction", status, 201, served_by(mark_is("v1"))))
    variables["MARK"] = "v2"
    status, _ = api(nodes[0], "PUT", f"/2015-03-31/functions/{name}/configuration", {"Environment": {"Variables": variables}})
    steps.append(("UpdateFunctionConfiguration", status, 200, served_by(mark_is("v2"))))
    status, _ = api(nodes[0], "PUT", f"/2017-10-31/functions/{name}/concurrency", {"ReservedConcurrentExecutions": 0})
    steps.append(("PutFunctionConcurrency 0", status, 200,
                  served_by(lambda s, r, b: s == 429 and r == "ReservedFunctionConcurrentInvocationLimitExceeded")))
    status, _ = api(nodes[0], "DELETE", f"/2017-10-31/functions/{name}/concurrency")
    steps.append(("DeleteFunctionConcurrency", status, 204, served_by(mark_is("v2"))))
    ok = True
    for what, status, expected, seconds in steps:
        good = status == expected and all(t is not None and t <= args.within for t in seconds)
        ok &= good
        shown = ", ".join(f"node {i + 2} {'never' if t is None else f'{t * 1000:.0f} ms'}" for i, t in enumerate(seconds))
        print(f"  {what} on node 1 ({status}): {shown} -> {'within' if good else 'NOT within'} {args.within:g} s")
    return 0 if ok else 1


def retries(args):
    """Scenario (c): every tag of --retry-prefix failed 1 + --attempts-retried times (end lines), each retry started at
    least --min-gap real seconds after the previous attempt ended (AWS: 1 min, then 2 min, scaled by the async clock
    rate); no tag of --aged-prefix started later than --max-age real seconds after it was accepted."""
    accepted = {}
    for path in args.events:
        accepted.update(json.load(open(path)))
    runs = {}
    for kind, fn, rid, tag, us, pid, ppid in read_records(args.records):
        runs.setdefault(tag, []).append((kind, int(us) / 1e6))
    ok = True
    retry_tags = [t for t, r in accepted.items() if t.startswith(args.retry_prefix + "-") and r["status"] == 202]
    short, early, extra = [], [], 0
    for tag in retry_tags:
        lines = runs.get(tag, [])
        ends = [t for k, t in lines if k == "end"]
        starts = [t for k, t in lines if k == "start"]
        if len(ends) < 1 + args.attempts_retried:
            short.append(f"{tag}(ends={len(ends)})")
        extra += max(0, len(ends) - 1 - args.attempts_retried)
        # each start after the first completed attempt follows some end by at least min-gap
        for s in starts:
            before = [e for e in ends if e <= s]
            if before and s - max(before) < args.min_gap:
                early.append(f"{tag}({s - max(before):.2f}s)")
    good = bool(retry_tags) and not short and not early
    ok &= good
    print(f"  retries: {len(retry_tags)} failing events; {len(retry_tags) - len(short)} ran 1 + {args.attempts_retried} times; "
          f"{len(early)} retr{'y' if len(early) == 1 else 'ies'} earlier than {args.min_gap:g} s; {extra} extra run(s) -> {'PASS' if good else 'FAIL'}")
    if short or early:
        print("    " + " ".join((short + early)[:10]))
    aged_tags = [t for t, r in accepted.items() if t.startswith(args.aged_prefix + "-") and r["status"] == 202]
    late, never = [], []
    for tag in aged_tags:
        starts = [t for k, t in runs.get(tag, []) if k == "start"]
        if not starts:
            never.append(tag)
        late += [f"{tag}({t - accepted[tag]['at']:.1f}s)" for t in starts if t - accepted[tag]["at"] > args.max_age]
    # An event that waited past its maximum age before its first attempt is discarded without running (as on AWS):
    # "never ran" is allowed; some must have run, so the check cannot pass on nothing.
    good = bool(aged_tags) and not late and len(never) < len(aged_tags)
    ok &= good
    print(f"  maximum event age: {len(aged_tags)} failing events; {len(never)} never ran (discarded past their age "
          f"before a first attempt: allowed); {len(late)} run(s) started past {args.max_age:g} s of age -> {'PASS' if good else 'FAIL'}")
    if late:
        print("    " + " ".join(late[:10]))
    return 0 if ok else 1


def node_of(args):
    """Which node (1-based, by gateway pid) ran the most first attempts of the tags with --prefix."""
    pids = [p for p in args.gateway_pids.split(",")]
    first = {}
    for kind, fn, rid, tag, us, pid, ppid in read_records(args.records):
        if kind == "end" and tag.startswith(args.prefix + "-") and tag not in first:
            first[tag] = ppid
    counts = [sum(1 for p in first.values() if p == g) for g in pids]
    print(counts.index(max(counts)) + 1 if counts and max(counts) > 0 else 1)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    f = sub.add_parser("flood")
    f.add_argument("--nodes", required=True)
    f.add_argument("--target", action="append", required=True)
    f.add_argument("--ms", type=int, default=1000)
    f.add_argument("--duration", type=float, default=30)
    f.add_argument("--workers", type=int, default=256)
    f.add_argument("--out", required=True)
    m = sub.add_parser("model")
    m.add_argument("flood")
    m.add_argument("--target", action="append", required=True)
    m.add_argument("--tolerance", type=float, default=10)
    m.add_argument("--slack", type=int, default=3)
    o = sub.add_parser("overlap")
    o.add_argument("records")
    o.add_argument("--function", action="append")
    e = sub.add_parser("events")
    e.add_argument("--nodes", required=True)
    e.add_argument("--function", required=True)
    e.add_argument("--count", type=int, required=True)
    e.add_argument("--concurrency", type=int, default=16)
    e.add_argument("--prefix", required=True)
    e.add_argument("--ms", type=int, default=0)
    e.add_argument("--fail", action="store_true")
    e.add_argument("--pace", type=float, default=0)
    e.add_argument("--kill-pid", type=int)
    e.add_argument("--run")
    e.add_argument("--after", type=int, default=0)
    e.add_argument("--out", required=True)
    r = sub.add_parser("ran")
    r.add_argument("records")
    r.add_argument("events")
    r.add_argument("--min-runs", type=int, default=1)
    g = sub.add_parser("registry")
    g.add_argument("--nodes", required=True)
    g.add_argument("--function", default="fresh")
    g.add_argument("--bootstrap", required=True)
    g.add_argument("--records", required=True)
    g.add_argument("--within", type=float, default=1.0)
    g.add_argument("--timeout", type=float, default=15)
    t = sub.add_parser("retries")
    t.add_argument("records")
    t.add_argument("events", nargs="+")
    t.add_argument("--retry-prefix", required=True)
    t.add_argument("--aged-prefix", required=True)
    t.add_argument("--attempts-retried", type=int, default=2)
    t.add_argument("--min-gap", type=float, required=True)
    t.add_argument("--max-age", type=float, required=True)
    n = sub.add_parser("node-of")
    n.add_argument("records")
    n.add_argument("--prefix", required=True)
    n.add_argument("--gateway-pids", required=True)
    a = p.parse_args()
    return {"flood": flood, "model": model, "overlap": overlap, "events": events, "ran": ran, "registry": registry,
            "retries": retries, "node-of": node_of}[a.command](a) or 0


if __name__ == "__main__":
    sys.exit(main())
