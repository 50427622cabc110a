"""Erasure by anonymisation (PDPA s.33, OCC-11, MOST-5): every copy of the person's values goes.

An erasure reaches every complaint its request covers (``CoveredComplaint``). From those it gathers
the exact values known of the person (name and its parts, address, phones in every written form,
e-mail addresses, national ID: from the complainant records, the requests' details, the numbers the
telephone and fax channels saw, and the copies sent to agencies) and removes them wherever they
stand: the complainant fields, descriptions, notes and timeline entries, request details and
evidence text, inbound raw items (raw e-mail bytes, CTI events, fax files: deleted), evidence
metadata, consent statements, data returned by agencies and django-auditlog entries. The generic
redactor then runs over the free text for identifiers nobody knew. Category, channel, dates and
amounts stay for statistics. Recordings are evidence of what was said and stay (audio cannot be
redacted); they leave only through the disclosure gate, which refuses an erased subject."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q

from channels_intake.email.models import Acknowledgement
from channels_intake.models import InboundItem
from channels_intake.telephony import models as telephony
from complaints import hooks
from complaints.models import IDENTITY_FIELDS, Attachment, Complainant, Complaint, TimelineEvent
from complaints.services.identity import complainant_anonymise
from occ.blobstore import blob_discard
from privacy.models import Consent
from privacy.redaction import redact
from routing.models import ReturnedData

from ..models import CoveredComplaint, DataSubjectRequest, RequestEvidence
from .holds import holds_covering_complaint
from .scrub import ERASED, KnownValues

# Channels register here (in their AppConfig.ready) what removes their own copies of a person's
# values when a complaint is anonymised: ``eraser(complaint=...) -> {"what_removed": count}``.
Eraser = Callable[..., dict[str, int]]
ERASERS: list[Eraser] = []


def complaint_eraser(fn: Eraser) -> Eraser:
    """Register ``fn`` to run inside every complaint's anonymisation (once per function)."""
    if fn not in ERASERS:
        ERASERS.append(fn)
    return fn


def _delete_unshared_file(name: str, model, **others) -> None:
    if name and not model.objects.filter(**others).exists():
        transaction.on_commit(lambda: blob_discard([name]))


def _telephony():
    return telephony


# --- what is known of the person ----------------------------------------------------------------


def known_values_of(complaints: Iterable[Complaint]) -> KnownValues:
    complaints = list(complaints)
    ids = [c.pk for c in complaints]
    values = KnownValues()
    for c in complaints:
        values.add_identity({f: getattr(c.complainant, f) for f in IDENTITY_FIELDS})
    for details in DataSubjectRequest.objects.filter(complaint_id__in=ids).values_list("details", flat=True):
        changes = (details or {}).get("changes") or {}
        if isinstance(changes, dict):
            values.add_identity({k: v for k, v in changes.items() if isinstance(v, str)})
    tel = _telephony()
    for number in tel.Call.objects.filter(complaint_id__in=ids).values_list("caller_number", flat=True):
        values.add("phones", number)
    for number in tel.Fax.objects.filter(complaint_id__in=ids).values_list("sender_number", flat=True):
        values.add("phones", number)
    return values


# --- the places the values stand -----------------------------------------------------------------


def _clean_text(text: str, values: KnownValues) -> str:
    return redact(values.scrub(text)).text if text else text


def _inbound_items(complaint: Complaint) -> Q:
    tel = _telephony()
    calls = tel.Call.objects.filter(complaint=complaint)
    linked = set(
        tel.CallEvent.objects.filter(call__in=calls, inbound_item__isnull=False).values_list(
            "inbound_item_id", flat=True
        )
    )
    linked |= set(
        tel.Fax.objects.filter(complaint=complaint, inbound_item__isnull=False).values_list(
            "inbound_item_id", flat=True
        )
    )
    linked |= set(
        tel.UploadSession.objects.filter(complaint=complaint, inbound_item__isnull=False).values_list(
            "inbound_item_id", flat=True
        )
    )
    return Q(complaint=complaint) | Q(pk__in=linked)


def _inbound_erase(q: Q) -> int:
    """Raw input of the person: the bytes are deleted (a raw message cannot be reliably scrubbed:
    its headers, encodings and attachments all carry them); the row stays as the record that
    something arrived, with its size and SHA-256."""
    tel = _telephony()
    keep = set(tel.Recording.objects.values_list("file", flat=True))  # recordings are evidence
    removed = 0
    for item in InboundItem.objects.filter(q).exclude(raw="", metadata={}):
        name = item.raw.name
        if name in keep:
            InboundItem.objects.filter(pk=item.pk).update(metadata={})
            continue
        InboundItem.objects.filter(pk=item.pk).update(raw="", metadata={})
        _delete_unshared_file(name, InboundItem, raw=name)
        removed += 1
    return removed


def _audit_scrub(q: Q, values: KnownValues) -> int:
    """django-auditlog entries: personal fields were masked when written; what an entry still
    carries (another model's text, a representation, extra data) loses the person's values, and the
    citizen's network address is removed."""
    scrubbed = 0
    for entry in LogEntry.objects.filter(q):
        changes = values.scrub_data(entry.changes) if entry.changes else entry.changes
        fields = {
            "changes": changes,
            "changes_text": values.scrub(entry.changes_text),
            "object_repr": values.scrub(entry.object_repr),
            "additional_data": values.scrub_data(entry.additional_data),
            "serialized_data": values.scrub_data(entry.serialized_data),
            "remote_addr": None,
            "remote_port": None,
        }
        LogEntry.objects.filter(pk=entry.pk).update(**fields)
        scrubbed += 1
    return scrubbed


def _audit_q(model, ids: Iterable[int]) -> Q:
    ids = [i for i in ids if i is not None]
    return (
        Q(content_type=ContentType.objects.get_for_model(model), object_id__in=ids) if ids else Q(pk__in=[])
    )


def complaint_text_replace(*, complaint: Complaint, replacements: dict[str, tuple[str, str]]) -> None:
    """After a rectification, the old (inaccurate) value is replaced by the corrected one where it
    stands in the case's own text (description and timeline), so that a corrected value does not
    linger in a copy (PDPA s.36)."""
    for field, (old, new) in replacements.items():
        if not old or old == new:
            continue
        kind = {"name": "names", "phone": "phones", "email": "emails", "address": "addresses"}.get(
            field, "national_ids"
        )
        values = KnownValues()
        values.add(kind, old)
        if values.regex is None:
            continue
        text = values.regex.sub(lambda _m, new=new: new, complaint.description)
        if text != complaint.description:
            complaint.description = text
            complaint.save(update_fields=["description", "updated_at"])
        for event in TimelineEvent.objects.filter(complaint=complaint).exclude(text=""):
            text = values.regex.sub(lambda _m, new=new: new, event.text)
            if text != event.text:
                TimelineEvent.objects.filter(pk=event.pk).update(text=text)


@transaction.atomic
def complaint_anonymise(
    *, complaint: Complaint, actor, reason: str, values: KnownValues | None = None
) -> dict[str, int]:
    """Anonymise one complaint's personal data. Refuses (PermissionError) under a legal hold.

    ``values`` are the person's known values (an erasure request gathers them over all the
    person's complaints); without them, the complaint's own are used."""
    if holds_covering_complaint(complaint):
        raise PermissionError("A legal hold covers this case; its data must be kept.")
    values = values if values is not None else known_values_of([complaint])
    person: Complainant = complaint.complainant
    complainant_anonymise(complaint=complaint, reason=reason, actor=actor)

    complaint.description = _clean_text(complaint.description, values)
    if values.found(complaint.other_party_phone) or values.found(complaint.other_party_account):
        complaint.other_party_phone = complaint.other_party_account = ""
    if values.found(complaint.incident_url):
        complaint.incident_url = ""
    # Where it happened can point at the person (their home, their shop): the place goes, the
    # province stays for the statistics (OCC-6).
    complaint.incident_address = ""
    complaint.incident_latitude = complaint.incident_longitude = None
    # Tracking secret destroyed: the code can no longer open the case.
    complaint.tracking_code_hash = secrets.token_hex(32)
    complaint.save(
        update_fields=[
            "description",
            "other_party_phone",
            "other_party_account",
            "incident_url",
            "incident_address",
            "incident_latitude",
            "incident_longitude",
            "tracking_code_hash",
            "updated_at",
        ]
    )
    # what the apps above read from the case (fraud indicators) is read again from what is left, so
    # a value of the person that was taken from the text goes with it
    hooks.incident_facts_changed(complaint)

    events = 0
    for event in TimelineEvent.objects.filter(complaint=complaint).exclude(text=""):
        cleaned = _clean_text(event.text, values)
        if cleaned != event.text:
            TimelineEvent.objects.filter(pk=event.pk).update(text=cleaned)
            events += 1

    tel = _telephony()
    files = 0
    for att in list(Attachment.objects.filter(complaint=complaint)):
        name = att.file.name
        att.delete()
        _delete_unshared_file(name, Attachment, file=name)
        files += 1
    inbound_q = _inbound_items(complaint)
    inbound_ids = list(InboundItem.objects.filter(inbound_q).values_list("pk", flat=True))
    files += _inbound_erase(inbound_q)
    # Quarantined or ignored raw input that carries the person's e-mail address or number but
    # never became part of the case (e.g. a second message that could not be processed).
    for email in values.emails:
        files += _inbound_erase(Q(metadata__icontains=email) & Q(complaint__isnull=True))
    for number in values.phones:
        files += _inbound_erase(Q(metadata__icontains=number) & Q(complaint__isnull=True))

    recordings = list(
        tel.Recording.objects.filter(Q(complaint=complaint) | Q(call__complaint=complaint)).values_list(
            "pk", "original_name"
        )
    )
    for pk, name in recordings:
        if values.found(name):
            tel.Recording.objects.filter(pk=pk).update(original_name=values.scrub(name))
    tel.UploadSession.objects.filter(complaint=complaint).update(filename=ERASED)

    # Copies that came back or were given: data an agency returned, consent statements. (Referrals
    # keep no payload: the gate builds it at each release.)
    for row in ReturnedData.objects.filter(referral__complaint=complaint):
        ReturnedData.objects.filter(pk=row.pk).update(
            value=values.scrub(row.value), note=values.scrub(row.note)
        )
    consents = list(Consent.objects.filter(complainant=person))
    for consent in consents:
        Consent.objects.filter(pk=consent.pk).update(statement=_clean_text(consent.statement, values))

    Acknowledgement.objects.filter(complaint=complaint).delete()

    calls = list(tel.Call.objects.filter(complaint=complaint).values_list("pk", flat=True))
    fax_ids = list(tel.Fax.objects.filter(complaint=complaint).values_list("pk", flat=True))
    audit_q = (
        _audit_q(Complainant, [person.pk])
        | _audit_q(Complaint, [complaint.pk])
        | _audit_q(tel.Call, calls)
        | _audit_q(tel.Fax, fax_ids)
        | _audit_q(tel.Recording, [pk for pk, _ in recordings])
        | _audit_q(Consent, [c.pk for c in consents])
        | _audit_q(InboundItem, inbound_ids)
    )
    # What the channels hold beyond the case's own rows (the telephone channel: call and fax
    # numbers, fax page images), removed by the erasers they registered.
    channels: dict[str, int] = {}
    for eraser in ERASERS:
        channels.update(eraser(complaint=complaint))
    scrubbed = _audit_scrub(audit_q, values)

    return {
        "timeline_entries_redacted": events,
        "files_removed": files,
        "audit_entries_scrubbed": scrubbed,
        **channels,
    }


def _requests_scrub(ids: list[int], values: KnownValues) -> int:
    """The person's requests: what they asked to be changed to, and free text that named them."""
    requests = DataSubjectRequest.objects.filter(
        Q(complaint_id__in=ids)
        | Q(pk__in=CoveredComplaint.objects.filter(complaint_id__in=ids).values("request_id"))
    ).distinct()
    n = 0
    for req in requests:
        details = values.scrub_data(req.details or {})
        if isinstance(details.get("changes"), dict):
            details["changes"] = dict.fromkeys(details["changes"], ERASED)
        DataSubjectRequest.objects.filter(pk=req.pk).update(
            details=details,
            identity_check=values.scrub(req.identity_check),
            refusal_reason=values.scrub(req.refusal_reason),
        )
        req.codes.exclude(contact_fingerprint="").update(contact_fingerprint="")
        for tie in req.covered.exclude(identity_check=""):
            CoveredComplaint.objects.filter(pk=tie.pk).update(identity_check=values.scrub(tie.identity_check))
        for ev in RequestEvidence.objects.filter(request=req):
            summary, data = values.scrub(ev.summary), values.scrub_data(ev.data)
            if summary != ev.summary or data != ev.data:
                RequestEvidence.erasure_scrub(ev.pk, summary=summary, data=data)
        n += 1
    return n


@transaction.atomic
def person_erase(*, request: DataSubjectRequest, complaints: list[Complaint], actor) -> dict[str, int]:
    """Erase the person from every complaint the request covers, with every known value."""
    values = known_values_of(complaints)
    totals: dict[str, int] = {"complaints_anonymised": 0}
    for complaint in complaints:
        counts = complaint_anonymise(
            complaint=complaint, actor=actor, reason="erasure request", values=values
        )
        totals["complaints_anonymised"] += 1
        for key, n in counts.items():
            totals[key] = totals.get(key, 0) + n
    totals["requests_scrubbed"] = _requests_scrub([c.pk for c in complaints], values)
    return totals
