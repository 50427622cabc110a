"""Parsing real-world mail: Thai charsets with right, wrong and missing labels, encoded words,
HTML-only bodies, nested messages (OCC-2, OCC-14)."""

import pytest

from channels_intake.email.parsing import decode_text, parse_message

from .conftest import THAI, THAI_SUBJECT, app_part, forwarded, image_part, mime, raw_8bit

CHARSETS = ["utf-8", "tis-620", "cp874", "iso-8859-11"]


@pytest.mark.parametrize("charset", CHARSETS)
def test_thai_body_in_each_charset_with_correct_label(charset):
    raw = raw_8bit(THAI.encode(charset if charset != "tis-620" else "cp874"), charset_label=charset)
    assert parse_message(raw).body == THAI


@pytest.mark.parametrize("encoding", ["cp874", "utf-8"])
@pytest.mark.parametrize("label", [None, "iso-8859-1", "us-ascii", "windows-1252", "utf-8"])
def test_thai_body_with_missing_or_wrong_label(encoding, label):
    raw = raw_8bit(THAI.encode(encoding), charset_label=label)
    assert parse_message(raw).body == THAI


@pytest.mark.parametrize("cte", ["quoted-printable", "base64"])
@pytest.mark.parametrize("charset", ["utf-8", "tis-620", "windows-874", "iso-8859-11"])
def test_encoded_words_and_transfer_encodings(cte, charset):
    from email.charset import BASE64, QP, Charset
    from email.header import Header
    from email.mime.text import MIMEText

    cs = Charset("utf-8")
    cs.body_encoding = QP if cte == "quoted-printable" else BASE64
    msg = MIMEText("", "plain")
    codec = "cp874" if charset != "utf-8" else "utf-8"
    msg.set_payload(THAI.encode(codec), None)
    del msg["Content-Transfer-Encoding"]
    import base64
    import quopri

    encoded = (
        quopri.encodestring(THAI.encode(codec))
        if cte == "quoted-printable"
        else base64.encodebytes(THAI.encode(codec))
    )
    msg.set_payload(encoded.decode("ascii"))
    msg.replace_header("Content-Type", f"text/plain; charset={charset}")
    msg["Content-Transfer-Encoding"] = cte
    word = (
        Header(THAI_SUBJECT.encode(codec), charset).encode()
        if charset != "utf-8"
        else Header(THAI_SUBJECT, "utf-8").encode()
    )
    msg["Subject"] = word
    msg["From"] = "a@example.com"
    parsed = parse_message(msg.as_bytes())
    assert parsed.body == THAI and parsed.subject == THAI_SUBJECT
    assert cs


def test_raw_8bit_thai_subject_without_encoding():
    raw = raw_8bit(THAI.encode("cp874"), charset_label=None, subject_bytes=THAI_SUBJECT.encode("cp874"))
    assert parse_message(raw).subject == THAI_SUBJECT


def test_html_only_mail_becomes_safe_plain_text():
    html = (
        f"<html><head><style>p{{color:red}}</style><script>alert(1)</script></head><body><p>{THAI}</p>"
        "<p>ลิงก์ <a href='https://scam.example'>ร้าน</a></p></body></html>"
    )
    parsed = parse_message(mime(body="", html=html))
    assert (
        THAI in parsed.body
        and "alert" not in parsed.body
        and "<" not in parsed.body
        and "color" not in parsed.body
    )


def test_multipart_alternative_prefers_plain():
    parsed = parse_message(mime(body="plain version", html="<p>html version</p>"))
    assert parsed.body == "plain version"


def test_headers_sender_ids_and_references():
    raw = mime(
        headers={"In-Reply-To": "<prev@example.com>", "References": "<a@example.com> <prev@example.com>"}
    )
    p = parse_message(raw)
    assert p.from_address == "buyer@example.com" and p.from_name == "สมชาย ใจดี"
    assert p.message_id == "m2@example.com" and p.in_reply_to == "prev@example.com"
    assert p.references == ["a@example.com", "prev@example.com"] and p.date is not None
    assert p.recipients == ["1212@mdes.go.th"]


def test_malformed_headers_do_not_crash():
    raw = b"From: not an address\r\nSubject: =?bogus?Q?x?=\r\nDate: yesterday-ish\r\nContent-Type: text/plain\r\n\r\nhi"
    p = parse_message(raw)
    assert p.body == "hi" and p.date is None and "@" not in p.from_address


def test_attachments_inline_images_and_nested_messages():
    inner = mime(body="ข้อความที่ส่งต่อ", subject="fwd", attachments=[image_part("inner.png")], message_id="<i@x>")
    inline = image_part("inline.png")
    del inline["Content-Disposition"]
    inline.add_header("Content-Disposition", "inline", filename="inline.png")
    raw = mime(
        attachments=[
            image_part("slip.png"),
            inline,
            forwarded(inner),
            app_part("doc.pdf", b"%PDF-1.4 x", "pdf"),
        ]
    )
    names = sorted(a.filename for a in parse_message(raw).attachments)
    assert names == ["doc.pdf", "inline.png", "inner.png", "slip.png"]


@pytest.mark.parametrize(
    "headers,why",
    [
        ({"Auto-Submitted": "auto-replied"}, "Auto-Submitted"),
        ({"Precedence": "bulk"}, "Precedence"),
        ({"List-Id": "<news.example.com>"}, "mailing-list"),
        ({"X-Autoreply": "yes"}, "auto-responder"),
    ],
)
def test_automatic_mail_is_recognised(headers, why):
    assert why in parse_message(mime(headers=headers)).automatic


def test_bounces_are_recognised():
    assert "bounce" in parse_message(mime(sender="MAILER-DAEMON@mx.example.com")).automatic
    dsn = mime().replace(b"multipart/mixed", b"multipart/report", 1)
    assert parse_message(dsn).automatic == "delivery status notification"


def test_originating_ip_from_headers():
    raw = mime(headers={"X-Originating-IP": "[203.0.113.9]"})
    assert parse_message(raw).originating_ip == "203.0.113.9"
    private = mime(headers={"X-Originating-IP": "[10.0.0.1]"})
    assert parse_message(private).originating_ip is None


def test_decode_text_never_fails():
    assert decode_text(bytes(range(256)), "no-such-charset")
