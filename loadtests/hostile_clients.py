#!/usr/bin/env python3
"""Hostile clients against a gateway, for loadtests/hostile.sh and the end-to-end smoke test.

  hostile_clients.py --host 127.0.0.1 --port 9000 --duration 20 [--slow-headers 500] [--slow-bodies 500]
                     [--header-floods 4] [--uploads 4] [--upload-mb 100] [--trickle-s 1]

Kinds of client, each reconnecting when the server closes it, for --duration seconds:
  slow headers  : sends a request line and then one header byte every --trickle-s seconds (slowloris)
  slow bodies   : sends a complete head with Content-Length: 1000000, then one body byte every --trickle-s seconds
  header floods : requests with 5,000 small headers, one after the other
  uploads       : chunked 100 MB invoke bodies sent as fast as the server reads them
Prints one line at the end: HOSTILE key=value … (connections opened, closed by the server, status codes seen).
"""
import argparse
import asyncio
import collections
import time

counts = collections.Counter()


async def open_conn(host, port):
    reader, writer = await asyncio.open_connection(host, port)
    counts["connections"] += 1
    return reader, writer


async def read_status(reader):
    try:
        line = await asyncio.wait_for(reader.readline(), 60)
    except Exception:
        return "reset"
    if not line:
        return "closed"
    parts = line.split()
    return parts[1].decode() if len(parts) > 1 else "garbled"


async def slow_headers(host, port, trickle, deadline):
    while time.monotonic() < deadline:
        try:
            reader, writer = await open_conn(host, port)
            writer.write(b"POST /2015-03-31/functions/echo/invocations HTTP/1.1\r\nHost: gateway\r\n")
            await writer.drain()
            while time.monotonic() < deadline:
                writer.write(b"X")  # a header name that never ends
                await writer.drain()
                await asyncio.sleep(trickle)
                if reader.at_eof():
                    break
            status = await read_status(reader) if time.monotonic() < deadline else "open-at-end"
            counts["slow_headers_" + status] += 1
            writer.close()
        except (ConnectionError, OSError):
            counts["slow_headers_reset"] += 1
            await asyncio.sleep(trickle)


async def slow_body(host, port, trickle, deadline):
    while time.monotonic() < deadline:
        try:
            reader, writer = await open_conn(host, port)
            writer.write(b"POST /2015-03-31/functions/echo/invocations HTTP/1.1\r\nHost: gateway\r\n"
                         b"Content-Length: 1000000\r\n\r\n[")
            await writer.drain()
            while time.monotonic() < deadline and not reader.at_eof():
                writer.write(b"1" if counts["slow_body_bytes"] % 2 else b",")
                counts["slow_body_bytes"] += 1
                await writer.drain()
                await asyncio.sleep(trickle)
            status = await read_status(reader) if time.monotonic() < deadline else "open-at-end"
            counts["slow_body_" + status] += 1
            writer.close()
        except (ConnectionError, OSError):
            counts["slow_body_reset"] += 1
            await asyncio.sleep(trickle)


async def header_flood(host, port, deadline):
    head = (b"POST /2015-03-31/functions/echo/invocations HTTP/1.1\r\nHost: gateway\r\n"
            + b"".join(b"X-Flood-%d: %d\r\n" % (i, i) for i in range(5000))
            + b"Content-Length: 2\r\n\r\n{}")
    while time.monotonic() < deadline:
        try:
            reader, writer = await open_conn(host, port)
            writer.write(head)
            await writer.drain()
            counts["flood_" + await read_status(reader)] += 1
            writer.close()
        except (ConnectionError, OSError):
            counts["flood_reset"] += 1
        await asyncio.sleep(0.05)


async def upload(host, port, megabytes, deadline):
    chunk = b"[" + b"1," * 32767 + b"1"  # 64 KB of JSON-looking bytes, never closed
    framed = b"%X\r\n" % len(chunk) + chunk + b"\r\n"
    while time.monotonic() < deadline:
        try:
            reader, writer = await open_conn(host, port)
            writer.write(b"POST /2015-03-31/functions/echo/invocations HTTP/1.1\r\nHost: gateway\r\nTransfer-Encoding: chunked\r\n\r\n")
            sent = 0
            while sent < megabytes * 1024 * 1024 and not reader.at_eof() and time.monotonic() < deadline:
                writer.write(framed)
                await writer.drain()
                sent += len(chunk)
            counts["upload_mb_sent"] += sent // (1024 * 1024)
            counts["upload_" + await read_status(reader)] += 1
            writer.close()
        except (ConnectionError, OSError):
            counts["upload_reset"] += 1
        await asyncio.sleep(0.1)


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--duration", type=float, default=20)
    p.add_argument("--slow-headers", type=int, default=500)
    p.add_argument("--slow-bodies", type=int, default=500)
    p.add_argument("--header-floods", type=int, default=4)
    p.add_argument("--uploads", type=int, default=4)
    p.add_argument("--upload-mb", type=int, default=100)
    p.add_argument("--trickle-s", type=float, default=1.0)
    a = p.parse_args()
    deadline = time.monotonic() + a.duration
    tasks = []
    # Open the slow connections gradually (a few ms apart), as a real attacker's ramp, not a SYN burst.
    for i in range(max(a.slow_headers, a.slow_bodies)):
        if i < a.slow_headers:
            tasks.append(asyncio.create_task(slow_headers(a.host, a.port, a.trickle_s, deadline)))
        if i < a.slow_bodies:
            tasks.append(asyncio.create_task(slow_body(a.host, a.port, a.trickle_s, deadline)))
        if i % 50 == 0:
            await asyncio.sleep(0.01)
    tasks += [asyncio.create_task(header_flood(a.host, a.port, deadline)) for _ in range(a.header_floods)]
    tasks += [asyncio.create_task(upload(a.host, a.port, a.upload_mb, deadline)) for _ in range(a.uploads)]
    # A client blocked in a write the gateway no longer reads (back-pressure) or a read it never answers is cut at
    # the deadline: what matters is what happened until then.
    _, pending = await asyncio.wait(tasks, timeout=max(0.0, deadline - time.monotonic()) + 2)
    counts["clients_cut_at_end"] = len(pending)
    for task in pending:
        task.cancel()
    print("HOSTILE " + " ".join(f"{k}={v}" for k, v in sorted(counts.items())), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
