"""Privacy operations on PostgreSQL: a full access export for a person with 100 complaints, and
a purge of 1,000,000 traffic records with 1% under legal holds.

    .venv/bin/python benchmarks/privacy.py [--complaints 100] [--traffic 1000000]

Prints the time and the peak Python memory (tracemalloc) of each, and the RSS growth of the
process during the purge. Targets: the export under 1 s; the purge flat in memory.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import subprocess
import sys
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DB = "occ_bench_privacy"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--complaints", type=int, default=100)
    ap.add_argument("--traffic", type=int, default=1_000_000)
    args = ap.parse_args()
    subprocess.run(
        ["psql", f"{PG}/postgres", "-qc", f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)"], check=True
    )
    subprocess.run(["psql", f"{PG}/postgres", "-qc", f"CREATE DATABASE {DB}"], check=True)
    os.environ.update({"DJANGO_SETTINGS_MODULE": "benchmarks.settings", "DATABASE_URL": f"{PG}/{DB}"})
    os.environ.pop("CELERY_BROKER_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    call_command("load_demo", stdout=io.StringIO())
    from complaints.models import Category, Complaint, Role, TimelineEvent, User
    from complaints.services.intake import complaint_register
    from privacy.models import TrafficRecord
    from privacy.ops.services.export import person_export
    from privacy.ops.services.requests import dsr_file_by_agent
    from privacy.ops.services.retention import legal_hold_place, traffic_purge

    cat = Category.objects.get(code="online_shopping")
    agent = User.objects.get(role=Role.AGENT)
    t0 = time.perf_counter()
    for i in range(args.complaints):
        c = complaint_register(
            channel="web",
            category=cat,
            description=f"เรื่องที่ {i} โทร 0812345678",
            identity={"email": "person@example.com", "name": "ผู้ทดสอบ"},
            acknowledge=False,
        ).complaint
        TimelineEvent.objects.bulk_create(
            [
                TimelineEvent(complaint=c, kind="public_update", is_public=True, text=f"update {j}")
                for j in range(5)
            ]
        )
    print(f"setup: {args.complaints} complaints for one person in {time.perf_counter() - t0:.1f} s")
    request = dsr_file_by_agent(
        actor=agent,
        complaint=Complaint.objects.first(),
        type="access",
        details={},
        identity_check="benchmark",
    )
    person_export(request=request)  # warm
    tracemalloc.start()
    t0 = time.perf_counter()
    doc = person_export(request=request)
    wall = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"access export: {len(doc['data']['complaints'])} complaints, {wall * 1000:.0f} ms, "
        f"peak {peak / 1e6:.1f} MB"
    )

    t0 = time.perf_counter()
    old = timezone.now() - timedelta(days=120)
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO privacy_trafficrecord (at, ip_address, user_agent, host, method, path, referrer, "
            "status_code, channel, complaint_reference) SELECT %s - (g || ' seconds')::interval, "
            "('198.51.' || (g %% 100) || '.' || (g %% 250))::inet, 'bench', 'occ', 'GET', '/api/v1/categories/', "
            "'', 200, '', '' FROM generate_series(1, %s) g",
            [old, args.traffic],
        )
    print(f"setup: {args.traffic} traffic records in {time.perf_counter() - t0:.1f} s")
    officer = User.objects.get(role=Role.PRIVACY_OFFICER)
    # 1 % of rows: the addresses 198.51.0.x (g % 100 == 0)
    held_ips = set(
        TrafficRecord.objects.filter(ip_address__startswith="198.51.0.")
        .values_list("ip_address", flat=True)
        .distinct()[:1000]
    )
    for ip in held_ips:
        legal_hold_place(
            actor=officer,
            scope="ip",
            ip_address=ip,
            order_reference=f"B-{ip}",
            issuing_authority="bench",
            expires_at=timezone.now() + timedelta(days=300),
        )
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    t0 = time.perf_counter()
    run = traffic_purge()
    wall = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        f"traffic purge: {run.rows_purged} purged, {run.rows_held} held by {len(held_ips)} holds, "
        f"{run.batches} batches, {wall:.1f} s, tracemalloc peak {peak / 1e6:.1f} MB, "
        f"RSS growth {(rss1 - rss0) / 1024:.1f} MB"
    )
    connection.close()
    subprocess.run(
        ["psql", f"{PG}/postgres", "-qc", f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)"], check=True
    )


if __name__ == "__main__":
    main()
