"""Agency inbox: an officer sees only referrals to their agency (404 otherwise)."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from .. import referrals, selectors
from ..models import Role
from ..referrals import AgencyActor
from .auth import staff_page

app_name = "agency"


def _actor(request) -> AgencyActor:
    return AgencyActor(agency=request.user.agency, user=request.user)


@staff_page({Role.AGENCY_OFFICER})
def inbox(request):
    rows = selectors.referrals_for_agency(agency_id=request.user.agency_id)[:200]
    return render(request, "agency/inbox.html", {"rows": rows, "agency": request.user.agency})


@staff_page({Role.AGENCY_OFFICER})
def detail(request, delivery_id):
    ref = selectors.referral_for_agency(agency_id=request.user.agency_id, delivery_id=delivery_id)
    payload = referrals.referral_agency_read(referral=ref, actor=_actor(request))
    from privacy.services import access_log_record

    access_log_record(actor=request.user, action="view", object_type="referral",
                      rows=[(ref.complaint.complainant_id, ref.complaint_id, ref.pk)], fields=ref.fields)
    return render(request, "agency/detail.html", {"ref": ref, "case": payload,
                                                  "pretty": json.dumps(payload, ensure_ascii=False, indent=2)})


def _back(delivery_id):
    return HttpResponseRedirect(reverse("agency:detail", args=[delivery_id]))


@require_POST
@staff_page({Role.AGENCY_OFFICER})
def acknowledge(request, delivery_id):
    ref = selectors.referral_for_agency(agency_id=request.user.agency_id, delivery_id=delivery_id)
    referrals.referral_acknowledge(referral=ref, actor=_actor(request),
                                   agency_case_reference=request.POST.get("agency_case_reference", ""))
    return _back(delivery_id)


@require_POST
@staff_page({Role.AGENCY_OFFICER})
def update(request, delivery_id):
    ref = selectors.referral_for_agency(agency_id=request.user.agency_id, delivery_id=delivery_id)
    try:
        referrals.referral_agency_update(referral=ref, actor=_actor(request), text=request.POST.get("text", ""),
                                         public=request.POST.get("public") == "1",
                                         status=request.POST.get("status") or None)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return _back(delivery_id)


@require_POST
@staff_page({Role.AGENCY_OFFICER})
def return_data(request, delivery_id):
    ref = selectors.referral_for_agency(agency_id=request.user.agency_id, delivery_id=delivery_id)
    try:
        referrals.referral_return_data(referral=ref, actor=_actor(request), kind=request.POST.get("kind", ""),
                                       value=request.POST.get("value", ""), note=request.POST.get("note", ""),
                                       legal_basis=request.POST.get("legal_basis", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return _back(delivery_id)


urlpatterns = [
    path("", inbox, name="inbox"),
    path("<uuid:delivery_id>/", detail, name="detail"),
    path("<uuid:delivery_id>/acknowledge/", acknowledge, name="acknowledge"),
    path("<uuid:delivery_id>/update/", update, name="update"),
    path("<uuid:delivery_id>/data/", return_data, name="data"),
]
