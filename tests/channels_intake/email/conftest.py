import base64
import quopri
from email.header import Header
from email.mime.application import MIMEApplication
from email.mime.image import MIMEImage
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formatdate

import pytest

from tests.conftest import png_bytes

THAI = "ซื้อโทรศัพท์ทางเพจเฟซบุ๊กแล้วไม่ได้รับสินค้า โอนเงินไป 2,500 บาท"
THAI_SUBJECT = "ร้องเรียนร้านค้าออนไลน์หลอกลวง"


def raw_8bit(
    body: bytes,
    *,
    charset_label: str | None,
    subject: str = "ร้องเรียน",
    sender="buyer@example.com",
    message_id: str | None = "<m1@example.com>",
    subject_bytes: bytes | None = None,
) -> bytes:
    """A plain message whose body is raw 8-bit bytes with the given (possibly wrong) charset label."""
    ctype = f"text/plain; charset={charset_label}" if charset_label else "text/plain"
    subj = subject_bytes if subject_bytes is not None else str(Header(subject, "utf-8")).encode()
    lines = [
        b"From: " + f'"Somchai Jaidee" <{sender}>'.encode(),
        b"To: 1212@mdes.go.th",
        b"Subject: " + subj,
        b"Date: " + formatdate().encode(),
    ]
    if message_id:
        lines.append(b"Message-ID: " + message_id.encode())
    lines += [
        b"MIME-Version: 1.0",
        b"Content-Type: " + ctype.encode(),
        b"Content-Transfer-Encoding: 8bit",
        b"",
        body,
    ]
    return b"\r\n".join(lines)


def mime(
    body: str = THAI,
    *,
    subject: str = THAI_SUBJECT,
    sender="buyer@example.com",
    name="สมชาย ใจดี",
    message_id: str | None = "<m2@example.com>",
    html: str | None = None,
    attachments=(),
    headers=None,
    to="1212@mdes.go.th",
    charset="utf-8",
) -> bytes:
    root = MIMEMultipart("mixed")
    if html is not None and body:
        alt = MIMEMultipart("alternative")
        alt.attach(MIMEText(body, "plain", charset))
        alt.attach(MIMEText(html, "html", charset))
        root.attach(alt)
    elif html is not None:
        root.attach(MIMEText(html, "html", charset))
    else:
        root.attach(MIMEText(body, "plain", charset))
    for att in attachments:
        root.attach(att)
    root["From"] = f"{Header(name, 'utf-8').encode()} <{sender}>"
    root["To"] = to
    root["Subject"] = Header(subject, "utf-8").encode()
    root["Date"] = formatdate()
    if message_id:
        root["Message-ID"] = message_id
    for k, v in (headers or {}).items():
        root[k] = v
    return root.as_bytes()


def image_part(name="slip.png", data=None):
    part = MIMEImage(data or png_bytes(), "png")
    part.add_header("Content-Disposition", "attachment", filename=name)
    return part


def app_part(name, data, subtype="octet-stream"):
    part = MIMEApplication(data, subtype)
    part.add_header("Content-Disposition", "attachment", filename=name)
    return part


def forwarded(inner: bytes):
    from email import message_from_bytes

    return MIMEMessage(message_from_bytes(inner))


@pytest.fixture
def ingest(demo):
    from channels_intake.email.processing import email_ingest

    def _ingest(raw: bytes, mailbox="test"):
        return email_ingest(raw, source="test", mailbox=mailbox)

    return _ingest


__all__ = ["base64", "quopri"]
