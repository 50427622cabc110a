"""Erasure by anonymisation (PDPA s.33): direct identifiers removed, free text redacted with the
disclosure redactor, statistics kept; history scrubbed so it does not keep what erasure removed."""

from __future__ import annotations

import secrets

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from channels_intake.models import InboundItem
from complaints.models import Attachment, Complainant, Complaint, TimelineEvent
from privacy.redaction import redact

from .retention import holds_covering_complaint

ERASED_FIELDS = ("name", "phone", "email", "address", "national_id")


def _delete_unshared_file(name: str, model, **others) -> None:
    if name and not model.objects.filter(**others).exists():
        default_storage.delete(name)


@transaction.atomic
def complaint_anonymise(*, complaint: Complaint, actor, reason: str) -> dict[str, int]:
    """Anonymise one complaint's personal data. Refuses (PermissionError) under a legal hold."""
    if holds_covering_complaint(complaint):
        raise PermissionError("A legal hold covers this case; its data must be kept.")
    person: Complainant = complaint.complainant
    now = timezone.now()
    for field in ERASED_FIELDS:
        setattr(person, field, "")
    person.anonymised_at = now
    person.save(update_fields=[*ERASED_FIELDS, "anonymised_at"])

    complaint.description = redact(complaint.description).text
    # Where it happened can point at the person (their home, their shop): the place goes, the
    # province stays for the statistics (OCC-6).
    complaint.incident_address = ""
    complaint.incident_latitude = complaint.incident_longitude = None
    # Tracking secret destroyed: the code can no longer open the case.
    complaint.tracking_code_hash = secrets.token_hex(32)
    complaint.save(
        update_fields=[
            "description", "incident_address", "incident_latitude", "incident_longitude",
            "tracking_code_hash", "updated_at",
        ]
    )  # fmt: skip

    events = 0
    for event in TimelineEvent.objects.filter(complaint=complaint).exclude(text=""):
        cleaned = redact(event.text).text
        if cleaned != event.text:
            TimelineEvent.objects.filter(pk=event.pk).update(text=cleaned)
            events += 1

    files = 0
    for att in list(Attachment.objects.filter(complaint=complaint)):
        name = att.file.name
        att.delete()
        _delete_unshared_file(name, Attachment, file=name)
        files += 1
    for item in InboundItem.objects.filter(complaint=complaint).exclude(raw=""):
        name = item.raw.name
        InboundItem.objects.filter(pk=item.pk).update(raw="", metadata={})
        _delete_unshared_file(name, InboundItem, raw=name)
        files += 1

    # Audit history keeps what happened, not to whom: personal values are masked at write time;
    # the citizen's network address on the intake entries is removed here.
    scrubbed = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Complainant), object_id=person.pk
    ).update(remote_addr=None, remote_port=None) + LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Complaint), object_id=complaint.pk
    ).update(remote_addr=None, remote_port=None)

    # Call and fax numbers and fax page images held by the telephone channel. Recordings are evidence
    # of what was said and stay (a recording cannot be redacted); they leave only through the gate.
    from channels_intake.telephony.services import complaint_telephony_erase

    telephony = complaint_telephony_erase(complaint=complaint)

    TimelineEvent.objects.create(
        complaint=complaint,
        kind=TimelineEvent.Kind.DATA_REQUEST,
        is_public=False,
        text=f"personal data anonymised: {reason}",
        actor=actor,
    )
    return {
        "timeline_entries_redacted": events,
        "files_removed": files,
        "audit_entries_scrubbed": scrubbed,
        **telephony,
    }
