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


def test_a_valid_intake_and_look_up_build_no_serializer(api, demo, monkeypatch):
    """The lean path is the one taken for a valid body (the serializer only words refusals)."""
    from channels_intake import web
    from complaints.api import public
    from tests.conftest import complaint_body

    def built(*args, **kwargs):
        raise AssertionError("a serializer was built for a valid body")

    monkeypatch.setattr(web.ComplaintIn, "__init__", built)
    monkeypatch.setattr(public.TrackIn, "__init__", built)
    filed = api.post("/api/v1/complaints/", complaint_body(), format="json")
    assert filed.status_code == 201
    body = {"reference": filed.json()["reference"], "tracking_code": filed.json()["tracking_code"]}
    assert api.post("/api/v1/track/", body, format="json").status_code == 200


def test_the_category_is_read_from_the_process_copy_and_a_change_reaches_it(api, demo):
    """clause: OCC-3 (the identity rules of the category as saved now, not as first read)"""
    from complaints.models import Category
    from tests.conftest import complaint_body

    with CaptureQueriesContext(connection) as ctx:
        assert api.post("/api/v1/complaints/", complaint_body(), format="json").status_code == 201
        assert api.post("/api/v1/complaints/", complaint_body(), format="json").status_code == 201
    category_reads = [q for q in ctx.captured_queries if 'FROM "complaints_category"' in q["sql"]]
    assert len(category_reads) <= 1  # loaded once per process, then no query
    shop = Category.objects.get(code="online_shopping")
    shop.is_active = False
    shop.save()
    r = api.post("/api/v1/complaints/", complaint_body(), format="json")
    assert r.status_code == 400 and "category" in r.json()["error"]["fields"]


# --- the lean path is never looser than the serializer (hypothesis) -------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_VALUES = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "  x  ",
            "\x00",
            "a\x00b",
            "\ud800",
            "https://scam-shop.example/item/1",
            "not a url",
            "ftp://x",
            "2026-11-30T10:00:00",
            "2026-11-30T10:00:00+07:00",
            "30/11/2026",
            "1500.00",
            "1500.005",
            "-1",
            "1e3",
            "123456789012345.00",
            "web",
            "app",
            "phone",
            "online_shopping",
            "other",
            "nope",
            "OCC-2026-000001",
            "x" * 33,
            "y" * 65,
            "z" * 201,
        ]
    ),
    st.text(max_size=30),
    st.integers(-5, 10**16),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
    st.just([]),
    st.just({}),
    st.just({"extra": 1}),
)
_COMPLAINT_KEYS = ["category", "channel", "description", "complainant", "anonymous", "incident", "extra"]
_NESTED = {
    "complainant": ["name", "phone", "email", "address", "national_id", "extra"],
    "incident": [
        "website_url",
        "occurred_at",
        "amount_lost",
        "other_party_account",
        "other_party_phone",
        "x",
    ],
}


@st.composite
def _bodies(draw):
    from tests.conftest import complaint_body

    body = complaint_body()
    for _ in range(draw(st.integers(0, 4))):
        key = draw(st.sampled_from(_COMPLAINT_KEYS))
        if key in _NESTED and draw(st.booleans()):
            inner = dict(body.get(key) or {}) if isinstance(body.get(key), dict) else {}
            inner[draw(st.sampled_from(_NESTED[key]))] = draw(_VALUES)
            body[key] = inner
        elif draw(st.booleans()) and key in body:
            del body[key]
        else:
            body[key] = draw(_VALUES)
    return body


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=_bodies())
def test_the_lean_intake_validator_accepts_only_what_the_serializer_accepts_and_the_same_way(demo, body):
    """clause: OCC-1, OCC-3 (minimum data: the faster path lets nothing through that the strict
    serializer refuses, and yields the same values)"""
    from hypothesis import assume

    from channels_intake import web
    from occ.api.fastbody import Refused

    # a NUL in the category code reaches the database through the serializer's look-up (PostgreSQL
    # refuses it): the parser-level NUL refusal (issue 17) keeps it out before either runs
    assume("\x00" not in str(body.get("category")))
    serializer = web.ComplaintIn(data=body)
    accepted = serializer.is_valid()
    try:
        lean = web._complaint_lean(body)
    except Refused:
        return
    assert accepted, (body, serializer.errors)
    assert _plain(lean) == _plain(serializer.validated_data)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.dictionaries(st.sampled_from(["reference", "tracking_code", "extra"]), _VALUES, max_size=3))
def test_the_lean_tracking_validator_accepts_only_what_the_serializer_accepts(db, body):
    from complaints.api import public
    from occ.api.fastbody import Refused

    serializer = public.TrackIn(data=body)
    accepted = serializer.is_valid()
    try:
        lean = public._track_lean(body)
    except Refused:
        return
    assert accepted and lean == dict(serializer.validated_data), (body, serializer.errors)


@pytest.mark.parametrize("text", ["\ud83d", "ok \udfff", "\ud800\udc00"])
def test_a_lone_surrogate_is_refused_by_the_lean_path_as_by_the_serializer(db, text):
    """clause: OCC-1 (the lean fields' surrogate search refuses what DRF's loop refuses)"""
    from complaints.api import public
    from occ.api.fastbody import Refused

    body = {"reference": text, "tracking_code": "AAAA-BBBB-CCCC-DDDD"}
    serializer = public.TrackIn(data=body)
    assert not serializer.is_valid()
    assert "Surrogate characters are not allowed" in str(serializer.errors["reference"])
    with pytest.raises(Refused):
        public._track_lean(body)
    assert public._track_lean({**body, "reference": "OCC-2026-000001"})["reference"] == "OCC-2026-000001"


@pytest.mark.django_db(transaction=True)
def test_the_intakes_traffic_record_is_written_in_its_own_transaction_once(api, demo, monkeypatch):
    """clause: KC-2, OCC-4 (one traffic record per request, the filed one with its reference, and
    none that claims a complaint whose transaction did not commit). Not inside a test's own
    transaction: the intake's is the request's outermost one, as in production."""
    from channels_intake import web
    from privacy.models import TrafficRecord
    from tests.conftest import complaint_body

    r = api.post("/api/v1/complaints/", complaint_body(), format="json")
    assert r.status_code == 201
    assert list(TrafficRecord.objects.values_list("status_code", "complaint_reference", "channel")) == [
        (201, r.json()["reference"], "web")
    ]
    TrafficRecord.objects.all().delete()
    real = web.traffic_record_in_transaction

    def then_fail(request, **kwargs):
        real(request, **kwargs)
        assert connection.in_atomic_block  # written inside the intake's transaction
        raise RuntimeError("the intake's transaction fails after the traffic record")

    monkeypatch.setattr(web, "traffic_record_in_transaction", then_fail)
    api.raise_request_exception = False
    failed = api.post("/api/v1/complaints/", complaint_body(), format="json")
    assert failed.status_code == 500
    # the middleware recorded the failed request, naming no complaint (none was filed)
    assert list(TrafficRecord.objects.values_list("status_code", "complaint_reference")) == [(500, "")]
