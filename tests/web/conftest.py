import io
import json

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from complaints.models import Agency, Category, Complaint, Role
from complaints.services.intake import complaint_register
from tests.conftest import make_user


def verified_client(user) -> Client:
    """Log in through the real pages: password, then the TOTP second factor."""
    client = Client()
    r = client.post("/desk/login/", {"username": user.username, "password": "pw-not-used-1212"})
    assert r.status_code == 302, r.content
    client.get("/desk/login/otp/")  # enrolment creates the device
    device = TOTPDevice.objects.get(user=user)
    r = client.post("/desk/login/otp/", {"token": f"{totp(device.bin_key):06d}"})
    assert r.status_code == 302, r.content
    return client


@pytest.fixture
def desk(db, demo):
    def _make(role, username=None, agency_code=None):
        agency = Agency.objects.get(code=agency_code) if agency_code else None
        user = make_user(role, username, agency)
        client = verified_client(user)
        client.user = user
        return client

    return _make


@pytest.fixture
def case(demo):
    """A complaint registered through the one intake service (obviously fake data)."""

    def _make(category="online_shopping", description="สั่งซื้อของแล้วไม่ได้รับ โทร 081-234-5678", **identity):
        identity = identity or {"name": "ทดสอบ ระบบ", "phone": "0812345678"}
        return complaint_register(
            channel="web",
            category=Category.objects.get(code=category),
            description=description,
            identity=identity,
            acknowledge=False,
        )

    return _make


@pytest.fixture
def live_call(db):
    from channels_intake.telephony.services import cti_event_apply, cti_event_parse

    def _make(call_id="call-1", caller="0898765432"):
        event = cti_event_parse(
            json.dumps(
                {
                    "call_id": call_id,
                    "event": "started",
                    "caller_number": caller,
                    "occurred_at": "2026-11-23T10:00:00+07:00",
                }
            ).encode()
        )
        return cti_event_apply(event=event)[0]

    return _make


@pytest.fixture
def fax_case(demo):
    from channels_intake.telephony.services import fax_previews_render, fax_register
    from tests.channels_intake.telephony.media import fax_tiff

    def _make():
        complaint = fax_register(
            fileobj=io.BytesIO(fax_tiff(pages=2)),
            filename="fax.tif",
            sender_number="021275789",
            receiving_line="1212",
        )
        fax_previews_render(fax_id=complaint.fax.pk)
        return Complaint.objects.get(pk=complaint.pk)

    return _make


__all__ = ["Role"]
