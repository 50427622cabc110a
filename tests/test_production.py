"""The production path (issue 12): task routing and limits, security headers from the production
settings, JSON logs with a request id and no personal value, the metrics endpoint."""

import importlib
import io
import json
import logging
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings
from django.core import mail
from django.test import override_settings

from complaints.models import Agency, Complaint, Role
from occ.celery import app
from occ.observability import logs, metrics
from routing.models import Referral

QUEUES = {"intake", "delivery", "media", "privacy"}


def _our_tasks():
    app.loader.import_default_modules()
    return {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}


def test_every_task_has_an_explicit_name_a_queue_and_time_limits():
    """clause: OCC-8 (a slow kind of work cannot hold up another; a stuck task is ended)"""
    tasks = _our_tasks()
    assert len(tasks) >= 15
    for name, task in tasks.items():
        route = settings.CELERY_TASK_ROUTES.get(name)
        assert route and route["queue"] in QUEUES, f"{name} has no queue in CELERY_TASK_ROUTES"
        assert task.soft_time_limit and task.time_limit and task.soft_time_limit < task.time_limit, name
    # every beat entry names a registered task, and the fax renderer is not on the delivery queue
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in tasks
    assert settings.CELERY_TASK_ROUTES["channels_intake.telephony.tasks.fax_previews"]["queue"] == "media"
    assert settings.CELERY_TASK_ROUTES["routing.tasks.referral_deliver"]["queue"] == "delivery"


def test_the_compose_worker_consumes_every_queue():
    from pathlib import Path

    compose = (Path(settings.BASE_DIR) / "docker-compose.yml").read_text()
    worker = re.search(r"celery -A occ worker[^\n]*-Q ([a-z,]+)", compose)
    assert worker and set(worker.group(1).split(",")) == QUEUES


def _production_settings(monkeypatch):
    """The values of occ.settings.production (imported with the environment it requires)."""
    for key, value in {
        "DJANGO_SECRET_KEY": "p" * 40 + "Q9#x" * 6,
        "DATABASE_URL": "postgres://u@127.0.0.1:5432/unused",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/9",
        "DJANGO_ALLOWED_HOSTS": "occ.example,testserver",
        "OCC_FINGERPRINT_KEYS": "t1:" + "e" * 32,
    }.items():
        monkeypatch.setenv(key, value)
    saved = {name: mod for name, mod in sys.modules.items() if name.startswith("occ.settings.")}
    for name in saved:
        del sys.modules[name]
    try:
        return importlib.import_module("occ.settings.production")
    finally:
        for name in [n for n in sys.modules if n.startswith("occ.settings.")]:
            del sys.modules[name]
        sys.modules.update(saved)


@pytest.mark.django_db
def test_html_pages_under_production_settings_send_a_strict_csp_and_security_headers(
    monkeypatch, client, demo
):
    """clause: OCC-8 (security measures against unauthorised use and alteration)"""
    prod = _production_settings(monkeypatch)
    assert "whitenoise.middleware.WhiteNoiseMiddleware" in prod.MIDDLEWARE
    assert prod.STORAGES["staticfiles"]["BACKEND"].endswith("CompressedManifestStaticFilesStorage")
    same = {
        name: getattr(prod, name)
        for name in (
            "MIDDLEWARE",
            "CONTENT_SECURITY_POLICY",
            "SECURE_HSTS_SECONDS",
            "SECURE_HSTS_INCLUDE_SUBDOMAINS",
            "SECURE_HSTS_PRELOAD",
            "SECURE_SSL_REDIRECT",
            "SECURE_PROXY_SSL_HEADER",
            "SECURE_CONTENT_TYPE_NOSNIFF",
            "SECURE_REFERRER_POLICY",
            "X_FRAME_OPTIONS",
            "SESSION_COOKIE_SECURE",
            "CSRF_COOKIE_SECURE",
            "DEBUG",
        )
    }
    with override_settings(**same):
        for url in ("/", "/desk/login/", "/file/", "/track/"):
            r = client.get(url, secure=True)
            assert r.status_code == 200, url
            csp = r["Content-Security-Policy"]
            directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())
            assert directives["default-src"] == "'self'"
            assert directives["script-src"].startswith("'self' 'nonce-")
            assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
            assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
            nonce = re.search(r"'nonce-([^']+)'", directives["script-src"]).group(1)
            html = r.content.decode()
            # no inline script or style on the page; each script tag carries this response's nonce
            assert not re.search(r"<script(?![^>]*\bsrc=)", html) and "<style" not in html
            assert " style=" not in html and not re.search(r"\son[a-z]+=", html)
            assert html.count(f'nonce="{nonce}"') == html.count("<script")
            assert r["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
            assert r["X-Frame-Options"] == "DENY" and r["Referrer-Policy"] == "same-origin"
            assert r["X-Content-Type-Options"] == "nosniff"
        assert client.get("/desk/login/").status_code == 301  # plain HTTP goes to HTTPS


# --- logs ---------------------------------------------------------------------------------------
@pytest.fixture
def captured_logs():
    """Every log line (DEBUG and up) as production writes it: JSON with the request id."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    handler.addFilter(logs.RequestIdFilter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(old_level)


@pytest.fixture
def receiver():
    received: list[bytes] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            received.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    server.shutdown()
    server.server_close()


@pytest.mark.django_db(transaction=True)
def test_logs_of_an_intake_a_routing_and_a_data_subject_request_hold_no_personal_value(
    api, staff_api, file_complaint, receiver, captured_logs, settings
):
    """clause: OCC-8 (no personal value in a log line), OCC-1"""
    url, received = receiver
    Agency.objects.filter(code="ccib").update(
        delivery_method="webhook", webhook_url=url, webhook_secret="secret-for-log-test"
    )
    filed = file_complaint(
        category="financial_scam",
        description="โอนเงินให้ร้านปลอม บัญชี 123-4-56789-0 ติดต่อ 0899990001",
        complainant={
            "name": "วิภาวดี ทดสอบล็อก",
            "phone": "081 234 5678",
            "email": "Wipawadee.Logtest@Example.COM",
            "address": "99 ซอยทดสอบ แขวงดินแดง",
        },
    )
    agent = staff_api(Role.AGENT, "log-router")
    r = agent.post(
        f"/api/v1/staff/complaints/{filed['reference']}/referrals/",
        {"agency": "ccib", "purpose": "investigation", "basis": "related_agency"},
        format="json",
    )
    assert r.status_code == 201, r.json()
    routing_request_id = r["X-Request-ID"]
    assert Referral.objects.get().state == "delivered" and len(received) == 1  # the task ran
    dsr = api.post(
        "/api/v1/privacy/requests/",
        {"reference": filed["reference"], "tracking_code": filed["tracking_code"], "type": "access"},
        format="json",
    )
    assert dsr.status_code == 202, dsr.json()
    code = re.search(r": (\d{6}) \(", mail.outbox[-1].body).group(1)
    verify = api.post(
        "/api/v1/privacy/requests/verify/",
        {"request_id": dsr.json()["request_id"], "code": code},
        format="json",
    )
    assert verify.status_code == 200

    lines = captured_logs()
    text = json.dumps(lines, ensure_ascii=False).lower()
    person = Complaint.objects.get(reference=filed["reference"]).complainant
    values = [
        "วิภาวดี",
        "ทดสอบล็อก",
        "wipawadee.logtest@example.com",
        "081 234 5678",
        "0812345678",
        "812345678",
        "ซอยทดสอบ",
        "ร้านปลอม",
        "0899990001",
        "56789",
        filed["tracking_code"].lower(),
        code,
        person.phone,
    ]
    for value in values:
        assert value.lower() not in text, f"a personal value reached the log: {value!r}"
    # the lines are there: one per request, naming the route pattern, with a request id ...
    routes = {line.get("route") for line in lines if line["logger"] == "occ.request"}
    assert {"api/v1/complaints/", "api/v1/staff/complaints/<str:reference>/referrals/"} <= routes
    assert {"api/v1/privacy/requests/", "api/v1/privacy/requests/verify/"} <= routes
    # ... and the delivery task enqueued by the routing request logs under that request's id
    delivery = [line for line in lines if line.get("task_name") == "routing.tasks.referral_deliver"]
    assert delivery and {line["request_id"] for line in delivery} == {routing_request_id}


def test_a_request_id_is_made_or_kept_and_answered(client, db):
    r = client.get("/health/", HTTP_X_REQUEST_ID="lb-0123456789abcdef")
    assert r["X-Request-ID"] == "lb-0123456789abcdef"
    made = client.get("/health/", HTTP_X_REQUEST_ID="bad id with spaces\n")["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)


def test_djangos_own_request_lines_carry_the_id_and_never_the_query_string(client, db, captured_logs):
    """clause: OCC-8 (a tracking code in a query string never reaches the log)"""
    r = client.get("/no-such-page/?tracking_code=SECRET-TC-9911", HTTP_X_REQUEST_ID="probe-12345678")
    assert r.status_code == 404
    lines = captured_logs()
    django_lines = [line for line in lines if line["logger"] == "django.request"]
    assert django_lines and django_lines[0]["request_id"] == "probe-12345678"
    assert "SECRET-TC-9911" not in json.dumps(lines)


def test_the_request_id_travels_in_the_task_message_to_the_worker():
    """before_task_publish writes it into the message headers; task_prerun restores it."""
    headers: dict = {}
    token = logs.request_id_var.set("req-abcdef123456")
    try:
        logs.on_before_task_publish(headers=headers)
    finally:
        logs.request_id_var.reset(token)
    assert headers == {logs.HEADER: "req-abcdef123456"}

    class Request:
        occ_request_id = "req-abcdef123456"

    class Task:
        name = "routing.tasks.referral_deliver"
        request = Request()

    logs.on_task_prerun(task_id="t-1", task=Task())
    record = logging.makeLogRecord({"msg": "inside the task"})
    logs.RequestIdFilter().filter(record)
    entry = json.loads(logs.JsonFormatter().format(record))
    logs.on_task_postrun(task_id="t-1", task=Task(), state="SUCCESS")
    assert entry["request_id"] == "req-abcdef123456" and entry["task_id"] == "t-1"
    assert entry["task_name"] == "routing.tasks.referral_deliver"
    assert logs.request_id_var.get() is None


def test_celery_keeps_djangos_logging():
    from celery import signals

    assert settings.CELERY_WORKER_HIJACK_ROOT_LOGGER is False
    assert signals.setup_logging.receivers, "no setup_logging receiver: Celery would install its own handlers"


# --- metrics ------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_metrics_need_the_bearer_secret_and_report_the_operators_figures(client, file_complaint, settings):
    settings.OCC_METRICS_TOKEN = "metrics-secret-for-tests"
    assert client.get("/metrics/").status_code == 404
    assert client.get("/metrics/", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    settings.OCC_METRICS_TOKEN = ""
    assert client.get("/metrics/", HTTP_AUTHORIZATION="Bearer ").status_code == 404  # unset: off

    settings.OCC_METRICS_TOKEN = "metrics-secret-for-tests"
    file_complaint()
    metrics.on_task_prerun(task_id="m-1")

    class Task:
        name = "routing.tasks.referral_deliver"

    metrics.on_task_postrun(task_id="m-1", task=Task(), state="SUCCESS")
    r = client.get("/metrics/", HTTP_AUTHORIZATION="Bearer metrics-secret-for-tests")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/plain")
    body = r.content.decode()
    assert re.search(
        r'occ_http_requests_total\{method="POST",route="api/v1/complaints/",status="201"\} \d', body
    )
    assert 'occ_task_runs_total{outcome="succeeded",task="routing.tasks.referral_deliver"} 1.0' in body
    assert 'occ_referrals{state="failed"} 0.0' in body
    assert "occ_inbound_quarantined" in body and "occ_dsr_overdue 0.0" in body
    assert "occ_queue_depth" in body


def test_env_example_names_every_variable_the_settings_read():
    from pathlib import Path

    root = Path(settings.BASE_DIR)
    read = set()
    for path in [*(root / "occ").rglob("*.py")]:
        read |= set(re.findall(r"env\.[a-z]+\(\s*\"([A-Z][A-Z0-9_]+)\"", path.read_text()))
        read |= set(re.findall(r"os\.environ\.get\(\"([A-Z][A-Z0-9_]+)\"", path.read_text()))
    example = (root / ".env.example").read_text()
    named = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+?)(?:_FILE)?=", example, re.M))
    not_for_production = {"DJANGO_DEBUG", "OCC_SCREENSHOT_DIR"}
    assert read - named - not_for_production == set()


@pytest.mark.django_db
def test_only_the_api_docs_page_may_load_swagger_from_its_cdn(client):
    docs = client.get("/api/docs/")
    assert (
        docs.status_code == 200 and "<script>" not in docs.content.decode()
    )  # the split view: no inline script
    assert "https://cdn.jsdelivr.net" in docs["Content-Security-Policy"]
    assert "cdn.jsdelivr.net" not in client.get("/")["Content-Security-Policy"]


def test_the_csp_header_built_once_is_the_header_the_library_builds():
    """clause: OCC-8 (the same policy on every response; django-csp's own middleware is the
    reference for plain responses, nonces, per-view changes, exemptions and a changed setting)"""
    import csp.middleware
    from csp.decorators import csp_exempt, csp_update
    from django.http import HttpResponse
    from django.test import RequestFactory

    from occ.middleware import CSPMiddleware

    def directives(header: str) -> dict[str, str]:
        return dict(part.strip().split(" ", 1) for part in header.split(";") if part.strip())

    def header_of(middleware_class, view, **extra):
        request = RequestFactory().get("/api/v1/categories/")
        middleware = middleware_class(view)
        return middleware(request).headers.get("Content-Security-Policy"), request

    def plain(request):
        return HttpResponse("{}")

    def with_nonce(request):
        return HttpResponse(f"<script nonce='{request.csp_nonce}'></script>")

    @csp_update({"img-src": ["https://maps.example"]})
    def updated(request):
        return HttpResponse("")

    @csp_exempt()
    def exempt(request):
        return HttpResponse("")

    for view in (plain, with_nonce, updated, exempt):
        ours, request = header_of(CSPMiddleware, view)
        theirs, their_request = header_of(csp.middleware.CSPMiddleware, view)
        if view is with_nonce:
            assert ours != theirs and "'nonce-" in ours  # a nonce of its own per response
            ours = ours.replace(request._csp_nonce, "N")
            theirs = theirs.replace(their_request._csp_nonce, "N")
        assert (ours and directives(ours)) == (theirs and directives(theirs)), view.__name__
    assert header_of(CSPMiddleware, exempt)[0] is None
    # the nonce cannot be asked for after the header is written, as with the library
    _, request = header_of(CSPMiddleware, plain)
    with pytest.raises(Exception, match="not available after the CSP header"):
        str(request.csp_nonce)
    # a changed setting is seen (the cached header is dropped)
    with override_settings(CONTENT_SECURITY_POLICY={"DIRECTIVES": {"default-src": ["'none'"]}}):
        assert header_of(CSPMiddleware, plain)[0] == "default-src 'none'"
    assert "script-src" in header_of(CSPMiddleware, plain)[0]
