"""Reads, always scoped to the actor. What the actor may not see does not exist for them (404)."""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from privacy.services import access_log_record

from . import access, hooks
from .access import Can
from .models import Attachment, Category, Complaint, Status, TimelineEvent
from .services.intake import tracking_code_hash

PERSONAL_FIELDS = ["name", "phone", "email", "address"]


def category_list() -> QuerySet[Category]:
    return Category.objects.filter(is_active=True)


def complaint_visible(*, actor, need: Can = Can.CASE_READ) -> QuerySet[Complaint]:
    """Every complaint the actor may reach (the access layer decides): centre staff all; agency
    officers none here (they reach case data only through their referrals)."""
    return access.complaints_reachable(actor, need=need)


@dataclass(frozen=True)
class ComplaintFilters:
    status: str | None = None
    category: str | None = None
    channel: str | None = None
    reference: str | None = None
    phone: str | None = None
    email: str | None = None
    received_from: date | None = None
    received_to: date | None = None
    assigned_to_me: bool = False
    q: str | None = None


def complaint_list(*, actor, filters: ComplaintFilters) -> QuerySet[Complaint]:
    access.require(actor, Can.CASE_READ)
    qs = complaint_visible(actor=actor).select_related("category", "complainant", "assigned_to")
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.category:
        qs = qs.filter(category__code=filters.category)
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.reference:
        qs = qs.filter(reference__iexact=filters.reference.strip())
    if filters.phone:
        qs = qs.filter(complainant__phone=filters.phone)
    if filters.email:
        qs = qs.filter(complainant__email__iexact=filters.email.strip())
    if filters.received_from:
        qs = qs.filter(received_at__date__gte=filters.received_from)
    if filters.received_to:
        qs = qs.filter(received_at__date__lte=filters.received_to)
    if filters.assigned_to_me:
        qs = qs.filter(assigned_to=actor)
    if filters.q:
        qs = qs.filter(Q(description__icontains=filters.q) | Q(reference__icontains=filters.q))
    return qs


def complaint_get(*, actor, reference: str, need: Can = Can.CASE_READ) -> Complaint:
    return access.access_complaint(
        actor,
        reference,
        need=need,
        queryset=Complaint.objects.select_related("category", "complainant", "assigned_to").prefetch_related(
            Prefetch("events", queryset=TimelineEvent.objects.select_related("actor")),
            Prefetch("attachments", queryset=Attachment.objects.all()),
        ),
    )


def personal_data_read_log(*, actor, complaints: list[Complaint], action: str) -> None:
    """Every staff read of a complainant's personal data is written to the access log."""
    access_log_record(
        actor=actor,
        action=action,
        object_type="complainant",
        rows=[
            (c.complainant_id, c.pk, c.complainant_id) for c in complaints if not c.complainant.is_anonymous
        ],
        fields=PERSONAL_FIELDS,
    )


def attachment_get(*, actor, pk: int) -> Attachment:
    return access.access_attachment(actor, pk)


@dataclass(frozen=True)
class PublicEvent:
    """A timeline entry the citizen may see."""

    created_at: Any
    kind: str
    to_status: str
    text: str


@dataclass(frozen=True)
class Tracked:
    """What a citizen sees with reference + tracking code: no personal data, no internal note."""

    reference: str
    status: str
    category_code: str | None
    received_at: Any
    expected_response_date: date | None
    referred_to: list[str]
    events: list[PublicEvent]
    # A duplicate: the public status of the case it was joined to (never that case's reference,
    # category, timeline or anything about its complainant).
    joined_status: str | None = None


@cache  # the same text for every look-up of a process (its apps, hooks included, are loaded)
def _track_sql(vendor: str) -> str:
    """One statement: the case's public columns, and only when the code's hash matches, its public
    timeline and the agencies it went to as JSON arrays (a wrong code computes neither)."""
    q = connection.ops.quote_name
    c, cat = q(Complaint._meta.db_table), q(Category._meta.db_table)
    t = q(TimelineEvent._meta.db_table)
    if vendor == "postgresql":
        events = (
            "SELECT json_agg(json_build_array(t.created_at, t.kind, t.to_status, t.text) "  # noqa: S608 - table names from _meta; values are parameters
            f"ORDER BY t.created_at, t.id) FROM {t} t WHERE t.complaint_id = c.id AND t.is_public"
        )
    else:  # SQLite (the embedded default): aggregate an ordered subquery
        events = (
            "SELECT json_group_array(json_array(e.created_at, e.kind, e.to_status, e.text)) FROM "  # noqa: S608 - table names from _meta; values are parameters
            f"(SELECT t.created_at, t.kind, t.to_status, t.text FROM {t} t "  # noqa: S608 - table names from _meta; values are parameters
            "WHERE t.complaint_id = c.id AND t.is_public ORDER BY t.created_at, t.id) e"
        )
    # the agencies the case went to, from the app that routes cases (complaints.hooks)
    agencies = hooks.tracking_destinations_sql(vendor)
    return (
        "SELECT c.tracking_code_hash, c.reference, c.status, c.received_at, c.sla_due_at, cat.code, "  # noqa: S608
        f"CASE WHEN c.tracking_code_hash = %s THEN ({events}) END, "
        f"CASE WHEN c.tracking_code_hash = %s THEN ({agencies}) END "
        f"FROM {c} c LEFT JOIN {cat} cat ON cat.id = c.category_id WHERE c.reference = %s"
    )


def _aware(value: Any) -> Any:
    """A timestamp from the raw row or from JSON text, as an aware datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace(" ", "T"))
    return value if timezone.is_aware(value) else timezone.make_aware(value, UTC)


def _json(value: Any) -> list:
    if value is None:
        return []
    return json.loads(value) if isinstance(value, str | bytes) else value


def complaint_track(*, reference: str, tracking_code: str) -> Tracked:
    """Status, public timeline, agencies referred to and expected date for reference + code.

    One statement whatever the case holds (one prepared statement on PostgreSQL), returning only
    the public fields; an unknown reference and a wrong code are the same 404 after the same one
    statement, which computes no timeline for a wrong code. The hash is compared again in constant
    time here. This is the hottest public read."""
    ref = (reference or "").strip().upper()
    code_hash = tracking_code_hash(tracking_code or "")
    with connection.cursor() as cursor:
        cursor.execute(_track_sql(connection.vendor), [code_hash, code_hash, ref])
        row = cursor.fetchone()
    if row is None or not hmac.compare_digest(row[0], code_hash):
        raise Http404
    _, reference, status, received_at, sla_due_at, category_code, events, agencies = row
    sla_due_at = _aware(sla_due_at)
    joined_status = None
    if status == Status.DUPLICATE:
        # a duplicate: the public status at the end of its chain (rare; costs its own reads)
        seen: set[int] = set()
        duplicate_of_id = Complaint.objects.filter(reference=reference).values_list(
            "duplicate_of_id", flat=True
        )[0]
        while duplicate_of_id and duplicate_of_id not in seen:
            seen.add(duplicate_of_id)
            joined_status, duplicate_of_id = (
                Complaint.objects.filter(pk=duplicate_of_id).values_list("status", "duplicate_of_id").get()
            )
            if joined_status != Status.DUPLICATE:
                break
    return Tracked(
        reference=reference,
        status=status,
        category_code=category_code,
        received_at=_aware(received_at),
        expected_response_date=timezone.localdate(sla_due_at) if sla_due_at else None,
        referred_to=list(dict.fromkeys(f"{th} ({en})" for th, en in _json(agencies))),
        events=[
            PublicEvent(_aware(at), kind, to_status or "", text or "")
            for at, kind, to_status, text in _json(events)
        ],
        joined_status=joined_status,
    )
