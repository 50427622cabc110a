"""Desk panels of the fraud-intelligence app: the links on a case page and, on the phone screen,
what the indicators the caller gives have been seen in while the caller is on the line. Every
decision is ``access``'s; what the actor may not do is 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from complaints.access import Can
from complaints.models import Complaint
from indicators import access, selectors, services
from indicators.extract import extract, own_values
from indicators.models import Indicator, IndicatorKind
from interfaces.auth import staff_page
from interfaces.errors import refusals_back_to


def _case_url(request, reference: str) -> str:
    return reverse("desk:case", args=[reference]) + "#linked"


def _back(reference: str):
    return HttpResponseRedirect(_case_url(None, reference))


@staff_page(Can.CASE_READ)
def case_linked(request, reference: str):
    """htmx: the case's indicators, who else reported them and how much they lost; its links;
    possible duplicates; the link and duplicate forms."""
    complaint = access.complaint_for(request.user, reference, access.Need.READ)
    items = selectors.complaint_linked(actor=request.user, complaint=complaint)
    return render(
        request,
        "indicators/_case_linked.html",
        {
            "c": complaint,
            "items": items,
            "kind_labels": dict(IndicatorKind.choices),
            "links": selectors.links_of(actor=request.user, complaint=complaint),
            "possible": selectors.complaint_possible_duplicates(
                actor=request.user, complaint=complaint, items=items
            ),
            "can_work": access.indicator_may(request.user, access.Need.WORK),
            "cleared": Indicator.State.CLEARED,
        },
    )


@staff_page(Can.CASE_WORK)
def phone_hint(request):
    """htmx: while the agent types what the caller says, the indicators in it and how often each
    was reported already; complaints from the same number with the same indicator (30 days)."""
    access.require(request.user, access.Need.READ)
    phone = request.GET.get("phone", "")
    description = request.GET.get("description", "")[:10000]
    own = own_values(phone=phone)
    found = extract(description=description, own=own)
    items = []
    for f in found:
        items += [
            i for i in selectors.indicator_search(actor=request.user, value=f.value) if i.kind == f.kind
        ]
    return render(
        request,
        "indicators/_phone_hint.html",
        {
            "items": items,
            "kind_labels": dict(IndicatorKind.choices),
            "possible": selectors.possible_duplicates(
                actor=request.user, phone=phone, description=description
            ),
        },
    )


def _case_or_404(request, reference: str) -> Complaint:
    return access.complaint_for(request.user, reference, access.Need.WORK)


def _other(request, reference: str) -> Complaint | None:
    try:
        return access.complaint_for(request.user, reference.strip(), access.Need.WORK)
    except Http404:
        return None


@require_POST
@staff_page(Can.CASE_WORK)
@refusals_back_to(_case_url, also=(ValidationError,))
def case_link(request, reference: str):
    complaint = _case_or_404(request, reference)
    other = _other(request, request.POST.get("related", ""))
    if other is None:
        messages.error(request, _("No complaint with this reference."))
        return _back(reference)
    services.complaint_link_related(
        complaint=complaint, other=other, actor=request.user, reason=request.POST.get("reason", "")
    )
    messages.success(request, _("Linked to %(reference)s.") % {"reference": other.reference})
    return _back(reference)


@require_POST
@staff_page(Can.CASE_WORK)
@refusals_back_to(_case_url, also=(ValidationError,))
def case_duplicate(request, reference: str):
    complaint = _case_or_404(request, reference)
    survivor = _other(request, request.POST.get("of", ""))
    if survivor is None:
        messages.error(request, _("No complaint with this reference."))
        return _back(reference)
    services.complaint_mark_duplicate(
        complaint=complaint, survivor=survivor, actor=request.user, reason=request.POST.get("reason", "")
    )
    messages.success(
        request, _("Joined to %(reference)s as its duplicate.") % {"reference": survivor.reference}
    )
    return _back(reference)


@require_POST
@staff_page(Can.CASE_WORK)
@refusals_back_to(_case_url, also=())
def case_duplicate_undo(request, reference: str):
    complaint = _case_or_404(request, reference)
    services.complaint_duplicate_undo(
        complaint=complaint, actor=request.user, reason=request.POST.get("reason", "")
    )
    messages.success(request, _("No longer a duplicate."))
    return _back(reference)
