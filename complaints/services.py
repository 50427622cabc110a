"""Writes on cases. The one intake entry point every channel calls is ``complaint_register``."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from auditlog.context import disable_auditlog
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from occ import outbox
from occ.audit import audit_created
from privacy.minimum_data import identity_check

from . import hooks, lifecycle
from .access import Can, actor_can, require
from .events import timeline_add, timeline_add_many
from .evidence import CheckedFile, evidence_discard, evidence_store
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


@contextmanager
def enable_auditlog():
    """Inside ``disable_auditlog()``: audit as usual again (the rows that depend on the complaint)."""
    from auditlog.context import auditlog_disabled

    token = auditlog_disabled.set(False)
    try:
        yield
    finally:
        auditlog_disabled.reset(token)


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
    also: Callable[[Complaint], None] | None = None,
) -> Registered:
    """File a complaint from any channel: minimum-data check, reference, tracking code, evidence,
    first timeline entry, audit; all in one transaction. The acknowledgement is an outbox row of
    the same transaction (``acknowledge=False`` when the channel sends its own, e.g. e-mail replies carry the
    tracking code). Raises ValidationError (per-field) and leaves nothing stored on any failure.
    ``also(complaint)`` writes the channel's own rows in the same transaction (the web request's
    traffic record: one commit instead of two)."""
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
        hooks.complaint_registered(complaint)  # e.g. the privacy policy in force at intake (OCC-12)
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
        # the apps above (fraud indicators) read the incident facts in this same transaction
        hooks.incident_facts_changed(complaint, created=True)

    try:
        with transaction.atomic(), disable_auditlog():  # its two entries: audit_created below
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
                acknowledgement_due=bool(acknowledge and checked_identity.email),
            )
            # The yearly counter stays locked from the number's allocation to the commit, and every
            # intake waits for it: so the rows that point at the complaint are written before the
            # number is taken when its id is known in advance (foreign keys are checked at commit).
            reserved = complaint.pk is not None
            if reserved:
                with enable_auditlog():
                    dependents(complaint)
            complaint.reference = _reference_next(received_at=received_at, prefix=reference_prefix)
            complaint.save(force_insert=True)
            with enable_auditlog():
                if not reserved:
                    dependents(complaint)
                # the entries auditlog's signals would write, masked alike, in one INSERT
                audit_created([complainant, complaint])
                if also is not None:  # the channel's own rows, in this transaction
                    also(complaint)
            if complaint.acknowledgement_due and outbox.eager():
                # The acknowledgement goes by e-mail. The complaint row is its outbox entry
                # (acknowledgement_due, in the same INSERT); the relay hands it to Celery after
                # commit, so no broker call happens here and a frozen Redis never slows the citizen.
                # Without a broker (embedded default, tests) it runs in-process after commit.
                pk = complaint.pk
                transaction.on_commit(lambda: acknowledgements_relay(ids=[pk]), robust=True)
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
    if to_status in lifecycle.NEEDS_TARGET:
        raise ValidationError(
            {"status": [_("Mark a duplicate with the case it duplicates (the surviving case).")]}
        )
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


def complaint_survivor(complaint: Complaint) -> Complaint:
    """The case a duplicate was joined to, following a chain of duplicates to its end."""
    seen = {complaint.pk}
    current = complaint
    while (
        current.status == Status.DUPLICATE and current.duplicate_of_id and current.duplicate_of_id not in seen
    ):
        seen.add(current.duplicate_of_id)
        current = Complaint.objects.get(pk=current.duplicate_of_id)
    return current


def complaint_duplicate_mark(
    *, complaint: Complaint, survivor: Complaint, actor: User, reason: str = ""
) -> Complaint:
    """Status DUPLICATE pointing to the surviving case (the end of its chain, if it is itself a
    duplicate), with an entry in both timelines. The citizen sees the status change only."""
    _require_centre_staff(actor)
    if complaint.pk == survivor.pk:
        raise ValidationError({"of": [_("A case cannot be a duplicate of itself.")]})
    with transaction.atomic():
        first, second = sorted([complaint.pk, survivor.pk])  # one lock order: no deadlock
        rows = {c.pk: c for c in Complaint.objects.select_for_update().filter(pk__in=[first, second])}
        locked = rows[complaint.pk]
        target = complaint_survivor(rows[survivor.pk])
        if target.pk == locked.pk:
            raise ValidationError({"of": [_("That case is already joined to this one.")]})
        if not lifecycle.can_transition(locked.status, Status.DUPLICATE):
            raise TransitionRefused(locked.status, Status.DUPLICATE)
        locked.duplicate_of = target
        lifecycle.status_set(
            complaint=locked, to_status=Status.DUPLICATE, actor=actor, also_saved=("duplicate_of",)
        )
        timeline_add_many(
            [
                {
                    "complaint": locked,
                    "kind": TimelineEvent.Kind.JOINED,
                    "text": f"joined to {target.reference}: {reason}".strip(": "),
                    "actor": actor,
                },
                {
                    "complaint": target,
                    "kind": TimelineEvent.Kind.JOINED,
                    "text": f"{locked.reference} joined to this case: {reason}".strip(": "),
                    "actor": actor,
                },
            ]
        )
    return locked


def complaint_duplicate_undo(*, complaint: Complaint, actor: User, reason: str = "") -> Complaint:
    """Undo a duplicate mark: the case gets back the status it had (received or under review;
    otherwise reopened), points to nothing, and both timelines say so."""
    _require_centre_staff(actor)
    with transaction.atomic():
        locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
        if locked.status != Status.DUPLICATE:
            raise TransitionRefused(locked.status, "undo duplicate")
        marked = (
            TimelineEvent.objects.filter(
                complaint=locked, kind=TimelineEvent.Kind.STATUS, to_status=Status.DUPLICATE
            )
            .order_by("-created_at", "-id")
            .first()
        )
        back_to = marked.from_status if marked else ""
        if not lifecycle.can_undo(Status.DUPLICATE, back_to):
            back_to = Status.REOPENED
        survivor_id = locked.duplicate_of_id
        survivor_ref = (
            Complaint.objects.filter(pk=survivor_id).values_list("reference", flat=True).first() or ""
        )
        locked.duplicate_of = None
        lifecycle.status_set(complaint=locked, to_status=back_to, actor=actor, also_saved=("duplicate_of",))
        events = [
            {
                "complaint": locked,
                "kind": TimelineEvent.Kind.JOINED,
                "text": f"no longer joined to {survivor_ref}: {reason}".strip(": "),
                "actor": actor,
            },
        ]
        if survivor_id:
            events.append(
                {
                    "complaint_id": survivor_id,
                    "kind": TimelineEvent.Kind.JOINED,
                    "text": f"{locked.reference} no longer joined to this case: {reason}".strip(": "),
                    "actor": actor,
                }
            )
        timeline_add_many(events)
    return locked


def complaint_link_record(*, complaint: Complaint, other: Complaint, actor: User, text: str) -> None:
    """A link between two cases (or its undoing), in both timelines (internal entries)."""
    _require_centre_staff(actor)
    timeline_add_many(
        [
            {
                "complaint": complaint,
                "kind": TimelineEvent.Kind.LINKED,
                "text": f"{text} {other.reference}".strip(),
                "actor": actor,
            },
            {
                "complaint": other,
                "kind": TimelineEvent.Kind.LINKED,
                "text": f"{text} {complaint.reference}".strip(),
                "actor": actor,
            },
        ]
    )


def complaint_incident_update(
    *, complaint: Complaint, actor: User, incident: Incident, description: str | None = None
) -> Complaint:
    """An agent corrects the incident facts (and, optionally, the description) of a case. The
    apps above are told (the fraud indicators are read again) in the same transaction."""
    _require_centre_staff(actor)
    if description is not None and not description.strip():
        raise ValidationError({"description": [_("Describe the problem.")]})
    with transaction.atomic():
        locked = (
            Complaint.objects.select_for_update(of=("self",))
            .select_related("complainant")
            .get(pk=complaint.pk)
        )
        locked.incident_url = incident.url
        locked.incident_at = incident.occurred_at
        locked.amount_lost = incident.amount_lost
        locked.other_party_account = incident.other_party_account
        locked.other_party_phone = incident.other_party_phone
        changed = [
            "incident_url",
            "incident_at",
            "amount_lost",
            "other_party_account",
            "other_party_phone",
            "updated_at",
        ]
        if description is not None:
            locked.description = description.strip()
            changed.append("description")
        locked.save(update_fields=changed)
        timeline_add(
            complaint=locked,
            kind=TimelineEvent.Kind.INTERNAL_NOTE,
            text="incident facts edited" + (" (and the description)" if description is not None else ""),
            actor=actor,
        )
        hooks.incident_facts_changed(locked)
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


_ACK_TASK = "complaints.tasks.complaint_acknowledge"


def acknowledgements_relay(*, limit: int = 200, ids: list[int] | None = None) -> tuple[int, int]:
    """Outbox source (settings.OCC_OUTBOX_SOURCES): hand the due acknowledgements to Celery.
    Claims with SKIP LOCKED, publishes, clears the flag in the same transaction; a failed publish
    keeps the flag for the next pass. Returns (published, failed)."""
    due = Complaint.objects.filter(acknowledgement_due=True)
    if ids is not None:
        due = due.filter(pk__in=ids)
    if outbox.eager():  # no broker: claim each by clearing its flag, then run it here
        done = failed = 0
        for pk in list(due.order_by("id").values_list("pk", flat=True)[:limit]):
            if not Complaint.objects.filter(pk=pk, acknowledgement_due=True).update(
                acknowledgement_due=False
            ):
                continue
            try:
                outbox.publish(_ACK_TASK, [pk])
                done += 1
            except Exception:  # noqa: BLE001 - due again: the next relay pass or the sweep retries it
                Complaint.objects.filter(pk=pk).update(acknowledgement_due=True)
                failed += 1
        return done, failed
    published: list[int] = []
    with transaction.atomic():
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        for pk in due.order_by("id").values_list("pk", flat=True)[:limit]:
            try:
                outbox.publish(_ACK_TASK, [pk])
            except Exception:  # noqa: BLE001 - broker away: the flag stays, the next pass retries
                if published:
                    Complaint.objects.filter(pk__in=published).update(acknowledgement_due=False)
                return len(published), 1
            published.append(pk)
        if published:
            Complaint.objects.filter(pk__in=published).update(acknowledgement_due=False)
    return len(published), 0


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
