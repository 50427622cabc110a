"""Citizen tracking: reference + tracking code, public timeline only, same 404 for every miss."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from complaints.models import Complaint, Role
from complaints.services import actions

URL = "/api/v1/track/"
pytestmark = pytest.mark.django_db


def test_track_shows_status_and_public_timeline_without_personal_data(api, file_complaint, user_factory):
    """clause: OCC-1 (no personal data in the public answer)"""
    filed = file_complaint()
    c = Complaint.objects.get(reference=filed["reference"])
    agent = user_factory(Role.AGENT)
    actions.complaint_note_add(complaint=c, actor=agent, text="ลูกค้าแจ้งเลขบัญชีปลายทางเพิ่ม", public=False)
    actions.complaint_status_change(
        complaint=c, actor=agent, to_status="triaged", note="กำลังตรวจสอบ", note_public=True
    )
    actions.complaint_note_add(complaint=c, actor=agent, text="ได้ประสานร้านค้าแล้ว", public=True)

    r = api.post(
        URL, {"reference": filed["reference"].lower(), "tracking_code": filed["tracking_code"]}, format="json"
    )
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "triaged" and body["expected_response_date"] == filed["expected_response_date"]
    texts = [e["text"] for e in body["timeline"]]
    assert "ได้ประสานร้านค้าแล้ว" in texts and "กำลังตรวจสอบ" in texts
    assert "ลูกค้าแจ้งเลขบัญชีปลายทางเพิ่ม" not in r.content.decode()
    raw = r.content.decode()
    for personal in ("สมชาย", "+66812345678", "example.com", agent.username):
        assert personal not in raw
    assert not r.cookies


def test_unknown_reference_and_wrong_code_answer_the_same_404(api, file_complaint):
    filed = file_complaint()
    wrong_code = api.post(
        URL, {"reference": filed["reference"], "tracking_code": "AAAA-BBBB-CCCC-DDDD"}, format="json"
    )
    unknown = api.post(
        URL, {"reference": "OCC-2099-999999", "tracking_code": filed["tracking_code"]}, format="json"
    )
    assert wrong_code.status_code == unknown.status_code == 404
    assert wrong_code.json() == unknown.json()


def test_tracking_code_is_case_and_dash_insensitive(api, file_complaint):
    filed = file_complaint()
    code = filed["tracking_code"].replace("-", "").lower()
    assert (
        api.post(URL, {"reference": filed["reference"], "tracking_code": code}, format="json").status_code
        == 200
    )


def test_guessing_is_throttled(api, file_complaint, throttle_rates):
    filed = file_complaint()
    throttle_rates(track="3/min")
    codes = [
        api.post(URL, {"reference": filed["reference"], "tracking_code": f"X{i}"}, format="json").status_code
        for i in range(4)
    ]
    assert codes == [404, 404, 404, 429]


def test_tracking_uses_a_constant_number_of_queries(api, file_complaint, user_factory):
    filed = file_complaint()
    c = Complaint.objects.get(reference=filed["reference"])
    agent = user_factory(Role.AGENT)
    body = {"reference": filed["reference"], "tracking_code": filed["tracking_code"]}

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert api.post(URL, body, format="json").status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for i in range(10):
        actions.complaint_note_add(complaint=c, actor=agent, text=f"update {i}", public=True)
    assert count() == few


def test_wrong_code_and_unknown_reference_cost_the_same_queries(api, file_complaint):
    """clause: OCC-8 (a guess learns nothing: the same answer after the same single statement, and
    the timeline and referrals of a real case are not computed for a wrong code)"""
    from complaints.selectors import _track_sql
    from complaints.services.intake import tracking_code_hash

    filed = file_complaint()

    def count(body):
        with CaptureQueriesContext(connection) as ctx:
            assert api.post(URL, body, format="json").status_code == 404
        return [q["sql"] for q in ctx.captured_queries if "trafficrecord" not in q["sql"]]

    wrong = count({"reference": filed["reference"], "tracking_code": "AAAA-AAAA-AAAA-AAAA"})
    unknown = count({"reference": "OCC-1999-000001", "tracking_code": filed["tracking_code"]})
    assert len(wrong) == len(unknown) == 1
    with connection.cursor() as cursor:
        guess = tracking_code_hash("AAAA-AAAA-AAAA-AAAA")
        cursor.execute(_track_sql(connection.vendor), [guess, guess, filed["reference"]])
        row = cursor.fetchone()
        assert row[-2:] == (None, None)  # no timeline, no agencies for a wrong code
        right = tracking_code_hash(filed["tracking_code"])
        cursor.execute(_track_sql(connection.vendor), [right, right, filed["reference"]])
        assert cursor.fetchone()[-2] is not None


def test_tracking_is_one_statement_returning_only_public_fields(api, file_complaint):
    """clause: OCC-8 (the citizen's read touches no personal column)"""
    filed = file_complaint()
    body = {"reference": filed["reference"], "tracking_code": filed["tracking_code"]}
    with CaptureQueriesContext(connection) as ctx:
        assert api.post(URL, body, format="json").status_code == 200
    reads = [q["sql"] for q in ctx.captured_queries if "trafficrecord" not in q["sql"]]
    assert len(reads) == 1 and len(ctx.captured_queries) == 2  # and the traffic record (KC-2)
    sql = reads[0]
    for personal in ("complainant", "description", "national_id", "email", "phone", "incident_url"):
        assert personal not in sql
