"""Desk pages with 100,000 complaints on PostgreSQL: server time of the agent queue and a case page.

    .venv/bin/python benchmarks/pages.py [--complaints 100000] [--repeat 20]

Seeds complaints with SQL (generate_series) into a fresh database `occ_bench_pages`, logs in an agent
(password + TOTP, as a person would), then times each page in-process with Django's test client
(server time: view, queries and template, no network). Target: under 200 ms each.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DB = "occ_bench_pages"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--complaints", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=20)
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
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    call_command("load_demo", stdout=io.StringIO())
    from complaints.models import Category
    from complaints.services.intake import complaint_register

    t0 = time.perf_counter()
    cat = Category.objects.get(code="online_shopping")
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO complaints_complainant (is_anonymous, name, phone, email, address, national_id, created_at) "
            "SELECT false, 'ผู้ทดสอบ ' || g, '+6681' || lpad((g %% 10000000)::text, 7, '0'), "
            "'p' || g || '@example.com', '', '', now() FROM generate_series(1, %s) g",
            [args.complaints],
        )
        cur.execute(
            "INSERT INTO complaints_complaint (reference, tracking_code_hash, channel, category_id, complainant_id, "
            "description, incident_url, other_party_account, other_party_phone, status, priority, received_at, "
            "sla_due_at, updated_at) SELECT 'OCC-2025-' || lpad(c.id::text, 6, '0'), md5(c.id::text), "
            "(ARRAY['web','app','email','phone','fax'])[1 + c.id %% 5], %s, c.id, 'รายละเอียดเรื่องร้องเรียน ' || c.id, "
            "'', '', '', (ARRAY['received','triaged','in_progress','resolved'])[1 + c.id %% 4], 'normal', "
            "now() - (c.id || ' minutes')::interval, now() + ((c.id %% 30) - 10 || ' days')::interval, now() "
            "FROM complaints_complainant c",
            [cat.pk],
        )
        cur.execute("ANALYZE")
    case = complaint_register(
        channel="web",
        category=cat,
        description="เรื่องที่ใช้วัดหน้า",
        acknowledge=False,
        identity={"phone": "0812345678"},
    ).complaint
    print(f"setup: {args.complaints} complaints in {time.perf_counter() - t0:.1f} s")

    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    client.post("/desk/login/", {"username": "agent", "password": "agent-demo-1212"})
    client.get("/desk/login/otp/")
    device = TOTPDevice.objects.get(user__username="agent")
    client.post("/desk/login/otp/", {"token": f"{totp(device.bin_key):06d}"})

    for label, url in [
        ("queue (triage)", "/desk/"),
        ("queue (overdue)", "/desk/?tab=overdue"),
        ("search by phone", "/desk/search/?phone=0812345678"),
        ("case page", f"/desk/case/{case.reference}/"),
    ]:
        client.get(url)  # warm
        times = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            with CaptureQueriesContext(connection) as ctx:
                r = client.get(url)
            times.append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200, (url, r.status_code)
        print(
            f"{label:<16} median {statistics.median(times):6.1f} ms  max {max(times):6.1f} ms  "
            f"queries {len(ctx.captured_queries)}"
        )
    connection.close()
    subprocess.run(
        ["psql", f"{PG}/postgres", "-qc", f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)"], check=True
    )


if __name__ == "__main__":
    main()
