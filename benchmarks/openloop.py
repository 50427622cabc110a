"""A small open-loop load generator (asyncio, one connection per request): requests are *due* at a fixed
offered rate whatever the server does, and each latency is measured from the request's due time,
so a slow server shows up as queueing in the latencies instead of as a lower request rate (the
"coordinated omission" that closed-loop tools such as wrk without -R hide; Debian's wrk has no
-R). Used by benchmarks/intake.py."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable


async def _one(host: str, port: int, raw: bytes) -> int:
    """One request on its own connection (gunicorn's sync workers close each connection after
    its answer, so there is nothing to keep alive)."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(raw)
        await writer.drain()
        status_line = await reader.readline()
        length = 0
        while True:
            line = await reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        if length:
            await reader.readexactly(length)
        return int(status_line.split()[1])
    finally:
        writer.close()


def request_bytes(host: str, port: int, path: str, body: bytes, headers: dict[str, str]) -> bytes:
    head = [
        f"POST {path} HTTP/1.1",
        f"Host: {host}:{port}",
        "Content-Type: application/json",
        "Connection: close",
    ]
    head += [f"{k}: {v}" for k, v in headers.items()]
    head.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


async def _run(host, port, rate, seconds, make: Callable[[int], bytes]) -> dict:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors = 0
    start = time.perf_counter() + 0.2
    total = int(rate * seconds)

    async def fire(i: int, due: float) -> None:
        nonlocal errors
        try:
            code = await _one(host, port, make(i))
            statuses[code] = statuses.get(code, 0) + 1
        except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
            errors += 1
            return
        latencies.append(time.perf_counter() - due)

    tasks = []
    for i in range(total):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(fire(i, due)))
    await asyncio.gather(*tasks)
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000 if latencies else 0.0

    return {
        "requests": len(latencies),
        "seconds": seconds,
        "rps": len(latencies) / seconds,
        "p50_ms": pct(50),
        "p95_ms": pct(95),
        "p99_ms": pct(99),
        "max_ms": latencies[-1] * 1000 if latencies else 0.0,
        "mean_ms": statistics.fmean(latencies) * 1000 if latencies else 0.0,
        "non_2xx": sum(n for code, n in statuses.items() if not 200 <= code < 300),
        "socket_errors": errors,
    }


def open_loop(host: str, port: int, *, rate: float, seconds: float, make: Callable[[int], bytes]) -> dict:
    return asyncio.run(_run(host, port, rate, seconds, make))
