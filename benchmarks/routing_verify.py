"""The transfer log's verifier on an existing database, this tree's against another commit's, in
turns (the same minutes, the same rows): wall time and this process's CPU per run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/route_bench \\
        .venv/bin/python benchmarks/routing_verify.py [--against bb11562] [--rounds 2]

Run it on the database benchmarks/routing.py leaves behind (BENCH_DB, with --records 100000).
The other commit's privacy/transfer_log.py is read with ``git show`` and loaded beside this one.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--against", default=None, help="a commit whose verify() runs in turns with this one")
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")
    import django

    django.setup()
    from privacy import transfer_log

    runs = [("this tree", transfer_log)]
    if args.against:
        source = subprocess.run(
            ["git", "show", f"{args.against}:privacy/transfer_log.py"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        other = types.ModuleType("privacy.transfer_log_other")
        other.__package__ = "privacy"
        sys.modules[other.__name__] = other
        exec(compile(source, f"{args.against}:privacy/transfer_log.py", "exec"), other.__dict__)  # noqa: S102 - a commit of this repository
        runs.insert(0, (args.against, other))
    for _ in range(args.rounds):
        for name, module in runs:
            cpu, wall = time.process_time(), time.perf_counter()
            result = module.verify()
            print(
                f"{name}: verify() of {result.checked} records, ok={result.ok}: "
                f"{time.perf_counter() - wall:.2f} s wall, {time.process_time() - cpu:.2f} s of CPU",
                flush=True,
            )


if __name__ == "__main__":
    main()
