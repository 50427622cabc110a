"""Aggregate statistics (MOST-1, OCC-10): by category, channel, province and month, time to first
answer and referrals by agency, for staff and a public page, with no count under 5 shown; and
the traffic-log search for a retrospective investigation."""

import pytest
from django.test import Client

from complaints.models import Agency, Category, Role
from complaints.services.actions import complaint_status_change
from complaints.services.intake import Incident, complaint_register
from complaints.statistics import MIN_CELL, suppress
from privacy.models import AccessLogEntry

pytestmark = pytest.mark.django_db


def test_small_cells_and_the_one_that_would_reveal_them_are_suppressed():
    """clause: MOST-1, OCC-10 (statistics that identify no individual)"""
    counts = [c.count for c in suppress([("a", "A", 7), ("b", "B", 3), ("c", "C", 9), ("z", "Z", 0)])]
    assert counts == [None, None, 9, 0]  # 3 hidden, and 7 too, or total minus the rest would show it
    assert [c.count for c in suppress([("a", "A", 2), ("b", "B", 1), ("c", "C", 8)])] == [None, None, 8]
    assert [c.count for c in suppress([("a", "A", 5), ("b", "B", 6)])] == [5, 6]
    assert MIN_CELL == 5


@pytest.fixture
def filed(demo, user_factory):
    shop = Category.objects.get(code="online_shopping")
    scam = Category.objects.get(code="financial_scam")
    agent = user_factory(Role.AGENT, "stats-agent")
    made = []

    def one(channel, category, province):
        reg = complaint_register(
            channel=channel,
            category=category,
            description="x",
            identity={},
            anonymous=True,
            incident=Incident(province=province),
        )
        made.append(reg.complaint)

    for _ in range(7):
        one("web", shop, "กรุงเทพมหานคร")
    for _ in range(5):
        one("phone", shop, "")
    for _ in range(2):
        one("app", scam, "ขอนแก่น")
    for c in made[:5]:
        complaint_status_change(complaint=c, actor=agent, to_status="triaged")
    from routing.referrals import referral_create

    referral_create(
        complaint=made[-1], agency=Agency.objects.get(code="ccib"), purpose="investigation",
        basis="related_agency", actor=agent,
    )  # fmt: skip
    return made


def _cells(table):
    return {c["key"]: c["count"] for c in table}


def test_staff_statistics_by_every_dimension(filed, staff_api):
    """clause: MOST-1 (usage analysis and statistics, for staff)"""
    r = staff_api(Role.SUPERVISOR, "sup").get("/api/v1/staff/statistics/", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 200, r.content
    s = r.json()
    assert s["total"] == 14
    # 2 scam complaints are hidden, and so are the 12 others: the total (14) would reveal the 2
    assert _cells(s["by_category"]) == {"online_shopping": None, "financial_scam": None}
    assert _cells(s["by_channel"]) == {"web": 7, "app": None, "email": 0, "phone": None, "fax": 0}
    assert _cells(s["by_province"]) == {"กรุงเทพมหานคร": 7, "-": None, "ขอนแก่น": None}
    assert [c["count"] for c in s["by_month"]] == [14]
    # five status changes and one referral by staff; the other eight not answered yet
    assert s["time_to_first_answer"]["answered"] == 6 and s["time_to_first_answer"]["median_hours"] == 0.0
    assert _cells(s["referrals_by_agency"]) == {"ccib": None}  # one referral: never shown
    assert all(c["suppressed"] is (c["count"] is None) for c in s["by_channel"])
    assert staff_api(Role.AGENCY_OFFICER, "cop").get("/api/v1/staff/statistics/").status_code == 404
    assert Client().get("/api/v1/staff/statistics/").status_code in (401, 403)
    bad = staff_api(Role.AGENT, "a2").get("/api/v1/staff/statistics/?from=2026-13")
    assert bad.status_code == 400 and "from" in bad.json()["error"]["fields"]


def test_the_public_page_shows_no_count_under_five(filed):
    """clause: MOST-1, OCC-10 (public statistics that identify no one)"""
    page = Client().get("/statistics/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<td>14</td>" in html and "<td>7</td>" in html
    for small in range(1, MIN_CELL):
        assert f"<td>{small}</td>" not in html
    assert "<td>5</td>" not in html  # the phone cell is hidden too: it would reveal the app cell
    assert "fewer than 5" in html
    assert "ขอนแก่น" in html  # the province is named, its count is not


def test_retrospective_investigation_searches_the_traffic_log(demo, api, staff_api):
    """clause: MOST-1, KC-2 (retrospective investigation when a problem occurs: the traffic log,
    searched by the privacy officer; every search is itself logged)"""
    from tests.conftest import complaint_body

    r = api.post("/api/v1/complaints/", complaint_body(), format="json", REMOTE_ADDR="203.0.113.9")
    ref = r.json()["reference"]
    api.get("/api/v1/categories/", REMOTE_ADDR="198.51.100.7")
    dpo = staff_api(Role.PRIVACY_OFFICER, "dpo")
    found = dpo.get("/api/v1/privacy/staff/traffic/", {"ip": "203.0.113.9"})
    assert found.status_code == 200
    assert [(x["path"], x["complaint_reference"]) for x in found.json()] == [("/api/v1/complaints/", ref)]
    assert [
        x["ip_address"] for x in dpo.get("/api/v1/privacy/staff/traffic/", {"reference": ref}).json()
    ] == ["203.0.113.9"]
    entry = AccessLogEntry.objects.get(action="search", object_type="traffic_record", fields=["ip"])
    assert entry.actor == dpo.user and entry.purpose == "retrospective_investigation"
    assert dpo.get("/api/v1/privacy/staff/traffic/").status_code == 400  # no filter, no dump
    assert (
        staff_api(Role.AGENT, "agent")
        .get("/api/v1/privacy/staff/traffic/", {"ip": "203.0.113.9"})
        .status_code
        == 404
    )
