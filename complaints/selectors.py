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

from .models import Attachment, Category, Complaint, Referral, Role, Status, TimelineEvent
from .permissions import can_read_cases
from .services import tracking_code_hash

PERSONAL_FIELDS = ["name", "phone", "email", "address"]


def category_list() -> QuerySet[Category]:
    return Category.objects.filter(is_active=True)


def complaint_visible(*, actor) -> QuerySet[Complaint]:
    """Every complaint the actor may see: centre staff all; an agency officer only the cases
    referred to their agency; everyone else none."""
    if can_read_cases(actor):
        return Complaint.objects.all()
    if getattr(actor, "role", None) == Role.AGENCY_OFFICER and getattr(actor, "agency_id", None):
        return Complaint.objects.filter(referrals__agency_id=actor.agency_id).distinct()
    return Complaint.objects.none()


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


def complaint_get(*, actor, reference: str) -> Complaint:
    try:
        return (
            complaint_visible(actor=actor)
            .select_related("category", "complainant", "assigned_to")
            .prefetch_related(
                Prefetch("events", queryset=TimelineEvent.objects.select_related("actor")),
                Prefetch("attachments", queryset=Attachment.objects.all()),
            )
            .get(reference=reference.strip().upper())
        )
    except Complaint.DoesNotExist as exc:
        raise Http404 from exc


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
    try:
        attachment = Attachment.objects.select_related("complaint").get(pk=pk)
    except Attachment.DoesNotExist as exc:
        raise Http404 from exc
    if not complaint_visible(actor=actor).filter(pk=attachment.complaint_id).exists():
        raise Http404
    return attachment


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
    ref = (
        Referral.objects.filter(agency_id=agency_id, delivery_id=delivery_id)
        .select_related("complaint", "agency")
        .first()
    )
    if ref is None:
        raise Http404
    return ref


def referrals_for_agency(*, agency_id: int, state: str | None = None) -> QuerySet[Referral]:
    qs = Referral.objects.filter(agency_id=agency_id).select_related("complaint", "complaint__category")
    return qs.filter(state=state) if state else qs


def referrals_for_supervision(*, actor, state: str | None = None) -> QuerySet[Referral]:
    if getattr(actor, "role", None) not in (Role.SUPERVISOR, Role.ADMINISTRATOR, Role.AGENT):
        return Referral.objects.none()
    qs = Referral.objects.select_related("complaint", "agency")
    return qs.filter(state=state) if state else qs
