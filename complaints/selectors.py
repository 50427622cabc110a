"""Reads, always scoped to the actor. What the actor may not see does not exist for them (404)."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from privacy.services import access_log_record

from . import access
from .access import Can
from .models import Attachment, Category, Complaint, Referral, Status, TimelineEvent
from .services import tracking_code_hash

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


def complaint_track(*, reference: str, tracking_code: str) -> Tracked:
    """Status, public timeline, agencies referred to and expected date for reference + code.

    Unknown reference and wrong code are the same 404, after the same one query. A match takes
    three queries whatever the case holds. Rows are read as plain values (no model instances, no
    prefetch machinery): this is the hottest public read."""
    ref = (reference or "").strip().upper()
    code_hash = tracking_code_hash(tracking_code or "")
    row = next(
        iter(
            Complaint.objects.filter(reference=ref)
            .values_list(
                "id",
                "tracking_code_hash",
                "reference",
                "status",
                "received_at",
                "sla_due_at",
                "category__code",
                "duplicate_of_id",
            )
            .order_by()[:1]  # the reference is unique: no ORDER BY needed
        ),
        None,
    )
    if row is None or not hmac.compare_digest(row[1], code_hash):
        raise Http404
    pk, _, reference, status, received_at, sla_due_at, category_code, duplicate_of_id = row
    joined_status = None
    if status == Status.DUPLICATE and duplicate_of_id:
        seen = {pk}
        while duplicate_of_id and duplicate_of_id not in seen:  # to the end of a chain
            seen.add(duplicate_of_id)
            joined_status, duplicate_of_id = (
                Complaint.objects.filter(pk=duplicate_of_id).values_list("status", "duplicate_of_id").get()
            )
            if joined_status != Status.DUPLICATE:
                break
    events = [
        PublicEvent(*values)
        for values in TimelineEvent.objects.filter(complaint_id=pk, is_public=True)
        .order_by("created_at", "id")
        .values_list("created_at", "kind", "to_status", "text")
    ]
    agencies = (
        Referral.objects.filter(complaint_id=pk)
        .order_by("created_at", "id")
        .values_list("agency__name_th", "agency__name_en")
    )
    return Tracked(
        reference=reference,
        status=status,
        category_code=category_code,
        received_at=received_at,
        expected_response_date=timezone.localdate(sla_due_at) if sla_due_at else None,
        referred_to=list(dict.fromkeys(f"{th} ({en})" for th, en in agencies)),
        events=events,
        joined_status=joined_status,
    )


def referral_for_agency(*, agency_id: int, delivery_id) -> Referral:
    """A referral as its agency sees it; another agency's is 404 (no existence oracle)."""
    return access.access_agency_referral(agency_id=agency_id, delivery_id=delivery_id)


def referrals_for_agency(*, agency_id: int, state: str | None = None) -> QuerySet[Referral]:
    qs = access.agency_referrals(agency_id=agency_id).select_related("complaint", "complaint__category")
    return qs.filter(state=state) if state else qs


def referrals_for_supervision(*, actor, state: str | None = None) -> QuerySet[Referral]:
    access.require(actor, Can.REFERRAL_QUEUE)
    qs = access.referrals_reachable(actor).select_related("complaint", "agency")
    return qs.filter(state=state) if state else qs
