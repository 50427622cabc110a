"""Data-subject requests: filing with proof, due dates, decisions, execution, evidence (OCC-11, MOST-5)."""

import re
from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.core import mail
from django.utils import timezone

from complaints.models import Complaint, Role, TimelineEvent
from privacy.models import AccessLogEntry
from privacy.ops.models import DataSubjectRequest, LegalHold, RequestEvidence
from privacy.ops.services import requests as dsr
from privacy.ops.services.retention import legal_hold_place
from privacy.ops.sms import outbox

pytestmark = pytest.mark.django_db
P = "/api/v1/privacy/"


def _file_and_verify(api, filed, type_, details=None, django_capture_on_commit_callbacks=None):
    with django_capture_on_commit_callbacks(execute=True):
        r = api.post(
            P + "requests/",
            {
                "reference": filed["reference"],
                "tracking_code": filed["tracking_code"],
                "type": type_,
                "details": details or {},
            },
            format="json",
        )
    assert r.status_code == 202, r.json()
    code = re.search(r": (\d{6}) \(", mail.outbox[-1].body).group(1)
    v = api.post(P + "requests/verify/", {"request_id": r.json()["request_id"], "code": code}, format="json")
    assert v.status_code == 200, v.json()
    return v.json()


@pytest.fixture
def officer(staff_api):
    return staff_api(Role.PRIVACY_OFFICER, "dpo")


def test_citizen_files_with_tracking_code_and_one_time_code_and_gets_a_30_day_due_date(
    api, file_complaint, django_capture_on_commit_callbacks
):
    """clause: OCC-11, MOST-5 (identity proven; answered within 30 days, PDPA s.30)"""
    filed = file_complaint()
    mail.outbox.clear()
    body = _file_and_verify(
        api, filed, "access", django_capture_on_commit_callbacks=django_capture_on_commit_callbacks
    )
    assert body["status"] == "received"
    req = DataSubjectRequest.objects.get()
    assert (req.due_at - req.received_at) == timedelta(days=30)
    kinds = list(req.evidence.values_list("kind", flat=True))
    assert kinds == ["filed", "code_sent", "verified"]
    assert "081" not in str(list(req.evidence.values_list("data", flat=True)))


def test_wrong_tracking_code_is_404_and_wrong_otp_is_refused(
    api, file_complaint, django_capture_on_commit_callbacks
):
    filed = file_complaint()
    r = api.post(
        P + "requests/",
        {"reference": filed["reference"], "tracking_code": "WRONG", "type": "access"},
        format="json",
    )
    assert r.status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        r = api.post(
            P + "requests/",
            {"reference": filed["reference"], "tracking_code": filed["tracking_code"], "type": "access"},
            format="json",
        )
    bad = api.post(
        P + "requests/verify/", {"request_id": r.json()["request_id"], "code": "000000"}, format="json"
    )
    if bad.status_code == 200:  # one chance in a million that 000000 was the code
        pytest.skip("random code happened to be 000000")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "code_rejected"
    assert DataSubjectRequest.objects.get().status == "awaiting_verification"


def test_code_goes_by_sms_when_only_a_phone_is_on_file(
    api, file_complaint, django_capture_on_commit_callbacks
):
    filed = file_complaint(complainant={"phone": "0812345678"})
    outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        r = api.post(
            P + "requests/",
            {"reference": filed["reference"], "tracking_code": filed["tracking_code"], "type": "access"},
            format="json",
        )
    assert r.json()["code_sent_to"] == "***678"
    assert outbox and outbox[-1][0] == "+66812345678"


def test_anonymous_complaint_cannot_get_a_code_and_is_told_to_call(api, file_complaint):
    filed = file_complaint(complainant={}, anonymous=True)
    r = api.post(
        P + "requests/",
        {"reference": filed["reference"], "tracking_code": filed["tracking_code"], "type": "access"},
        format="json",
    )
    assert r.status_code == 409 and "1212" in r.json()["error"]["message"]


def test_access_export_contains_everything_held_about_the_person(
    api, file_complaint, officer, django_capture_on_commit_callbacks
):
    """clause: OCC-11, PDPA s.30-31 (a copy, machine-readable)"""
    first = file_complaint()
    file_complaint(description="เรื่องที่สอง")
    file_complaint(complainant={"email": "someone-else@example.org"})
    from complaints.models import Agency
    from privacy.services import consent_record
    from routing.referrals import referral_create

    case = Complaint.objects.get(reference=first["reference"])
    consent_record(
        complainant=case.complainant,
        purposes=["local_service"],
        fields=["complainant.name"],
        channel="web",
        statement="ยินยอมส่งต่อ",
        agency=Agency.objects.get(code="dindaeng"),
    )
    ref = referral_create(
        complaint=case,
        agency=Agency.objects.get(code="ocpb"),
        purpose="consumer_protection",
        basis="related_agency",
        actor=officer.user.__class__.objects.create_user(
            username="router", password="x" * 12, role=Role.AGENT
        ),
    )
    from privacy.transfer_log import transfer_append

    transfer_append(
        kind="disclosure",
        recipient="ocpb",
        complaint_reference=case.reference,
        basis="related_agency",
        basis_reference=ref.basis_reference,
        purpose="consumer_protection",
        data_categories=["identity"],
        fields=ref.fields,
        payload_sha256=ref.payload_sha256,
        actor="router",
        delivery_id=str(ref.delivery_id),
    )
    body = _file_and_verify(
        api, first, "access", django_capture_on_commit_callbacks=django_capture_on_commit_callbacks
    )
    r = officer.post(P + f"staff/requests/{body['request_id']}/grant/", {"note": "ok"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "completed"
    export = api.post(
        P + "requests/export/",
        {
            "request_id": body["request_id"],
            "reference": first["reference"],
            "tracking_code": first["tracking_code"],
        },
        format="json",
    )
    assert export.status_code == 200
    data = export.json()["data"]
    assert len(data["complaints"]) == 2  # both complaints with the same contact, not the stranger's
    assert data["complaints"][0]["identity"]["email"] == "Somchai@example.com"
    assert data["complaints"][0]["timeline"] and "data_requests" in data
    assert data["consents"][0]["agency"] == "dindaeng" and data["consents"][0]["withdrawn_at"] is None
    assert [t["recipient"] for t in data["transfers"]] == ["ocpb"] and "recordings" in data
    officer.get(P + f"staff/requests/{body['request_id']}/export/")
    assert AccessLogEntry.objects.filter(action="export", actor=officer.user).exists()
    assert RequestEvidence.objects.filter(kind="exported").count() >= 2


def test_rectification_changes_data_through_validation_and_keeps_evidence(
    api, file_complaint, officer, django_capture_on_commit_callbacks
):
    """clause: OCC-11 (every amendment recorded as evidence)"""
    filed = file_complaint()
    body = _file_and_verify(
        api,
        filed,
        "rectification",
        {"changes": {"phone": "089-999-0000", "name": "สมชาย ใจดีมาก"}, "reason": "พิมพ์ผิด"},
        django_capture_on_commit_callbacks=django_capture_on_commit_callbacks,
    )
    officer.post(P + f"staff/requests/{body['request_id']}/grant/", {}, format="json")
    person = Complaint.objects.get(reference=filed["reference"]).complainant
    assert person.phone == "+66899990000" and person.name == "สมชาย ใจดีมาก"
    amended = RequestEvidence.objects.get(kind="amended")
    assert amended.data["fields"] == ["name", "phone"] and amended.data["reason"] == "พิมพ์ผิด"
    assert "+66899990000" not in str(amended.data) and "+66812345678" not in str(amended.data)
    # through the one identity rule: its timeline entry names the fields, never the values
    entry = person.complaint.events.get(kind="identity").text
    assert entry == "complainant's identity changed (rectification request): name, phone"


def test_opening_a_request_with_the_persons_new_values_is_in_the_access_log(
    api, file_complaint, officer, django_capture_on_commit_callbacks
):
    """clause: OCC-8 (every staff read of the personal data a person sent with a request, through the
    API or the privacy desk, is written to the access log, by field name, never by value)"""
    filed = file_complaint()
    body = _file_and_verify(
        api,
        filed,
        "rectification",
        {"changes": {"phone": "089-999-0000"}, "reason": "เบอร์ใหม่"},
        django_capture_on_commit_callbacks=django_capture_on_commit_callbacks,
    )
    r = officer.get(P + f"staff/requests/{body['request_id']}/")
    assert r.status_code == 200 and r.json()["details"]["changes"]["phone"] == "089-999-0000"
    entries = AccessLogEntry.objects.filter(object_type="data_subject_request", actor=officer.user)
    assert [(e.action, e.fields) for e in entries] == [("view", ["changes", "reason"])]
    assert "089" not in str(list(entries.values()))
    from tests.web.conftest import verified_client

    page = verified_client(officer.user).get(f"/desk/privacy/requests/{body['request_id']}/")
    assert page.status_code == 200 and "089-999-0000" in page.content.decode()
    assert AccessLogEntry.objects.filter(object_type="data_subject_request", actor=officer.user).count() == 2


def test_invalid_rectification_is_refused_with_the_field(api, file_complaint):
    filed = file_complaint()
    r = api.post(
        P + "requests/",
        {
            "reference": filed["reference"],
            "tracking_code": filed["tracking_code"],
            "type": "rectification",
            "details": {"changes": {"religion": "x"}},
        },
        format="json",
    )
    assert r.status_code == 400 and "details.changes.religion" in r.json()["error"]["fields"]


def test_addition_adds_information_to_the_case(staff_api, file_complaint, officer):
    filed = file_complaint()
    agent = staff_api(Role.AGENT)
    r = agent.post(
        P + "staff/requests/",
        {
            "reference": filed["reference"],
            "type": "addition",
            "details": {"changes": {"information": "มีสลิปโอนเงินเพิ่ม"}},
            "identity_check": "asked date and amount of the transfer",
        },
        format="json",
    )
    assert r.status_code == 201 and r.json()["identity_check"].startswith("agent:")
    officer.post(P + f"staff/requests/{r.json()['request_id']}/grant/", {}, format="json")
    assert TimelineEvent.objects.filter(kind="citizen_message", text="มีสลิปโอนเงินเพิ่ม").exists()


def test_agent_must_record_how_identity_was_checked(staff_api, file_complaint):
    filed = file_complaint()
    r = staff_api(Role.AGENT).post(
        P + "staff/requests/",
        {"reference": filed["reference"], "type": "access", "identity_check": ""},
        format="json",
    )
    assert r.status_code == 400 and "identity_check" in r.json()["error"]["fields"]


def test_refusal_needs_ground_and_reason(staff_api, file_complaint, officer):
    filed = file_complaint()
    r = staff_api(Role.AGENT).post(
        P + "staff/requests/",
        {"reference": filed["reference"], "type": "erasure", "identity_check": "callback"},
        format="json",
    )
    rid = r.json()["request_id"]
    assert (
        officer.post(
            P + f"staff/requests/{rid}/refuse/", {"ground": "law_requires"}, format="json"
        ).status_code
        == 400
    )
    r = officer.post(
        P + f"staff/requests/{rid}/refuse/",
        {"ground": "law_requires", "reason": "คดีอยู่ระหว่างสอบสวน"},
        format="json",
    )
    assert r.status_code == 200 and r.json()["status"] == "refused"
    assert RequestEvidence.objects.filter(kind="refused", data__ground="law_requires").exists()
    again = officer.post(P + f"staff/requests/{rid}/grant/", {}, format="json")
    assert again.status_code == 409


def test_only_the_privacy_officer_decides(staff_api, file_complaint):
    filed = file_complaint()
    agent = staff_api(Role.AGENT)
    rid = agent.post(
        P + "staff/requests/",
        {"reference": filed["reference"], "type": "access", "identity_check": "callback"},
        format="json",
    ).json()["request_id"]
    assert agent.post(P + f"staff/requests/{rid}/grant/", {}, format="json").status_code == 404
    assert staff_api(Role.AGENCY_OFFICER).get(P + f"staff/requests/{rid}/").status_code == 404


def test_erasure_anonymises_keeps_statistics_and_scrubs_history(api, staff_api, file_complaint, officer):
    """clause: OCC-11, PDPA s.33 (erasure by anonymisation; history keeps nothing erasure removed)"""
    filed = file_complaint(description="ผมชื่อสมชาย โทร 0812345678 โอนเข้าบัญชี 123-4-56789-0")
    c = Complaint.objects.get(reference=filed["reference"])
    agent = staff_api(Role.AGENT)
    agent.post(
        f"/api/v1/staff/complaints/{c.reference}/notes/",
        {"text": "ลูกค้าแจ้งอีเมล somchai@example.com"},
        format="json",
    )
    rid = agent.post(
        P + "staff/requests/",
        {"reference": c.reference, "type": "erasure", "identity_check": "callback to number on file"},
        format="json",
    ).json()["request_id"]
    r = officer.post(P + f"staff/requests/{rid}/grant/", {}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "completed"
    c.refresh_from_db()
    p = c.complainant
    assert (p.name, p.phone, p.email, p.anonymised_at is not None) == ("", "", "", True)
    assert "0812345678" not in c.description and "[redacted: phone]" in c.description
    assert "56789" not in c.description
    assert c.category.code == "online_shopping" and c.channel == "web" and c.amount_lost is not None
    assert not TimelineEvent.objects.filter(text__contains="somchai@example.com").exists()
    entries = LogEntry.objects.filter(object_id__in=[c.pk, p.pk])
    assert entries.exists() and not entries.exclude(remote_addr=None).exists()
    for e in entries:
        assert "สมชาย" not in str(e.changes) and "0812345678" not in str(e.changes)
    # the tracking code no longer opens the case
    track = api.post(
        "/api/v1/track/", {"reference": c.reference, "tracking_code": filed["tracking_code"]}, format="json"
    )
    assert track.status_code == 404
    assert agent.get(f"/api/v1/staff/complaints/{c.reference}/").json()["complainant"]["phone"] == ""


def test_erasure_refused_under_a_legal_hold_and_request_about_anonymised_data(
    staff_api, file_complaint, officer
):
    """clause: OCC-11 (refused where the law requires it, or the data is anonymised)"""
    filed = file_complaint()
    c = Complaint.objects.get(reference=filed["reference"])
    legal_hold_place(
        actor=officer.user,
        scope=LegalHold.Scope.CASE,
        complaint=c,
        order_reference="ตช 0026/123",
        issuing_authority="บช.สอท.",
        expires_at=timezone.now() + timedelta(days=200),
    )
    agent = staff_api(Role.AGENT)
    rid = agent.post(
        P + "staff/requests/",
        {"reference": c.reference, "type": "erasure", "identity_check": "callback"},
        format="json",
    ).json()["request_id"]
    r = officer.post(P + f"staff/requests/{rid}/grant/", {}, format="json")
    assert r.json()["status"] == "refused" and r.json()["refusal_ground"] == "legal_hold"
    assert "ตช 0026/123" in r.json()["refusal_reason"]
    assert Complaint.objects.get(pk=c.pk).complainant.phone == "+66812345678"

    other = Complaint.objects.get(reference=file_complaint()["reference"])
    from privacy.ops.services.erasure import complaint_anonymise

    complaint_anonymise(complaint=other, actor=None, reason="test")
    r = agent.post(
        P + "staff/requests/",
        {"reference": other.reference, "type": "erasure", "identity_check": "callback"},
        format="json",
    )
    assert r.json()["status"] == "refused" and r.json()["refusal_ground"] == "anonymised"


def test_restriction_sets_the_flag_the_gate_reads_and_can_be_lifted(staff_api, file_complaint, officer):
    """clause: PDPA s.34 (restriction blocks disclosure until lifted)"""
    filed = file_complaint()
    agent = staff_api(Role.AGENT)
    rid = agent.post(
        P + "staff/requests/",
        {"reference": filed["reference"], "type": "restriction", "identity_check": "callback"},
        format="json",
    ).json()["request_id"]
    officer.post(P + f"staff/requests/{rid}/grant/", {}, format="json")
    person = Complaint.objects.get(reference=filed["reference"]).complainant
    assert person.processing_restricted_at is not None
    rid = agent.post(
        P + "staff/requests/",
        {"reference": filed["reference"], "type": "lift_restriction", "identity_check": "callback"},
        format="json",
    ).json()["request_id"]
    officer.post(P + f"staff/requests/{rid}/grant/", {}, format="json")
    person.refresh_from_db()
    assert person.processing_restricted_at is None


def test_overdue_requests_come_first_for_the_privacy_officer(staff_api, file_complaint, officer):
    agent = staff_api(Role.AGENT)
    ids = []
    for _ in range(2):
        filed = file_complaint()
        ids.append(
            agent.post(
                P + "staff/requests/",
                {"reference": filed["reference"], "type": "access", "identity_check": "callback"},
                format="json",
            ).json()["request_id"]
        )
    DataSubjectRequest.objects.filter(public_id=ids[1]).update(due_at=timezone.now() - timedelta(days=1))
    rows = officer.get(P + "staff/requests/").json()
    assert rows[0]["request_id"] == ids[1] and rows[0]["overdue"] is True
    assert [r["request_id"] for r in officer.get(P + "staff/requests/?overdue=1").json()] == [ids[1]]


def test_evidence_is_append_only():
    ev = RequestEvidence(kind="filed", summary="x")
    ev._state.adding = False
    with pytest.raises(PermissionError):
        ev.save()
    with pytest.raises(PermissionError):
        RequestEvidence().delete()


def test_services_refuse_unknown_type(file_complaint):
    from django.core.exceptions import ValidationError

    filed = file_complaint()
    with pytest.raises(ValidationError):
        dsr.dsr_file_by_citizen(
            reference=filed["reference"], tracking_code=filed["tracking_code"], type="sell"
        )


def test_a_code_the_gateway_refused_is_not_recorded_as_sent_and_the_person_is_told(
    api, file_complaint, monkeypatch
):
    """clause: OCC-11 (the evidence of a request is true: when the mail gateway refuses the one-time
    code, no 'code sent' is recorded, the person gets a clear 503 to try again, and nothing else
    happens to their data)"""
    from django.core.mail import EmailMessage

    from privacy.ops.models import DataSubjectRequest

    filed = file_complaint()

    def smtp_down(self, *args, **kwargs):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(EmailMessage, "send", smtp_down)
    body = {
        "reference": filed["reference"],
        "tracking_code": filed["tracking_code"],
        "type": "access",
        "details": {},
    }
    r = api.post(P + "requests/", body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 503 and r.json()["error"]["code"] == "code_not_sent"
    assert "try again" in r.json()["error"]["message"]
    req = DataSubjectRequest.objects.get()
    assert req.status == "awaiting_verification"
    assert list(req.evidence.values_list("kind", flat=True)) == ["filed"]
    th = api.post(P + "requests/", body, format="json", HTTP_ACCEPT_LANGUAGE="th")
    assert th.status_code == 503 and "ลองใหม่" in th.json()["error"]["message"]
