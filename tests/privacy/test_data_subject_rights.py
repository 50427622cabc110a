"""Data-subject rights that reach everything, and only the person's own (issue 11).

Access, rectification, restriction and erasure cover exactly the complaints tied to the person by
the contact they proved with the one-time code, or tied by an agent after a recorded identity
check; erasure leaves none of the person's values in any table or file; evidence keeps keyed
fingerprints, never a plain hash (OCC-11, MOST-5, OCC-6, OCC-8, PDPA s.30-36)."""

from __future__ import annotations

import email
import hashlib
import json
import os
import re
from email.header import decode_header, make_header

import pytest
from django.core import mail
from django.db import connection
from django.test import override_settings

from complaints.models import Agency, Complaint, Role, TimelineEvent
from privacy.fingerprints import fingerprint, fingerprint_matches
from privacy.models import TransferRecord
from privacy.ops.models import CoveredComplaint, DataSubjectRequest, RequestEvidence
from routing.referrals import referral_create
from tests.channels_intake.email.conftest import mime
from tests.channels_intake.telephony.conftest import PBX, cti  # noqa: F401 - the signed CTI fixture

pytestmark = pytest.mark.django_db
P = "/api/v1/privacy/"

NAME = "สมชาย ใจดี"
SURNAME = "ใจดี"
ADDRESS = "99/1 ถนนพหลโยธิน แขวงสามเสนใน เขตพญาไท กรุงเทพฯ 10400"
EMAIL = "Somchai@Example.COM"
PHONE_DIGITS = "812345678"  # +66 81 234 5678 without the country prefix or trunk 0
NEW_PHONE_DIGITS = "899990000"


def _code() -> str:
    return re.search(r": (\d{6}) \(", mail.outbox[-1].body).group(1)


def _request(api, filed, type_, details, capture):
    mail.outbox.clear()
    with capture(execute=True):
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
    v = api.post(
        P + "requests/verify/", {"request_id": r.json()["request_id"], "code": _code()}, format="json"
    )
    assert v.status_code == 200, v.json()
    return v.json()


@pytest.fixture
def officer(staff_api):
    return staff_api(Role.PRIVACY_OFFICER, "dpo")


def _grant(officer, rid, capture):
    with capture(execute=True):
        r = officer.post(P + f"staff/requests/{rid}/grant/", {}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "completed", r.json()
    return r.json()


def test_access_export_does_not_disclose_a_case_that_only_shares_an_unproven_contact(
    api, file_complaint, officer, django_capture_on_commit_callbacks
):
    """clause: OCC-11, MOST-5, OCC-7 (a person who proves their identity learns what is held about
    THEM: a phone typed into a complaint but never proven does not open another person's case)"""
    victim = file_complaint(
        complainant={"name": "วิไล สุขใจ", "phone": "081 234 5678", "email": "wilai@example.org"},
        description="ถูกหลอกขายของ ที่อยู่ 12 ซอยลาดพร้าว 5",
    )
    own_second = file_complaint(complainant={"name": "ผู้ร้อง", "email": "asker@example.net"})
    asker = file_complaint(complainant={"name": "ผู้ร้อง", "email": "asker@example.net", "phone": "0812345678"})
    body = _request(api, asker, "access", {}, django_capture_on_commit_callbacks)
    granted = _grant(officer, body["request_id"], django_capture_on_commit_callbacks)
    export = api.post(
        P + "requests/export/",
        {
            "request_id": body["request_id"],
            "reference": asker["reference"],
            "tracking_code": asker["tracking_code"],
        },
        format="json",
    )
    assert export.status_code == 200
    text = json.dumps(export.json(), ensure_ascii=False)
    assert victim["reference"] not in text and "วิไล" not in text and "wilai@example.org" not in text
    assert "ลาดพร้าว" not in text
    # the answer names what it covered: the case itself and the one with the proven e-mail
    assert sorted(body["complaints"]) == sorted([asker["reference"], own_second["reference"]])
    assert {c["reference"]: c["tie"] for c in granted["covers"]} == {
        asker["reference"]: "request",
        own_second["reference"]: "proven_contact",
    }
    assert [c["reference"] for c in export.json()["data"]["covered"]] == [
        own_second["reference"],
        asker["reference"],
    ]
    for exported in RequestEvidence.objects.filter(request__public_id=body["request_id"], kind="exported"):
        assert victim["reference"] not in json.dumps(exported.data)


def test_rectification_and_restriction_do_not_reach_a_case_with_an_unproven_contact(
    api, file_complaint, officer, django_capture_on_commit_callbacks
):
    """clause: OCC-11, MOST-5, PDPA s.34, s.36 (correction and restriction change only the person's own
    data: the victim's phone and restriction flag stay as they were)"""
    victim = file_complaint(
        complainant={"name": "วิไล สุขใจ", "phone": "081 234 5678", "email": "wilai@example.org"}
    )
    asker = file_complaint(complainant={"name": "ผู้ร้อง", "email": "asker@example.net", "phone": "0812345678"})
    body = _request(
        api,
        asker,
        "rectification",
        {"changes": {"phone": "089-999-0000"}},
        django_capture_on_commit_callbacks,
    )
    _grant(officer, body["request_id"], django_capture_on_commit_callbacks)
    body = _request(api, asker, "restriction", {}, django_capture_on_commit_callbacks)
    _grant(officer, body["request_id"], django_capture_on_commit_callbacks)
    v = Complaint.objects.get(reference=victim["reference"]).complainant
    a = Complaint.objects.get(reference=asker["reference"]).complainant
    assert (a.phone, a.processing_restricted_at is not None) == ("+66899990000", True)
    assert (v.phone, v.processing_restricted_at) == ("+66812345678", None)


def test_an_agent_ties_another_complaint_only_with_a_recorded_identity_check(
    staff_api, file_complaint, officer, django_capture_on_commit_callbacks
):
    """clause: OCC-11, MOST-5 (identity proven for each complaint a request reaches; the check is
    recorded as evidence)"""
    first = file_complaint(complainant={"name": "สมหญิง", "phone": "0812345678"})
    older = file_complaint(complainant={"name": "สมหญิง", "phone": "0898887777"})
    agent = staff_api(Role.AGENT)
    rid = agent.post(
        P + "staff/requests/",
        {
            "reference": first["reference"],
            "type": "restriction",
            "identity_check": "callback to number on file",
        },
        format="json",
    ).json()["request_id"]
    url = P + f"staff/requests/{rid}/complaints/"
    refused = agent.post(url, {"reference": older["reference"], "identity_check": ""}, format="json")
    assert refused.status_code == 400 and "identity_check" in refused.json()["error"]["fields"]
    assert (
        agent.post(url, {"reference": "OCC-1999-999999", "identity_check": "x"}, format="json").status_code
        == 404
    )
    tied = agent.post(
        url,
        {"reference": older["reference"], "identity_check": "asked amount and date of the old case"},
        format="json",
    )
    assert tied.status_code == 201
    assert [(c["reference"], c["tie"]) for c in tied.json()["covers"]] == [
        (first["reference"], "request"),
        (older["reference"], "agent_check"),
    ]
    assert RequestEvidence.objects.filter(
        request__public_id=rid, kind="tied", data__complaint=older["reference"]
    )
    assert (
        staff_api(Role.AGENCY_OFFICER)
        .post(url, {"reference": older["reference"], "identity_check": "x"})
        .status_code
        == 404
    )
    _grant(officer, rid, django_capture_on_commit_callbacks)
    for ref in (first, older):
        assert Complaint.objects.get(reference=ref["reference"]).complainant.processing_restricted_at
    # once decided, nothing more can be tied
    third = file_complaint()
    late = agent.post(url, {"reference": third["reference"], "identity_check": "x"}, format="json")
    assert late.status_code == 404  # a decided request is out of the filer's reach
    late = officer.post(url, {"reference": third["reference"], "identity_check": "x"}, format="json")
    assert late.status_code == 409
    assert not CoveredComplaint.objects.filter(
        request__public_id=rid, complaint__reference=third["reference"]
    )


def test_erasure_covers_every_proven_complaint_and_the_request_details(
    api, file_complaint, officer, staff_api, django_capture_on_commit_callbacks
):
    """clause: OCC-11, MOST-5, PDPA s.33 (deletion reaches all the person's complaints; the new phone
    they sent with a rectification, their name and address in the text and in an agent's note go)"""
    first = file_complaint(
        complainant={"name": NAME, "email": EMAIL, "address": ADDRESS},
        description=f"ผม {NAME} อยู่ {ADDRESS} ถูกหลอก",
    )
    second = file_complaint(complainant={"name": NAME, "email": EMAIL}, description="เรื่องที่สองของผม")
    agent = staff_api(Role.AGENT)
    agent.post(
        f"/api/v1/staff/complaints/{second['reference']}/notes/",
        {"text": f"คุณ{SURNAME} ให้ส่งเอกสารไปที่ 99/1 ถนนพหลโยธิน แขวงสามเสนใน"},
        format="json",
    )
    body = _request(
        api,
        first,
        "rectification",
        {"changes": {"phone": "089-999-0000"}},
        django_capture_on_commit_callbacks,
    )
    _grant(officer, body["request_id"], django_capture_on_commit_callbacks)
    erase = _request(api, first, "erasure", {}, django_capture_on_commit_callbacks)
    _grant(officer, erase["request_id"], django_capture_on_commit_callbacks)
    for filed in (first, second):
        c = Complaint.objects.get(reference=filed["reference"])
        assert c.complainant.anonymised_at and c.complainant.name == ""
        texts = [c.description, *TimelineEvent.objects.filter(complaint=c).values_list("text", flat=True)]
        assert not any(SURNAME in t or "พหลโยธิน" in t for t in texts), texts
    details = DataSubjectRequest.objects.get(public_id=body["request_id"]).details
    assert "089" not in json.dumps(details) and details["changes"] == {"phone": "[redacted: erased]"}
    erased = RequestEvidence.objects.get(request__public_id=erase["request_id"], kind="erased")
    assert sorted(erased.data["complaints"]) == sorted([first["reference"], second["reference"]])


def test_evidence_fingerprints_are_keyed_never_a_plain_hash_and_survive_key_rotation(
    api, file_complaint, officer, django_capture_on_commit_callbacks
):
    """clause: OCC-11, OCC-8 (every amendment is evidence, but the evidence is no look-up table: a
    fingerprint is an HMAC under a key outside the database, with its key id; after a rotation old
    evidence still verifies while the old key is listed)"""
    filed = file_complaint()
    with override_settings(OCC_FINGERPRINT_KEYS=["k1:first-key-0123456789abcdef"]):
        body = _request(
            api,
            filed,
            "rectification",
            {"changes": {"phone": "089-999-0000"}},
            django_capture_on_commit_callbacks,
        )
        _grant(officer, body["request_id"], django_capture_on_commit_callbacks)
    amended = RequestEvidence.objects.get(kind="amended")
    before, after = amended.data["before"]["phone"], amended.data["after"]["phone"]
    stored = json.dumps(list(RequestEvidence.objects.values_list("data", flat=True)))
    for plain in ("+66812345678", "+66899990000"):
        digest = hashlib.sha256(plain.encode()).hexdigest()
        assert digest[:16] not in stored and digest not in stored
    assert before.startswith("k1:") and after.startswith("k1:")
    with override_settings(
        OCC_FINGERPRINT_KEYS=["k2:second-key-0123456789abcdef", "k1:first-key-0123456789abcdef"]
    ):
        assert fingerprint("+66812345678").startswith("k2:")
        assert fingerprint_matches("+66812345678", before) is True
        assert fingerprint_matches("+66899990000", before) is False
        assert fingerprint_matches("+66899990000", after) is True
    with override_settings(OCC_FINGERPRINT_KEYS=["k2:second-key-0123456789abcdef"]):
        assert fingerprint_matches("+66812345678", before) is None  # retired key: unverifiable, not readable
    otp_fp = DataSubjectRequest.objects.get(public_id=body["request_id"]).codes.get().contact_fingerprint
    assert otp_fp.startswith("k1:") and "example" not in otp_fp.lower()


# --- the whole store, after an erasure ----------------------------------------------------------

_UNICODE_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
_BETWEEN_DIGITS = re.compile(r"(?<=\d)[\s\-.()/]+(?=\d)")


def _normalise(text: str) -> str:
    """Every way a value may be written down, brought to one: JSON escapes decoded, Thai digits as
    Arabic ones, separators between digits removed (so 081-234-5678, +66 81 234 5678 and
    ๐๘๑๒๓๔๕๖๗๘ all contain 812345678)."""
    text = _UNICODE_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
    return _BETWEEN_DIGITS.sub("", text.translate(_THAI_DIGITS)).casefold()


def _needles() -> dict[str, str]:
    return {
        "name": NAME,
        "surname": SURNAME,
        "address": ADDRESS,
        "address part": "99/1 ถนนพหลโยธิน",
        "e-mail": EMAIL.casefold(),
        "e-mail url-encoded": EMAIL.casefold().replace("@", "%40"),
        "phone": PHONE_DIGITS,
        "new phone": NEW_PHONE_DIGITS,
    }


def _every_row() -> list[tuple[str, str]]:
    """Every table in the database, every row, every column, as text."""
    out = []
    with connection.cursor() as cur:
        for table in connection.introspection.table_names():
            cur.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - table names from introspection
            for row in cur.fetchall():
                cells = []
                for v in row:
                    if isinstance(v, (bytes, memoryview)):
                        v = bytes(v).decode("utf-8", "ignore")
                    cells.append(str(v))
                out.append((table, _normalise(" | ".join(cells))))
    return out


def _every_file(root) -> list[tuple[str, str]]:
    """Every file in the media store (evidence, raw inbound items, previews), with its bytes and,
    where it is a message, its decoded headers and parts."""
    out = []
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            path = os.path.join(dirpath, name)
            with open(path, "rb") as fh:
                data = fh.read()
            texts = [data.decode("utf-8", "ignore")]
            msg = email.message_from_bytes(data)
            for header, value in msg.items():
                texts.append(f"{header}: {make_header(decode_header(value))}")
            for part in msg.walk():
                payload = part.get_payload(decode=True)
                if isinstance(payload, bytes):
                    texts.append(payload.decode(part.get_content_charset() or "utf-8", "ignore"))
            out.append((path, _normalise("\n".join(texts))))
    return out


def test_after_erasure_no_value_of_the_person_remains_in_any_table_or_file(
    api,
    file_complaint,
    officer,
    staff_api,
    settings,
    cti,  # noqa: F811 - the fixture imported above
    django_capture_on_commit_callbacks,
):
    """clause: OCC-11, MOST-5, OCC-6, OCC-5, PDPA s.33 (deletion reaches every copy: a complaint filed
    on the web and another by e-mail, a call the PBX reported and the agent linked, routed to an
    agency and read by it, a note, a rectification, then an erasure; every table (audit log and
    transfer log included) and every stored file is read back, and none of the person's values is
    there in any written form)"""
    from channels_intake.email.processing import email_ingest

    web = file_complaint(
        category="online_shopping",
        complainant={"name": NAME, "phone": "081 234 5678", "email": EMAIL, "address": ADDRESS},
        description=(
            f"ผมชื่อ{NAME} บ้านเลขที่ {ADDRESS} ติดต่อ 081-234-5678 หรือ +66 81 234 5678 "
            f"หรือ ๐๘๑๒๓๔๕๖๗๘ อีเมล {EMAIL.lower()} สั่งของแล้วไม่ได้รับ"
        ),
    )
    raw = mime(
        body=f"เรียนเจ้าหน้าที่ ผม {NAME} โทร 0812345678 ขอแจ้งเพิ่มว่าร้านเดิมหลอกอีกครั้ง",
        sender=EMAIL.lower(),
        name=NAME,
        message_id="<dsr-1@example.com>",
    )
    with django_capture_on_commit_callbacks(execute=True):
        email_ingest(raw, source="test", mailbox="test")
    by_mail = Complaint.objects.get(channel="email")
    assert by_mail.complainant.email.lower() == EMAIL.lower()
    assert any(files for _d, _s, files in os.walk(settings.MEDIA_ROOT)), "the raw e-mail is on disk"

    agent = staff_api(Role.AGENT, "router")
    case = Complaint.objects.get(reference=web["reference"])
    agent.post(
        f"/api/v1/staff/complaints/{case.reference}/notes/",
        {"text": f"โทรกลับคุณ{SURNAME} ที่ 0812345678 ส่งเอกสารไป {ADDRESS}"},
        format="json",
    )
    # The person calls 1212 about the case: the PBX reports the call (kept raw), the agent links it.
    settings.OCC_PBX_SECRETS = [PBX]
    assert cti("started", call_id="dsr-call", caller="081-234-5678").status_code in (200, 201)
    linked = agent.post("/api/v1/staff/calls/dsr-call/link/", {"reference": case.reference}, format="json")
    assert linked.status_code == 200
    ocpb = Agency.objects.get(code="ocpb")
    with django_capture_on_commit_callbacks(execute=True):
        ref = referral_create(
            complaint=case,
            agency=ocpb,
            purpose="consumer_protection",
            basis="related_agency",
            actor=agent.user,
        )
    reader = staff_api(Role.AGENCY_OFFICER, "ocpb-officer", agency=ocpb)
    pull = reader.get(f"/api/v1/agency/referrals/{ref.delivery_id}/")
    assert pull.status_code == 200

    # The transfer log is append-only and hash-chained: it never holds personal values at all.
    log = _normalise(json.dumps(list(TransferRecord.objects.values()), default=str, ensure_ascii=False))
    assert TransferRecord.objects.exists()
    for what, needle in _needles().items():
        assert _normalise(needle) not in log, f"transfer log holds the {what}"

    rect = _request(
        api,
        web,
        "rectification",
        {"changes": {"phone": "089-999-0000"}, "reason": "เบอร์ใหม่ 089-999-0000"},
        django_capture_on_commit_callbacks,
    )
    _grant(officer, rect["request_id"], django_capture_on_commit_callbacks)
    erase = _request(api, web, "erasure", {}, django_capture_on_commit_callbacks)
    _grant(officer, erase["request_id"], django_capture_on_commit_callbacks)

    rows = _every_row()
    files = _every_file(settings.MEDIA_ROOT)
    found = [
        (what, where)
        for what, needle in _needles().items()
        for where, text in [*rows, *files]
        if _normalise(needle) in text
    ]
    assert not found, found
    tables = {t for t, _ in rows}  # the dump really read the store, audit and transfer logs included
    assert {"auditlog_logentry", "privacy_transferrecord", "privacy_ops_requestevidence"} <= tables
    assert sorted(erase["complaints"]) == sorted([web["reference"], by_mail.reference])


def test_the_privacy_desk_shows_what_a_request_covers_and_ties_with_a_recorded_check(
    staff_api, file_complaint, officer
):
    """clause: OCC-11, MOST-5 (the privacy officer sees which complaints a request reaches, and adds
    one only with the identity check that proves it)"""
    from tests.web.conftest import verified_client

    first = file_complaint(complainant={"name": "สมหญิง", "phone": "0812345678"})
    older = file_complaint(complainant={"name": "สมหญิง", "phone": "0898887777"})
    rid = (
        staff_api(Role.AGENT)
        .post(
            P + "staff/requests/",
            {"reference": first["reference"], "type": "access", "identity_check": "callback"},
            format="json",
        )
        .json()["request_id"]
    )
    desk = verified_client(officer.user)
    page = desk.get(f"/desk/privacy/requests/{rid}/").content.decode()
    assert first["reference"] in page and older["reference"] not in page
    desk.post(f"/desk/privacy/requests/{rid}/tie/", {"reference": older["reference"], "identity_check": ""})
    assert CoveredComplaint.objects.filter(request__public_id=rid).count() == 1
    desk.post(
        f"/desk/privacy/requests/{rid}/tie/",
        {"reference": older["reference"], "identity_check": "asked the amount of the old case"},
    )
    page = desk.get(f"/desk/privacy/requests/{rid}/").content.decode()
    assert older["reference"] in page
    assert list(
        CoveredComplaint.objects.filter(request__public_id=rid).values_list("complaint__reference", "tie")
    ) == [(first["reference"], "request"), (older["reference"], "agent_check")]
