"""Which mail becomes what: a new complaint, a reply on a case, a message for an agent, or an
automatic message kept and marked. Every message is stored raw before this runs."""

from __future__ import annotations

import hashlib
import io
import re
import secrets
import time
from typing import Any

from cryptography.fernet import MultiFernet
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from channels_intake.telephony.media import MediaRejected
from channels_intake.telephony.services import fax_register
from complaints.models import Category, Channel, Complaint, TimelineEvent
from complaints.services.actions import complaint_survivor
from complaints.services.events import timeline_add
from complaints.services.evidence import CheckedFile, EvidenceRejected, attachment_add, evidence_check
from complaints.services.intake import complaint_register
from occ.rows import rows_insert, rows_together
from occ.signing.keys import sealing_fernet
from privacy.models import TrafficRecord

from ..models import InboundItem
from ..registry import processor
from ..services import (
    Ignore,
    Processed,
    Quarantine,
    inbound_ingest,
    inbound_prepared,
    inbound_quarantine,
    inbound_store,
)
from .models import MailRule, ReplyToken
from .parsing import ParsedMail, message_id_of, parse_message

TOKEN_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
TOKEN_IN_SUBJECT = re.compile(r"\[#([A-Z2-9]{12})\]")
REFERENCE = re.compile(r"OCC-\d{4}-\d{6}", re.I)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.upper().encode()).hexdigest()


def reply_token_new() -> str:
    return "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(12))  # 60 bits


_fernet_cache: tuple[tuple[str, tuple[str, ...]], MultiFernet] | None = None


def _fernet() -> MultiFernet:
    """The e-mail acknowledgement's key, derived once per SECRET_KEY (and its fallbacks)."""
    global _fernet_cache
    keys = (settings.SECRET_KEY, tuple(getattr(settings, "SECRET_KEY_FALLBACKS", ())))
    if _fernet_cache is None or _fernet_cache[0] != keys:
        _fernet_cache = (keys, sealing_fernet("email-ack"))
    return _fernet_cache[1]


def seal_secret(value: str) -> str:
    """Secrets handed to a task travel encrypted (the broker never sees them in clear)."""
    return _fernet().encrypt(value.encode()).decode()


def open_secret(value: str) -> str:
    return _fernet().decrypt(value.encode()).decode()


def _tokens_in(mail: ParsedMail) -> list[str]:
    found = TOKEN_IN_SUBJECT.findall(mail.subject.upper())
    local_mailbox = settings.OCC_MAILBOX_ADDRESS.split("@", 1)[0].lower()
    for address in mail.recipients:
        local = address.split("@", 1)[0]
        base, _, tag = local.partition("+")
        if base == local_mailbox and tag:
            found.append(tag.upper())
    return found


_rules_cache: tuple[float, list[MailRule]] | None = None


def _active_rules() -> list[MailRule]:
    """The active mail rules, read at most every OCC_EMAIL_RULES_TTL seconds per process (a batch
    of mail does not ask the database the same question per message). Saving or deleting a rule
    clears this process's copy at once; other processes see the change within the TTL."""
    global _rules_cache
    now = time.monotonic()
    if _rules_cache is None or now - _rules_cache[0] > settings.OCC_EMAIL_RULES_TTL:
        _rules_cache = (now, list(MailRule.objects.filter(is_active=True).select_related("category")))
    return _rules_cache[1]


@receiver([post_save, post_delete], sender=MailRule)
def rules_forget(**kwargs) -> None:
    """Drop this process's copy of the rules (on every save or delete of a rule; tests call it
    between cases, whose rolled-back rules send no signal)."""
    global _rules_cache
    _rules_cache = None


def _category_for(mail: ParsedMail) -> Category | None:
    subject = mail.subject.lower()
    for rule in _active_rules():
        if rule.recipient and rule.recipient.lower() in mail.recipients:
            return rule.category
        if rule.subject_keyword and rule.subject_keyword.lower() in subject:
            return rule.category
    return None


def _evidence_checked(mail: ParsedMail) -> tuple[list[CheckedFile], list[str]]:
    """Each attachment passes the web checks on its own: (accepted, refusals). A refused
    attachment is noted on the case (``_refusals_note``); the mail is kept."""
    accepted, refused = [], []
    for att in mail.attachments:
        try:
            accepted.append(evidence_check(ContentFile(att.data, name=att.filename), name=att.filename))
        except EvidenceRejected as exc:
            refused.append(f"{exc.filename}: {exc.reason}")
    return accepted, refused


def _refusals_note(complaint: Complaint, refused: list[str]) -> None:
    for refusal in refused:
        timeline_add(
            complaint=complaint,
            kind=TimelineEvent.Kind.EVIDENCE_REJECTED,
            is_public=False,
            text=f"attachment refused: {refusal}",
        )


def _traffic(mail: ParsedMail, item: InboundItem, reference: str) -> None:
    """The traffic record of the message (inside ``rows_together``: written with its other rows)."""
    record = TrafficRecord(
        at=timezone.now(),
        ip_address=mail.originating_ip,
        host=mail.from_address.rpartition("@")[2][:255],
        method="SMTP",
        path=item.source[:500],
        channel=Channel.EMAIL,
        complaint_reference=reference,
        user_agent="",
        referrer="",
        status_code=None,
    )
    rows_insert([record], later=True)


def _description(mail: ParsedMail) -> str:
    parts = [p for p in (mail.subject, mail.body) if p and p.strip()]
    return "\n\n".join(parts) or "(ข้อความว่าง / empty message)"


def _is_fax_server(mail: ParsedMail) -> bool:
    return mail.from_address.lower() in {a.lower() for a in settings.OCC_FAX_TO_EMAIL_SENDERS}


def _fax_from_email(mail: ParsedMail, item: InboundItem) -> Processed:
    faxes = [
        a
        for a in mail.attachments
        if a.content_type in ("image/tiff", "application/pdf")
        or a.filename.lower().endswith((".tif", ".tiff", ".pdf"))
    ]
    if not faxes:
        raise Quarantine("fax-to-e-mail message without a TIFF or PDF attachment")
    number = re.search(r"\+?\d[\d -]{6,}\d", mail.subject)
    complaint = None
    for att in faxes:
        try:
            complaint = fax_register(
                fileobj=io.BytesIO(att.data),
                filename=att.filename,
                sender_number=number.group(0) if number else "",
                receiving_line=mail.recipients[0] if mail.recipients else "",
                received_at=mail.date or timezone.now(),
                source=f"fax-to-email:{item.pk}",
            )
        except MediaRejected as exc:
            raise Quarantine(f"fax-to-e-mail attachment {exc.filename} {exc.reason}") from exc
    return Processed(complaint=complaint, note="fax-to-e-mail")


def _parsed(raw: bytes) -> tuple[ParsedMail | None, str]:
    """The parsed message, or None and why it could not be parsed (it is then quarantined)."""
    try:
        return parse_message(raw), ""
    except Exception as exc:  # noqa: BLE001 - any parser failure quarantines, never drops
        return None, f"{type(exc).__name__}: {exc}"


@processor("email")
def process_email(item: InboundItem) -> Processed:
    """The message as ``email_ingest_one`` parsed it before storing it, or (reprocessing a kept
    item) read from storage and parsed now."""
    prepared = inbound_prepared()
    if prepared is None:
        with item.raw.open("rb") as fh:
            prepared = _parsed(fh.read())
    mail, error = prepared
    return _process(item, mail, error)


def _process(item: InboundItem, mail: ParsedMail | None, error: str) -> Processed:
    if mail is None:
        raise Quarantine(f"the message could not be parsed: {error}")
    item.metadata = {
        **item.metadata,
        "from_domain": mail.from_address.rpartition("@")[2],
        "message_id": mail.message_id,
        "automatic": mail.automatic,
    }
    if mail.automatic:
        raise Ignore(f"automatic message ({mail.automatic}): no complaint, no answer")
    if not mail.from_address or "@" not in mail.from_address:
        raise Quarantine("no usable sender address (From)")
    if _is_fax_server(mail):
        return _fax_from_email(mail, item)

    for token in _tokens_in(mail):
        reply = (
            ReplyToken.objects.select_related("complaint__complainant")
            .filter(token_hash=token_hash(token))
            .first()
        )
        if reply is None:
            continue
        case = reply.complaint
        if case.complainant.email and case.complainant.email.lower() == mail.from_address.lower():
            return _reply(item, mail, case)
        raise Quarantine(
            f"carries the reply token of {case.reference} but the sender is not the case's contact; "
            "an agent must decide"
        )

    note = ""
    quoted = REFERENCE.search(f"{mail.subject} {mail.body[:2000]}")
    if quoted:
        note = f"mentions {quoted.group(0).upper()} without its reply token: filed as a new complaint, not attached"
    accepted, refused = _evidence_checked(mail)
    token = reply_token_new()

    def also(complaint: Complaint) -> None:
        # the channel's own rows, written with the intake's rows in its one statement
        if note:
            timeline_add(
                complaint=complaint, kind=TimelineEvent.Kind.INTERNAL_NOTE, is_public=False, text=note
            )
        _refusals_note(complaint, refused)
        _traffic(mail, item, complaint.reference)
        rows_insert([ReplyToken(complaint=complaint, token_hash=token_hash(token))], later=True)

    try:
        registered = complaint_register(
            channel=Channel.EMAIL,
            category=_category_for(mail),
            description=_description(mail)[:10000],
            identity={"email": mail.from_address, "name": mail.from_name[:200]},
            files=accepted,
            acknowledge=False,
            received_at=timezone.now(),
            also=also,
            # the message's own transaction rolls back whole when this raises (inbound_ingest,
            # inbound_process): no savepoint pair of complaint_register's own
            savepoint=False,
        )
    except ValidationError as exc:
        raise Quarantine(f"the sender's details were refused: {exc.messages}") from exc
    complaint = registered.complaint
    sealed = seal_secret(f"{registered.tracking_code}|{token}")  # the outbox keeps it sealed
    # the acknowledgement's outbox row, written with the item's outcome (one statement)
    ack = ("channels_intake.email.tasks.email_acknowledge", (complaint.pk, sealed))
    return Processed(complaint=complaint, note=note or "new complaint", tasks=(ack,))


def _reply(item: InboundItem, mail: ParsedMail, case: Complaint) -> Processed:
    """A reply from the case's contact, with its token: threaded into the case (the surviving
    case when it was joined to another as its duplicate), never a new complaint."""
    target = complaint_survivor(case)
    accepted, refused = _evidence_checked(mail)
    with rows_together():
        timeline_add(
            complaint=target,
            kind=TimelineEvent.Kind.CITIZEN_MESSAGE,
            is_public=False,
            text=_description(mail)[:10000],
        )
        if target.pk != case.pk:
            timeline_add(
                complaint=case,
                kind=TimelineEvent.Kind.JOINED,
                is_public=False,
                text=f"a reply by e-mail was attached to the surviving case {target.reference}",
            )
        for checked in accepted:
            attachment_add(complaint_id=target.pk, checked=checked)
        _refusals_note(target, refused)
        _traffic(mail, item, target.reference)
    note = f"reply attached to {target.reference}"
    if target.pk != case.pk:
        note += f" (reply to {case.reference}, a duplicate of it)"
    return Processed(complaint=target, note=note)


def email_ingest_one(raw: bytes, *, source: str, mailbox: str) -> tuple[InboundItem, bool]:
    """The one path for every source: keep the raw message and process it once, in one
    transaction (``inbound_ingest``; a failure rolls the processing back and keeps the message
    quarantined). Returns (item, stored): stored is False when the message was already kept (same
    mailbox and Message-ID, or the same bytes). The message is parsed once, before it is stored."""
    if len(raw) > settings.OCC_EMAIL_MAX_BYTES:
        item, created = inbound_store(
            channel=Channel.EMAIL, kind="email", source=source, fileobj=io.BytesIO(raw)
        )
        if created:
            item = inbound_quarantine(
                item_id=item.pk,
                reason=f"message of {len(raw)} bytes is larger than the limit of {settings.OCC_EMAIL_MAX_BYTES}",
            )
        return item, created
    mail, error = _parsed(raw)
    if mail is not None:
        message_id = mail.dedup_id
    else:
        try:
            message_id = message_id_of(raw)
        except Exception:  # noqa: BLE001 - an unreadable header block: deduplicate by content
            message_id = ""
    # The dedup key is a hash of the whole id (inbound_store); the id is kept whole.
    dedup = f"{mailbox}:{message_id}" if message_id else None
    return inbound_ingest(
        channel=Channel.EMAIL,
        kind="email",
        source=source,
        fileobj=io.BytesIO(raw),
        dedup_key=dedup,
        metadata={"mailbox": mailbox},
        prepared=(mail, error),
    )


def email_ingest(raw: bytes, *, source: str, mailbox: str) -> InboundItem:
    return email_ingest_one(raw, source=source, mailbox=mailbox)[0]


def ingest_tally(counts, item: InboundItem, stored: bool) -> None:
    """Count one message read: ``read == stored + duplicates`` and ``stored == complaints + replies
    + quarantined + ignored + received`` (received: left for the next run), always."""
    counts["read"] += 1
    if not stored:
        counts["duplicates"] += 1
        return
    counts["stored"] += 1
    if item.state == InboundItem.State.PROCESSED:
        counts["replies" if item.reason.startswith("reply attached") else "complaints"] += 1
    else:
        counts[str(item.state)] += 1


def summary(item: InboundItem) -> dict[str, Any]:
    return {
        "id": item.pk,
        "state": item.state,
        "reason": item.reason,
        "complaint": item.complaint.reference if item.complaint_id else None,
    }
