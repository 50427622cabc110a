"""JSON log lines carrying a request id, from the web request into the tasks it enqueues.

- ``RequestIdMiddleware`` takes a well-formed ``X-Request-ID`` from the proxy or makes one, keeps
  it in a context variable for the request and answers it in the ``X-Request-ID`` header.
- ``RequestIdFilter`` puts ``request_id`` (and, in a worker, ``task_id`` / ``task_name``) on every
  record; ``JsonFormatter`` writes one JSON object per line.
- Celery: ``before_task_publish`` copies the current id into the task message's headers and
  ``task_prerun`` restores it in the worker, so a delivery's log lines name the request that
  routed it. Connected in occ/celery.py.

Log lines name ids and states, never a personal value (name, contact, address, description):
tests/test_observability.py scans the output of an intake, a routing and a data-subject request.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

HEADER = "occ_request_id"
_VALID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")

request_log = logging.getLogger("occ.request")
task_log = logging.getLogger("occ.task")

request_id_var: ContextVar[str | None] = ContextVar("occ_request_id", default=None)
task_var: ContextVar[tuple[str, str] | None] = ContextVar("occ_task", default=None)


def current_request_id() -> str | None:
    return request_id_var.get()


def _request_id_from(value: str | None) -> str:
    return value if value and _VALID.match(value) else uuid.uuid4().hex


def on_request_started(sender=None, environ: dict | None = None, **_: Any) -> None:
    """Django's request_started: the id is set before any middleware runs and stays until the
    response is closed, so Django's own "Not Found: ..." lines carry it too."""
    request_id_var.set(_request_id_from((environ or {}).get("HTTP_X_REQUEST_ID")))


def on_request_finished(sender=None, **_: Any) -> None:
    request_id_var.set(None)


class RequestIdMiddleware:
    """Outermost middleware: answers the request id in ``X-Request-ID`` and writes one access line
    per request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        rid = request_id_var.get()
        token = None
        if rid is None:  # no request_started signal (a bare handler): keep the id for this call
            rid = _request_id_from(request.headers.get("X-Request-ID"))
            token = request_id_var.set(rid)
        request.request_id = rid
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            # The access line names the URL pattern, never the path or query (a reference, a
            # tracking code or a search term would otherwise reach the log).
            match = getattr(request, "resolver_match", None)
            route = match.route if match is not None and match.route else "unmatched"
            request_log.info(
                "%s %s %s",
                request.method,
                route,
                response.status_code,
                extra={
                    "http_method": request.method,
                    "route": route,
                    "view": match.view_name if match is not None else "",
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
        finally:
            if token is not None:
                request_id_var.reset(token)
        response["X-Request-ID"] = rid
        return response


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get() or "-"
        task = task_var.get()
        record.task_id, record.task_name = task if task else ("-", "-")
        return True


# Attributes every LogRecord has; anything else passed with ``extra=`` is written as a field.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {
    "message",
    "asctime",
    "request_id",
    "task_id",
    "task_name",
}
# Django's request logger attaches the request; its repr carries the full path and query string
# (a tracking code could be there), so it is never written.
_NEVER = {"request", "server_time"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or request_id_var.get() or "-",
        }
        task_id = getattr(record, "task_id", "-")
        if task_id and task_id != "-":
            entry["task_id"] = task_id
            entry["task_name"] = getattr(record, "task_name", "-")
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in _NEVER and not key.startswith("_"):
                entry[key] = value if isinstance(value, str | int | float | bool | type(None)) else str(value)
        if record.exc_info:
            entry["exc_type"] = record.exc_info[0].__name__ if record.exc_info[0] else None
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


# --- Celery ------------------------------------------------------------------------------------
def on_before_task_publish(headers: dict | None = None, **_: Any) -> None:
    rid = request_id_var.get()
    if rid and headers is not None:
        headers.setdefault(HEADER, rid)


_tokens: dict[str, tuple[Any, Any]] = {}


def on_task_prerun(task_id: str | None = None, task: Any = None, **_: Any) -> None:
    rid = getattr(task.request, HEADER, None) if task is not None else None
    if not rid and task is not None and isinstance(getattr(task.request, "headers", None), dict):
        rid = task.request.headers.get(HEADER)
    # An eager task runs inside the request: it keeps the request's id.
    rid_token = request_id_var.set(rid or request_id_var.get() or f"task-{task_id}")
    task_token = task_var.set((task_id or "-", getattr(task, "name", "-")))
    if task_id:
        _tokens[task_id] = (rid_token, task_token)


def on_task_postrun(task_id: str | None = None, task: Any = None, state: str | None = None, **_: Any) -> None:
    task_log.info("task %s %s", getattr(task, "name", "-"), state, extra={"task_state": state})
    tokens = _tokens.pop(task_id or "", None)
    if tokens:
        rid_token, task_token = tokens
        try:
            request_id_var.reset(rid_token)
            task_var.reset(task_token)
        except ValueError:  # reset from another context (should not happen): just clear
            request_id_var.set(None)
            task_var.set(None)


def _connect() -> None:
    from django.core.signals import request_finished, request_started

    request_started.connect(on_request_started, weak=False, dispatch_uid="occ-request-id-start")
    request_finished.connect(on_request_finished, weak=False, dispatch_uid="occ-request-id-end")


_connect()  # on import, i.e. when the handler loads MIDDLEWARE, before its first request
