"""Routing and delivery in ONE process on PostgreSQL, to see where the CPU of each goes (no Celery,
no relay: benchmarks/routing.py measures the whole path with real workers).

    .venv/bin/python benchmarks/routing_inprocess.py [--cases 500] [--profile route|deliver]

Fills a fresh database (BENCH_DB, default `occ_bench_routing_inprocess`) as benchmarks/routing.py
does, starts its webhook receiver, then calls ``referral_create`` for every case and afterwards
``referral_deliver`` for every referral (what the worker's task calls), each phase on its own
measured: this process's CPU and its PostgreSQL backend's CPU per call, and statements per call.
``--profile`` runs one phase under cProfile, prints the 35 costliest functions (cumulative) and
keeps the profile in /tmp/routing-PHASE.prof.

Environment: BENCH_PG (server URL, default postgres://postgres@127.0.0.1:5432), BENCH_DB.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import routing as bench  # noqa: E402

PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DB = os.environ.get("BENCH_DB", "occ_bench_routing_inprocess")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=500)
    ap.add_argument("--port", type=int, default=8402, help="the webhook receiver's port")
    ap.add_argument("--profile", choices=["route", "deliver"], default=None)
    args = ap.parse_args()
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
            "DATABASE_URL": f"{PG}/{DB}",
            "LOG_LEVEL": "WARNING",
            # no broker in this process: the outbox rows stay (no eager relay after commit)
            "CELERY_BROKER_URL": "redis://127.0.0.1:1/0",
        }
    )
    os.environ.pop("CELERY_RESULT_BACKEND", None)
    bench.DB = DB
    bench.PG = PG
    bench.psql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
    bench.psql(f"CREATE DATABASE {DB}")
    import django

    django.setup()
    import io

    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    call_command("migrate", verbosity=0)
    call_command("load_demo", stdout=io.StringIO())
    from complaints.models import Agency, Complaint, Role, User
    from routing import referrals
    from routing.models import Referral

    Agency.objects.filter(code="ccib").update(
        delivery_method="webhook",
        webhook_url=f"http://127.0.0.1:{args.port}/occ/referrals",
        webhook_secret=bench.SECRET,
    )
    if not User.objects.filter(role=Role.AGENT).exists():
        User.objects.create(username="bench-agent", role=Role.AGENT)
    bench.cases_bulk(args.cases)
    receiver = subprocess.Popen(
        [sys.executable, "-c", bench.RECEIVER, str(args.port), bench.SECRET, str(ROOT)], cwd=ROOT
    )
    try:
        time.sleep(1.0)
        agency = Agency.objects.get(code="ccib")
        agent = User.objects.filter(role=Role.AGENT).first()
        ids = list(
            Complaint.objects.filter(category__code="financial_scam")
            .order_by("id")
            .values_list("id", flat=True)
        )
        with connection.cursor() as cur:
            cur.execute("SELECT pg_backend_pid()")
            backend = cur.fetchone()[0]

        def route(cid: int) -> None:
            referrals.referral_create(
                complaint=Complaint(pk=cid),
                agency=agency,
                purpose="investigation",
                basis="related_agency",
                actor=agent,
            )

        def deliver(rid: int) -> None:
            assert referrals.referral_deliver(referral_id=rid) == "delivered"

        phases = [("route", route, lambda: ids), ("deliver", deliver, None)]
        for name, call, items in phases:
            todo = items() if items else list(Referral.objects.order_by("id").values_list("id", flat=True))
            warm, rest = todo[:20], todo[20:]
            for item in warm:  # connections, prepared statements, caches
                call(item)
            profiler = cProfile.Profile() if args.profile == name else None
            with CaptureQueriesContext(connection) as queries:
                call(rest[0])
            pg0, cpu0 = bench.proc_cpu(backend), time.process_time()
            t0 = time.perf_counter()
            if profiler:
                profiler.enable()
            for item in rest[1:]:
                call(item)
            if profiler:
                profiler.disable()
            wall = time.perf_counter() - t0
            cpu, pg = time.process_time() - cpu0, (bench.proc_cpu(backend) or 0) - (pg0 or 0)
            n = len(rest) - 1
            print(
                f"{name}: {n} calls, app CPU {cpu * 1000 / n:.2f} ms/call, PostgreSQL CPU "
                f"{pg * 1000 / n:.2f} ms/call, {len(queries)} statements/call, wall {wall * 1000 / n:.2f} ms/call"
                + (" (under cProfile)" if profiler else "")
            )
            for q in queries.captured_queries:
                print("    ", q["sql"][:160])
            if profiler:
                profiler.dump_stats(f"/tmp/routing-{name}.prof")
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)
        print("receiver:", bench.receiver_stats(args.port))
    finally:
        receiver.terminate()
        receiver.wait()


if __name__ == "__main__":
    main()
