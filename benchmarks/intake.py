"""Intake and tracking throughput/latency against gunicorn on PostgreSQL, with a bare baseline.

    make bench-intake            (installs Debian's wrk if missing, then runs this)
    .venv/bin/python benchmarks/intake.py [--rounds 3] [--seconds 10] [--clients 20] [--workers 6]

Creates (and drops afterwards) the database `occ_bench` on $BENCH_PG (default
postgres://postgres@127.0.0.1:5432), starts gunicorn with benchmarks.settings, and drives with
wrk (a C load generator, so the client takes little of the two cores and adds no interpreter
lock waits to the latencies it reports):
  1. a bare Django view doing one INSERT (baseline), and the same INSERT in a DRF view with the
     public per-IP throttle ("drf-bare": what the framework alone costs),
  2. POST /api/v1/complaints/ (intake), a different complainant on every request,
  3. POST /api/v1/track/ cycling through complaints filed before the run (tracking),
each from --clients open connections, in --rounds rounds (the four runs one after the other in each
round, so a slow spell of a shared machine hits every path alike). Prints per run and, at the end,
the median over rounds of requests/s and p50/p95/p99 latency, the ratio of
intake to bare, whether the references came out unique and gap-free, and the number of SQL
queries one intake and one tracking request make (measured in-process).
Figures, not pass/fail: targets are intake >= 0.5 x bare, tracking p99 < 50 ms at 20 clients.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
WRK_DIR = Path(__file__).resolve().parent / "wrk"
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DB = "occ_bench"


def psql(sql: str) -> None:
    subprocess.run(["psql", f"{PG}/postgres", "-qc", sql], check=True, capture_output=True)


def body(i: int) -> dict:
    return {
        "category": "online_shopping",
        "channel": "web",
        "description": f"สั่งซื้อสินค้าออนไลน์แล้วไม่ได้รับสินค้า รายการที่ {i}",
        "complainant": {
            "name": f"ผู้ทดสอบ {i}",
            "phone": f"08{i % 100000000:08d}"[:10],
            "email": f"b{i}@example.com",
        },
        "incident": {"website_url": "https://shop.example/item", "amount_lost": "990.00"},
    }


def cpu_by_process() -> dict[int, tuple[str, float]]:
    """(program name, CPU seconds used so far) of every process on the machine (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    seen: dict[int, tuple[str, float]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            raw = stat.read_text()
        except OSError:
            continue
        name = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2 :].split()
        seen[int(stat.parent.name)] = (name, (int(fields[11]) + int(fields[12])) / tick)
    return seen


def machine_busy() -> tuple[int, int]:
    """(busy, total) jiffies of all cores so far, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def cpu_share(
    before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]], requests: int
) -> str:
    """Milliseconds of CPU per request by program over one run: the growth of every process alive
    at the end (processes that ended during the run, e.g. autovacuum workers, are missed)."""
    groups = {"gunicorn": "app", "postgres": "postgres", "redis-server": "redis", "wrk": "wrk"}
    used: dict[str, float] = {}
    others: dict[str, float] = {}
    for pid, (name, seconds) in after.items():
        grown = seconds - before.get(pid, (name, 0.0))[1]
        if grown <= 0:
            continue
        label = next((g for p, g in groups.items() if name.startswith(p)), "other")
        used[label] = used.get(label, 0.0) + grown
        if label == "other":
            others[name] = others.get(name, 0.0) + grown
    top = ", ".join(
        f"{k} {v * 1000 / max(requests, 1):.2f}" for k, v in sorted(others.items(), key=lambda x: -x[1])[:3]
    )
    return ", ".join(
        f"{k} {v * 1000 / max(requests, 1):.2f}" for k, v in sorted(used.items(), key=lambda x: -x[1])
    ) + (f" (other: {top})" if top else "")


def wrk(label: str, base: str, path: str, script: str, args, env_extra: dict | None = None) -> dict:
    """Run wrk for --seconds with --clients connections; print and return its figures."""
    env = {**os.environ, "WRK_DIR": str(WRK_DIR), **(env_extra or {})}
    cmd = [
        "wrk",
        "-t",
        str(args.threads),
        "-c",
        str(args.clients),
        "-d",
        f"{args.seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(WRK_DIR / script),
        base + path,
    ]
    before, busy0 = cpu_by_process(), machine_busy()
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    after, busy1 = cpu_by_process(), machine_busy()
    busy = (busy1[0] - busy0[0]) / max(busy1[1] - busy0[1], 1)
    line = next(x for x in out.splitlines() if x.startswith("WRKJSON "))
    r = json.loads(line[len("WRKJSON ") :])
    print(
        f"{label:<10} {r['rps']:8.1f} req/s   p50 {r['p50_ms']:6.1f} ms   p95 {r['p95_ms']:6.1f} ms   "
        f"p99 {r['p99_ms']:6.1f} ms   ({r['requests']} requests in {r['seconds']:.0f} s, {args.clients} connections; "
        f"non-2xx {r['non_2xx']}, socket errors {r['socket_errors']})"
    )
    print(
        f"{'':<10} machine CPU busy {busy:.0%}; CPU ms per request: {cpu_share(before, after, r['requests'])}"
    )
    return r


def queries_per_request(env: dict) -> None:
    code = r"""
import django, json
django.setup()
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient
c = APIClient()
b = json.loads(BODY)
c.post("/api/v1/complaints/", b, format="json")  # warm: per-process caches (content types) filled
with CaptureQueriesContext(connection) as q1:
    r = c.post("/api/v1/complaints/", b, format="json")
with CaptureQueriesContext(connection) as q2:
    t = c.post("/api/v1/track/", {"reference": r.json()["reference"], "tracking_code": r.json()["tracking_code"]}, format="json")
assert r.status_code == 201 and t.status_code == 200
print(f"queries    intake {len(q1.captured_queries)} per request (incl. BEGIN/COMMIT and the traffic record), "
      f"tracking {len(q2.captured_queries)} per request")
"""
    subprocess.run(
        [sys.executable, "-c", code.replace("BODY", repr(json.dumps(body(0))))], cwd=ROOT, env=env, check=True
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=10, help="length of each measured run")
    ap.add_argument("--rounds", type=int, default=3, help="rounds of the four runs; medians are reported")
    ap.add_argument("--clients", type=int, default=20, help="concurrent connections")
    ap.add_argument("--threads", type=int, default=2, help="wrk threads")
    ap.add_argument("--workers", type=int, default=6, help="gunicorn worker processes (3 per core)")
    ap.add_argument("--tracked", type=int, default=500, help="complaints filed beforehand for tracking")
    ap.add_argument("--port", type=int, default=8765)
    args = ap.parse_args()
    if shutil.which("wrk") is None:
        sys.exit(
            "wrk is not installed: run `make bench-intake` (it installs Debian's wrk) or apt-get install wrk"
        )

    psql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
    psql(f"CREATE DATABASE {DB}")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
        "DATABASE_URL": f"{PG}/{DB}",
        "PYTHONPATH": str(ROOT),
    }
    # As in production: tasks go to Redis after commit (no worker consumes them here).
    env["CELERY_BROKER_URL"] = os.environ.get("BENCH_BROKER", "redis://127.0.0.1:6379/13")
    # Throttles at their production rates on the production cache (Redis), each request from its
    # own forwarded address (see benchmarks/settings.py).
    env["REDIS_CACHE_URL"] = os.environ.get("BENCH_CACHE", "redis://127.0.0.1:6379/14")
    env["BENCH_THROTTLES"] = "production"
    py = sys.executable
    subprocess.run([py, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [py, "manage.py", "load_demo", "--no-users"], cwd=ROOT, env=env, check=True, capture_output=True
    )
    gunicorn = str(Path(py).parent / "gunicorn")
    server = subprocess.Popen(
        [
            gunicorn,
            "benchmarks.wsgi:application",
            "-b",
            f"127.0.0.1:{args.port}",
            "-w",
            str(args.workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{args.port}"
    work = Path(tempfile.mkdtemp(prefix="occ-bench-"))
    try:
        for _ in range(100):
            try:
                httpx.get(f"{base}/api/v1/categories/", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        print(
            f"gunicorn workers={args.workers}, PostgreSQL {PG}/{DB}, cpu cores={os.cpu_count()}, "
            f"load generator wrk ({args.threads} threads) on the same machine"
        )
        # Warm-up, which also files the complaints the tracking run looks up.
        client = httpx.Client(base_url=base, timeout=30)

        def file_one(i: int) -> str:
            r = client.post(
                "/api/v1/complaints/",
                json=body(i),
                headers={"X-Forwarded-For": f"10.255.{i // 256}.{i % 256}"},
            )
            assert r.status_code == 201, r.text
            return f"{r.json()['reference']} {r.json()['tracking_code']}"

        with ThreadPoolExecutor(4) as pool:
            tracked = list(pool.map(file_one, range(args.tracked)))
        (work / "track.txt").write_text("\n".join(tracked) + "\n")
        for _ in range(200):
            client.post("/bench/bare/")

        runs: dict[str, list[dict]] = {"bare": [], "drf-bare": [], "intake": [], "tracking": []}
        for n in range(1, args.rounds + 1):
            print(f"-- round {n} of {args.rounds}")
            runs["bare"].append(wrk("bare", base, "/bench/bare/", "bare.lua", args))
            runs["drf-bare"].append(wrk("drf-bare", base, "/bench/drf/", "drf.lua", args))
            runs["intake"].append(wrk("intake", base, "/api/v1/complaints/", "intake.lua", args))
            runs["tracking"].append(
                wrk(
                    "tracking",
                    base,
                    "/api/v1/track/",
                    "track.lua",
                    args,
                    {"WRK_TRACK_FILE": str(work / "track.txt")},
                )
            )
        print(f"-- medians over {args.rounds} rounds")
        med = {
            k: {m: statistics.median(r[m] for r in v) for m in ("rps", "p50_ms", "p95_ms", "p99_ms")}
            for k, v in runs.items()
        }
        for k, m in med.items():
            print(
                f"{k:<10} {m['rps']:8.1f} req/s   p50 {m['p50_ms']:6.1f} ms   p95 {m['p95_ms']:6.1f} ms   "
                f"p99 {m['p99_ms']:6.1f} ms"
            )
        print(
            f"ratio      intake / bare = {med['intake']['rps'] / med['bare']['rps']:.2f} (target >= 0.5), "
            f"intake / drf-bare = {med['intake']['rps'] / med['drf-bare']['rps']:.2f}; "
            f"tracking p99 {med['tracking']['p99_ms']:.1f} ms (target < 50 ms)"
        )
        with psycopg.connect(f"{PG}/{DB}") as conn:
            numbers = sorted(
                int(r[0][-6:]) for r in conn.execute("SELECT reference FROM complaints_complaint")
            )
        gap_free = numbers == list(range(1, len(numbers) + 1))
        print(f"references {len(numbers)} filed, unique and gap-free from 1: {gap_free}")
        queries_per_request(env)
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(work, ignore_errors=True)
        subprocess.run(
            [py, "-m", "celery", "-A", "occ", "purge", "-f"], cwd=ROOT, env=env, capture_output=True
        )
        subprocess.run(["redis-cli", "-u", env["REDIS_CACHE_URL"], "flushdb"], capture_output=True)
        psql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")


if __name__ == "__main__":
    main()
