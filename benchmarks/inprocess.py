"""App CPU per request, measured in one process without HTTP: the WSGI application called
directly (every middleware, the view, the database round trips) with a ready WSGI environ, as
gunicorn would call it, so the CPU time of this process is the app's own (PostgreSQL's is not
counted). For profiling the hot paths between full runs of benchmarks/intake.py.

    .venv/bin/python benchmarks/inprocess.py [--n 2000] [--profile intake|track|bare] [--top 40]

Uses (drops and re-creates) the database $BENCH_DB (default `occ_bench_inprocess`) on $BENCH_PG,
the benchmark settings (prepared statements, production throttles on the Redis cache
$BENCH_CACHE) and tasks to the outbox (no relay runs: nothing is published).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DB = os.environ.get("BENCH_DB", "occ_bench_inprocess")

# the same complaint body as the HTTP benchmark, so both measure the same request
sys.path.insert(0, str(Path(__file__).resolve().parent))
from intake import body  # noqa: E402


def environ(path: str, payload: bytes, i: int, extra: dict | None = None) -> dict:
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8100",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1:8100",
        "HTTP_X_FORWARDED_FOR": f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(payload)),
        "wsgi.input": io.BytesIO(payload),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
        **(extra or {}),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument(
        "--profile", choices=["intake", "intake-idem", "track", "track-wrong", "bare", "drf", "floor"]
    )
    ap.add_argument(
        "--only", choices=["intake", "intake-idem", "track", "track-wrong", "bare", "drf", "floor"]
    )
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--dump", help="with --profile: also write the pstats file here")
    ap.add_argument(
        "--inclusive",
        help="with --only: comma-separated function names; prints the calls made inside each, per request",
    )
    ap.add_argument("--sort", default="cumulative")
    ap.add_argument("--reuse", action="store_true", help="keep the database of a previous run")
    args = ap.parse_args()

    env = {
        "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
        "DATABASE_URL": f"{PG}/{DB}",
        "CELERY_BROKER_URL": os.environ.get("BENCH_BROKER", "redis://127.0.0.1:6379/13"),
        "REDIS_CACHE_URL": os.environ.get("BENCH_CACHE", "redis://127.0.0.1:6379/14"),
        "BENCH_THROTTLES": "production",
    }
    os.environ.update(env)
    if not args.reuse:
        for sql in (f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)", f"CREATE DATABASE {DB}"):
            subprocess.run(["psql", f"{PG}/postgres", "-qc", sql], check=True, capture_output=True)
        py = sys.executable
        subprocess.run([py, "manage.py", "migrate", "-v0"], cwd=ROOT, check=True)
        subprocess.run(
            [py, "manage.py", "load_demo", "--no-users"], cwd=ROOT, check=True, capture_output=True
        )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from occ.handlers import get_wsgi_application

    app = get_wsgi_application()
    seen: list[str] = []

    def start_response(status, headers, exc_info=None):
        seen.append(status)

    def call(path: str, payload: bytes, i: int, extra=None) -> bytes:
        out = b"".join(app(environ(path, payload, i, extra), start_response))
        return out

    base = int(time.time()) % 100000 * 100000

    def intake(i: int, idem: bool = False) -> bytes:
        extra = {"HTTP_IDEMPOTENCY_KEY": f"k-{base + i}"} if idem else None
        return call("/api/v1/complaints/", json.dumps(body(base + i), ensure_ascii=False).encode(), i, extra)

    tracked = []
    for i in range(200):
        r = json.loads(intake(10_000_000 + i))
        tracked.append((r["reference"], r["tracking_code"]))
    for i in range(200):
        call("/bench/bare/", b"{}", i)
        call("/bench/drf/", b"{}", i)

    def track(i: int, wrong: bool = False) -> bytes:
        ref, code = tracked[i % len(tracked)]
        if wrong:
            code = "AAAA-BBBB-CCCC-DDDD"
        return call("/api/v1/track/", json.dumps({"reference": ref, "tracking_code": code}).encode(), i)

    kinds = {
        "bare": lambda i: call("/bench/bare/", b"{}", i),
        "drf": lambda i: call("/bench/drf/", b'{"p": "x"}', i),
        "floor": lambda i: call(
            "/bench/floor/", json.dumps(body(base + 5_000_000 + i), ensure_ascii=False).encode(), i
        ),
        "intake": intake,
        "intake-idem": lambda i: intake(i, True),
        "track": track,
        "track-wrong": lambda i: track(i, True),
    }
    from django.db import connection

    def backend_cpu() -> float:
        """CPU seconds of this connection's PostgreSQL backend so far (same machine)."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        raw = Path(f"/proc/{pid}/stat").read_text()
        fields = raw[raw.rindex(")") + 2 :].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    for kind in [args.profile] if args.profile else [args.only] if args.only else kinds:
        fn = kinds[kind]
        for i in range(50):  # warm (prepared statements, caches)
            fn(20_000_000 + i)
        seen.clear()
        calls = cProfile.Profile()  # Python calls per request: a deterministic proxy of CPU
        calls.enable()
        for i in range(20):
            fn(25_000_000 + i)
        calls.disable()
        ncalls = pstats.Stats(calls).total_calls / 20  # type: ignore[attr-defined]
        if args.inclusive:
            print(kind, "calls inside, per request:", _inclusive(fn, args.inclusive.split(",")))
        pg0 = backend_cpu()
        prof = cProfile.Profile(time.process_time) if args.profile else None  # CPU, not waits
        cpu0, wall0 = time.process_time(), time.perf_counter()
        if prof:
            prof.enable()
        for i in range(args.n):
            fn(i + (30_000_000 if kind.startswith("intake") else 0))
        if prof:
            prof.disable()
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        pg = backend_cpu() - pg0
        bad = [s for s in seen if not s.startswith(("200", "201", "404"))]
        codes = sorted({s.split()[0] for s in seen})
        print(
            f"{kind:<12} app CPU {cpu * 1000 / args.n:6.2f} ms, postgres {pg * 1000 / args.n:5.2f} ms per request, "
            f"{ncalls:6.0f} Python calls, wall {wall * 1000 / args.n:6.2f} ms "
            f"({args.n} requests, answers {codes}{', UNEXPECTED ' + str(bad[:3]) if bad else ''})"
        )
        if prof:
            if args.dump:
                prof.dump_stats(args.dump)
            stream = io.StringIO()
            pstats.Stats(prof, stream=stream).sort_stats(args.sort).print_stats(args.top)
            print(stream.getvalue())


def _inclusive(fn, names: list[str], n: int = 20) -> dict[str, float]:
    """Calls (Python and built-in, as cProfile counts them) made inside each named function."""
    counts = dict.fromkeys(names, 0)
    active: list[tuple[object, str]] = []

    def hook(frame, event, arg):
        if event in ("call", "c_call"):
            for _, name in active:
                counts[name] += 1
            if event == "call" and frame.f_code.co_name in counts:
                active.append((frame, frame.f_code.co_name))
        elif event == "return" and active and active[-1][0] is frame:
            active.pop()

    sys.setprofile(hook)
    try:
        for i in range(n):
            fn(40_000_000 + i)
    finally:
        sys.setprofile(None)
    return {name: round(count / n) for name, count in counts.items()}


if __name__ == "__main__":
    main()
