"""Writes of the fraud-intelligence app: extraction at intake and on edits, indicator states,
links and duplicates between complaints, and exports to agencies through the gate."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.models import Agency, Complaint, Status, User
from complaints.services import actions
from occ.rows import rows_combined, statement_later
from routing.disclosure import indicator_sharing_decide, indicator_transfer_record

from . import access
from .export import export_body
from .extract import extract, own_values
from .models import ComplaintLink, Indicator, IndicatorExport, IndicatorSighting
from .selectors import indicators_for_sharing


def indicators_extract_for(complaint: Complaint, *, created: bool = False) -> int:
    """Read the complaint's indicators again (fields and free text, never the complainant's own
    contact values) and replace its sightings; an indicator no complaint names any more (and no
    supervisor marked) is deleted, so an erased person's value taken from the text goes too. Runs
    inside the intake transaction (a hook of ``complaint_register``, ``created``: nothing to
    replace) and of every edit of the incident facts; at intake two SQL statements when the
    complaint names an indicator (on PostgreSQL two parts of the intake's one statement, no round
    trip of their own), none otherwise, well under a millisecond of CPU for the extraction. Idempotent: running it twice leaves the same rows."""
    person = complaint.complainant
    found = extract(
        description=complaint.description,
        account=complaint.other_party_account,
        phone=complaint.other_party_phone,
        url=complaint.incident_url,
        own=own_values(phone=person.phone, email=person.email, national_id=person.national_id),
    )
    sightings = IndicatorSighting._meta.db_table
    adapt = connection.ops.adapt_datetimefield_value  # as the ORM would store it (naive UTC on SQLite)
    now, seen_at = adapt(timezone.now()), adapt(complaint.received_at)
    with connection.cursor() as cursor:
        # plain SQL, a fixed number of statements whatever the number of indicators (the ORM's own
        # cost would be most of this hook's CPU inside the intake transaction); the same SQL on
        # PostgreSQL and SQLite
        before: list[int] = []
        if not created:
            cursor.execute(f"SELECT indicator_id FROM {sightings} WHERE complaint_id = %s", [complaint.pk])  # noqa: S608
            before = [row[0] for row in cursor.fetchall()]
            if before:
                cursor.execute(f"DELETE FROM {sightings} WHERE complaint_id = %s", [complaint.pk])  # noqa: S608
        if not found:
            _orphans_delete(cursor, before)
            return 0
        rows = [(f.kind, f.value[:500], f.bank) for f in found]
        if created and _together_at_intake(found, rows, complaint.pk, now, seen_at):
            return len(found)
        cursor.execute(_upsert_sql(len(rows)), [v for row in rows for v in (*row, now)])
        ids = {(kind, value): pk for pk, kind, value in cursor.fetchall()}
        values = [
            (
                ids[(f.kind, f.value[:500])],
                complaint.pk,
                "field" if f.source == "field" else "text",
                f.field,
                f.bank,
                seen_at,
                now,
            )
            for f in found
        ]
        cursor.execute(
            f"INSERT INTO {sightings} (indicator_id, complaint_id, source, field, bank, seen_at, created_at) "  # noqa: S608
            "VALUES " + ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(values)) + " ON CONFLICT DO NOTHING",
            [v for row in values for v in row],
        )
        _orphans_delete(cursor, [pk for pk in before if pk not in ids.values()])
    return len(found)


def _upsert_sql(count: int) -> str:
    indicators = Indicator._meta.db_table
    return (
        f"INSERT INTO {indicators} (kind, value, bank, state, state_reason, created_at) VALUES "  # noqa: S608
        + ", ".join(["(%s, %s, %s, 'active', '', %s)"] * count)
        + " ON CONFLICT (kind, value) DO UPDATE SET bank = CASE WHEN "
        f"{indicators}.bank = '' THEN excluded.bank ELSE {indicators}.bank END "
        "RETURNING id, kind, value"
    )


def _together_at_intake(found, rows, complaint_id: int, now, seen_at) -> bool:
    """At intake on PostgreSQL: the same two statements as parts of the intake's one statement
    (occ.rows.statement_later: no round trip of their own); the sightings take the indicators'
    ids from the upsert's RETURNING in SQL. False elsewhere (the caller runs them now)."""
    sightings = IndicatorSighting._meta.db_table
    upsert = _upsert_sql(len(rows))
    sighting_rows = ", ".join(
        ["(%s, %s, %s::bigint, %s, %s, %s, %s::timestamptz, %s::timestamptz)"] * len(found)
    )
    insert = (
        f"INSERT INTO {sightings} (indicator_id, complaint_id, source, field, bank, seen_at, created_at) "  # noqa: S608
        "SELECT i.id, v.complaint_id, v.source, v.field, v.bank, v.seen_at, v.created_at "
        f"FROM (VALUES {sighting_rows}) AS v(kind, value, complaint_id, source, field, bank, seen_at, created_at) "
        "JOIN occ_indicators_found i ON i.kind = v.kind AND i.value = v.value ON CONFLICT DO NOTHING"
    )
    sighting_params = [
        v
        for f in found
        for v in (
            f.kind,
            f.value[:500],
            complaint_id,
            "field" if f.source == "field" else "text",
            f.field,
            f.bank,
            seen_at,
            now,
        )
    ]
    if not rows_combined():
        return False
    statement_later(upsert, [v for row in rows for v in (*row, now)], name="occ_indicators_found")
    statement_later(insert, sighting_params)
    return True


def _orphans_delete(cursor, indicator_ids: list[int]) -> None:
    """Indicators that lost their last sighting, unless a supervisor decided about them."""
    if not indicator_ids:
        return
    indicators, sightings = Indicator._meta.db_table, IndicatorSighting._meta.db_table
    cursor.execute(
        f"DELETE FROM {indicators} WHERE id IN ({', '.join(['%s'] * len(indicator_ids))}) "  # noqa: S608
        f"AND state = 'active' AND NOT EXISTS (SELECT 1 FROM {sightings} s WHERE s.indicator_id = {indicators}.id)",
        indicator_ids,
    )


def indicator_state_set(*, indicator: Indicator, actor: User, state: str, reason: str) -> Indicator:
    """A supervisor marks an indicator disputed (it still links, it is never shared), cleared (it
    links nothing and is never shared) or active again; always with a reason."""
    access.require(actor, access.Need.SUPERVISE)
    if state not in Indicator.State.values:
        raise ValidationError({"state": [_("Unknown state.")]})
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Give the reason.")]})
    with transaction.atomic():
        locked = Indicator.objects.select_for_update().get(pk=indicator.pk)
        locked.state = state
        locked.state_reason = reason.strip()[:500]
        locked.state_changed_by = actor
        locked.state_changed_at = timezone.now()
        locked.save(update_fields=["state", "state_reason", "state_changed_by", "state_changed_at"])
    return locked


def complaint_link_related(
    *, complaint: Complaint, other: Complaint, actor: User, reason: str
) -> ComplaintLink:
    """Link two complaints as related, with the reason; in both timelines and the audit log."""
    access.require(actor, access.Need.WORK)
    if complaint.pk == other.pk:
        raise ValidationError({"related": [_("A case cannot be linked to itself.")]})
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Give the reason.")]})
    a, b = sorted([complaint, other], key=lambda c: c.pk)  # one row per pair, whichever side asks
    with transaction.atomic():
        existing = ComplaintLink.objects.filter(
            kind=ComplaintLink.Kind.RELATED, complaint=a, other=b, undone_at__isnull=True
        ).first()
        if existing:
            return existing
        link = ComplaintLink.objects.create(
            kind=ComplaintLink.Kind.RELATED,
            complaint=a,
            other=b,
            reason=reason.strip()[:500],
            created_by=actor,
        )
        actions.complaint_link_record(
            complaint=complaint, other=other, actor=actor, text=f"linked as related ({reason.strip()[:200]}):"
        )
    return link


def complaint_link_undo(*, link: ComplaintLink, actor: User, reason: str = "") -> ComplaintLink:
    access.require(actor, access.Need.WORK)
    if link.kind == ComplaintLink.Kind.DUPLICATE:
        raise ValidationError({"link": [_("Undo a duplicate from the duplicate case.")]})
    with transaction.atomic():
        locked = (
            ComplaintLink.objects.select_for_update().select_related("complaint", "other").get(pk=link.pk)
        )
        if locked.undone_at is None:  # undoing twice changes nothing
            locked.undone_at = timezone.now()
            locked.undone_by = actor
            locked.undo_reason = (reason or "").strip()[:500]
            locked.save(update_fields=["undone_at", "undone_by", "undo_reason"])  # audited
            actions.complaint_link_record(
                complaint=locked.complaint, other=locked.other, actor=actor, text="link undone:"
            )
    return locked


def complaint_mark_duplicate(
    *, complaint: Complaint, survivor: Complaint, actor: User, reason: str = ""
) -> ComplaintLink:
    """Status ``duplicate`` pointing to the surviving case (through the lifecycle), the link on
    record, both timelines."""
    access.require(actor, access.Need.WORK)
    with transaction.atomic():
        marked = actions.complaint_duplicate_mark(
            complaint=complaint, survivor=survivor, actor=actor, reason=(reason or "").strip()[:200]
        )
        return ComplaintLink.objects.create(
            kind=ComplaintLink.Kind.DUPLICATE,
            complaint=marked,
            other_id=marked.duplicate_of_id,
            reason=(reason or "").strip()[:500],
            created_by=actor,
        )


def complaint_duplicate_undo(*, complaint: Complaint, actor: User, reason: str = "") -> Complaint:
    access.require(actor, access.Need.WORK)
    with transaction.atomic():
        restored = actions.complaint_duplicate_undo(
            complaint=complaint, actor=actor, reason=(reason or "").strip()[:200]
        )
        for link in ComplaintLink.objects.filter(
            kind=ComplaintLink.Kind.DUPLICATE, complaint=complaint, undone_at__isnull=True
        ):
            link.undone_at = timezone.now()
            link.undone_by = actor
            link.undo_reason = (reason or "").strip()[:500]
            link.save(update_fields=["undone_at", "undone_by", "undo_reason"])
    return restored


# --- sharing through the gate ----------------------------------------------------------------


@dataclass(frozen=True)
class Exported:
    body: bytes
    content_type: str
    count: int
    export_id: str


def indicator_export(
    *,
    agency: Agency,
    actor_label: str,
    fmt: str,
    kind: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> Exported:
    """Indicators for an agency whose agreement covers "indicator sharing": counts, total loss,
    first and last seen; active indicators only; never a complainant or free text. The gate is
    asked now (DisclosureRefused if nothing covers it); one transfer record per export."""

    decision = indicator_sharing_decide(recipient=agency)
    rows = indicators_for_sharing(category_ids=decision.category_ids, kind=kind, since=since, until=until)
    event = uuid.uuid4()
    export_id = f"ind-{event.hex}"  # the transfer record's delivery id (40 characters at most)
    body, content_type = export_body(rows, fmt=fmt, event_uuid=str(event), agency_code=agency.code)
    with transaction.atomic():
        record = indicator_transfer_record(
            decision=decision,
            recipient=agency,
            body=body,
            count=len(rows),
            export_id=export_id,
            actor=actor_label,
        )
        IndicatorExport.objects.create(
            export_id=export_id,
            agency=agency,
            format=fmt,
            filters={
                "kind": kind,
                "since": since.isoformat() if since else None,
                "until": until.isoformat() if until else None,
            },
            indicator_count=len(rows),
            payload_sha256=record.payload_sha256,
            actor=actor_label[:150],
        )
    return Exported(body=body, content_type=content_type, count=len(rows), export_id=export_id)


__all__ = [
    "Exported",
    "Status",
    "complaint_duplicate_undo",
    "complaint_link_related",
    "complaint_link_undo",
    "complaint_mark_duplicate",
    "indicator_export",
    "indicator_state_set",
    "indicators_extract_for",
]
