"""Intake and tracking throughput/latency against gunicorn on PostgreSQL, with a bare baseline.

    .venv/bin/python benchmarks/intake.py [--n 2000] [--clients 20] [--workers 4]

Creates (and drops afterwards) the database `occ_bench` on $BENCH_PG (default
postgres://postgres@127.0.0.1:5432), starts gunicorn with benchmarks.settings, and drives:
  1. a bare Django view doing one INSERT (baseline),
  2. POST /api/v1/complaints/ (intake),
  3. POST /api/v1/track/ for the filed complaints (tracking),
each from --clients concurrent clients. Prints requests/s and p50/p95/p99 latency, and the
number of SQL queries one intake and one tracking request make (measured in-process).
Figures, not pass/fail: targets are intake >= 0.5 x bare, tracking p99 < 50 ms at 20 clients.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DB = "occ_bench"


def psql(sql: str) -> None:
    subprocess.run(["psql", f"{PG}/postgres", "-qc", sql], check=True, capture_output=True)


def body(i: int) -> dict:
    return {
        "category": "online_shopping",
        "channel": "web",
        "description": f"สั่งซื้อสินค้าออนไลน์แล้วไม่ได้รับสินค้า รายการที่ {i}",
        "complainant": {"name": f"ผู้ทดสอบ {i}", "phone": f"08{i % 100000000:08d}"[:10], "email": f"b{i}@example.com"},
        "incident": {"website_url": "https://shop.example/item", "amount_lost": "990.00"},
    }


def run(label: str, n: int, clients: int, fn) -> list:
    latencies: list[float] = []
    results: list = []

    def one(i: int):
        t0 = time.perf_counter()
        out = fn(i)
        latencies.append(time.perf_counter() - t0)
        return out

    t0 = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(one, range(n)))
    wall = time.perf_counter() - t0
    q = statistics.quantiles(latencies, n=100)
    print(f"{label:<10} {n / wall:8.1f} req/s   p50 {q[49] * 1000:6.1f} ms   p95 {q[94] * 1000:6.1f} ms   "
          f"p99 {q[98] * 1000:6.1f} ms   ({n} requests, {clients} clients)")
    return results


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
    subprocess.run([sys.executable, "-c", code.replace("BODY", repr(json.dumps(body(0))))], cwd=ROOT, env=env, check=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--port", type=int, default=8765)
    args = ap.parse_args()

    psql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
    psql(f"CREATE DATABASE {DB}")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "benchmarks.settings", "DATABASE_URL": f"{PG}/{DB}",
           "PYTHONPATH": str(ROOT)}
    # As in production: tasks go to Redis after commit (no worker consumes them here).
    env["CELERY_BROKER_URL"] = os.environ.get("BENCH_BROKER", "redis://127.0.0.1:6379/13")
    py = sys.executable
    subprocess.run([py, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([py, "manage.py", "load_demo", "--no-users"], cwd=ROOT, env=env, check=True, capture_output=True)
    gunicorn = str(Path(py).parent / "gunicorn")
    server = subprocess.Popen(
        [gunicorn, "benchmarks.wsgi:application", "-b", f"127.0.0.1:{args.port}", "-w", str(args.workers),
         "--log-level", "warning"], cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{args.port}"
    try:
        for _ in range(100):
            try:
                httpx.get(f"{base}/api/v1/categories/", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        print(f"gunicorn workers={args.workers}, PostgreSQL {PG}/{DB}, cpu cores={os.cpu_count()}")
        client = httpx.Client(base_url=base, timeout=30, limits=httpx.Limits(max_connections=args.clients))
        run("warm-up", 100, args.clients, lambda i: client.post("/bench/bare/"))
        bare = run("bare", args.n, args.clients, lambda i: client.post("/bench/bare/").status_code)
        assert set(bare) == {201}

        def intake(i: int):
            r = client.post("/api/v1/complaints/", json=body(i))
            assert r.status_code == 201, r.text
            return r.json()

        filed = run("intake", args.n, args.clients, intake)

        def track(i: int):
            f = filed[i % len(filed)]
            r = client.post("/api/v1/track/", json={"reference": f["reference"], "tracking_code": f["tracking_code"]})
            assert r.status_code == 200, r.text
            return r.status_code

        run("tracking", args.n, args.clients, track)
        refs = sorted(int(f["reference"][-6:]) for f in filed)
        print(f"references gap-free and unique: {refs == list(range(refs[0], refs[0] + len(refs)))}")
        queries_per_request(env)
    finally:
        server.terminate()
        server.wait()
        subprocess.run([py, "-m", "celery", "-A", "occ", "purge", "-f"], cwd=ROOT, env=env, capture_output=True)
        psql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")


if __name__ == "__main__":
    main()
