"""Fixtures of the telephone and fax tests: signed machine clients and staff clients."""

from __future__ import annotations

import json
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from channels_intake.telephony.auth import machine_headers
from complaints.models import Role

PBX = "pbx-secret-for-tests"
FAXGW = "fax-secret-for-tests"


@pytest.fixture(autouse=True)
def machine_secrets(settings):
    settings.OCC_PBX_SECRETS = [PBX]
    settings.OCC_FAX_GATEWAY_SECRETS = [FAXGW]


_SENT = {"last": 0}


def fresh_timestamp() -> int:
    """Each delivery is signed afresh with its own timestamp, as a real sender's retry is: strictly
    increasing, so two deliveries of the same bytes never carry the same signature (counting down
    from the clock collided whenever the clock ticked between two sends), and within the allowed
    skew (a test session sends far fewer than 100 deliveries a second)."""
    _SENT["last"] = max(int(time.time()) - 100, _SENT["last"] + 1)
    return _SENT["last"]


def http(headers: dict) -> dict:
    return {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}


@pytest.fixture
def agent(staff_api):
    return staff_api(Role.AGENT, "phone-agent")


@pytest.fixture
def cti(db):
    """POST a signed CTI event; returns the response. ``headers`` replays exact headers."""

    def _send(
        event,
        call_id="c-1",
        caller="081-234-5678",
        when="2026-11-23T10:00:00+07:00",
        secret=PBX,
        headers=None,
        body=None,
        **extra,
    ):
        payload = {
            "call_id": call_id,
            "event": event,
            "occurred_at": when,
            "caller_number": caller,
            "called_line": "1212",
            "agent_extension": "2041",
            **extra,
        }
        raw = body if body is not None else json.dumps(payload).encode()
        path = "/api/v1/telephony/cti/events/"
        signed = headers or machine_headers(
            secret, method="POST", path=path, content=raw, timestamp=fresh_timestamp()
        )
        response = APIClient().post(path, raw, content_type="application/json", **http(signed))
        response.signed = signed
        return response

    return _send


@pytest.fixture
def pbx_upload(db):
    def _send(
        call_id, data, name="call.wav", secret=PBX, declared=None, content_type="application/octet-stream"
    ):
        path = "/api/v1/telephony/recordings/"
        headers = machine_headers(
            secret,
            method="POST",
            path=path,
            content=data,
            content_sha256=declared,
            fields={"call_id": call_id},
            timestamp=fresh_timestamp(),
        )
        upload = SimpleUploadedFile(name, data, content_type=content_type)
        return APIClient().post(
            path, {"call_id": call_id, "file": upload}, format="multipart", **http(headers)
        )

    return _send


@pytest.fixture
def fax_send(db):
    def _send(
        data,
        name="fax.tif",
        sender="02-127-5789",
        pages=None,
        secret=FAXGW,
        fax_id=None,
        extra=None,
        received_at="2026-11-23T09:00:00+07:00",
    ):
        fields = {"sender_number": sender, "receiving_line": "021275789", "received_at": received_at}
        if pages is not None:
            fields["page_count"] = str(pages)
        if fax_id is not None:
            fields["fax_id"] = fax_id
        fields.update(extra or {})
        path = "/api/v1/telephony/fax/"
        headers = machine_headers(
            secret, method="POST", path=path, content=data, fields=fields, timestamp=fresh_timestamp()
        )
        return APIClient().post(
            path, {**fields, "file": SimpleUploadedFile(name, data)}, format="multipart", **http(headers)
        )

    return _send
