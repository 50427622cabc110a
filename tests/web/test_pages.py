"""Server-side tests of the people's interfaces: the same rules as the API, the access log, constant
query counts, the phone screen's one-time code, the routing preview, Buddhist-era dates, the English
switch and cookies (OCC-10). Who may open what (second factor, 404s) is in test_access.py."""

import hashlib
import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from complaints.models import Agency, Complaint, Role
from complaints.services.actions import complaint_note_add
from interfaces.templatetags.occ_tags import be_date
from privacy.models import AccessLogEntry, TransferRecord
from routing.disclosure import canonical
from routing.referrals import referral_create

pytestmark = pytest.mark.django_db


def test_portal_files_through_the_same_rules_and_shows_the_code_once(demo):
    """clause: OCC-1, OCC-3 (only the fields the category collects), OCC-12 (policy linked)"""
    c = Client()
    form = c.get("/file/")
    assert form.status_code == 200 and b"/privacy-policy/" in form.content
    fields = c.get("/file/fields/?category=hacked_account").content.decode()
    assert 'name="name"' in fields and 'name="national_id"' not in fields and "anonymous" not in fields
    bad = c.post("/file/", {"category": "online_shopping", "description": "x", "phone": "12"})
    assert (
        bad.status_code == 400 and "complainant.phone" not in bad.content.decode()
    )  # shown as a field error
    # the error is in the citizen's language (Thai by default), English with the switch
    assert 'id="phone-errors"' in bad.content.decode() and "หมายเลขโทรศัพท์ไม่ถูกต้อง" in bad.content.decode()
    bad_en = c.post(
        "/file/",
        {"category": "online_shopping", "description": "x", "phone": "12"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "Not a valid phone number." in bad_en.content.decode()
    assert not Complaint.objects.exists()  # nothing half-stored
    ok = c.post(
        "/file/", {"category": "online_shopping", "description": "ซื้อของไม่ได้รับ", "phone": "0812345678"}
    )
    assert ok.status_code == 200 and ok["Cache-Control"] == "no-store"
    complaint = Complaint.objects.get()
    assert complaint.reference in ok.content.decode() and complaint.channel == "web"
    track = c.post("/track/", {"reference": complaint.reference, "tracking_code": "WRONG"})
    assert track.status_code == 404


def test_portal_forms_count_against_the_apis_rate_limit(demo, case, throttle_rates):
    """Guessing tracking codes through /track/ is limited exactly as through the API."""
    reg = case()
    throttle_rates(track="3/min")
    c = Client()
    codes = [
        c.post("/track/", {"reference": reg.complaint.reference, "tracking_code": f"X{i}"}).status_code
        for i in range(4)
    ]
    assert codes == [404, 404, 404, 429]
    # the right code is refused too while the limit lasts: the page is no way around it
    assert (
        c.post(
            "/track/", {"reference": reg.complaint.reference, "tracking_code": reg.tracking_code}
        ).status_code
        == 429
    )
    assert (
        Client(REMOTE_ADDR="10.9.9.9")
        .post("/track/", {"reference": reg.complaint.reference, "tracking_code": reg.tracking_code})
        .status_code
        == 200
    )


def test_portal_sets_no_statistics_cookie_unless_agreed(demo):
    """clause: OCC-10 (cookies can be refused with no effect on service)"""
    c = Client()
    assert "occ_stats" not in c.get("/").cookies
    r = c.post("/cookies/", {"statistics": "0", "next": "/file/"})
    assert r.status_code == 302 and r["Location"] == "/file/"
    assert "occ_stats" not in r.cookies or r.cookies["occ_stats"].value == ""
    assert r.cookies["occ_cookie_choice"]["httponly"]
    assert c.get("/file/").status_code == 200 and b"cookies-refuse" not in c.get("/file/").content
    r = c.post("/cookies/", {"statistics": "1", "next": "https://evil.example/"})
    assert r["Location"] == "/" and r.cookies["occ_stats"].value
    r = c.post("/cookies/", {"statistics": "0", "next": "/"})  # changing one's mind removes it
    assert r.cookies["occ_stats"].value == ""


def test_case_page_logs_the_read_and_offers_only_allowed_transitions(desk, case):
    """clause: OCC-8 (every staff read of personal data is logged)"""
    reg = case()
    agent = desk(Role.AGENT, "desk-agent")
    page = agent.get(f"/desk/case/{reg.complaint.reference}/").content.decode()
    assert 'value="triaged"' in page and 'value="closed"' not in page
    assert AccessLogEntry.objects.filter(
        actor=agent.user, action="view", complaint_id=reg.complaint.pk
    ).exists()
    assert 'id="preview-ocpb"' in page and 'id="preview-ccib"' in page  # what each agency would receive


def test_routing_preview_shows_what_is_sent_withheld_and_redacted(desk, case):
    """clause: OCC-7 (no disclosure without a basis; only the profile's fields; identifiers redacted)"""
    reg = case(
        category="online_shopping",
        description="ผู้ขายให้โอนเงิน โทรกลับ 081-234-5678 หรือ seller@example.com",
        name="ทดสอบ ระบบ",
        phone="0812345678",
        address="99 ถนนทดสอบ",
    )
    agent = desk(Role.AGENT, "desk-agent")
    url = f"/desk/case/{reg.complaint.reference}/preview/"
    agent.post("/i18n/setlang/", {"language": "en", "next": "/desk/"})
    r = agent.get(url, {"agency": "ocpb", "purpose": "consumer_protection", "basis": "related_agency"})
    assert r.status_code == 200
    html = r.content.decode()
    # the consumer-protection profile: name, phone, description, incident; never the address or e-mail
    payload = json.loads(
        _between(html, '<pre class="payload">', "</pre>").replace("&quot;", '"').replace("&#x27;", "'")
    )
    assert payload["complainant"] == {"name": "ทดสอบ ระบบ", "phone": "+66812345678"}
    assert (
        "seller@example.com" not in payload["description"] and "[redacted: email]" in payload["description"]
    )
    assert "081-234-5678" in payload["description"]  # the agency may have phone numbers
    assert "99 ถนนทดสอบ" not in html
    withheld = _between(html, 'class="hint withheld">', "</p>")
    assert "Address" in withheld and "E-mail address" in withheld and "Phone number" not in withheld
    assert '<mark class="redacted">[redacted: email]</mark>' in html
    assert "e-mail addresses × 1" in html
    assert "พ.ร.บ.คุ้มครองผู้บริโภค" in _between(html, 'class="hint basis">', "</p>")
    assert hashlib.sha256(canonical(payload)).hexdigest() in html
    # the basis decides: no consent is on record, so the gate refuses and shows no data at all
    refused = agent.get(
        url, {"agency": "ocpb", "purpose": "consumer_protection", "basis": "consent"}
    ).content.decode()
    assert 'role="alert"' in refused and "ทดสอบ ระบบ" not in refused and "payload" not in refused
    # marketing is never a purpose
    assert (
        'role="alert"'
        in agent.get(
            url, {"agency": "ocpb", "purpose": "marketing", "basis": "related_agency"}
        ).content.decode()
    )
    # "another agency" gets its own slot, never a proposal's id
    other = agent.get(
        url, {"agency": "ocpb", "purpose": "consumer_protection", "basis": "related_agency", "slot": "other"}
    ).content.decode()
    assert 'id="preview-other"' in other and 'id="preview-ocpb"' not in other
    assert not reg.complaint.referrals.exists()  # a preview sends nothing


def _between(text: str, start: str, end: str) -> str:
    i = text.index(start) + len(start)
    return text[i : text.index(end, i)]


def test_phone_screen_shows_the_tracking_code_once_and_keeps_it_nowhere(desk, live_call):
    """clause: OCC-5 (the phone number from the call), OCC-2"""
    call = live_call(caller="0898765432")
    agent = desk(Role.AGENT, "phone-agent")
    form = agent.get(f"/desk/phone/?call={call.call_id}").content.decode()
    assert 'value="0898765432"' in form or 'value="+66898765432"' in form
    assert AccessLogEntry.objects.filter(actor=agent.user, object_type="call").exists()
    bad = agent.post(
        "/desk/phone/", {"call_id": call.call_id, "phone": "0898765432", "category": "", "description": "x"}
    )
    assert bad.status_code == 400 and not Complaint.objects.exists()
    r = agent.post(
        "/desk/phone/",
        {
            "call_id": call.call_id,
            "phone": "0898765432",
            "category": "financial_scam",
            "description": "มีคนโทรอ้างเป็นเจ้าหน้าที่ธนาคาร",
        },
    )
    assert r.status_code == 200 and r["Cache-Control"] == "no-store"
    c = Complaint.objects.get()
    html = r.content.decode()
    code = _between(html, 'id="tracking-code">', "</p>")
    assert c.reference in html and len(code) == 19
    assert c.channel == "phone" and c.complainant.phone == "+66898765432"
    # the code is in no message, no session and no later page
    session = dict(agent.session.items())
    assert code not in json.dumps(session, default=str)
    assert code not in agent.get(f"/desk/case/{c.reference}/").content.decode()
    assert agent.post("/track/", {"reference": c.reference, "tracking_code": code}).status_code == 200


def test_agency_detail_shows_the_payload_it_received_and_logs_the_read(desk, case, user_factory):
    """clause: OCC-7, OCC-8 (the agency reads only what the gate allowed; each read is recorded)"""
    reg = case(category="financial_scam", description="โอนเงินไปแล้ว", name="ทดสอบ ระบบ", phone="0812345678")
    ref = referral_create(
        complaint=reg.complaint,
        agency=Agency.objects.get(code="nbtc"),
        purpose="regulatory",
        basis="related_agency",
        actor=user_factory(Role.AGENT, "router"),
    )
    officer = desk(Role.AGENCY_OFFICER, "nbtc-officer", "nbtc")
    html = officer.get(f"/agency/{ref.delivery_id}/").content.decode()
    assert "โอนเงินไปแล้ว" in html
    assert (
        "ทดสอบ ระบบ" not in html and "0812345678" not in html and "+66812345678" not in html
    )  # not in its profile
    shown = json.loads(
        _between(html, '<pre class="payload">', "</pre>").replace("&quot;", '"').replace("&#x27;", "'")
    )
    # what was shown is what the transfer record hashed (the referral keeps no copy)
    read = TransferRecord.objects.get(kind="agency_read", delivery_id=str(ref.delivery_id))
    assert hashlib.sha256(canonical(shown)).hexdigest() == read.payload_sha256 and read.payload_sha256 in html
    assert AccessLogEntry.objects.filter(
        actor=officer.user, object_type="referral", object_id=ref.pk
    ).exists()
    r = officer.post(f"/agency/{ref.delivery_id}/update/", {"text": "รับเรื่องไว้ตรวจสอบ", "public": "1"})
    assert r.status_code == 302
    assert "รับเรื่องไว้ตรวจสอบ" in officer.get(f"/agency/{ref.delivery_id}/").content.decode()


def test_lists_write_every_shown_case_to_the_access_log(desk, case, user_factory):
    """clause: OCC-8: queues, search and the supervisor's breach list are reads of personal data."""
    regs = [case() for _ in range(3)]
    agent = desk(Role.AGENT, "list-agent")
    agent.get("/desk/")
    logged = set(
        AccessLogEntry.objects.filter(actor=agent.user, action="list").values_list("complaint_id", flat=True)
    )
    assert logged == {r.complaint.pk for r in regs}
    agent.get("/desk/search/", {"phone": "081-234-5678"})
    logged = set(
        AccessLogEntry.objects.filter(actor=agent.user, action="search").values_list(
            "complaint_id", flat=True
        )
    )
    assert logged == {r.complaint.pk for r in regs}
    # an htmx search answers with the results only
    partial = agent.get("/desk/search/", {"reference": regs[0].complaint.reference}, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200 and b"<html" not in partial.content
    assert regs[0].complaint.reference.encode() in partial.content


def _count(client, url, **headers):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, **headers).status_code == 200
    return len(ctx.captured_queries)


def test_desk_pages_use_constant_queries(desk, case, user_factory):
    agent = desk(Role.AGENT, "desk-agent")
    supervisor = desk(Role.SUPERVISOR, "desk-supervisor")
    police = desk(Role.AGENCY_OFFICER, "police-officer", "ccib")
    first = case()
    ccib = Agency.objects.get(code="ccib")
    referral_create(
        complaint=first.complaint,
        agency=ccib,
        purpose="investigation",
        basis="related_agency",
        actor=agent.user,
    )
    Complaint.objects.update(sla_due_at="2020-01-01T00:00:00Z")  # a breach on the supervisor page
    urls = [
        (agent, "/desk/"),
        (agent, f"/desk/case/{first.complaint.reference}/"),
        (agent, "/desk/search/?q=OCC"),
        (supervisor, "/desk/supervisor/"),
        (police, "/agency/"),
    ]
    before = [_count(client, url) for client, url in urls]
    for i in range(5):
        more = case(category=["online_shopping", "financial_scam"][i % 2])
        referral_create(
            complaint=more.complaint,
            agency=ccib,
            purpose="investigation",
            basis="related_agency",
            actor=agent.user,
        )
        complaint_note_add(
            complaint=Complaint.objects.get(pk=first.complaint.pk),
            actor=agent.user,
            text=f"n{i}",
            public=bool(i % 2),
        )
    Complaint.objects.update(sla_due_at="2020-01-01T00:00:00Z")  # six breaches now
    after = [_count(client, url) for client, url in urls]
    assert after == before


def test_buddhist_era_dates():
    from datetime import date

    with translation.override("th"):
        assert be_date(date(2026, 11, 22)) == "22 พ.ย. 2569"
    with translation.override("en"):
        assert be_date(date(2026, 11, 22)) == "22 Nov 2026"


def test_english_switch_and_thai_by_default(demo, desk):
    c = Client()
    home = c.get("/").content.decode()
    assert 'lang="th"' in home
    c.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert b'lang="en"' in c.get("/").content
    agent = desk(Role.AGENT, "lang-agent")
    agent.post("/i18n/setlang/", {"language": "en", "next": "/desk/phone/"})
    assert "New phone complaint" in agent.get("/desk/phone/").content.decode()
    agent.post("/i18n/setlang/", {"language": "th", "next": "/desk/phone/"})
    assert "New phone complaint" not in agent.get("/desk/phone/").content.decode()


def test_privacy_desk_exports_and_form_errors(desk, case):
    """clause: OCC-11 (evidence), OCC-8 (access report): the exports page's links work with the desk
    session; bad numbers in the hold and breach forms are refused with a message, nothing stored."""
    from privacy.ops.models import BreachRecord, LegalHold

    dpo = desk(Role.PRIVACY_OFFICER, "dpo-x")
    page = dpo.get("/desk/privacy/exports/").content.decode()
    ropa = page[: page.index('" id="ropa-csv"')].rsplit('href="', 1)[1].replace("&amp;", "&")
    r = dpo.get(ropa)
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    report = page[: page.index('id="access-csv"')].rsplit('<form method="get" action="', 1)[1].split('"')[0]
    r = dpo.get(report, {"as": "csv", "actor": "dpo-x"})
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    reg = case()
    r = dpo.post(
        "/desk/privacy/holds/",
        {
            "scope": "complaint",
            "complaint": reg.complaint.reference,
            "order_reference": "ตช 0026/1",
            "issuing_authority": "บช.สอท.",
            "days": "abc",
        },
        follow=True,
    )
    assert "(1 or more)" in r.content.decode() or "ตั้งแต่ 1 วัน" in r.content.decode()
    assert not LegalHold.objects.exists()
    r = dpo.post("/desk/privacy/breaches/", {"description": "x", "people": "-3"}, follow=True)
    assert "จำนวนเต็ม" in r.content.decode() or "whole number" in r.content.decode()
    assert not BreachRecord.objects.exists()


def test_overdue_badge_only_for_unfinished_cases_past_their_date():
    """clause: OCC-11 (a citizen's case past its promised date is flagged to agents until it is
    finished; finished ones are not)"""
    from datetime import timedelta
    from types import SimpleNamespace

    from django.utils import timezone

    from interfaces.templatetags.occ_tags import overdue

    now = timezone.now()
    past, future = now - timedelta(days=1), now + timedelta(days=1)
    assert overdue(SimpleNamespace(sla_due_at=past, status="received"), now)
    assert overdue(SimpleNamespace(sla_due_at=past, status="reopened"), now)
    for status in ("resolved", "closed", "rejected", "duplicate"):
        assert not overdue(SimpleNamespace(sla_due_at=past, status=status), now)
    assert not overdue(SimpleNamespace(sla_due_at=future, status="received"), now)
    assert not overdue(SimpleNamespace(sla_due_at=None, status="received"), now)
