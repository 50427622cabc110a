"""Routing and delivery on PostgreSQL with real Celery workers, and the transfer log's verifier.

    .venv/bin/python benchmarks/routing.py [--cases 10000] [--records 100000] [--workers 2]
                                           [--routers 2] [--port 8401] [--redis-port 6401]

1. Fills a fresh database (BENCH_DB, default `occ_bench_routing`) with the demo data and N cases
   (bulk rows: the intake is benchmarks/intake.py's subject), points the agency `ccib` at a local
   webhook receiver (a small asyncio HTTP server in its own process that checks every request's
   Standard Webhooks signature and counts distinct `webhook-id`s), and starts a Redis of its own
   (`--redis-port`), one outbox relay (`manage.py outbox_relay`) and a Celery worker
   (`-Q delivery,intake`, `--workers` prefork children).
2. Routes the N cases: `--routers` processes call `referral_create` (the agent's confirmation:
   the gate is asked, the referral, its timeline entry and its outbox row in one transaction),
   while the relay hands the rows to Celery and the workers deliver (claim, the gate asked again,
   the signed POST, one transfer record). The clock runs from the first routing call until every
   referral is `delivered`. Target: 10,000 in < 60 s.
3. Checks the guarantees afterwards: every referral delivered once by state, one transfer record
   per release (disclosures == referrals), the receiver saw every delivery id and no bad
   signature (at-least-once: a repeat is counted, not refused), the chain verifies.
4. Prints the CPU milliseconds per delivery of every process taking part (read from /proc while
   they run: worker parent and children, relay, routers, receiver, the PostgreSQL backends of the
   benchmark database, our Redis) and their sum.
5. Appends records to the transfer log (bulk, hashes chained as transfer_append chains them)
   until it holds `--records`, then times `privacy.transfer_log.verify()` over all of them.
   Target: 100,000 in < 10 s.

Environment: BENCH_PG (server URL, default postgres://postgres@127.0.0.1:5432), BENCH_DB.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DB = os.environ.get("BENCH_DB", "occ_bench_routing")
SECRET = "whsec_" + "QmVuY2htYXJrIHNlY3JldCBvZiB0aGUgcm91dGluZyBiZW5jaA=="  # fixed: reruns compare

RECEIVER = r"""
import asyncio, json, sys
sys.path.insert(0, sys.argv[3])
from occ.signing import webhooks

port, secret = int(sys.argv[1]), sys.argv[2]
seen, stats = set(), {"received": 0, "bad": 0}

async def handle(reader, writer):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, path = lines[0].split(" ")[:2]
            headers = dict(l.split(": ", 1) for l in lines[1:] if ": " in l)
            lower = {k.lower(): v for k, v in headers.items()}
            body = await reader.readexactly(int(lower.get("content-length", "0")))
            if method == "GET":
                out = json.dumps({**stats, "unique": len(seen)}).encode()
            else:
                stats["received"] += 1
                try:
                    seen.add(webhooks.verify(secret=secret, headers=lower, body=body))
                except webhooks.WebhookVerificationError:
                    stats["bad"] += 1
                out = b"{}"
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                         + str(len(out)).encode() + b"\r\n\r\n" + out)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()

async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=512)
    async with server:
        await server.serve_forever()

asyncio.run(main())
"""


# --- processes and their CPU ----------------------------------------------------------------------

TICK = os.sysconf("SC_CLK_TCK")


def proc_cpu(pid: int) -> float | None:
    """CPU seconds (user + system) a process has used so far, None once it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def children(pid: int) -> list[int]:
    try:
        found = []
        for task in Path(f"/proc/{pid}/task").iterdir():
            found += [int(c) for c in (task / "children").read_text().split()]
        return found
    except OSError:
        return []


class CpuWatch:
    """Samples the CPU of labelled processes while they run, so processes that end during the
    run (routers, short-lived backends) are counted up to their last sample."""

    def __init__(self, pg_dsn: str):
        self.roots: dict[int, str] = {}
        self.start: dict[int, float] = {}
        self.last: dict[int, tuple[str, float]] = {}
        self.pg_dsn = pg_dsn
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def add(self, pid: int, label: str) -> None:
        self.roots[pid] = label

    def _pids(self, pg) -> dict[int, str]:
        found = {}
        for pid, label in list(self.roots.items()):
            found[pid] = label
            for child in children(pid):
                found[child] = label + " (child)" if label == "worker" else label
        with pg.cursor() as cur:
            cur.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [DB]
            )
            for (pid,) in cur.fetchall():
                found[pid] = "postgres"
        return found

    def sample(self, pg) -> None:
        for pid, label in self._pids(pg).items():
            cpu = proc_cpu(pid)
            if cpu is not None:
                self.last[pid] = (label, cpu)  # a process first seen later counts from its start

    def begin(self) -> None:
        import psycopg

        self._pg = psycopg.connect(self.pg_dsn, autocommit=True)
        self.sample(self._pg)
        self.start = {pid: cpu for pid, (_, cpu) in self.last.items()}
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            self.sample(self._pg)

    def end(self) -> dict[str, tuple[int, float]]:
        self._stop.set()
        self._thread.join()
        self.sample(self._pg)
        self._pg.close()
        used: dict[str, tuple[int, float]] = {}
        for pid, (label, cpu) in self.last.items():
            n, total = used.get(label, (0, 0.0))
            used[label] = (n + 1, total + cpu - self.start.get(pid, 0.0))
        return used


# --- the router child -------------------------------------------------------------------------------


def route_part(part: int, parts: int) -> None:
    """One router process: confirm the referral of every case whose id % parts == part."""
    import django

    django.setup()
    from complaints.models import Agency, Complaint, Role, User
    from routing.referrals import referral_create

    agency = Agency.objects.get(code="ccib")
    agent = User.objects.filter(role=Role.AGENT).first()
    ids = list(
        Complaint.objects.filter(category__code="financial_scam").order_by("id").values_list("id", flat=True)
    )
    for cid in ids[part::parts]:
        referral_create(
            complaint=Complaint(pk=cid),
            agency=agency,
            purpose="investigation",
            basis="related_agency",
            actor=agent,
        )


# --- setup ----------------------------------------------------------------------------------------


def psql(sql: str) -> None:
    subprocess.run(["psql", f"{PG}/postgres", "-qc", sql], check=True)


def cases_bulk(n: int) -> None:
    """N cases of the category the agency's agreement covers, as rows (no intake work)."""
    import hashlib

    from django.utils import timezone

    from complaints.models import Category, Complainant, Complaint

    cat = Category.objects.get(code="financial_scam")
    now = timezone.now()
    for start in range(0, n, 2000):
        size = min(2000, n - start)
        people = Complainant.objects.bulk_create(
            [
                Complainant(name=f"ผู้ทดสอบ {i}", phone=f"+6681{i:07d}", email=f"p{i}@example.com")
                for i in range(start, start + size)
            ]
        )
        Complaint.objects.bulk_create(
            [
                Complaint(
                    reference=f"OCC-2026-{900000 + i:06d}",
                    tracking_code_hash=hashlib.sha256(str(i).encode()).hexdigest(),
                    channel="web",
                    category=cat,
                    complainant=person,
                    description=f"ถูกหลอกให้โอนเงินลงทุน รายการที่ {i}",
                    amount_lost=1000 + i,
                    other_party_account=f"123-4-{i:05d}",
                    received_at=now,
                )
                for i, person in zip(range(start, start + size), people, strict=True)
            ]
        )


def transfer_log_fill(total: int) -> int:
    """Append records (chained exactly as transfer_append chains them) until the log has `total`."""
    from django.db import transaction
    from django.utils import timezone

    from privacy import transfer_log
    from privacy.models import TransferChainHead, TransferRecord

    head, _ = TransferChainHead.objects.get_or_create(id=1)
    seq, prev = head.seq, head.hash
    added = 0
    now = timezone.now()
    while seq < total:
        batch = []
        for _ in range(min(5000, total - seq)):
            seq += 1
            values = {
                "seq": seq,
                "at": now,
                "kind": "disclosure",
                "sender": transfer_log.SENDER,
                "recipient": "ccib",
                "complaint_reference": f"OCC-2026-{seq % 1000000:06d}",
                "basis": "related_agency",
                "basis_reference": "agreement 1",
                "purpose": "investigation",
                "data_categories": ["identity", "case"],
                "fields": ["complainant.name", "complainant.phone", "complaint.description"],
                "payload_sha256": f"{seq:064x}",
                "actor": "benchmark",
                "delivery_id": f"bench-{seq}",
                "prev_hash": prev,
            }
            values["hash"] = prev = transfer_log.record_hash(values)
            batch.append(TransferRecord(**values))
        with transaction.atomic():
            TransferRecord.objects.bulk_create(batch)
            TransferChainHead.objects.filter(id=1).update(seq=seq, hash=prev)
        added += len(batch)
    return added


def receiver_stats(port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/stats", timeout=5) as r:
        return json.loads(r.read())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=10_000)
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--workers", type=int, default=2, help="Celery prefork children")
    ap.add_argument("--routers", type=int, default=2, help="processes confirming referrals")
    ap.add_argument("--port", type=int, default=8401, help="the webhook receiver's port")
    ap.add_argument("--redis-port", type=int, default=6401, help="the benchmark's own Redis")
    ap.add_argument("--timeout", type=float, default=600.0)
    ap.add_argument("--route-part", type=int, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--parts", type=int, default=1, help=argparse.SUPPRESS)
    args = ap.parse_args()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
        "DATABASE_URL": f"{PG}/{DB}",
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{args.redis_port}/0",
        "PYTHONPATH": str(ROOT),
        "LOG_LEVEL": "WARNING",
    }
    env.pop("CELERY_RESULT_BACKEND", None)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    if args.route_part is not None:
        route_part(args.route_part, args.parts)
        return

    py = sys.executable
    procs: dict[str, subprocess.Popen] = {}
    work = Path(os.environ.get("TMPDIR", "/tmp")) / f"occ-bench-routing-{os.getpid()}"
    work.mkdir(parents=True, exist_ok=True)

    def start(name: str, cmd: list[str], **kw) -> subprocess.Popen:
        log = (work / f"{name}.log").open("w")
        p = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, **kw)
        procs[name] = p
        return p

    try:
        redis = start(
            "redis",
            [
                "redis-server",
                "--port",
                str(args.redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
        )
        time.sleep(0.5)
        if redis.poll() is not None:  # e.g. the port is taken: its CPU would not be measured
            raise SystemExit(f"redis-server did not start on port {args.redis_port}: see {work}/redis.log")
        psql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
        psql(f"CREATE DATABASE {DB}")
        import django

        django.setup()
        import io

        from django.core.management import call_command

        t = time.perf_counter()
        call_command("migrate", verbosity=0)
        call_command("load_demo", stdout=io.StringIO())
        from django.db.models import Count

        from complaints.models import Agency
        from privacy import transfer_log
        from privacy.models import TransferRecord
        from routing.models import Referral

        Agency.objects.filter(code="ccib").update(
            delivery_method="webhook",
            webhook_url=f"http://127.0.0.1:{args.port}/occ/referrals",
            webhook_secret=SECRET,
        )
        from complaints.models import Role, User

        if not User.objects.filter(role=Role.AGENT).exists():
            User.objects.create(username="bench-agent", role=Role.AGENT)
        cases_bulk(args.cases)
        print(f"setup: migrate, demo data and {args.cases} cases in {time.perf_counter() - t:.1f} s")

        receiver = start("receiver", [py, "-c", RECEIVER, str(args.port), SECRET, str(ROOT)])
        relay = start("relay", [py, "manage.py", "outbox_relay"])
        worker = start(
            "worker",
            [
                py,
                "-m",
                "celery",
                "-A",
                "occ",
                "worker",
                "-Q",
                "delivery,intake",
                "-c",
                str(args.workers),
                "-O",
                "fair",
                "-l",
                "warning",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
        )
        from occ.celery import app

        for _ in range(120):
            try:
                if app.control.ping(timeout=0.5) and receiver_stats(args.port) is not None:
                    break
            except OSError:
                time.sleep(0.5)
        else:
            raise SystemExit("the worker or the receiver did not start")

        watch = CpuWatch(f"{PG}/postgres")
        for name, p in (("worker", worker), ("relay", relay), ("receiver", receiver), ("redis", redis)):
            watch.add(p.pid, name)
        watch.begin()
        t0 = time.perf_counter()
        routers = [
            start(
                f"router{i}",
                [py, str(Path(__file__).resolve()), "--route-part", str(i), "--parts", str(args.routers)],
            )
            for i in range(args.routers)
        ]
        for r in routers:
            watch.add(r.pid, "router")
        routed_at = None
        delivered = 0
        while time.perf_counter() - t0 < args.timeout:
            time.sleep(0.25)
            if routed_at is None and all(r.poll() is not None for r in routers):
                routed_at = time.perf_counter() - t0
                if any(r.returncode for r in routers):
                    raise SystemExit(f"a router failed: see {work}")
            delivered = Referral.objects.filter(state="delivered").count()
            if delivered >= args.cases:
                break
        wall = time.perf_counter() - t0
        used = watch.end()
        # nothing may append to the log below while it is filled and verified
        for name in ["worker", "relay", *(f"router{i}" for i in range(args.routers))]:
            procs[name].send_signal(signal.SIGTERM)
        for name in ["worker", "relay", *(f"router{i}" for i in range(args.routers))]:
            procs[name].wait(timeout=60)
        if delivered < args.cases:
            print(
                f"TIMED OUT after {args.timeout:.0f} s (a busy machine? try --timeout): {delivered} delivered"
            )
        print(
            f"routing: {args.cases} cases routed by {args.routers} processes in {routed_at or float('nan'):.1f} s; "
            f"{delivered} delivered by {args.workers} worker processes, all in {wall:.1f} s "
            f"= {delivered / wall:.0f} deliveries/s (target: {args.cases} in < 60 s: "
            f"{'met' if delivered >= args.cases and wall < 60 else 'NOT met'})"
        )
        total = 0.0
        print("CPU ms per delivery, by process (count):")
        for label, (n, seconds) in sorted(used.items(), key=lambda x: -x[1][1]):
            ms = seconds * 1000 / max(delivered, 1)
            total += ms if label != "receiver" else 0.0  # the agency's side, not the centre's
            print(f"  {label:<16} {ms:7.2f}   ({n})")
        cores = os.cpu_count() or 1
        print(
            f"  {'centre, all':<16} {total:7.2f}   (without the receiver) -> {1000 / total if total else 0:.0f} "
            f"deliveries per CPU second; {cores} dedicated cores would deliver {args.cases} in "
            f"{args.cases * total / 1000 / cores:.0f} s"
        )

        stats = receiver_stats(args.port)
        states = dict(Referral.objects.values_list("state").annotate(n=Count("id")))
        disclosures = TransferRecord.objects.filter(kind="disclosure").count()
        distinct = TransferRecord.objects.filter(kind="disclosure").values("delivery_id").distinct().count()
        print(
            f"guarantees: referrals by state {states}; transfer records {disclosures} for {distinct} delivery ids "
            f"(one per release); receiver: {stats['received']} requests, {stats['unique']} distinct webhook-ids, "
            f"{stats['bad']} bad signatures"
        )
        # each delivered referral: one transfer record, its id received (a delivery in flight when
        # the clock stopped may have reached the receiver without being marked yet)
        n = states.get("delivered", 0)
        ok = disclosures == distinct == n and n <= stats["unique"] <= n + states.get("sending", 0)
        ok = ok and stats["bad"] == 0
        print(f"guarantees {'hold' if ok else 'BROKEN'}")

        # 5. the transfer log's verifier over `--records` records
        t = time.perf_counter()
        added = transfer_log_fill(args.records)
        print(f"transfer log: {added} records appended in {time.perf_counter() - t:.1f} s (setup)")
        t = time.perf_counter()
        result = transfer_log.verify()
        took = time.perf_counter() - t
        print(
            f"transfer log: verify() of {result.checked} records in {took:.2f} s = {result.checked / took:,.0f} "
            f"records/s, ok={result.ok} (target: {args.records} in < 10 s: "
            f"{'met' if result.ok and took < 10 else 'NOT met'})"
        )
        if not ok or not result.ok or delivered < args.cases:
            sys.exit(1)
    finally:
        for p in reversed(list(procs.values())):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs.values():
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


if __name__ == "__main__":
    main()
