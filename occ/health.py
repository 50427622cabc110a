"""Readiness for monitoring and load balancers: can this process reach what it depends on?

GET /health/ answers 200 when the database, the cache and the task broker all answer, else 503
naming the part that did not. Only "ok" / "unavailable" and milliseconds: no hosts, versions or
error texts (the endpoint needs no log-in). Each probe gives up after about a second."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _cache() -> None:
    cache.set("occ:health:probe", "1", 10)
    if cache.get("occ:health:probe") != "1":
        raise RuntimeError("cache did not keep a value")


def _broker() -> None:
    url = settings.CELERY_BROKER_URL
    if settings.CELERY_TASK_ALWAYS_EAGER or not url.startswith(("redis://", "rediss://")):
        return  # tasks run in-process (embedded default): there is no broker to reach
    import redis

    redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()


log = logging.getLogger(__name__)

PROBES: dict[str, Callable[[], None]] = {"database": _database, "cache": _cache, "broker": _broker}


@never_cache
@require_GET
def health(request):
    checks: dict[str, dict] = {}
    for name, probe in PROBES.items():
        started = time.perf_counter()
        try:
            probe()
            state = "ok"
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready"; details stay in the log
            log.warning("health: %s unavailable (%s)", name, type(exc).__name__)
            state = "unavailable"
        checks[name] = {"status": state, "ms": round((time.perf_counter() - started) * 1000, 1)}
    ready = all(c["status"] == "ok" for c in checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503
    )


class HealthMiddleware:
    """Answers GET /health/ before host validation, HTTPS redirect and sessions, so the container
    health check and a load balancer can probe ``http://127.0.0.1:8000/health/`` directly."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == "/health/" and request.method == "GET":
            return health(request)
        return self.get_response(request)
