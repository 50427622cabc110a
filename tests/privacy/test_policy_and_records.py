"""Policy versions and notices (OCC-12), cookie choices (OCC-10), record of processing (PDPA s.39),
breach register (s.37), staff access report."""

from datetime import timedelta

import pytest
from django.utils import timezone

from complaints.models import Complaint, Role
from privacy.ops.demo import demo_privacy_load
from privacy.ops.models import CookiePreference, PolicyVersion

pytestmark = pytest.mark.django_db
P = "/api/v1/privacy/"


@pytest.fixture
def policies(demo):
    demo_privacy_load()


def test_current_policy_history_and_complaint_records_version_in_force(
    api, policies, staff_api, file_complaint
):
    """clause: OCC-12 (policy changes announced; the version at intake recorded)"""
    first = Complaint.objects.get(reference=file_complaint()["reference"])
    assert first.policy_at_intake.policy.version == "1.0"
    dpo = staff_api(Role.PRIVACY_OFFICER, "dpo")
    r = dpo.post(
        P + "staff/policies/",
        {
            "version": "1.1",
            "title_th": "นโยบาย",
            "title_en": "Policy",
            "body_th": "ฉบับปรับปรุง",
            "body_en": "Revised",
            "change_summary_en": "Adds call recordings.",
            "effective_at": (timezone.now() - timedelta(minutes=1)).isoformat(),
        },
        format="json",
    )
    assert r.status_code == 201
    pub = dpo.post(P + f"staff/policies/{r.json()['id']}/publish/")
    assert pub.status_code == 200 and "1.1" in pub.json()["notice_en"]
    assert "2569" in pub.json()["notice_th"] or "25" in pub.json()["notice_th"]  # Buddhist era year
    body = api.get(P + "policy/").json()
    assert body["current"]["version"] == "1.1" and [h["version"] for h in body["history"]] == ["1.1", "1.0"]
    feed = api.get(P + "notices/").json()
    assert feed[0]["version"] == "1.1"
    second = Complaint.objects.get(reference=file_complaint()["reference"])
    assert second.policy_at_intake.policy.version == "1.1"
    assert dpo.post(P + f"staff/policies/{r.json()['id']}/publish/").status_code == 400
    assert staff_api(Role.AGENT).post(P + f"staff/policies/{r.json()['id']}/publish/").status_code == 404


def test_refusing_statistics_cookies_is_stored_and_changes_nothing_else(api, policies, file_complaint):
    """clause: OCC-10 (cookies may be refused with no effect on service)"""
    r = api.post(P + "cookies/", {"statistics": False}, format="json")
    assert r.status_code == 200 and r.json()["statistics"] is False
    cookie = r.cookies["occ_cookie_choice"].value
    assert cookie.endswith(":0") and set(r.cookies) == {"occ_cookie_choice"}
    # the service works the same with statistics refused
    filed = file_complaint()
    t = api.post(
        "/api/v1/track/",
        {"reference": filed["reference"], "tracking_code": filed["tracking_code"]},
        format="json",
    )
    assert t.status_code == 200 and not t.cookies
    api.post(P + "cookies/", {"statistics": True}, format="json")
    prefs = list(CookiePreference.objects.order_by("id").values_list("statistics", flat=True))
    assert prefs == [False, True]  # every choice kept
    assert CookiePreference.objects.values("browser_id").distinct().count() == 1
    assert api.get(P + "cookies/").json()["statistics"] is True


def test_record_of_processing_json_and_csv_with_refusals(policies, staff_api, file_complaint):
    """clause: PDPA s.39 (record of processing), OCC-1, OCC-13"""
    filed = file_complaint()
    agent = staff_api(Role.AGENT)
    dpo = staff_api(Role.PRIVACY_OFFICER, "dpo")
    rid = agent.post(
        P + "staff/requests/",
        {"reference": filed["reference"], "type": "erasure", "identity_check": "callback"},
        format="json",
    ).json()["request_id"]
    dpo.post(
        P + f"staff/requests/{rid}/refuse/", {"ground": "law_requires", "reason": "หลักฐานคดี"}, format="json"
    )
    rows = dpo.get(P + "staff/processing-record/").json()
    codes = {r["activity"] for r in rows}
    assert {"complaint_intake", "referral", "traffic_log"} <= codes
    intake = next(r for r in rows if r["activity"] == "complaint_intake")
    assert intake["refusals"] == {"erasure:law_requires": 1}
    assert intake["security_measures"] and intake["retention"] and intake["access"]
    csv = dpo.get(P + "staff/processing-record/?as=csv")
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    assert b"complaint_intake" in csv.content and b"security_measures" in csv.content
    assert staff_api(Role.AUDITOR, "aud").get(P + "staff/processing-record/").status_code == 200
    assert agent.get(P + "staff/processing-record/").status_code == 404


def test_breach_register_72_hour_clock_and_overdue_list(staff_api, demo):
    """clause: PDPA s.37 (notify the regulator within 72 hours)"""
    dpo = staff_api(Role.PRIVACY_OFFICER, "dpo")
    detected = timezone.now() - timedelta(hours=80)
    r = dpo.post(
        P + "staff/breaches/",
        {
            "detected_at": detected.isoformat(),
            "description": "ส่งอีเมลผิดผู้รับ",
            "data_categories": ["email"],
            "people_affected": 3,
        },
        format="json",
    )
    assert r.status_code == 201 and r.json()["overdue"] is True
    from django.utils.dateparse import parse_datetime

    assert parse_datetime(r.json()["notify_by"]) - detected == timedelta(hours=72)
    dpo.post(
        P + "staff/breaches/",
        {"detected_at": timezone.now().isoformat(), "description": "new", "people_affected": 1},
        format="json",
    )
    overdue = dpo.get(P + "staff/breaches/?overdue=1").json()
    assert [b["description"] for b in overdue] == ["ส่งอีเมลผิดผู้รับ"]
    dpo.post(P + f"staff/breaches/{r.json()['id']}/notified/", {"regulator": True}, format="json")
    assert dpo.get(P + "staff/breaches/?overdue=1").json() == []


def test_staff_access_report_lists_who_read_whose_data(staff_api, file_complaint):
    filed = file_complaint()
    agent = staff_api(Role.AGENT)
    agent.get(f"/api/v1/staff/complaints/{filed['reference']}/")
    c = Complaint.objects.get(reference=filed["reference"])
    dpo = staff_api(Role.PRIVACY_OFFICER, "dpo")
    rows = dpo.get(P + f"staff/access-report/?complainant={c.complainant_id}").json()
    assert [(r["actor"], r["action"]) for r in rows] == [("agent", "view")]
    csv = dpo.get(P + "staff/access-report/?as=csv&actor=agent")
    assert b"agent" in csv.content and b"view" in csv.content


def test_policy_versions_published_are_immutable_in_admin(policies):
    from django.contrib.admin.sites import site

    from privacy.ops.admin import PolicyVersionAdmin

    admin = PolicyVersionAdmin(PolicyVersion, site)
    published = PolicyVersion.objects.get(version="1.0")
    assert "body_th" in admin.get_readonly_fields(None, published)
