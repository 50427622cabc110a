"""Gunicorn settings of the web service (Dockerfile CMD, docker-compose.yml, tools/prod_smoke.py).

Every value can be overridden on the command line or with GUNICORN_CMD_ARGS."""

import os
import shutil

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# About three sync workers per core keeps the cores busy while others wait on PostgreSQL and
# Redis (benchmarks/intake.py, docs/performance.md).
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
# Large uploads (recordings) arrive in chunks; keep-alive behind a proxy.
keepalive = 5
# The application writes one JSON line per request (occ.observability.logs), naming the URL
# pattern rather than the path, so gunicorn's own access log (full paths and queries) stays off.
accesslog = None
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def on_starting(server):
    """Start with an empty Prometheus multiprocess folder (counters of a previous run are gone)."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder, exist_ok=True)


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


# No runtime control socket (it would sit in the home folder, read-only in the image).
control_socket_disable = True
