"""The citizens' JSON API runs a shorter middleware chain in the WSGI handler (occ.handlers):
the same answers, headers and records as the whole chain that Django's test client runs."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client, RequestFactory

from complaints.models import Complaint
from occ.handlers import WSGIHandler, citizen_middleware
from privacy.models import TrafficRecord
from tests.conftest import complaint_body

pytestmark = pytest.mark.django_db


def _through_handler(handler: WSGIHandler, method: str, path: str, body: dict | None = None, **extra):
    """One request through the production handler, as gunicorn calls it (the test's database
    connection kept open, as Django's test client keeps it)."""
    factory = RequestFactory()
    data = json.dumps(body) if body is not None else ""
    request = factory.generic(method, path, data, content_type="application/json", **extra)
    captured: dict = {}

    def start_response(status, headers, exc_info=None):
        captured["status"] = int(status.split()[0])
        captured["headers"] = dict(headers)

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        chunks = handler(request.environ, start_response)
        captured["body"] = b"".join(chunks)
        chunks.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return captured


def _through_client(method: str, path: str, body: dict | None = None, **extra):
    response = Client().generic(
        method, path, json.dumps(body) if body is not None else "", content_type="application/json", **extra
    )
    headers = dict(response.items())
    if response.cookies:  # in the WSGI headers they are Set-Cookie lines
        headers["Set-Cookie"] = "; ".join(morsel.OutputString() for morsel in response.cookies.values())
    return {"status": response.status_code, "headers": headers, "body": response.content}


def _comparable(headers: dict) -> dict:
    return {k: v for k, v in headers.items() if k.lower() not in ("x-request-id",)}


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("GET", "/api/v1/categories/", None, 200),
        (
            "POST",
            "/api/v1/track/",
            {"reference": "OCC-2026-999999", "tracking_code": "ABCD-EFGH-JKMN-PQRS"},
            404,
        ),
        ("POST", "/api/v1/track/", {"reference": "OCC-2026-999999", "extra": 1}, 400),
        ("GET", "/", None, 200),  # a page: the whole chain on both
    ],
)
def test_the_citizen_chain_answers_as_the_whole_chain(demo, method, path, body, status):
    """clause: OCC-10 (no cookies or session on the citizens' API), OCC-4 (its traffic record)"""
    handler = WSGIHandler()
    before = TrafficRecord.objects.count()
    lean = _through_handler(handler, method, path, body, HTTP_ACCEPT_LANGUAGE="en")
    whole = _through_client(method, path, body, HTTP_ACCEPT_LANGUAGE="en")
    assert lean["status"] == whole["status"] == status
    if path == "/":  # a page: a per-request CSP nonce and CSRF cookie, the same headers
        assert set(lean["headers"]) == set(whole["headers"]) and "Set-Cookie" in lean["headers"]
    else:
        assert _comparable(lean["headers"]) == _comparable(whole["headers"])
        assert lean["body"] == whole["body"]
    assert TrafficRecord.objects.count() == before + 2  # each wrote its record
    if path.startswith("/api/"):
        assert "Set-Cookie" not in lean["headers"]


def test_an_intake_through_the_citizen_chain_is_filed_with_its_records(demo):
    """clause: OCC-2, OCC-4, OCC-8 (the one intake path, its traffic record and its audit
    entries with the request's address, through the production handler)"""
    from auditlog.models import LogEntry

    answer = _through_handler(
        WSGIHandler(), "POST", "/api/v1/complaints/", complaint_body(), REMOTE_ADDR="192.0.2.7"
    )
    assert answer["status"] == 201, answer["body"]
    reference = json.loads(answer["body"])["reference"]
    complaint = Complaint.objects.get(reference=reference)
    assert TrafficRecord.objects.filter(complaint_reference=reference, status_code=201).count() == 1
    entry = LogEntry.objects.get_for_object(complaint).get()
    assert entry.remote_addr == "192.0.2.7"
    assert "Content-Security-Policy" in answer["headers"] and "X-Frame-Options" in answer["headers"]


def test_the_skipped_middleware_does_not_run_on_the_citizens_api(demo, monkeypatch, settings):
    """clause: OCC-10 (no session, CSRF or log-in lock-out work for a citizen's request; the
    rest of the chain, with the traffic log and the audit context, runs for them)"""
    from axes.middleware import AxesMiddleware
    from django.middleware.csrf import CsrfViewMiddleware

    chain = citizen_middleware()
    assert not set(chain) & set(settings.CITIZEN_API_SKIPPED_MIDDLEWARE)
    assert len(chain) == len(settings.MIDDLEWARE) - len(settings.CITIZEN_API_SKIPPED_MIDDLEWARE)
    assert chain == sorted(chain, key=settings.MIDDLEWARE.index)  # in MIDDLEWARE's order
    assert "privacy.middleware.TrafficLogMiddleware" in citizen_middleware()
    assert "occ.middleware.AuditlogMiddleware" in citizen_middleware()
    ran: list[str] = []
    axes_call, csrf_request = AxesMiddleware.__call__, CsrfViewMiddleware.process_request

    def axes_counted(self, request):
        ran.append("axes")
        return axes_call(self, request)

    def csrf_counted(self, request):
        ran.append("csrf")
        return csrf_request(self, request)

    monkeypatch.setattr(AxesMiddleware, "__call__", axes_counted)
    monkeypatch.setattr(CsrfViewMiddleware, "process_request", csrf_counted)
    handler = WSGIHandler()
    assert _through_handler(handler, "GET", "/api/v1/categories/")["status"] == 200
    assert ran == []
    assert _through_handler(handler, "GET", "/")["status"] == 200
    assert sorted(ran) == ["axes", "csrf"]


def test_a_skipped_middleware_that_is_not_in_the_list_is_refused(settings):
    settings.CITIZEN_API_SKIPPED_MIDDLEWARE = ["not.a.Middleware"]
    with pytest.raises(ImproperlyConfigured, match="not.a.Middleware"):
        citizen_middleware()
