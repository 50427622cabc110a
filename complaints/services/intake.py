"""The one intake entry point every channel calls: ``complaint_register``, with the reference, the
tracking code and the incident facts it takes."""

from __future__ import annotations

import hashlib
import secrets
import weakref
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
from occ.rows import new, rows_combined, rows_insert, rows_together, value_later
from privacy.minimum_data import identity_check

from .. import hooks
from ..models import (
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
from .acknowledgements import acknowledgements_relay
from .events import timeline_add
from .evidence import CheckedFile, attachment_add, evidence_discard, evidence_lock

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


def tracking_code_new() -> str:
    """16 symbols of a 32-symbol alphabet (80 bits), shown as XXXX-XXXX-XXXX-XXXX."""
    # 80 random bits read five at a time: each symbol uniform over the 32 (as secrets.choice)
    bits = int.from_bytes(secrets.token_bytes(10), "big")
    raw = "".join(_CODE_ALPHABET[(bits >> (5 * i)) & 31] for i in range(16))
    return f"{raw[0:4]}-{raw[4:8]}-{raw[8:12]}-{raw[12:16]}"


def tracking_code_hash(code: str) -> str:
    """The code has 80 bits of entropy, so a plain SHA-256 is enough and keeps look-ups fast."""
    normalised = "".join(ch for ch in code.upper() if ch.isalnum())
    return hashlib.sha256(normalised.encode()).hexdigest()


def _reference_sql() -> str:
    """PostgreSQL: this year's counter incremented in one statement (the year's row made by its
    first complaint) and the reference formatted in SQL as ``_reference_format`` formats it."""
    table = connection.ops.quote_name(ReferenceCounter._meta.db_table)
    return (
        f"INSERT INTO {table} (year, last_number) VALUES (%s, 1) "  # noqa: S608 - the model's table
        f"ON CONFLICT (year) DO UPDATE SET last_number = {table}.last_number + 1 "
        "RETURNING %s::text || lpad(last_number::text, greatest(6, length(last_number::text)), '0') AS reference"
    )


def _reference_format(prefix: str, year: int, number: int) -> str:
    return f"{prefix}-{year}-{number:06d}"


def _reference_next(*, received_at: datetime, prefix: str) -> str:
    """The next reference of the year. The counter's row stays locked until the intake
    transaction ends, so numbers are unique, and a rollback gives the number back (gap-free).

    Inside the intake's one statement (PostgreSQL, ``occ.rows.value_later``): a stand-in for it,
    which that statement replaces with the number it takes (``_reference_sql``), so the counter is
    locked for that statement and the commit only, with no round trip of its own. Otherwise
    incremented now, in one statement."""
    year = timezone.localtime(received_at).year
    if rows_combined():
        params = [year, _reference_format(prefix, year, 0)[:-6]]
        return value_later(_reference_sql(), params, name="occ_reference", column="reference")
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
    return _reference_format(prefix, year, row[0])


_SEQUENCES: dict[str, tuple[str, str]] = {}
# How many complaint and complainant ids a connection takes from the identity sequences at once
# (as Hibernate's pooled sequence optimiser): one round trip per this many intakes instead of one
# per intake. Ids may have gaps (a process that ends leaves its unused ids unused) and, across
# processes, do not follow filing order; references, gap-free and per year, do. Nothing orders or
# pages complaints by id alone for correctness (docs/architecture.md).
IDS_BLOCK = 32


def _ids_reserve() -> tuple[int | None, int | None]:
    """On PostgreSQL, the next complaint and complainant ids from their tables' identity
    sequences, taken ``IDS_BLOCK`` at a time per connection (Django's connection object is this
    thread's own): with the ids known, every row of the intake is written at its end in one
    statement. Elsewhere (None, None): the database assigns the ids at the INSERTs."""
    if connection.vendor != "postgresql":
        return None, None
    # Held per database session: a block taken on a session that has since closed (a reconnect,
    # a fork's new connection, a sequence reset or a fail-over in between) is never used.
    held, session = getattr(connection, "_occ_intake_ids", None), connection.connection
    pool = held[1] if held is not None and session is not None and held[0]() is session else None
    if not pool:
        with connection.cursor() as cursor:
            names = _SEQUENCES.get(connection.alias)
            if names is None:
                cursor.execute(
                    "SELECT pg_get_serial_sequence(%s, 'id'), pg_get_serial_sequence(%s, 'id')",
                    [Complaint._meta.db_table, Complainant._meta.db_table],
                )
                names = _SEQUENCES[connection.alias] = cursor.fetchone()
            cursor.execute(
                "SELECT nextval(%s::regclass), nextval(%s::regclass) FROM generate_series(1, %s)",
                [*names, IDS_BLOCK],
            )
            pool = sorted(cursor.fetchall(), reverse=True)  # popped from the end: ascending
        connection._occ_intake_ids = (weakref.ref(connection.connection), pool)  # type: ignore[attr-defined]
    return pool.pop()


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
    savepoint: bool = True,
) -> Registered:
    """File a complaint from any channel: minimum-data check, reference, tracking code, evidence,
    first timeline entry, audit; all in one transaction. The acknowledgement is an outbox row of
    the same transaction (``acknowledge=False`` when the channel sends its own, e.g. e-mail replies carry the
    tracking code). Raises ValidationError (per-field) and leaves nothing stored on any failure.
    ``also(complaint)`` writes the channel's own rows in the same transaction (the web request's
    traffic record: one commit instead of two). ``savepoint=False``: a caller inside its own transaction,
    rolled back whole when this raises (e-mail's per-message one), is spared the savepoint pair;
    kept when files are given (their discard on failure needs the transaction usable)."""
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
        evidence_lock([checked.sha256 for checked in files])  # all at once, in one order
        for checked in files:
            added = attachment_add(complaint_id=complaint.pk, checked=checked)
            if added.written:
                written.append(added.written)
        # the apps above (fraud indicators) read the incident facts in this same transaction
        hooks.incident_facts_changed(complaint, created=True)

    try:
        # its two audit entries: audit_created below
        with transaction.atomic(savepoint=savepoint or bool(files)), disable_auditlog():
            complaint_id, complainant_id = _ids_reserve()
            # With the ids known (PostgreSQL) the rows are handed over as they are made and all
            # written at the end of this block in one statement (occ.rows.rows_together); the
            # yearly counter, locked from the number's allocation to the commit, is then held for
            # that statement and the commit only. Foreign keys are checked at commit.
            reserved = complaint_id is not None
            with rows_together():
                complainant = new(
                    Complainant,
                    id=complainant_id,
                    is_anonymous=checked_identity.is_anonymous,
                    name=checked_identity.name,
                    phone=checked_identity.phone,
                    email=checked_identity.email,
                    address=checked_identity.address,
                    national_id=checked_identity.national_id,
                )
                rows_insert([complainant], later=reserved)  # save()'s INSERT, compiled once
                complaint = new(
                    Complaint,
                    id=complaint_id,
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
                # the rows that point at the complaint are made before the number is taken when
                # its id is known in advance
                if reserved:
                    with enable_auditlog():
                        dependents(complaint)
                complaint.reference = _reference_next(received_at=received_at, prefix=reference_prefix)
                rows_insert([complaint], later=reserved)
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
