"""E-mail ingestion throughput and memory on PostgreSQL.

    .venv/bin/python benchmarks/email_ingest.py [--n 10000] [--workers 2]

Generates N mixed messages (Thai and English, UTF-8 and TIS-620, some with a PNG attachment, some
automatic replies) into a Maildir, ingests them in one process (``--workers`` threads of it, default
OCC_EMAIL_INGEST_WORKERS) into a fresh database (BENCH_MAIL_DB, default `occ_bench_mail`, on the
server BENCH_PG; the broker BENCH_BROKER), and prints messages/s, the CPU ms per message of the
process and of its PostgreSQL backends (read from /proc for every backend of the database, sampled
every 0.1 s: PostgreSQL must run on this machine), and the process's resident memory sampled
through the run (at 10 %, 50 % and 100 % of it: flat means it does not grow with the number of
messages). Then 300 more messages in one thread with every statement counted (statements per
message; each transaction adds its BEGIN and COMMIT round trips), and 300 more under cProfile
(Python calls per message: deterministic, comparable across machines and loads). Throughput is measured
without tracemalloc, which slows Python down severalfold; the Python heap peak is then measured
with tracemalloc on a further 1,000 messages. Finally it ingests the first Maildir again and
prints how many complaints the second pass created (target: 0).
"""

from __future__ import annotations

import argparse
import io
import mailbox
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from email.header import Header
from email.mime.image import MIMEImage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formatdate
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DB = os.environ.get("BENCH_MAIL_DB", "occ_bench_mail")


def png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (32, 32), (10, 120, 200)).save(buf, "PNG")
    return buf.getvalue()


def build(i: int, image: bytes) -> bytes:
    thai = i % 2 == 0
    body = (
        f"ซื้อสินค้าออนไลน์แล้วไม่ได้รับของ รายการที่ {i} โอนเงินไป {100 + i} บาท"
        if thai
        else f"Paid for item {i} online and never received it."
    )
    charset = "tis-620" if i % 4 == 0 else "utf-8"
    root = MIMEMultipart("mixed")
    text = MIMEText("", "plain")
    text.set_payload(body.encode("cp874" if charset == "tis-620" else "utf-8"))
    text.replace_header("Content-Type", f"text/plain; charset={charset}")
    root.attach(text)
    if i % 5 == 0:
        part = MIMEImage(image, "png")
        part.add_header("Content-Disposition", "attachment", filename=f"slip-{i}.png")
        root.attach(part)
    root["From"] = f"{Header('ผู้ร้อง', 'utf-8').encode()} <sender{i % 3000}@example.com>"
    root["To"] = "1212@mdes.go.th"
    root["Subject"] = Header(f"ร้องเรียน {i}" if thai else f"Complaint {i}", "utf-8").encode()
    root["Date"] = formatdate()
    if i % 10 != 0:
        root["Message-ID"] = f"<bench-{i}@example.com>"
    if i % 50 == 0:
        root["Auto-Submitted"] = "auto-replied"
    return root.as_bytes()


def rss_now_mb() -> float:
    """Resident memory of this process now (Linux /proc), in MB."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() / 1e6


class BackendCpu:
    """CPU seconds used by the PostgreSQL backends of one database while it runs: every 0.1 s the
    database's backends are listed (pg_stat_activity) and their CPU read from /proc/<pid>/stat; a
    backend that started during the run counts from zero. What a backend used in the last 0.1 s
    before it closed is missed (the ingest threads close theirs at the end)."""

    def __init__(self, url: str) -> None:
        import psycopg

        self.conn = psycopg.connect(url, autocommit=True)
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.running = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def _cpu(pid: int) -> float | None:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def _sample(self, started: float | None) -> None:
        rows = self.conn.execute(
            "SELECT pid, extract(epoch FROM backend_start) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
        for pid, backend_start in rows:
            used = self._cpu(pid)
            if used is None:
                continue
            if pid not in self.first:
                self.first[pid] = 0.0 if started is not None and float(backend_start) >= started else used
            self.last[pid] = used

    def _run(self) -> None:
        started = time.time()
        while self.running.is_set():
            self._sample(started)
            time.sleep(0.1)

    def start(self) -> None:
        self._sample(None)
        self.running.set()
        self.thread.start()

    def stop(self) -> float:
        self.running.clear()
        self.thread.join()
        self._sample(0.0)
        self.conn.close()
        return sum(self.last[pid] - self.first[pid] for pid in self.last)


def calls_per_message(image: bytes, start: int, n: int = 300) -> None:
    """Ingest n more messages in this thread under cProfile: Python calls per message (the same on
    any machine, so a before/after on a loaded machine still compares)."""
    import cProfile
    import pstats

    from channels_intake.email.sources import ingest_paths

    folder = Path(tempfile.mkdtemp(prefix="occ-bench-maildir-")) / "Maildir"
    box = mailbox.Maildir(str(folder))
    for i in range(start, start + n):
        box.add(build(i, image))
    box.flush()
    profile = cProfile.Profile()
    profile.enable()
    ingest_paths([str(folder)], mailbox_name="bench", workers=1)
    profile.disable()
    calls = pstats.Stats(profile).total_calls  # type: ignore[attr-defined]
    print(f"calls:       {calls / n:.0f} Python calls per message in one thread")


def statements_per_message(image: bytes, start: int, n: int = 300) -> None:
    """Ingest n more messages in this thread with every statement counted (by kind)."""
    from collections import Counter

    from django.db import connection

    from channels_intake.email.sources import ingest_paths

    folder = Path(tempfile.mkdtemp(prefix="occ-bench-maildir-")) / "Maildir"
    box = mailbox.Maildir(str(folder))
    for i in range(start, start + n):
        box.add(build(i, image))
    box.flush()
    kinds: Counter = Counter()

    def count(execute, sql, params, many, context):
        kinds[" ".join(sql.split()[:1]).upper()] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        ingest_paths([str(folder)], mailbox_name="bench", workers=1)
    total = sum(kinds.values())
    print(
        f"statements:  {total / n:.2f} per message in one thread, + BEGIN and COMMIT per transaction "
        f"({', '.join(f'{k} {v / n:.2f}' for k, v in kinds.most_common())})"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--workers", type=int, default=None, help="threads (default OCC_EMAIL_INGEST_WORKERS)")
    args = ap.parse_args()
    subprocess.run(
        ["psql", f"{PG}/postgres", "-qc", f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)"], check=True
    )
    subprocess.run(["psql", f"{PG}/postgres", "-qc", f"CREATE DATABASE {DB}"], check=True)
    # As in production: acknowledgements are tasks for the worker (Redis), not work of the ingester.
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
            "DATABASE_URL": f"{PG}/{DB}",
            "CELERY_BROKER_URL": os.environ.get("BENCH_BROKER", "redis://127.0.0.1:6379/13"),
        }
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_demo", "--no-users", stdout=io.StringIO())
    media = tempfile.mkdtemp(prefix="occ-bench-media-")
    settings.MEDIA_ROOT = media
    settings.OCC_ACK_PER_SENDER_PER_HOUR = 10**9

    from channels_intake.email.sources import ingest_paths
    from complaints.models import Complaint

    folder = Path(tempfile.mkdtemp(prefix="occ-bench-maildir-")) / "Maildir"
    box = mailbox.Maildir(str(folder))
    image = png()
    t0 = time.perf_counter()
    for i in range(args.n):
        box.add(build(i, image))
    box.flush()
    print(f"generated {args.n} messages into {folder} in {time.perf_counter() - t0:.1f} s")

    samples: list[tuple[float, float]] = []
    running = threading.Event()
    running.set()

    def sample() -> None:
        while running.is_set():
            samples.append((time.perf_counter(), rss_now_mb()))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    backends = BackendCpu(f"{PG}/{DB}")
    workers = args.workers if args.workers is not None else settings.OCC_EMAIL_INGEST_WORKERS
    backends.start()
    t0, cpu0 = time.perf_counter(), time.process_time()
    sampler.start()
    counts = ingest_paths([str(folder)], mailbox_name="bench", workers=workers)
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    running.clear()
    sampler.join()
    pg_cpu = backends.stop()
    print(
        f"first pass:  {args.n / wall:7.1f} messages/s ({wall:.1f} s, {workers} thread(s)), CPU ms per message: "
        f"this process {cpu * 1000 / args.n:.2f}, its PostgreSQL backends {pg_cpu * 1000 / args.n:.2f} "
        f"(capacity of one core for the process {args.n / cpu:.0f}/s)  states={dict(counts)}"
    )

    def rss_at(fraction: float) -> float:
        return next((mb for at, mb in samples if at - t0 >= fraction * wall), samples[-1][1])

    print(
        f"memory:      RSS {rss_at(0.1):.1f} MB at 10 %, {rss_at(0.5):.1f} MB at 50 %, {rss_at(1.0):.1f} MB at the end "
        f"(max {max(mb for _, mb in samples):.1f} MB)"
    )
    extra = Path(tempfile.mkdtemp(prefix="occ-bench-maildir-")) / "Maildir"
    box2 = mailbox.Maildir(str(extra))
    for i in range(args.n, args.n + 1000):
        box2.add(build(i, image))
    box2.flush()
    tracemalloc.start()
    ingest_paths([str(extra)], mailbox_name="bench")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"             tracemalloc peak over 1,000 further messages: {peak / 1e6:.1f} MB")
    before = Complaint.objects.count()
    t0 = time.perf_counter()
    counts = ingest_paths([str(folder)], mailbox_name="bench")
    wall = time.perf_counter() - t0
    print(
        f"second pass: {args.n / wall:7.1f} messages/s, complaints created: {Complaint.objects.count() - before}"
    )
    statements_per_message(image, args.n + 2000)
    calls_per_message(image, args.n + 3000)
    from django.db import connections

    from occ.celery import app

    app.control.purge()
    connections.close_all()
    subprocess.run(
        ["psql", f"{PG}/postgres", "-qc", f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)"], check=True
    )


if __name__ == "__main__":
    main()
