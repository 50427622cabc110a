import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from complaints.models import Agency, Role
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


__all__ = ["Role"]
