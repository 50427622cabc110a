"""The citizens' JSON API does no session, user, OTP or message work (OCC-10), validates bodies
without building DRF field trees, and answers exactly as before."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


def test_citizen_api_never_loads_a_session_even_with_a_session_cookie(api, demo):
    """clause: OCC-10 (no session on the public API: a cookie sent along is not even looked up)"""
    api.cookies["sessionid"] = "a" * 32
    with CaptureQueriesContext(connection) as ctx:
        r = api.get("/api/v1/categories/")
    assert r.status_code == 200 and "Set-Cookie" not in r.headers
    assert not [q for q in ctx.captured_queries if "django_session" in q["sql"]]


def test_pages_and_staff_paths_still_run_the_session_middleware(client, demo):
    """The bypass is for the citizens' JSON API only: the desk log-in page keeps its session."""
    client.cookies["sessionid"] = "a" * 32
    with CaptureQueriesContext(connection) as ctx:
        client.get("/desk/login/")
    assert [q for q in ctx.captured_queries if "django_session" in q["sql"]]
