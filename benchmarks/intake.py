"""Intake and tracking cost, throughput and latency against gunicorn on PostgreSQL, with two
baselines, all in the same interleaved rounds.

    make bench-intake            (installs Debian's wrk if missing, then runs this)
    .venv/bin/python benchmarks/intake.py [--rounds 3] [--seconds 10] [--clients 20] [--workers 6]

Creates (and drops afterwards) the database $BENCH_DB (default `occ_bench`) on $BENCH_PG (default
postgres://postgres@127.0.0.1:5432), starts gunicorn with benchmarks.settings (prepared statements
on, as in production) and the outbox relay (`manage.py outbox_relay`, publishing to Redis as in
production; no worker consumes), and in each round runs, one after the other:
  1. bare: a bare Django view doing one INSERT; drf-bare: the same INSERT in a DRF view behind the
     public per-IP throttle (what the framework alone costs); floor: that DRF view parsing the
     intake's own body and writing the intake's rows in one statement with none of its work
     (no validation, audit diff, instances or indicators; benchmarks/urls.py IntakeFloor): what
     no intake that keeps its guarantees can cost less than,
  2. intake: POST /api/v1/complaints/, a different complainant on every request, and intake-idem:
     the same with an Idempotency-Key on each,
  3. tracking: POST /api/v1/track/ cycling through complaints filed before the run,
each closed-loop from --clients connections (wrk, a C load generator); then
  4. tracking and intake at fixed offered rates (--track-rate, --intake-rate) from a small asyncio
     open-loop generator (benchmarks/openloop.py) that measures each latency from the request's
     due time.
After each run: how busy the machine was and the CPU milliseconds per request of every program
(gunicorn = app, postgres = the backends of the benchmark's database, postgres-bg = the
server's shared background processes, redis, the relay, the load generator), read from /proc,
and the capacity ratio 2000 / (CPU ms of app + postgres + postgres-bg + redis + relay per
request): the requests per second two dedicated cores would serve, which stays meaningful on a
shared, noisy machine (other databases' backends on the same server count as "other"). The
summary gives medians over the rounds and the ratios, and the targets beside them. Figures, never
pass/fail: intake capacity >= 0.5 x bare and <= 4 ms app CPU; tracking <= 2.5 ms app CPU and p99 <
25 ms at 100 requests/s offered.
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from openloop import open_loop, request_bytes  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
WRK_DIR = Path(__file__).resolve().parent / "wrk"
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DB = os.environ.get("BENCH_DB", "occ_bench")
SERVER = ("app", "postgres", "postgres-bg", "redis", "relay")  # what serving a request costs


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


PIDS: dict[int, str] = {}  # processes known by id: the relay, this generator


def postgres_labels() -> dict[int, str]:
    """PostgreSQL is shared by other work on this machine: only the backends serving the
    benchmark's database count as "postgres"; the server's own background processes (WAL
    writer, checkpointer, autovacuum, ...), shared with everyone, as "postgres-bg" (counted
    in the server cost: conservative); other databases' backends as "other"."""
    labels: dict[int, str] = {}
    with psycopg.connect(f"{PG}/{DB}", autocommit=True) as conn:
        for pid, datname, kind in conn.execute("SELECT pid, datname, backend_type FROM pg_stat_activity"):
            if kind == "client backend":
                labels[pid] = "postgres" if datname == DB else "other"
            else:
                labels[pid] = "postgres-bg" if datname in (None, DB) else "other"
        labels.pop(conn.info.backend_pid, None)  # this query's own connection
    return labels


def cpu_ms(
    before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]], requests: int
) -> tuple[dict[str, float], str]:
    """Milliseconds of CPU per request by program over one run: the growth of every process alive
    at the end (processes that ended during the run, e.g. autovacuum workers, are missed)."""
    groups = {"gunicorn": "app", "postgres": "postgres-bg", "redis-server": "redis", "wrk": "wrk"}
    used: dict[str, float] = {}
    others: dict[str, float] = {}
    pg = postgres_labels()
    for pid, (name, seconds) in after.items():
        grown = seconds - before.get(pid, (name, 0.0))[1]
        if grown <= 0:
            continue
        label = (
            PIDS.get(pid)
            or pg.get(pid)
            or next((g for p, g in groups.items() if name.startswith(p)), "other")
        )
        used[label] = used.get(label, 0.0) + grown
        if label == "other":
            others[name] = others.get(name, 0.0) + grown
    top = ", ".join(
        f"{k} {v * 1000 / max(requests, 1):.2f}" for k, v in sorted(others.items(), key=lambda x: -x[1])[:3]
    )
    per = {k: v * 1000 / max(requests, 1) for k, v in used.items()}
    text = ", ".join(f"{k} {v:.2f}" for k, v in sorted(per.items(), key=lambda x: -x[1]))
    return per, text + (f" (other: {top})" if top else "")


def report(label: str, r: dict, before, after, busy: float, how: str) -> dict:
    per, text = cpu_ms(before, after, r["requests"])
    r["cpu"] = per
    r["server_ms"] = sum(per.get(k, 0.0) for k in SERVER)
    r["capacity"] = 2000 / r["server_ms"] if r["server_ms"] else 0.0
    print(
        f"{label:<13} {r['rps']:8.1f} req/s   p50 {r['p50_ms']:6.1f} ms   p95 {r['p95_ms']:6.1f} ms   "
        f"p99 {r['p99_ms']:6.1f} ms   ({r['requests']} requests in {r['seconds']:.0f} s, {how}; "
        f"non-2xx {r['non_2xx']}, socket errors {r['socket_errors']})"
    )
    print(
        f"{'':<13} machine CPU busy {busy:.0%}; CPU ms per request: {text}; "
        f"capacity 2000/{r['server_ms']:.2f} = {r['capacity']:.0f}/s"
    )
    return r


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
    return report(label, r, before, after, busy, f"{args.clients} connections, closed loop")


def offered(label: str, port: int, rate: float, args, make) -> dict:
    """One open-loop run at ``rate`` requests/s (benchmarks/openloop.py)."""
    before, busy0 = cpu_by_process(), machine_busy()
    r = open_loop("127.0.0.1", port, rate=rate, seconds=args.seconds, make=make)
    after, busy1 = cpu_by_process(), machine_busy()
    busy = (busy1[0] - busy0[0]) / max(busy1[1] - busy0[1], 1)
    return report(label, r, before, after, busy, f"open loop at {rate:g}/s offered")


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
    ap.add_argument("--track-rate", type=float, default=100, help="offered tracking look-ups per second")
    ap.add_argument("--intake-rate", type=float, default=50, help="offered intakes per second")
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
    relay = subprocess.Popen([py, "manage.py", "outbox_relay"], cwd=ROOT, env=env)
    PIDS[relay.pid] = "relay"
    PIDS[os.getpid()] = "loadgen"
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

        pairs = [line.split() for line in tracked]

        def track_request(i: int) -> bytes:
            ref, code = pairs[(i * 7919) % len(pairs)]
            payload = json.dumps({"reference": ref, "tracking_code": code}).encode()
            ip = f"10.200.{(i // 256) % 256}.{i % 256}"
            return request_bytes("127.0.0.1", args.port, "/api/v1/track/", payload, {"X-Forwarded-For": ip})

        def intake_request(i: int) -> bytes:
            n = 50_000_000 + int(time.time() * 1000) % 1_000_000 * 10 + i
            payload = json.dumps(body(n), ensure_ascii=False).encode()
            ip = f"10.201.{(i // 256) % 256}.{i % 256}"
            return request_bytes(
                "127.0.0.1", args.port, "/api/v1/complaints/", payload, {"X-Forwarded-For": ip}
            )

        track_env = {"WRK_TRACK_FILE": str(work / "track.txt")}
        plan = [
            ("bare", lambda: wrk("bare", base, "/bench/bare/", "bare.lua", args)),
            ("drf-bare", lambda: wrk("drf-bare", base, "/bench/drf/", "drf.lua", args)),
            ("floor", lambda: wrk("floor", base, "/bench/floor/", "intake.lua", args)),
            ("intake", lambda: wrk("intake", base, "/api/v1/complaints/", "intake.lua", args)),
            ("intake-idem", lambda: wrk("intake-idem", base, "/api/v1/complaints/", "intake_idem.lua", args)),
            ("tracking", lambda: wrk("tracking", base, "/api/v1/track/", "track.lua", args, track_env)),
            (
                f"track@{args.track_rate:g}/s",
                lambda: offered(
                    f"track@{args.track_rate:g}/s", args.port, args.track_rate, args, track_request
                ),
            ),
            (
                f"intake@{args.intake_rate:g}/s",
                lambda: offered(
                    f"intake@{args.intake_rate:g}/s", args.port, args.intake_rate, args, intake_request
                ),
            ),
        ]
        runs: dict[str, list[dict]] = {label: [] for label, _ in plan}
        for n in range(1, args.rounds + 1):
            print(f"-- round {n} of {args.rounds}")
            for label, run in plan:
                runs[label].append(run())
        print(f"-- medians over {args.rounds} interleaved rounds")
        keys = ("rps", "p50_ms", "p95_ms", "p99_ms", "server_ms", "capacity")
        med = {k: {m: statistics.median(r[m] for r in v) for m in keys} for k, v in runs.items()}
        for k, v in runs.items():
            med[k]["app_ms"] = statistics.median(r["cpu"].get("app", 0.0) for r in v)
            med[k]["pg_ms"] = statistics.median(r["cpu"].get("postgres", 0.0) for r in v)
        for k, m in med.items():
            print(
                f"{k:<13} {m['rps']:8.1f} req/s   p50 {m['p50_ms']:6.1f} ms   p95 {m['p95_ms']:6.1f} ms   "
                f"p99 {m['p99_ms']:6.1f} ms   app {m['app_ms']:.2f} ms, postgres {m['pg_ms']:.2f} ms, "
                f"server {m['server_ms']:.2f} ms per request; capacity {m['capacity']:.0f}/s"
            )

        def ratio(a: str, b: str) -> float:
            # per round (the runs of one round share the machine's mood), then the median
            return statistics.median(
                x["capacity"] / y["capacity"] for x, y in zip(runs[a], runs[b], strict=True)
            )

        track_open = med[f"track@{args.track_rate:g}/s"]
        print(
            f"ratios     capacity intake / bare = {ratio('intake', 'bare'):.2f} (target >= 0.5), "
            f"intake / drf-bare = {ratio('intake', 'drf-bare'):.2f}, floor / bare = "
            f"{ratio('floor', 'bare'):.2f} (no intake can do better), intake / floor = "
            f"{ratio('intake', 'floor'):.2f}, intake-idem / bare = "
            f"{ratio('intake-idem', 'bare'):.2f}, tracking / bare = {ratio('tracking', 'bare'):.2f}; "
            f"throughput intake / bare = {med['intake']['rps'] / med['bare']['rps']:.2f}"
        )
        print(
            f"targets    intake app CPU {med['intake']['app_ms']:.2f} ms (target <= 4); tracking app CPU "
            f"{med['tracking']['app_ms']:.2f} ms (target <= 2.5); tracking p99 at {args.track_rate:g}/s "
            f"offered {track_open['p99_ms']:.1f} ms (target < 25 ms at 100/s)"
        )
        with psycopg.connect(f"{PG}/{DB}") as conn:
            numbers = sorted(
                int(r[0][-6:])
                for r in conn.execute(
                    "SELECT reference FROM complaints_complaint WHERE reference NOT LIKE 'FLR-%'"
                )
            )
        gap_free = numbers == list(range(1, len(numbers) + 1))
        print(f"references {len(numbers)} filed, unique and gap-free from 1: {gap_free}")
        queries_per_request(env)
    finally:
        server.terminate()
        server.wait()
        relay.terminate()
        relay.wait()
        shutil.rmtree(work, ignore_errors=True)
        subprocess.run(
            [py, "-m", "celery", "-A", "occ", "purge", "-f"], cwd=ROOT, env=env, capture_output=True
        )
        subprocess.run(["redis-cli", "-u", env["REDIS_CACHE_URL"], "flushdb"], capture_output=True)
        psql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")


if __name__ == "__main__":
    main()
