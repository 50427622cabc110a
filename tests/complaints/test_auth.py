"""Staff log-in: tokens, lockout after failures, passwords never shown (DD-5, SSO-4)."""

import pytest

from complaints.models import Role

pytestmark = pytest.mark.django_db


def test_login_gives_token_that_works_and_logout_revokes_it(api, user_factory):
    """clause: DD-5 (the system knows the user ID, never the password; log-out is offered)"""
    user = user_factory(Role.AGENT, "kanya")
    r = api.post("/api/v1/auth/login/", {"username": "kanya", "password": "pw-not-used-1212"}, format="json")
    assert r.status_code == 200
    token = r.json()["token"]
    assert "pw-not-used-1212" not in r.content.decode()
    assert user.password.startswith("md5$") or "pw-not-used" not in user.password
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/auth/me/").json()["role"] == "agent"
    assert api.post("/api/v1/auth/logout/").status_code == 204
    assert api.get("/api/v1/auth/me/").status_code == 401


def test_failed_logins_lock_out(api, user_factory, settings):
    user_factory(Role.AGENT, "kanya")
    bad = {"username": "kanya", "password": "wrong"}
    codes = [
        api.post("/api/v1/auth/login/", bad, format="json").status_code
        for _ in range(settings.AXES_FAILURE_LIMIT)
    ]
    assert codes[0] == 400
    good = {"username": "kanya", "password": "pw-not-used-1212"}
    r = api.post("/api/v1/auth/login/", good, format="json")
    assert r.status_code == 429 and r.json()["error"]["code"] == "locked_out"


def test_production_password_hasher_is_argon2():
    from occ.settings import base

    assert base.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
