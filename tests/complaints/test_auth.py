"""Staff log-in: tokens only after the second factor, lockout after failures, passwords never
shown (DD-5, SSO-4)."""

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from complaints.models import Role

pytestmark = pytest.mark.django_db

LOGIN = "/api/v1/auth/login/"


def enrolled(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key):06d}"


def wrong(device: TOTPDevice) -> str:
    return f"{(int(code(device)) + 1) % 1_000_000:06d}"


def test_login_gives_token_that_works_and_logout_revokes_it(api, user_factory):
    """clause: DD-5 (the system knows the user ID, never the password; log-out is offered)"""
    user = user_factory(Role.AGENT, "kanya")
    device = enrolled(user)
    r = api.post(
        LOGIN, {"username": "kanya", "password": "pw-not-used-1212", "otp": code(device)}, format="json"
    )
    assert r.status_code == 200
    token = r.json()["token"]
    assert "pw-not-used-1212" not in r.content.decode()
    assert user.password.startswith("md5$") or "pw-not-used" not in user.password
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/auth/me/").json()["role"] == "agent"
    assert api.post("/api/v1/auth/logout/").status_code == 204
    assert api.get("/api/v1/auth/me/").status_code == 401


@pytest.mark.parametrize("role", [Role.AGENT, Role.PRIVACY_OFFICER, Role.AUDITOR, Role.AGENCY_OFFICER])
def test_a_password_alone_gives_no_token_for_any_role(api, user_factory, role, settings):
    """clause: OCC-8 (the staff API asks for the same second factor as the desk and the admin)"""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp's back-off after a wrong code: off here
    user = user_factory(role, "kanya")
    password_only = {"username": "kanya", "password": "pw-not-used-1212"}
    r = api.post(LOGIN, password_only, format="json")
    assert r.status_code == 400 and "otp" in r.json()["error"]["fields"]
    # not enrolled yet: no token, and the answer says what to do
    r = api.post(LOGIN, {**password_only, "otp": "123456"}, format="json")
    assert r.status_code == 400 and r.json()["error"]["code"] == "second_factor_not_enrolled"
    device = enrolled(user)
    r = api.post(LOGIN, {**password_only, "otp": wrong(device)}, format="json")
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_credentials"
    assert "token" not in r.json()
    r = api.post(LOGIN, {**password_only, "otp": code(device)}, format="json")
    assert r.status_code == 200 and r.json()["token"]


def test_unconfirmed_device_is_not_a_second_factor(api, user_factory):
    user = user_factory(Role.AGENT, "kanya")
    device = TOTPDevice.objects.create(user=user, name="half-enrolled", confirmed=False)
    r = api.post(
        LOGIN, {"username": "kanya", "password": "pw-not-used-1212", "otp": code(device)}, format="json"
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == "second_factor_not_enrolled"


def test_failed_logins_lock_out(api, user_factory, settings):
    device = enrolled(user_factory(Role.AGENT, "kanya"))
    bad = {"username": "kanya", "password": "wrong", "otp": code(device)}
    codes = [api.post(LOGIN, bad, format="json").status_code for _ in range(settings.AXES_FAILURE_LIMIT)]
    assert codes[0] == 400
    good = {"username": "kanya", "password": "pw-not-used-1212", "otp": code(device)}
    r = api.post(LOGIN, good, format="json")
    assert r.status_code == 429 and r.json()["error"]["code"] == "locked_out"


def test_wrong_codes_lock_out_like_wrong_passwords(api, user_factory, settings):
    device = enrolled(user_factory(Role.AGENT, "kanya"))
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    bad = {"username": "kanya", "password": "pw-not-used-1212", "otp": wrong(device)}
    codes = [api.post(LOGIN, bad, format="json").status_code for _ in range(settings.AXES_FAILURE_LIMIT)]
    assert codes[0] == 400 and codes[-1] == 429
    r = api.post(LOGIN, {**bad, "otp": code(device)}, format="json")
    assert r.status_code == 429 and r.json()["error"]["code"] == "locked_out"


def test_production_password_hasher_is_argon2():
    from occ.settings import base

    assert base.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
