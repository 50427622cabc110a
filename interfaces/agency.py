"""Agency inbox (/agency/): an officer sees only referrals to their own agency (404 otherwise), reads
the minimised payload the gate allowed (each read is a transfer-log record), acknowledges, posts
public updates or internal notes, and returns data lawfully obtained. The agency API's services."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from complaints.access import Can, agency_id_of
from complaints.models import Status, TimelineEvent
from routing import agency_actions, notices, selectors
from routing.agency_actions import AgencyActor
from routing.disclosure import basis_reference_text
from routing.models import Referral

from .auth import staff_page
from .common import BASIS_LABELS, PURPOSE_LABELS, error_text

AGENCY_STATUSES = [(Status.IN_PROGRESS, Status.IN_PROGRESS.label), (Status.RESOLVED, Status.RESOLVED.label)]


def _actor(request) -> AgencyActor:
    return AgencyActor(agency=request.user.agency, user=request.user)


def _referral(request, delivery_id) -> Referral:
    return selectors.referral_for_agency(agency_id=agency_id_of(request.user), delivery_id=delivery_id)


@staff_page(Can.AGENCY_INBOX)
def inbox(request):
    state = request.GET.get("state") or None
    if state not in Referral.State.values:
        state = None
    rows = list(
        selectors.referrals_for_agency(agency_id=request.user.agency_id, state=state).order_by(
            "acknowledged_at", "-created_at"
        )[:200]
    )
    return render(
        request,
        "agency/inbox.html",
        {
            "rows": rows,
            # notices of rectification, erasure and restriction (showing one delivers it)
            "notices": notices.notices_for_agency(
                agency_id=agency_id_of(request.user), actor=request.user.username
            )[:50],
            "agency": request.user.agency,
            "state": state,
            "basis_labels": BASIS_LABELS,
            "purpose_labels": PURPOSE_LABELS,
        },
    )


@staff_page(Can.AGENCY_INBOX)
def detail(request, delivery_id):
    ref = _referral(request, delivery_id)
    # the gate, asked now: a transfer-log record and an access-log entry, or the withdrawal
    read = agency_actions.referral_agency_read(referral=ref, actor=_actor(request))
    ref.refresh_from_db()
    # What this agency itself posted on the case (never the centre's internal notes).
    posted = list(
        TimelineEvent.objects.filter(complaint_id=ref.complaint_id, actor__agency_id=ref.agency_id)
        .select_related("actor")
        .order_by("created_at")
    )
    return render(
        request,
        "agency/detail.html",
        {
            "ref": ref,
            "case": read.case,
            "withdrawal": read.withdrawal,
            "pretty": json.dumps(read.case, ensure_ascii=False, indent=2) if read.case else "",
            # of the canonical bytes: the transfer record's SHA-256
            "sha256": read.sha256,
            "posted": posted,
            "notices": notices.notices_for_agency(
                agency_id=ref.agency_id, complaint_id=ref.complaint_id, actor=request.user.username
            ),
            "returned": list(ref.returned_data.all()),
            "statuses": AGENCY_STATUSES,
            "basis_label": BASIS_LABELS.get(ref.basis, ref.basis),
            # the stored reference (evidence) in the reader's language
            "basis_reference": basis_reference_text(ref.basis_reference),
            "purpose_label": PURPOSE_LABELS.get(ref.purpose, ref.purpose),
        },
    )


def _back(delivery_id):
    return HttpResponseRedirect(reverse("agency:detail", args=[delivery_id]))


@require_POST
@staff_page(Can.AGENCY_INBOX)
def acknowledge(request, delivery_id):
    ref = _referral(request, delivery_id)
    agency_actions.referral_acknowledge(
        referral=ref,
        actor=_actor(request),
        agency_case_reference=request.POST.get("agency_case_reference", ""),
    )
    messages.success(request, _("Acknowledged."))
    return _back(delivery_id)


@require_POST
@staff_page(Can.AGENCY_INBOX)
def update(request, delivery_id):
    ref = _referral(request, delivery_id)
    try:
        agency_actions.referral_agency_update(
            referral=ref,
            actor=_actor(request),
            text=request.POST.get("text", ""),
            public=request.POST.get("public") == "1",
            status=request.POST.get("status") or None,
        )
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Update posted."))
    return _back(delivery_id)


@require_POST
@staff_page(Can.AGENCY_INBOX)
def return_data(request, delivery_id):
    ref = _referral(request, delivery_id)
    try:
        agency_actions.referral_return_data(
            referral=ref,
            actor=_actor(request),
            kind=request.POST.get("kind", ""),
            value=request.POST.get("value", ""),
            note=request.POST.get("note", ""),
            legal_basis=request.POST.get("legal_basis", ""),
        )
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Sent to the centre."))
    return _back(delivery_id)
