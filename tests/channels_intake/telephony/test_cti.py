"""The telephone system's call events: signed, fresh, never replayed, idempotent by (call id, event
type), kept raw before parsing and quarantined with a reason when bad.

clause: OCC-2 (telephone channel), OCC-5 (the phone number of the call), OCC-8 (unauthorised
input refused)."""

import json
import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from channels_intake.models import InboundItem
from channels_intake.telephony.auth import machine_headers
from channels_intake.telephony.models import AgentExtension, Call, CallEvent
from complaints.models import Role
from occ.signing import tasks as signing_tasks
from occ.signing.models import SignedRequestNonce

from .conftest import PBX

pytestmark = pytest.mark.django_db


def test_a_call_is_recorded_from_its_three_events(cti):
    """clause: OCC-5"""
    assert cti("started").status_code == 201
    answered = cti("answered", when="2026-11-23T10:00:05+07:00")
    assert answered.status_code == 201 and answered.json()["call"]["state"] == "answered"
    ended = cti("ended", when="2026-11-23T10:04:05+07:00", end_reason="completed")
    assert ended.json()["call"]["state"] == "ended" and ended.json()["applied"] is True
    call = Call.objects.get(call_id="c-1")
    assert (
        call.caller_number == "+66812345678" and call.called_line == "1212" and call.agent_extension == "2041"
    )
    assert call.duration_seconds == 240 and call.end_reason == "completed"
    assert list(call.events.values_list("type", flat=True)) == ["started", "answered", "ended"]
    assert InboundItem.objects.filter(kind="cti_event", state="processed").count() == 3  # each kept raw


def test_the_same_event_twice_changes_nothing(cti):
    first = cti("started")
    again = cti("started")  # retried by the PBX, signed afresh, same body
    assert (first.status_code, again.status_code) == (201, 200) and again.json()["applied"] is False
    later = cti("started", when="2026-11-23T10:09:00+07:00", caller="0899999999")  # another body, same event
    assert later.status_code == 200 and later.json()["applied"] is False
    call = Call.objects.get(call_id="c-1")
    assert call.caller_number == "+66812345678" and call.started_at.minute == 0
    assert CallEvent.objects.count() == 1 and Call.objects.count() == 1


def test_events_may_arrive_out_of_order(cti):
    cti("ended", when="2026-11-23T10:05:00+07:00")
    cti("started")
    call = Call.objects.get()
    assert call.state == "missed" and call.started_at < call.ended_at
    cti("answered", when="2026-11-23T10:00:10+07:00")
    assert Call.objects.get().state == "ended"


def test_a_withheld_number_is_a_call_without_a_number(cti):
    assert cti("started", caller="anonymous").status_code == 201
    call = Call.objects.get()
    assert call.caller_withheld and call.caller_number == ""


def test_the_agent_extension_names_the_agent(cti, user_factory):
    agent = user_factory(Role.AGENT, "ext-agent")
    AgentExtension.objects.create(extension="2041", user=agent)
    cti("started")
    cti("answered", when="2026-11-23T10:00:03+07:00")
    assert Call.objects.get().agent == agent


@pytest.mark.parametrize(
    "mutate,code",
    [
        (lambda h: {**h, "X-OCC-Signature": "sha256=" + "0" * 64}, "bad_signature"),
        (lambda h: {k: v for k, v in h.items() if k != "X-OCC-Signature"}, "not_authenticated"),
    ],
)
def test_an_unsigned_or_forged_event_is_refused_and_nothing_is_stored(cti, mutate, code):
    """clause: OCC-8"""
    good = machine_headers(
        PBX,
        method="POST",
        path="/api/v1/telephony/cti/events/",
        content=json.dumps(
            {"call_id": "x", "event": "started", "occurred_at": "2026-11-23T10:00:00Z"}
        ).encode(),
    )
    r = cti(
        "started",
        call_id="x",
        headers=mutate(good),
        body=json.dumps({"call_id": "x", "event": "started", "occurred_at": "2026-11-23T10:00:00Z"}).encode(),
    )
    assert r.status_code == 401 and r.json()["error"]["code"] == code
    assert not Call.objects.exists() and not InboundItem.objects.exists()


def test_a_wrong_secret_a_stale_timestamp_and_a_replay_are_refused(cti):
    """clause: OCC-8"""
    assert cti("started", secret="not-the-secret").json()["error"]["code"] == "bad_signature"
    body = json.dumps({"call_id": "s", "event": "started", "occurred_at": "2026-11-23T10:00:00Z"}).encode()
    stale = machine_headers(
        PBX,
        method="POST",
        path="/api/v1/telephony/cti/events/",
        content=body,
        timestamp=int(time.time()) - 3600,
    )
    assert cti("started", headers=stale, body=body).json()["error"]["code"] == "stale_request"
    first = cti("started", call_id="r")
    replay = cti("started", call_id="r", headers=first.signed)  # the very same signed request again
    assert first.status_code == 201 and replay.status_code == 401
    assert replay.json()["error"]["code"] == "replayed_request"
    assert CallEvent.objects.count() == 1


def test_a_body_that_differs_from_the_signed_hash_is_refused(cti):
    body = json.dumps({"call_id": "h", "event": "started", "occurred_at": "2026-11-23T10:00:00Z"}).encode()
    headers = machine_headers(PBX, method="POST", path="/api/v1/telephony/cti/events/", content=body)
    r = cti("started", headers=headers, body=body.replace(b'"h"', b'"j"'))
    assert r.status_code == 400 and r.json()["error"]["code"] == "content_hash_mismatch"


def test_secrets_rotate_without_downtime(cti, settings):
    settings.OCC_PBX_SECRETS = ["new-secret", "pbx-secret-for-tests"]
    assert cti("started", call_id="old").status_code == 201
    assert cti("started", call_id="new", secret="new-secret").status_code == 201


def test_an_unconfigured_endpoint_says_so(cti, settings):
    settings.OCC_PBX_SECRETS = []
    assert cti("started").json()["error"]["code"] == "not_configured"


@pytest.mark.parametrize(
    "body,needle",
    [
        (b"{not json", "not JSON"),
        (
            json.dumps(
                {"call_id": "q", "event": "transferred", "occurred_at": "2026-11-23T10:00:00Z"}
            ).encode(),
            "event",
        ),
        (
            json.dumps(
                {
                    "call_id": "q",
                    "event": "started",
                    "occurred_at": "2026-11-23T10:00:00Z",
                    "caller_number": "12",
                }
            ).encode(),
            "caller_number: not a valid phone number",
        ),
        (
            json.dumps({"call_id": "q", "event": "started", "occurred_at": "yesterday"}).encode(),
            "occurred_at",
        ),
        (
            json.dumps(
                {
                    "call_id": "q",
                    "event": "started",
                    "occurred_at": "2026-11-23T10:00:00Z",
                    "caller_name": "someone",
                }
            ).encode(),
            "caller_name",
        ),
    ],
)
def test_a_bad_event_is_kept_in_quarantine_with_the_reason(cti, body, needle):
    r = cti("started", body=body)
    assert r.status_code == 422 and r.json()["error"]["code"] == "quarantined"
    assert needle in r.json()["error"]["message"]
    item = InboundItem.objects.get(pk=int(r["X-OCC-Inbound-Id"]))
    assert item.state == "quarantined" and needle in item.reason and item.raw.open("rb").read() == body
    assert not Call.objects.exists()


def test_a_quarantined_event_is_reprocessed_after_a_fix(cti, monkeypatch):
    from channels_intake.telephony.services import calls

    monkeypatch.setattr(calls, "MAX_EVENT_BYTES", 10)  # a wrong limit: every event is refused
    r = cti("started", call_id="fix-me")
    assert r.status_code == 422 and "at most 10" in r.json()["error"]["message"]
    monkeypatch.undo()  # the fix is deployed
    call_command("reprocess_inbound", "--kind", "cti_event")
    assert Call.objects.get(call_id="fix-me").caller_number == "+66812345678"
    assert InboundItem.objects.get(pk=int(r["X-OCC-Inbound-Id"])).state == "processed"


def test_an_oversized_event_is_refused_before_reading(cti):
    body = json.dumps(
        {
            "call_id": "big",
            "event": "started",
            "occurred_at": "2026-11-23T10:00:00Z",
            "called_line": "x" * 20000,
        }
    ).encode()
    assert cti("started", body=body).status_code == 413


def test_the_invalid_number_is_not_written_into_the_reason(cti):
    """Personal data never goes into error messages or logs."""
    body = json.dumps(
        {
            "call_id": "p",
            "event": "started",
            "occurred_at": "2026-11-23T10:00:00Z",
            "caller_number": "0812-99",
        }
    ).encode()
    r = cti("started", body=body)
    assert r.status_code == 422 and "0812" not in r.json()["error"]["message"]


def test_old_signatures_are_purged_by_the_beat_task(cti, settings):
    cti("started")
    SignedRequestNonce.objects.update(seen_at=timezone.now() - timedelta(hours=1))
    cti("started", call_id="c-2")
    assert signing_tasks.signed_request_nonces_purge() == 1 and SignedRequestNonce.objects.count() == 1
