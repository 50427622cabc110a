"""Prometheus metrics for operators, on ``GET /metrics/`` behind a bearer secret.

Access: the endpoint answers only a request carrying ``Authorization: Bearer <OCC_METRICS_TOKEN>``
(compared in constant time); without the setting, or with a wrong token, it is a 404 like any
unknown URL. Keep the port private as well (scrape from the internal network).

What it exposes (docs/operations.md, "Metrics"):
- ``occ_http_requests_total{method,route,status}`` and ``occ_http_request_duration_seconds{route}``:
  counted by ``MetricsMiddleware`` per process; the route is the URL pattern (``api/v1/track/``),
  never the path, so no reference or code reaches a label. Under gunicorn set
  ``PROMETHEUS_MULTIPROC_DIR`` (compose does) so every worker process is summed.
- ``occ_task_runs_total{task,outcome}`` and ``occ_task_run_seconds_total{task}``: written by the Celery
  worker (task_postrun / task_failure / task_retry) into the shared cache (Redis), so the web
  endpoint sees every worker on every machine.
- ``occ_queue_depth{queue}``: messages waiting in each broker queue (intake, delivery, media, privacy).
- ``occ_referrals{state}``, ``occ_inbound_quarantined{channel}``, ``occ_dsr_overdue``: read from
  the database at scrape time.
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

REQUESTS = Counter("occ_http_requests_total", "HTTP requests answered", ["method", "route", "status"])
LATENCY = Histogram(
    "occ_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["route"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)

TASK_OUTCOMES = ("succeeded", "failed", "retried")
_TASK_KEY = "occ:metrics:task:{name}:{outcome}"
_TASK_SECONDS_KEY = "occ:metrics:task:{name}:seconds_ms"


class MetricsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        route = match.route if match is not None and match.route else "unmatched"
        REQUESTS.labels(request.method, route, str(response.status_code)).inc()
        LATENCY.labels(route).observe(time.perf_counter() - started)
        return response


# --- task runs (recorded by the worker) ----------------------------------------------------------
def _incr(key: str, by: int = 1) -> None:
    try:
        cache.add(key, 0, timeout=None)
        cache.incr(key, by)
    except Exception:  # noqa: BLE001, S110 - a metric must never fail a task
        pass


_started: dict[str, float] = {}


def on_task_prerun(task_id: str | None = None, **_: Any) -> None:
    if task_id:
        _started[task_id] = time.perf_counter()


def on_task_postrun(task_id: str | None = None, task: Any = None, state: str | None = None, **_: Any) -> None:
    name = getattr(task, "name", "unknown")
    started = _started.pop(task_id or "", None)
    if started is not None:
        _incr(_TASK_SECONDS_KEY.format(name=name), int((time.perf_counter() - started) * 1000))
    outcome = {"SUCCESS": "succeeded", "FAILURE": "failed", "RETRY": "retried"}.get(state or "")
    if outcome:
        _incr(_TASK_KEY.format(name=name, outcome=outcome))


def _task_names() -> list[str]:
    # every task has a route (tests/test_production.py): the routing table names them all, whether
    # or not this process has imported the task modules
    return sorted(settings.CELERY_TASK_ROUTES)


# --- scrape-time collectors ---------------------------------------------------------------------
def _queue_depths() -> dict[str, int]:
    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://")):
        return {}
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    return {q: int(client.llen(q)) for q in settings.OCC_TASK_QUEUES}


class OccCollector(Collector):
    def collect(self) -> Iterable[Any]:
        runs = CounterMetricFamily("occ_task_runs", "Celery task runs by outcome", labels=["task", "outcome"])
        seconds = CounterMetricFamily("occ_task_run_seconds", "Time spent in Celery tasks", labels=["task"])
        names = _task_names()
        keys = [_TASK_KEY.format(name=n, outcome=o) for n in names for o in TASK_OUTCOMES]
        keys += [_TASK_SECONDS_KEY.format(name=n) for n in names]
        try:
            values = cache.get_many(keys)
        except Exception:  # noqa: BLE001 - cache down: report no task figures rather than fail
            values = {}
        for n in names:
            for o in TASK_OUTCOMES:
                runs.add_metric([n, o], values.get(_TASK_KEY.format(name=n, outcome=o), 0))
            seconds.add_metric([n], values.get(_TASK_SECONDS_KEY.format(name=n), 0) / 1000)
        yield runs
        yield seconds

        depth = GaugeMetricFamily("occ_queue_depth", "Messages waiting in a task queue", labels=["queue"])
        try:
            for queue, waiting in _queue_depths().items():
                depth.add_metric([queue], waiting)
        except Exception:  # noqa: BLE001, S110 - broker down: /health/ says so; no figure here
            pass
        yield depth

        referral = apps.get_model("routing", "Referral")
        by_state = dict(referral.objects.values_list("state").annotate(n=Count("id")).order_by())
        referrals = GaugeMetricFamily("occ_referrals", "Referral deliveries by state", labels=["state"])
        for state in referral.State.values:
            referrals.add_metric([state], by_state.get(state, 0))
        yield referrals

        inbound = apps.get_model("channels_intake", "InboundItem")
        quarantined = dict(
            inbound.objects.filter(state=inbound.State.QUARANTINED)
            .values_list("channel")
            .annotate(n=Count("id"))
            .order_by()
        )
        q = GaugeMetricFamily("occ_inbound_quarantined", "Inbound items in quarantine", labels=["channel"])
        for channel, n in sorted(quarantined.items()):
            q.add_metric([channel], n)
        yield q

        dsr = apps.get_model("privacy_ops", "DataSubjectRequest")
        overdue = dsr.objects.filter(status=dsr.Status.RECEIVED, due_at__lt=timezone.now()).count()
        yield GaugeMetricFamily("occ_dsr_overdue", "Data-subject requests past their due date", value=overdue)


def _registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        from prometheus_client import REGISTRY

        registry = REGISTRY  # one process (runserver, tests): its own counters
    return registry


_occ_collector = OccCollector()


def _authorised(request) -> bool:
    token = getattr(settings, "OCC_METRICS_TOKEN", "")
    given = request.headers.get("Authorization", "")
    return bool(token) and hmac.compare_digest(given.encode(), f"Bearer {token}".encode())


@never_cache
@require_GET
def metrics_view(request):
    if not _authorised(request):
        raise Http404
    body = generate_latest(_registry()) + generate_latest(_SingleCollector(_occ_collector))
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)


class _SingleCollector(CollectorRegistry):
    def __init__(self, collector: Collector):
        super().__init__(auto_describe=False)
        self.register(collector)
