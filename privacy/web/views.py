"""The privacy desk: data-subject requests, legal holds, transfer-log verification, exports,
breach register. The same services as the privacy API."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_POST

from complaints.models import Complaint, Role
from complaints.web.auth import staff_page
from privacy import transfer_log
from privacy.ops import selectors
from privacy.ops.models import LegalHold, RefusalGround
from privacy.ops.services import records, retention
from privacy.ops.services import requests as dsr

app_name = "privacydesk"
READERS = {Role.PRIVACY_OFFICER, Role.AUDITOR, Role.ADMINISTRATOR}
OFFICERS = {Role.PRIVACY_OFFICER, Role.ADMINISTRATOR}


@staff_page(READERS)
def requests_list(request):
    rows = list(selectors.request_list(actor=request.user))
    now = timezone.now()
    rows.sort(key=lambda r: (not (r.status == "received" and r.due_at and r.due_at < now), r.due_at or now))
    return render(request, "privacydesk/requests.html", {"rows": rows, "now": now})


@staff_page(READERS)
def request_detail(request, public_id):
    req = selectors.request_get(actor=request.user, public_id=public_id)
    return render(request, "privacydesk/request.html", {"req": req, "grounds": RefusalGround.choices,
                                                         "can_decide": request.user.role in OFFICERS})


@require_POST
@staff_page(OFFICERS)
def request_decide(request, public_id):
    req = selectors.request_get(actor=request.user, public_id=public_id)
    try:
        if request.POST.get("decision") == "grant":
            dsr.dsr_grant(actor=request.user, request=req, note=request.POST.get("note", ""))
        else:
            dsr.dsr_refuse(actor=request.user, request=req, ground=request.POST.get("ground", ""),
                           reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except dsr.RequestRefused as exc:
        messages.error(request, exc.reason)
    return HttpResponseRedirect(reverse("privacydesk:request", args=[public_id]))


@staff_page(READERS)
def holds(request):
    if request.method == "POST":
        if request.user.role not in OFFICERS:
            raise Http404
        complaint = Complaint.objects.filter(reference=request.POST.get("complaint", "").strip().upper()).first()
        try:
            retention.legal_hold_place(
                actor=request.user, scope=request.POST.get("scope", ""), order_reference=request.POST.get("order_reference", ""),
                issuing_authority=request.POST.get("issuing_authority", ""),
                expires_at=timezone.now() + timedelta(days=int(request.POST.get("days") or 0)),
                ip_address=request.POST.get("ip_address") or None, complaint=complaint,
                time_from=parse_datetime(request.POST.get("time_from", "")) if request.POST.get("time_from") else None,
                time_to=parse_datetime(request.POST.get("time_to", "")) if request.POST.get("time_to") else None)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return HttpResponseRedirect(reverse("privacydesk:holds"))
    return render(request, "privacydesk/holds.html", {"rows": selectors.holds_list(actor=request.user)[:200],
                                                      "scopes": LegalHold.Scope.choices,
                                                      "runs": selectors.purge_runs(actor=request.user)[:20]})


@require_POST
@staff_page(OFFICERS)
def hold_release(request, pk: int):
    hold = selectors.hold_get(actor=request.user, pk=pk)
    try:
        retention.legal_hold_release(actor=request.user, hold=hold, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return HttpResponseRedirect(reverse("privacydesk:holds"))


@staff_page(READERS)
def transfers(request):
    result = transfer_log.verify() if request.method == "POST" else None
    return render(request, "privacydesk/transfers.html", {"result": result})


@staff_page(READERS | {Role.SUPERVISOR})
def breaches(request):
    if request.method == "POST":
        try:
            records.breach_record(actor=request.user, detected_at=parse_datetime(request.POST.get("detected_at", ""))
                                  or timezone.now(), description=request.POST.get("description", ""),
                                  data_categories=[c.strip() for c in request.POST.get("categories", "").split(",")
                                                   if c.strip()],
                                  people_affected=int(request.POST.get("people") or 0))
        except (ValidationError, PermissionError) as exc:
            messages.error(request, str(exc))
        return HttpResponseRedirect(reverse("privacydesk:breaches"))
    return render(request, "privacydesk/breaches.html", {"rows": selectors.breaches(actor=request.user),
                                                         "now": timezone.now()})


urlpatterns = [
    path("", requests_list, name="requests"),
    path("requests/<uuid:public_id>/", request_detail, name="request"),
    path("requests/<uuid:public_id>/decide/", request_decide, name="decide"),
    path("holds/", holds, name="holds"),
    path("holds/<int:pk>/release/", hold_release, name="hold-release"),
    path("transfers/", transfers, name="transfers"),
    path("breaches/", breaches, name="breaches"),
]
