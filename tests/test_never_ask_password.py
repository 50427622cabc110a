"""The centre never asks a citizen for a password, a PIN or an OTP of another service (SSO-4):
citizens have no accounts; no citizen page, e-mail, SMS, acknowledgement or message of the
catalogue asks for one, in Thai or in English. Staff sign in to their own desk accounts; those
pages are the only place the word "password" may ask for something."""

import re
from pathlib import Path

import pytest
from django.core import mail
from django.test import Client

from complaints.models import Complaint, User
from tests.conftest import ROOT

# A secret of another service: a password, a PIN, an OTP (the centre's own one-time code and
# tracking code are called that, and never "OTP" or "password").
SECRET = re.compile(
    r"pass\s?word|passcode|\bPIN\b|\bOTP\b|one[- ]time password|security code|CVV|"
    r"รหัสผ่าน|รหัส\s*PIN|พิน|รหัส\s*OTP|โอทีพี|รหัสบัตร",
    re.IGNORECASE,
)
# A sentence that says the centre never asks for it is not an ask.
NEVER = re.compile(r"never asks?|will never|does not ask|ไม่เคยขอ|ไม่ขอ|จะไม่ขอ", re.IGNORECASE)
STAFF_SOURCES = (
    "interfaces/templates/desk/",
    "interfaces/auth.py",
    "occ/api/auth.py",
    "complaints/models/core.py",
)


def _asks(text: str) -> list[str]:
    found = []
    for sentence in re.split(r"(?<=[.!?\n])\s+", text):
        if SECRET.search(sentence) and not NEVER.search(sentence):
            found.append(sentence.strip()[:120])
    return found


def test_the_scanner_finds_an_ask_in_either_language():
    assert _asks("Please enter your bank PIN to continue.")
    assert _asks("โปรดกรอกรหัสผ่านบัญชีธนาคารของท่าน")
    assert _asks("ส่งรหัส OTP ที่ได้รับจากธนาคาร")
    assert not _asks("The centre never asks for your password.")
    assert not _asks("Enter the one-time code we sent you. / กรอกรหัสยืนยัน")


def test_no_citizen_template_asks_for_a_secret_or_has_a_password_field():
    """clause: SSO-4, DD-5 (citizen pages: no password, PIN or OTP of another service)"""
    citizen = [p for p in (ROOT / "interfaces" / "templates").rglob("*.html") if "desk" not in p.parts]
    assert any("portal" in p.parts for p in citizen)
    for path in citizen:
        text = path.read_text(encoding="utf-8")
        assert 'type="password"' not in text, path
        assert not _asks(text), (path, _asks(text))


def _catalogue_entries(po: Path):
    refs, msgid, msgstr, key = [], [], [], None
    for line in [*po.read_text(encoding="utf-8").splitlines(), ""]:
        if line.startswith("#:"):
            if msgid or msgstr:
                yield refs, "".join(msgid), "".join(msgstr)
                refs, msgid, msgstr = [], [], []
            refs += line[2:].split()
        elif line.startswith("msgid "):
            key = msgid
            key.append(line[6:].strip().strip('"'))
        elif line.startswith("msgstr "):
            key = msgstr
            key.append(line[7:].strip().strip('"'))
        elif line.startswith('"') and key is not None:
            key.append(line.strip().strip('"'))
        elif not line.strip() and (msgid or msgstr):
            yield refs, "".join(msgid), "".join(msgstr)
            refs, msgid, msgstr, key = [], [], [], None


def test_no_message_a_citizen_can_read_asks_for_a_secret():
    """clause: SSO-4 (the message catalogue, Thai and English: only staff sign-in speaks of passwords)"""
    entries = list(_catalogue_entries(ROOT / "locale" / "th" / "LC_MESSAGES" / "django.po"))
    assert len(entries) > 100
    staff_only = 0
    for refs, msgid, msgstr in entries:
        asks = _asks(msgid) + _asks(msgstr)
        if not asks:
            continue
        assert refs and all(r.startswith(STAFF_SOURCES) for r in refs), (refs, asks)
        staff_only += 1
    assert staff_only >= 1  # the desk's own sign-in is the only asker


def test_acknowledgements_and_codes_sent_to_citizens_ask_for_no_secret(
    api, file_complaint, django_capture_on_commit_callbacks
):
    """clause: SSO-4 (e-mails, SMS and acknowledgements)"""
    from privacy.ops.sms import outbox

    mail.outbox.clear()
    outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        filed = file_complaint()
        by_phone = file_complaint(complainant={"phone": "0812345678"})
        for f in (filed, by_phone):
            api.post(
                "/api/v1/privacy/requests/",
                {"reference": f["reference"], "tracking_code": f["tracking_code"], "type": "access"},
                format="json",
            )
    from channels_intake.email.acknowledgement import acknowledgement_send

    c = Complaint.objects.get(reference=filed["reference"])
    Complaint.objects.filter(pk=c.pk).update(acknowledged_at=None)
    acknowledgement_send(complaint_id=c.pk, tracking_code=filed["tracking_code"], token="tok")
    texts = [f"{m.subject}\n{m.body}" for m in mail.outbox] + [t for _n, t in outbox]
    assert len(mail.outbox) >= 3 and outbox  # acknowledgement, e-mailed code, e-mail channel reply, SMS
    for text in texts:
        assert not _asks(text), _asks(text)


@pytest.mark.parametrize("url", ["/", "/file/", "/track/", "/my-data/", "/privacy-policy/"])
def test_citizens_have_no_accounts(demo, url):
    """clause: SSO-4, DD-5 (no citizen account: no sign-in, no password, on any citizen page)"""
    page = Client().get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'type="password"' not in html and "/desk/login/" not in html
    assert not _asks(re.sub(r"<[^>]+>", " ", html))
    assert "Citizens have no account" in (User.__doc__ or "")  # User is staff only
