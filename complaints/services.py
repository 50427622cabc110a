"""Writes on cases. The one intake entry point every channel calls is ``complaint_register``."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from privacy.minimum_data import identity_check

from . import lifecycle
from .access import Can, actor_can, require
from .events import timeline_add
from .evidence import CheckedFile, evidence_discard, evidence_store
from .intake_hooks import complaint_registered
from .models import (
    Attachment,
    Category,
    Channel,
    Complainant,
    Complaint,
    Priority,
    ReferenceCounter,
    Status,
    TimelineEvent,
    User,
)

_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


class TransitionRefused(Exception):
    def __init__(self, current: str, requested: str):
        self.current = current
        self.requested = requested
        allowed = ", ".join(lifecycle.allowed_next(current)) or "none"
        super().__init__(
            f"A complaint in status '{current}' cannot move to '{requested}'. Allowed next: {allowed}."
        )


def tracking_code_new() -> str:
    """16 symbols of a 32-symbol alphabet (80 bits), shown as XXXX-XXXX-XXXX-XXXX."""
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def tracking_code_hash(code: str) -> str:
    """The code has 80 bits of entropy, so a plain SHA-256 is enough and keeps look-ups fast."""
    normalised = "".join(ch for ch in code.upper() if ch.isalnum())
    return hashlib.sha256(normalised.encode()).hexdigest()


def _reference_next(*, received_at: datetime, prefix: str) -> str:
    """Increment this year's counter in one statement; the row stays locked until the intake
    transaction ends, so numbers are unique, and a rollback gives the number back (gap-free)."""
    year = timezone.localtime(received_at).year
    table = connection.ops.quote_name(ReferenceCounter._meta.db_table)
    sql = f"UPDATE {table} SET last_number = last_number + 1 WHERE year = %s RETURNING last_number"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [year])
        row = cursor.fetchone()
        if row is None:  # first complaint of the year
            ReferenceCounter.objects.bulk_create(
                [ReferenceCounter(year=year, last_number=0)], ignore_conflicts=True
            )
            cursor.execute(sql, [year])
            row = cursor.fetchone()
    return f"{prefix}-{year}-{row[0]:06d}"


def _complaint_id_reserve() -> int | None:
    """On PostgreSQL, the next complaint id from the table's identity sequence (ids may have gaps;
    references may not). Elsewhere None: the database assigns the id at the INSERT."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [Complaint._meta.db_table])
        return cursor.fetchone()[0]


def sla_due(*, category: Category | None, received_at: datetime) -> datetime | None:
    if category is None:
        return None
    return received_at + timedelta(days=category.sla_days)


@dataclass(frozen=True)
class Registered:
    complaint: Complaint
    tracking_code: str


@dataclass(frozen=True)
class Incident:
    url: str = ""
    occurred_at: datetime | None = None
    amount_lost: Decimal | None = None
    other_party_account: str = ""
    other_party_phone: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    address: str = ""
    province: str = ""

    @property
    def has_location(self) -> bool:
        return (self.latitude is not None and self.longitude is not None) or bool(self.address.strip())


def complaint_register(
    *,
    channel: str,
    category: Category | None,
    description: str,
    identity: dict[str, str],
    anonymous: bool = False,
    incident: Incident | None = None,
    files: list[CheckedFile] | tuple[CheckedFile, ...] = (),
    actor: User | None = None,
    received_at: datetime | None = None,
    reference_prefix: str = "OCC",
    acknowledge: bool = True,
) -> Registered:
    """File a complaint from any channel: minimum-data check, reference, tracking code, evidence,
    first timeline entry, audit; all in one transaction. The acknowledgement is enqueued after
    commit (``acknowledge=False`` when the channel sends its own, e.g. e-mail replies carry the
    tracking code). Raises ValidationError (per-field) and leaves nothing stored on any failure."""
    if channel not in Channel.values:
        raise ValidationError({"channel": [f"Unknown channel '{channel}'."]})
    if not description or not description.strip():
        raise ValidationError({"description": [_("Describe the problem.")]})
    checked_identity = identity_check(category=category, anonymous=anonymous, given=identity)
    incident = incident or Incident()
    if category is not None and category.requires_location and not incident.has_location:
        raise ValidationError({"location": [_("This category needs the place where it happened.")]})
    received_at = received_at or timezone.now()
    tracking_code = tracking_code_new()

    written: list[str] = []

    def dependents(complaint: Complaint) -> None:
        complaint_registered(complaint)  # e.g. the privacy policy in force at intake (OCC-12)
        timeline_add(
            complaint_id=complaint.pk,
            kind=TimelineEvent.Kind.CREATED,
            is_public=True,
            to_status=Status.RECEIVED,
            actor=actor,
        )
        for checked in files:
            name, new = evidence_store(checked)
            if new:
                written.append(name)
            Attachment.objects.create(
                complaint_id=complaint.pk,
                file=name,
                original_name=checked.original_name,
                content_type=checked.content_type,
                size=checked.size,
                sha256=checked.sha256,
            )

    try:
        with transaction.atomic():
            complainant = Complainant.objects.create(
                is_anonymous=checked_identity.is_anonymous,
                name=checked_identity.name,
                phone=checked_identity.phone,
                email=checked_identity.email,
                address=checked_identity.address,
                national_id=checked_identity.national_id,
            )
            complaint = Complaint(
                id=_complaint_id_reserve(),
                tracking_code_hash=tracking_code_hash(tracking_code),
                channel=channel,
                category=category,
                complainant=complainant,
                description=description.strip(),
                incident_url=incident.url,
                incident_at=incident.occurred_at,
                amount_lost=incident.amount_lost,
                other_party_account=incident.other_party_account,
                other_party_phone=incident.other_party_phone,
                incident_latitude=incident.latitude,
                incident_longitude=incident.longitude,
                incident_address=incident.address.strip(),
                incident_province=incident.province.strip(),
                priority=category.default_priority if category else Priority.NORMAL,
                received_at=received_at,
                sla_due_at=sla_due(category=category, received_at=received_at),
            )
            # The yearly counter stays locked from the number's allocation to the commit, and every
            # intake waits for it: so the rows that point at the complaint are written before the
            # number is taken when its id is known in advance (foreign keys are checked at commit).
            reserved = complaint.pk is not None
            if reserved:
                dependents(complaint)
            complaint.reference = _reference_next(received_at=received_at, prefix=reference_prefix)
            complaint.save(force_insert=True)
            if not reserved:
                dependents(complaint)
            if acknowledge and complainant.email:  # the acknowledgement goes by e-mail
                from .tasks import complaint_acknowledge

                # robust: the complaint is filed even if the broker is away; the sweep sends it later
                transaction.on_commit(lambda: complaint_acknowledge.delay(complaint.pk), robust=True)
    except BaseException:
        evidence_discard(written)
        raise
    return Registered(complaint=complaint, tracking_code=tracking_code)


def _require_centre_staff(actor: User) -> None:
    require(actor, Can.CASE_WORK)


def complaint_status_change(
    *, complaint: Complaint, actor: User, to_status: str, note: str = "", note_public: bool = False
) -> Complaint:
    """The status change is public (the citizen tracks it); its note is public only when the agent
    says so (`note_public`), otherwise it is an internal note beside the change."""
    _require_centre_staff(actor)
    with transaction.atomic():
        locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
        if not lifecycle.can_transition(locked.status, to_status):
            raise TransitionRefused(locked.status, to_status)
        lifecycle.status_set(
            complaint=locked, to_status=to_status, actor=actor, text=note.strip() if note_public else ""
        )
        if note.strip() and not note_public:
            timeline_add(
                complaint=locked,
                kind=TimelineEvent.Kind.INTERNAL_NOTE,
                is_public=False,
                text=note.strip(),
                actor=actor,
            )
    return locked


def complaint_note_add(*, complaint: Complaint, actor: User, text: str, public: bool) -> TimelineEvent:
    _require_centre_staff(actor)
    if not text.strip():
        raise ValidationError({"text": ["A note cannot be empty."]})
    return timeline_add(
        complaint=complaint,
        kind=TimelineEvent.Kind.PUBLIC_UPDATE if public else TimelineEvent.Kind.INTERNAL_NOTE,
        is_public=public,
        text=text.strip(),
        actor=actor,
    )


def complaint_assign(*, complaint: Complaint, actor: User, assignee: User | None) -> Complaint:
    _require_centre_staff(actor)
    if assignee is not None and not actor_can(assignee, Can.CASE_ASSIGNABLE):
        raise ValidationError({"assignee": ["Cases are assigned to agents or supervisors."]})
    if assignee is not None and assignee.pk != actor.pk and not actor_can(actor, Can.CASE_ASSIGN_OTHERS):
        raise PermissionError("Agents may take a case themselves; supervisors assign to others.")
    with transaction.atomic():
        complaint.assigned_to = assignee
        complaint.save(update_fields=["assigned_to", "updated_at"])
        timeline_add(
            complaint=complaint,
            kind=TimelineEvent.Kind.ASSIGNED,
            is_public=False,
            text=assignee.get_username() if assignee else "",
            actor=actor,
        )
    return complaint


def complaint_acknowledgement_claim(*, complaint_id: int) -> bool:
    """Claim the right to send the acknowledgement exactly once; False if already claimed."""
    return bool(
        Complaint.objects.filter(pk=complaint_id, acknowledged_at__isnull=True).update(
            acknowledged_at=timezone.now()
        )
    )


def acknowledgements_due(now=None) -> list[int]:
    """Complaints whose e-mail acknowledgement was never sent (its task could not be queued, or its
    worker died), from ten minutes to three days old. The e-mail channel sends its own answer."""
    now = now or timezone.now()
    return list(
        Complaint.objects.filter(
            acknowledged_at__isnull=True,
            complainant__email__gt="",
            received_at__lt=now - timedelta(minutes=10),
            received_at__gte=now - timedelta(days=3),
        )
        .exclude(channel=Channel.EMAIL)
        .values_list("id", flat=True)[:500]
    )


def complaint_acknowledgement_release(*, complaint_id: int) -> None:
    Complaint.objects.filter(pk=complaint_id).update(acknowledged_at=None)


def expected_response_date(complaint: Complaint) -> date | None:
    return timezone.localdate(complaint.sla_due_at) if complaint.sla_due_at else None


def incident_from(data: dict[str, Any]) -> Incident:
    return Incident(
        url=data.get("website_url") or "",
        occurred_at=data.get("occurred_at"),
        amount_lost=data.get("amount_lost"),
        other_party_account=data.get("other_party_account") or "",
        other_party_phone=data.get("other_party_phone") or "",
        latitude=data.get("latitude"),
        longitude=data.get("longitude"),
        address=data.get("address") or "",
        province=data.get("province") or "",
    )
