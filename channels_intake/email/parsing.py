"""Parse real-world e-mail (the standard library's parser, compat32 policy: ``.mime``) into what
intake needs.

Thai mail arrives in UTF-8, TIS-620, windows-874 and ISO-8859-11, often with a missing or wrong
charset label; ``decode_text`` picks the decoding that gives real text."""

from __future__ import annotations

import codecs
import ipaddress
import re
from dataclasses import dataclass, field
from email.header import decode_header
from email.message import Message
from email.utils import getaddresses, parseaddr, parsedate_to_datetime

from bs4 import BeautifulSoup
from charset_normalizer import from_bytes

from occ.text import safe_line, safe_text

from .mime import message_from_bytes


def _thai_codecs(name: str):
    """Python knows cp874 but not every label Thai mail uses for it."""
    if name.replace("_", "-").lower() in ("windows-874", "x-windows-874", "ms874", "x-cp874"):
        return codecs.lookup("cp874")
    return None


codecs.register(_thai_codecs)

THAI_CHARSETS = {"tis-620", "tis620", "iso-8859-11", "iso8859-11", "windows-874", "cp874", "x-windows-874"}
_THAI_LETTER = re.compile(r"[\u0e01-\u0e5b]")
_HIGH_BYTES = bytes(range(0x80, 0x100))
_RAW_8BIT = re.compile("[\udc80-\udcff]")  # bytes >= 0x80 of a header, as surrogateescape reads them


def decode_text(payload: bytes, declared: str | None) -> str:
    """Bytes of a text part or header to str, robust to missing and wrong charset labels."""
    if not payload:
        return ""
    if max(payload) < 0x80:
        return payload.decode("ascii")
    try:
        return payload.decode("utf-8")  # UTF-8 validates itself; Thai single-byte text almost never does
    except UnicodeDecodeError:
        pass
    label = (declared or "").lower().strip()
    thai = payload.decode("cp874", errors="replace")  # cp874 is a superset of TIS-620 and ISO-8859-11
    high = len(payload) - len(payload.translate(None, _HIGH_BYTES))  # bytes >= 0x80
    thai_letters = len(_THAI_LETTER.findall(thai))
    if label in THAI_CHARSETS or thai_letters >= 0.8 * high:
        return thai
    if label:
        try:
            return payload.decode(label)
        except (LookupError, UnicodeDecodeError):
            pass
    best = from_bytes(payload).best()
    return str(best) if best is not None else thai


def _first_headers(msg: Message) -> dict[str, str]:
    """Each header name (lower case) with its first value as it came: what ``msg.get`` finds,
    looked up once for the whole block instead of one scan of it per name."""
    found: dict[str, str] = {}
    for key, value in msg.raw_items():
        found.setdefault(key.lower(), value)
    return found


def _header_text(headers: dict[str, str], name: str) -> str:
    """A header as text: RFC 2047 encoded words decoded with their (possibly Thai) charset; a raw
    8-bit header decoded like a body (the value as it came, not the compat32 policy's Header
    object for it). (compat32 parsing: the modern header objects cost a third of the whole
    ingest time and add nothing here.)"""
    value = headers.get(name)
    if value is None:
        return ""
    return _decode_header_value(str(value))


def _decode_header_value(text: str) -> str:
    if _RAW_8BIT.search(text):  # raw 8-bit: undo surrogateescape
        return " ".join(decode_text(text.encode("utf-8", "surrogateescape"), None).split())
    if "=?" not in text:
        return " ".join(text.split())
    try:
        parts = decode_header(text)
    except Exception:  # noqa: BLE001 - a malformed encoded word stays as it came
        return " ".join(text.split())
    out = [decode_text(chunk, charset) if isinstance(chunk, bytes) else chunk for chunk, charset in parts]
    return " ".join("".join(out).split())


def html_to_text(html: str) -> str:
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "head", "title", "meta"]):
        tag.decompose()
    text = soup.get_text("\n")
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return "\n".join(line for line in lines if line).strip()


@dataclass
class Attachment:
    filename: str
    content_type: str
    data: bytes


@dataclass
class ParsedMail:
    from_address: str
    from_name: str
    subject: str
    message_id: str
    in_reply_to: str
    references: list[str]
    recipients: list[str]
    date: object | None
    body: str
    attachments: list[Attachment] = field(default_factory=list)
    automatic: str = ""  # why the message is automatic (auto-reply, bounce, list), or ""
    originating_ip: str | None = None
    dedup_id: str = ""  # the Message-ID as ``message_id_of`` reads it (the dedup key), not decoded


def _part_text(part: Message) -> str:
    payload = part.get_payload(decode=True) or b""
    return decode_text(payload, part.get_content_charset())


def _body(msg: Message) -> str:
    plain, html = [], []
    for part in msg.walk():
        if part.is_multipart() or part.get_content_maintype() == "message":
            continue
        if part.get_content_disposition() == "attachment":
            continue
        ctype = part.get_content_type()
        if ctype == "text/plain":
            plain.append(_part_text(part))
        elif ctype == "text/html":
            html.append(html_to_text(_part_text(part)))
    if plain:
        return "\n\n".join(t.strip() for t in plain if t.strip())
    return "\n\n".join(t for t in html if t)


def _attachments(msg: Message) -> list[Attachment]:
    found: list[Attachment] = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        disposition = part.get_content_disposition()
        if ctype == "message/rfc822":
            continue  # walk() descends into the attached message; its parts are handled there
        if ctype in ("text/plain", "text/html") and disposition != "attachment":
            continue
        if disposition not in ("attachment", "inline") and not ctype.startswith(("image/", "application/")):
            continue
        data = part.get_payload(decode=True) or b""
        name = safe_line(_decode_header_value(part.get_filename() or ""), max_length=200)
        name = name or f"part-{len(found) + 1}"
        found.append(Attachment(filename=name, content_type=ctype, data=data))
    return found


def _automatic(msg: Message, sender: str) -> str:
    auto = (msg.get("Auto-Submitted") or "").strip().lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    precedence = (msg.get("Precedence") or "").strip().lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return f"Precedence: {precedence}"
    if msg.get("List-Id") or msg.get("List-Unsubscribe"):
        return "mailing-list mail"
    if (
        msg.get("X-Autoreply")
        or msg.get("X-Autorespond")
        or msg.get("X-Auto-Response-Suppress", "").lower() == "all"
    ):
        return "auto-responder header"
    return_path = (msg.get("Return-Path") or "").strip()
    if return_path == "<>":
        return "null sender"
    local = sender.split("@", 1)[0].lower()
    if local in ("mailer-daemon", "postmaster"):
        return f"{local} (bounce)"
    if msg.get_content_type() == "multipart/report":
        return "delivery status notification"
    return ""


_NON_PUBLIC = [
    ipaddress.ip_network(n)
    for n in (
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "0.0.0.0/8",
        "::1/128",
        "fc00::/7",
        "fe80::/10",
        "::/128",
    )
]


def _originating_ip(msg: Message) -> str | None:
    candidates = [msg.get("X-Originating-IP", "")]
    received = msg.get_all("Received") or []
    if received:
        candidates.append(str(received[-1]))  # the first hop: where the mail entered the Internet
    for text in candidates:
        for token in re.findall(r"\[?([0-9a-fA-F:.]{7,45})\]?", str(text)):
            try:
                ip = ipaddress.ip_address(token.strip("[]"))
            except ValueError:
                continue
            if not any(ip in net for net in _NON_PUBLIC if ip.version == net.version):
                return str(ip)
    return None


def parse_message(raw: bytes) -> ParsedMail:
    """Every text field comes out safe for the database (``occ.text``): whatever the bytes were."""
    msg = message_from_bytes(raw)
    headers = _first_headers(msg)
    name, address = parseaddr(_header_text(headers, "from"))
    address = safe_line(address, max_length=254)
    recipients = [
        safe_line(a.lower(), max_length=254)
        for _, a in getaddresses(
            [_header_text(headers, h) for h in ("to", "cc", "delivered-to", "x-original-to")]
        )
        if a
    ]
    try:
        date = parsedate_to_datetime(_header_text(headers, "date")) if headers.get("date") else None
    except (TypeError, ValueError, IndexError, OverflowError):
        date = None
    return ParsedMail(
        from_address=address,
        from_name=safe_line(name.strip().strip('"'), max_length=200),
        subject=safe_line(_header_text(headers, "subject"), max_length=2000),
        message_id=safe_line(_header_text(headers, "message-id").strip("<> "), max_length=100_000),
        in_reply_to=safe_line(_header_text(headers, "in-reply-to").strip("<> "), max_length=100_000),
        references=[
            safe_line(r.strip("<>"), max_length=2000)
            for r in _header_text(headers, "references").split()
            if r.strip("<>")
        ],
        recipients=recipients,
        date=date,
        body=safe_text(_body(msg)),
        attachments=_attachments(msg),
        automatic=safe_line(_automatic(msg, address), max_length=200),
        originating_ip=_originating_ip(msg),
        dedup_id=_dedup_id(msg),
    )


def _dedup_id(msg: Message) -> str:
    value = msg.get("Message-ID")
    return safe_line(str(value).strip().strip("<>"), max_length=100_000) if value else ""


def message_id_of(raw: bytes) -> str:
    """Only the Message-ID, cheaply (for the dedup key before full parsing)."""
    header_end = raw.find(b"\r\n\r\n")
    if header_end < 0:
        header_end = raw.find(b"\n\n")
    head = raw[: header_end if header_end > 0 else 65536]
    return _dedup_id(message_from_bytes(head, headersonly=True))
