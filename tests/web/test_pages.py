"""Server-side tests of the people's interfaces: second factor, scoping (404), the same rules as
the API, constant query counts, Buddhist-era dates, cookies (OCC-10)."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from complaints.models import Agency, Complaint, Role
from complaints.referrals import referral_create
from complaints.templatetags.occ_tags import be_date
from privacy.models import AccessLogEntry

pytestmark = pytest.mark.django_db


def test_every_staff_role_needs_the_second_factor(user_factory, demo):
    """clause: OCC-8, DD-5 (log-in with a second factor; log-out offered)"""
    user = user_factory(Role.AGENT, "otp-agent")
    client = Client()
    assert client.get("/desk/").status_code == 302
    client.post("/desk/login/", {"username": "otp-agent", "password": "pw-not-used-1212"})
    r = client.get("/desk/")
    assert r.status_code == 302 and r["Location"] == "/desk/login/otp/"
    assert client.get("/api/v1/staff/complaints/").status_code in (401, 403)  # password alone opens nothing
    page = client.get("/desk/login/otp/")
    assert b"<svg" in page.content or b"data:image/svg+xml" in page.content
    assert client.post("/desk/login/otp/", {"token": "000000"}).status_code in (400, 302)
    import time

    time.sleep(1.1)  # django-otp throttles the next try after a failure
    device = TOTPDevice.objects.get(user=user)
    client.post("/desk/login/otp/", {"token": f"{totp(device.bin_key):06d}"})
    r = client.get("/desk/")
    assert r.status_code == 200 and b'id="logout"' in r.content
    client.post("/desk/logout/")
    assert client.get("/desk/").status_code == 302


def test_portal_files_through_the_same_rules_and_shows_the_code_once(demo):
    """clause: OCC-1, OCC-3 (only the fields the category collects), OCC-12 (policy linked)"""
    c = Client()
    form = c.get("/file/")
    assert form.status_code == 200 and b"/privacy-policy/" in form.content
    fields = c.get("/file/fields/?category=hacked_account").content.decode()
    assert 'name="name"' in fields and 'name="national_id"' not in fields and "anonymous" not in fields
    bad = c.post("/file/", {"category": "online_shopping", "description": "x", "phone": "12"})
    assert bad.status_code == 400 and "complainant.phone" not in bad.content.decode()  # shown as a field error
    assert 'id="phone-errors"' in bad.content.decode() and "valid phone" in bad.content.decode()
    ok = c.post("/file/", {"category": "online_shopping", "description": "ซื้อของไม่ได้รับ", "phone": "0812345678"})
    assert ok.status_code == 200 and ok["Cache-Control"] == "no-store"
    complaint = Complaint.objects.get()
    assert complaint.reference in ok.content.decode() and complaint.channel == "web"
    track = c.post("/track/", {"reference": complaint.reference, "tracking_code": "WRONG"})
    assert track.status_code == 404


def test_portal_sets_no_statistics_cookie_unless_agreed(demo):
    """clause: OCC-10 (cookies can be refused with no effect on service)"""
    c = Client()
    assert "occ_stats" not in c.get("/").cookies
    r = c.post("/cookies/", {"statistics": "0", "next": "/file/"})
    assert r.status_code == 302 and "occ_stats" not in r.cookies or r.cookies["occ_stats"].value == ""
    assert c.get("/file/").status_code == 200 and b"cookies-refuse" not in c.get("/file/").content
    r = c.post("/cookies/", {"statistics": "1", "next": "https://evil.example/"})
    assert r["Location"] == "/" and r.cookies["occ_stats"].value


def test_desk_pages_answer_404_for_what_the_user_may_not_see(desk, file_complaint, user_factory):
    filed = file_complaint()
    other = file_complaint(category="financial_scam")
    ref = referral_create(complaint=Complaint.objects.get(reference=other["reference"]),
                          agency=Agency.objects.get(code="ccib"), purpose="investigation", basis="related_agency",
                          actor=user_factory(Role.AGENT, "router"))
    ocpb = desk(Role.AGENCY_OFFICER, "ocpb-officer", "ocpb")
    assert ocpb.get(f"/agency/{ref.delivery_id}/").status_code == 404
    assert ocpb.get(f"/desk/case/{filed['reference']}/").status_code == 404
    assert ocpb.get("/desk/supervisor/").status_code == 404
    assert ocpb.get("/desk/privacy/").status_code == 404
    police = desk(Role.AGENCY_OFFICER, "police-officer", "ccib")
    assert police.get(f"/agency/{ref.delivery_id}/").status_code == 200
    agent = desk(Role.AGENT, "desk-agent")
    assert agent.get("/desk/case/OCC-2099-000001/").status_code == 404
    assert agent.get("/desk/privacy/").status_code == 404
    assert agent.get("/desk/supervisor/").status_code == 404
    assert agent.get("/agency/").status_code == 404


def test_case_page_logs_the_read_and_offers_only_allowed_transitions(desk, file_complaint):
    filed = file_complaint()
    agent = desk(Role.AGENT, "desk-agent")
    page = agent.get(f"/desk/case/{filed['reference']}/").content.decode()
    assert 'value="triaged"' in page and 'value="closed"' not in page
    assert AccessLogEntry.objects.filter(actor=agent.user, action="view").exists()
    assert "preview-ocpb" in page  # the routing panel shows what the agency would receive


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_queue_and_case_pages_use_constant_queries(desk, file_complaint):
    agent = desk(Role.AGENT, "desk-agent")
    filed = file_complaint()
    q1, c1 = _count(agent, "/desk/"), _count(agent, f"/desk/case/{filed['reference']}/")
    for _ in range(5):
        file_complaint()
    from complaints.services import complaint_note_add

    for i in range(5):
        complaint_note_add(complaint=Complaint.objects.get(reference=filed["reference"]), actor=agent.user,
                           text=f"n{i}", public=bool(i % 2))
    assert _count(agent, "/desk/") == q1
    assert _count(agent, f"/desk/case/{filed['reference']}/") == c1


def test_buddhist_era_dates():
    from datetime import date

    with translation.override("th"):
        assert be_date(date(2026, 11, 22)) == "22 พ.ย. 2569"
    with translation.override("en"):
        assert be_date(date(2026, 11, 22)) == "22 Nov 2026"


def test_english_switch(demo):
    c = Client()
    c.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert b'lang="en"' in c.get("/").content
