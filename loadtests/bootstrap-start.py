#!/usr/bin/env python3
"""Environment start of a runtime's bootstrap outside the gateway: spawn -> its first GET /invocation/next on a
minimal Runtime API in this process (127.0.0.1, TCP), then the process is killed. Median and p90 over --runs,
and the median user+system CPU a start costs (the process's rusage up to the kill: steadier under load).

  loadtests/bootstrap-start.py [--runs N (30)] [--handler H] [--code DIR] [--interpreter-dir DIR] -- BOOTSTRAP [ARGS…]

  e.g. loadtests/bootstrap-start.py --handler app.lambda_handler --code samples/python-hello -- src/Runtimes/python/bootstrap
       loadtests/bootstrap-start.py --handler echo --code artifacts/samples -- artifacts/samples/bootstrap

The environment is the gateway's (PATH, LAMBDA_TASK_ROOT, LAMBDA_RUNTIME_DIR = the bootstrap's folder,
AWS_EXECUTION_ENV=AWS_Lambda_python3.12 …). Runs are sequential; the machine's load is printed beside the numbers.
"""

import argparse
import http.server
import os
import resource
import statistics
import subprocess
import threading
import time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--handler", default="app.lambda_handler")
    parser.add_argument("--code", default=".")
    parser.add_argument("--interpreter-dir", default="",
                        help="put first on PATH, as the gateway puts the interpreter it found (e.g. pyenv's)")
    parser.add_argument("command", nargs="+")
    args = parser.parse_args()

    first_next = threading.Event()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def do_GET(self):
            first_next.set()  # the runtime is initialised: nothing is answered, the process is killed next

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()

    bootstrap = os.path.abspath(args.command[0])
    code = os.path.abspath(args.code)
    env = {
        "PATH": (args.interpreter_dir + ":" if args.interpreter_dir else "") + "/usr/local/bin:/usr/bin/:/bin:/opt/bin", "LANG": "en_US.UTF-8", "TZ": ":UTC",
        "_HANDLER": args.handler, "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:{}".format(server.server_address[1]),
        "LAMBDA_TASK_ROOT": code, "LAMBDA_RUNTIME_DIR": os.path.dirname(bootstrap),
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12", "AWS_LAMBDA_FUNCTION_NAME": "start",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128", "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
    }
    samples = []
    cpu = []  # user+system CPU of each start: steadier than wall time on a loaded machine
    for run in range(args.runs + 3):
        first_next.clear()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        process = subprocess.Popen([bootstrap] + args.command[1:], cwd=code, env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        ok = first_next.wait(30)
        elapsed = (time.perf_counter() - start) * 1000
        process.kill()
        process.wait()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if not ok:
            raise SystemExit("no /next within 30 s from " + bootstrap)
        if run >= 3:  # the first runs warm the page cache and Python's bytecode cache
            samples.append(elapsed)
            cpu.append((after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) * 1000)
    samples.sort()
    print("{} runs={} median_ms={:.1f} p90_ms={:.1f} min_ms={:.1f} cpu_median_ms={:.1f} loadavg={}".format(
        args.command[0], len(samples), statistics.median(samples), samples[int(len(samples) * 0.9) - 1],
        samples[0], statistics.median(cpu), open("/proc/loadavg").read().split()[0]))


if __name__ == "__main__":
    main()
