"""Which complaints a data-subject request reaches (``CoveredComplaint``): the case it was filed on,
the complaints carrying the contact the person proved with the one-time code, and those an agent
tied after a recorded identity check."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from complaints.models import Complaint
from privacy.fingerprints import fingerprint_matches

from ..models import CoveredComplaint, DataSubjectRequest, OneTimeCode

Tie = CoveredComplaint.Tie


def _cover(request: DataSubjectRequest, complaint: Complaint, *, tie: str, **extra) -> bool:
    _, created = CoveredComplaint.objects.get_or_create(
        request=request, complaint=complaint, defaults={"tie": tie, **extra}
    )
    return created


def _cover_proven_contact(request: DataSubjectRequest, otp: OneTimeCode) -> None:
    """The complaints that carry the contact the code went to: the person proved they control it.

    The contact is the one fingerprinted when the code was sent; if the case's contact changed
    since, nothing beyond the case itself joins. The phone or e-mail the code did not go to is
    never used: anyone can type someone else's number into a complaint."""
    person = request.complainant
    field = "email" if otp.channel == "email" else "phone"
    value = getattr(person, field)
    if not value or not fingerprint_matches(value, otp.contact_fingerprint):
        return
    match = Q(complainant__email__iexact=value) if field == "email" else Q(complainant__phone=value)
    for complaint in (
        Complaint.objects.filter(match, complainant__anonymised_at__isnull=True)
        .exclude(pk=request.complaint_id)
        .order_by("id")
    ):
        _cover(request, complaint, tie=Tie.PROVEN_CONTACT, channel=otp.channel)


def covered_ids(request: DataSubjectRequest) -> list[int]:
    """The ids of the complaints the request reaches (its own case first)."""
    ids = list(request.covered.order_by("id").values_list("complaint_id", flat=True))
    return ids or [request.complaint_id]


def covered_complaints(request: DataSubjectRequest) -> QuerySet[Complaint]:
    return (
        Complaint.objects.filter(pk__in=covered_ids(request))
        .select_related("complainant", "category")
        .order_by("received_at", "id")
    )


def covered_references(request: DataSubjectRequest) -> list[str]:
    return list(covered_complaints(request).values_list("reference", flat=True))
