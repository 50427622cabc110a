"""Referral delivery: at-least-once, the gate asked on every try (the same bytes while the case is
unchanged), one transfer record per release, retries on transient failures only, failure state and
resend (OCC-7, OCC-8)."""

import hashlib
import hmac
import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail
from django.utils import timezone

from complaints.models import Agency, Complaint, Role
from privacy.models import TransferRecord
from routing import tasks
from routing.models import Referral, ReferralAttempt
from routing.referrals import referral_create, referral_resend, referrals_due

pytestmark = pytest.mark.django_db


class Receiver:
    """A real HTTP receiver on 127.0.0.1 whose answers the test scripts."""

    def __init__(self):
        self.answers: list[int | str] = []
        self.requests: list[tuple[dict, bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                answer = receiver.answers.pop(0) if receiver.answers else 200
                if answer == "slow":
                    time.sleep(1.5)
                    answer = 200
                self.send_response(answer)
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/occ/referrals"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def webhook_agency(demo, receiver, settings):
    settings.OCC_WEBHOOK_READ_TIMEOUT = 0.5
    settings.OCC_WEBHOOK_CONNECT_TIMEOUT = 0.5
    Agency.objects.filter(code="ccib").update(
        delivery_method="webhook", webhook_url=receiver.url, webhook_secret="shared-secret-for-tests"
    )
    return Agency.objects.get(code="ccib")


@pytest.fixture
def case(file_complaint):
    return Complaint.objects.get(reference=file_complaint(category="financial_scam")["reference"])


def _refer(case, agency, user_factory, capture):
    with capture(execute=True):
        return referral_create(
            complaint=case,
            agency=agency,
            purpose="investigation",
            basis="related_agency",
            actor=user_factory(Role.AGENT, f"agent-{agency.code}-{Referral.objects.count()}"),
        )


def test_webhook_is_signed_delivered_once_and_logged_once(
    case, webhook_agency, receiver, user_factory, django_capture_on_commit_callbacks
):
    """clause: OCC-7, OCC-8 (every transfer logged; delivery verifiable by the agency)"""
    ref = _refer(case, webhook_agency, user_factory, django_capture_on_commit_callbacks)
    ref.refresh_from_db()
    assert ref.state == "delivered" and len(receiver.requests) == 1
    headers, body = receiver.requests[0]
    assert hashlib.sha256(body).hexdigest() == ref.payload_sha256  # the referral keeps only the hash
    assert json.loads(body)["complainant"]["phone"] == "+66812345678"
    assert headers["X-OCC-Delivery"] == str(ref.delivery_id)
    expected = hmac.new(
        b"shared-secret-for-tests", headers["X-OCC-Timestamp"].encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    assert headers["X-OCC-Signature"] == f"sha256={expected}"
    # run the task again: nothing is sent twice, the transfer record stays one
    assert tasks.referral_deliver.apply(args=[ref.pk]).get() == "not-claimed"
    assert len(receiver.requests) == 1
    rec = TransferRecord.objects.get(kind="disclosure")
    assert rec.delivery_id == str(ref.delivery_id) and rec.payload_sha256 == hashlib.sha256(body).hexdigest()
    assert rec.basis == "related_agency" and "complainant.phone" in rec.fields and rec.recipient == "ccib"
    assert Complaint.objects.get(pk=case.pk).status in ("received", "referred")


def test_500_then_200_retries_with_the_same_payload_and_delivery_id(
    case, webhook_agency, receiver, user_factory, django_capture_on_commit_callbacks
):
    receiver.answers = [500, 200]
    ref = _refer(case, webhook_agency, user_factory, django_capture_on_commit_callbacks)
    ref.refresh_from_db()
    assert ref.state == "retrying" and ref.next_attempt_at > timezone.now() and "HTTP 500" in ref.last_error
    agency = Agency.objects.get(pk=webhook_agency.pk)
    assert agency.failure_count == 1 and agency.next_attempt_at is not None
    assert referrals_due() == []  # not before its time
    Referral.objects.filter(pk=ref.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert tasks.referrals_retry_due.apply().get() == 1
    ref.refresh_from_db()
    assert ref.state == "delivered" and ref.attempts == 2
    (h1, b1), (h2, b2) = receiver.requests
    assert b1 == b2 and h1["X-OCC-Delivery"] == h2["X-OCC-Delivery"]  # the case did not change
    assert TransferRecord.objects.filter(delivery_id=str(ref.delivery_id)).count() == 1
    attempts = list(ReferralAttempt.objects.filter(referral=ref).values_list("ok", "payload_sha256"))
    assert attempts == [(False, hashlib.sha256(b1).hexdigest()), (True, hashlib.sha256(b2).hexdigest())]
    assert Agency.objects.get(pk=webhook_agency.pk).failure_count == 0


def test_receiver_down_then_failed_after_last_try_then_resent(
    case, webhook_agency, receiver, user_factory, settings, django_capture_on_commit_callbacks
):
    settings.OCC_DELIVERY_MAX_ATTEMPTS = 3
    Agency.objects.filter(pk=webhook_agency.pk).update(webhook_url="http://127.0.0.1:9/nothing-listens")
    ref = _refer(
        case, Agency.objects.get(pk=webhook_agency.pk), user_factory, django_capture_on_commit_callbacks
    )
    for _ in range(2):
        Referral.objects.filter(pk=ref.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
        tasks.referrals_retry_due.apply()
    ref.refresh_from_db()
    assert ref.state == "failed" and ref.attempts == 3 and "Connect" in ref.last_error
    assert TransferRecord.objects.count() == 0  # nothing left the centre
    sup = user_factory(Role.SUPERVISOR, "sup")
    Agency.objects.filter(pk=webhook_agency.pk).update(webhook_url=receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        referral_resend(referral=ref, actor=sup)
    ref.refresh_from_db()
    assert ref.state == "delivered"
    kinds = list(ReferralAttempt.objects.filter(referral=ref).values_list("kind", "ok"))
    assert kinds == [("attempt", False)] * 3 + [("resend", False), ("attempt", True)]


def test_slow_receiver_times_out_and_is_retried(
    case, webhook_agency, receiver, user_factory, django_capture_on_commit_callbacks
):
    receiver.answers = ["slow"]
    ref = _refer(case, webhook_agency, user_factory, django_capture_on_commit_callbacks)
    ref.refresh_from_db()
    assert ref.state == "retrying" and "Timeout" in ref.last_error


def test_client_error_is_permanent_not_retried(
    case, webhook_agency, receiver, user_factory, django_capture_on_commit_callbacks
):
    receiver.answers = [400]
    ref = _refer(case, webhook_agency, user_factory, django_capture_on_commit_callbacks)
    ref.refresh_from_db()
    assert ref.state == "failed" and ref.attempts == 1 and ref.last_error == "HTTP 400"


def test_worker_killed_mid_delivery_is_recovered_with_one_record(
    case, webhook_agency, receiver, user_factory, settings
):
    """A claim whose worker died is taken again after the lease; the agency drops the duplicate by id."""
    ref = referral_create(
        complaint=case,
        agency=webhook_agency,
        purpose="investigation",
        basis="related_agency",
        actor=user_factory(Role.AGENT),
    )  # on_commit not run: the worker never got it
    stale = timezone.now() - timedelta(seconds=settings.OCC_DELIVERY_LEASE_SECONDS + 5)
    Referral.objects.filter(pk=ref.pk).update(state="sending", claimed_at=stale, attempts=1)
    assert ref.pk in referrals_due()
    tasks.referrals_retry_due.apply()
    tasks.referral_deliver.apply(args=[ref.pk])
    ref.refresh_from_db()
    assert ref.state == "delivered"
    assert TransferRecord.objects.filter(kind="disclosure", delivery_id=str(ref.delivery_id)).count() == 1


def test_email_delivery(file_complaint, user_factory, django_capture_on_commit_callbacks):
    Agency.objects.filter(code="ocpb").update(
        delivery_method="email", delivery_email="complaints@ocpb.example"
    )
    shop = Complaint.objects.get(reference=file_complaint()["reference"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        ref = referral_create(
            complaint=shop,
            agency=Agency.objects.get(code="ocpb"),
            purpose="consumer_protection",
            basis="related_agency",
            actor=user_factory(Role.AGENT),
        )
    ref.refresh_from_db()
    assert ref.state == "delivered"
    msg = mail.outbox[-1]
    assert msg.to == ["complaints@ocpb.example"]
    name, content, mime = msg.attachments[0]
    assert json.loads(content)["complainant"] == {"name": "สมชาย ใจดี", "phone": "+66812345678"}
    assert TransferRecord.objects.filter(delivery_id=str(ref.delivery_id)).count() == 1


def test_the_shared_http_client_keeps_no_cookie_of_one_agency_for_another():
    """One HTTP client per worker posts to every agency: a Set-Cookie from one agency's endpoint is
    never stored, so it cannot ride along to a later delivery.

    clause: OCC-7 (only what the gate released leaves the centre)"""
    import httpx

    from routing.delivery import _http_client

    client = _http_client()
    answer = httpx.Response(
        200,
        headers={"set-cookie": "session=agency-a; Domain=agency.example; Path=/"},
        request=httpx.Request("POST", "https://hooks.agency.example/occ"),
    )
    client.cookies.extract_cookies(answer)
    assert len(client.cookies.jar) == 0


def test_a_message_queued_under_a_task_name_from_before_the_routing_app_still_runs(monkeypatch):
    """Redis may hold deliveries queued before the deploy under complaints.tasks.*: those names are
    still registered, routed to the delivery queue and run the same service.

    clause: OCC-7 (a referral the gate allowed is delivered, not lost at a deploy)"""
    from django.conf import settings

    from occ.celery import app
    from routing import referrals

    app.loader.import_default_modules()  # every app's tasks, as a worker loads them at start
    ran = []
    monkeypatch.setattr(referrals, "referral_deliver", lambda *, referral_id: ran.append(referral_id) or "ok")
    assert settings.CELERY_TASK_ROUTES["complaints.tasks.referral_deliver"]["queue"] == "delivery"
    assert app.tasks["complaints.tasks.referral_deliver"].apply(args=[41]).get() == "ok"
    assert ran == [41]
    assert (
        "complaints.tasks.notice_deliver" in app.tasks and "complaints.tasks.transfer_log_seal" in app.tasks
    )
