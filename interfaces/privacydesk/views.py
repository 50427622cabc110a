"""The privacy desk (/desk/privacy/): data-subject requests (open and overdue first), decisions with a
legal ground, legal holds and purge runs, transfer-log verification, exports, and the breach register
with its 72-hour clock. Reads are privacy.ops selectors; writes are the services the privacy API calls."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from complaints.access import Can, actor_can, require
from complaints.models import Complaint
from interfaces.auth import staff_page
from interfaces.errors import refusals_back_to
from privacy import transfer_log
from privacy.ops import selectors
from privacy.ops.models import DataSubjectRequest, LegalHold, RefusalGround
from privacy.ops.services import records, retention
from privacy.ops.services import requests as dsr

DECIDED_SHOWN = 50


def _errors(request, exc: Exception) -> None:
    messages.error(request, " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))


@staff_page(Can.PRIVACY_READ)
def requests_list(request):
    """Open requests by due date (overdue first), then the latest decided ones."""
    qs = selectors.request_list(actor=request.user)
    open_rows = list(qs.filter(status=DataSubjectRequest.Status.RECEIVED).order_by("due_at", "id")[:200])
    decided = list(
        qs.exclude(status=DataSubjectRequest.Status.RECEIVED).order_by("-decided_at", "-id")[:DECIDED_SHOWN]
    )
    return render(
        request,
        "privacydesk/requests.html",
        {"open_rows": open_rows, "decided": decided, "now": timezone.now()},
    )


@staff_page(Can.PRIVACY_READ)
def request_detail(request, public_id):
    req = selectors.request_read(actor=request.user, public_id=public_id)
    return render(
        request,
        "privacydesk/request.html",
        {
            "req": req,
            "grounds": RefusalGround.choices,
            "can_decide": actor_can(request.user, Can.PRIVACY_DECIDE),
            "evidence": list(req.evidence.all()),
            "covered": list(req.covered.select_related("complaint").order_by("id")),
            "now": timezone.now(),
        },
    )


def _request_url(request, public_id) -> str:
    return reverse("privacydesk:request", args=[public_id])


@require_POST
@staff_page(Can.PRIVACY_DECIDE)
@refusals_back_to(_request_url)
def request_decide(request, public_id):
    req = selectors.request_get(actor=request.user, public_id=public_id)
    if request.POST.get("decision") == "grant":
        dsr.dsr_grant(actor=request.user, request=req, note=request.POST.get("note", ""))
        messages.success(request, _("Granted and carried out."))
    else:
        dsr.dsr_refuse(
            actor=request.user,
            request=req,
            ground=request.POST.get("ground", ""),
            reason=request.POST.get("reason", ""),
        )
        messages.success(request, _("Refused; the ground is recorded."))
    return HttpResponseRedirect(_request_url(request, public_id))


@require_POST
@staff_page(Can.PRIVACY_DECIDE)
@refusals_back_to(_request_url)
def request_tie(request, public_id):
    """Tie another complaint of the same person to an open request after a recorded identity check."""
    req = selectors.request_get(actor=request.user, public_id=public_id)
    ref = request.POST.get("reference", "").strip().upper()
    complaint = Complaint.objects.select_related("complainant").filter(reference=ref).first()
    if complaint is None:
        raise ValidationError({"reference": [_("No case with this reference number.")]})
    dsr.dsr_complaint_tie(
        actor=request.user,
        request=req,
        complaint=complaint,
        identity_check=request.POST.get("identity_check", ""),
    )
    messages.success(request, _("Complaint tied to the request; the identity check is recorded."))
    return HttpResponseRedirect(_request_url(request, public_id))


def _hold_from(post, actor) -> dict:
    ref = post.get("complaint", "").strip().upper()
    complaint = Complaint.objects.filter(reference=ref).first() if ref else None
    if ref and complaint is None:
        raise ValidationError({"complaint": [_("No case with this reference number.")]})
    days = post.get("days", "")
    if not days.isdigit() or int(days) < 1:
        raise ValidationError({"days": [_("Give the number of days to keep the data (1 or more).")]})
    return {
        "actor": actor,
        "scope": post.get("scope", ""),
        "order_reference": post.get("order_reference", ""),
        "issuing_authority": post.get("issuing_authority", ""),
        "expires_at": timezone.now() + timedelta(days=int(days)),
        "ip_address": post.get("ip_address") or None,
        "complaint": complaint,
        "time_from": parse_datetime(post["time_from"]) if post.get("time_from") else None,
        "time_to": parse_datetime(post["time_to"]) if post.get("time_to") else None,
    }


@staff_page(Can.PRIVACY_READ)
def holds(request):
    if request.method == "POST":
        require(request.user, Can.PRIVACY_DECIDE)
        try:
            retention.legal_hold_place(**_hold_from(request.POST, request.user))
            messages.success(request, _("Legal hold recorded."))
        except (ValidationError, PermissionError) as exc:
            _errors(request, exc)
        return HttpResponseRedirect(reverse("privacydesk:holds"))
    return render(
        request,
        "privacydesk/holds.html",
        {
            "rows": list(selectors.holds_list(actor=request.user).order_by("-id")[:200]),
            "scopes": LegalHold.Scope.choices,
            "runs": list(selectors.purge_runs(actor=request.user).order_by("-id")[:20]),
            "can_decide": actor_can(request.user, Can.PRIVACY_DECIDE),
        },
    )


@require_POST
@staff_page(Can.PRIVACY_DECIDE)
def hold_release(request, pk: int):
    hold = selectors.hold_get(actor=request.user, pk=pk)
    try:
        retention.legal_hold_release(actor=request.user, hold=hold, reason=request.POST.get("reason", ""))
        messages.success(request, _("Legal hold released."))
    except (ValidationError, PermissionError) as exc:
        _errors(request, exc)
    return HttpResponseRedirect(reverse("privacydesk:holds"))


@staff_page(Can.PRIVACY_READ)
def transfers(request):
    """Verify the hash chain of the transfer log (privacy.transfer_log.verify, as the audit API)."""
    result = transfer_log.verify() if request.method == "POST" else None
    return render(request, "privacydesk/transfers.html", {"result": result})


@staff_page(Can.PRIVACY_READ)
def exports(request):
    """The record of processing and the staff access report: links to the audit API's CSV exports."""
    return render(request, "privacydesk/exports.html", {"params": request.GET})


@staff_page(Can.BREACH_READ)
def breaches(request):
    if request.method == "POST":
        people = request.POST.get("people", "") or "0"
        try:
            if not people.isdigit():
                raise ValidationError({"people": [_("A whole number.")]})
            records.breach_record(
                actor=request.user,
                detected_at=parse_datetime(request.POST.get("detected_at", "")) or timezone.now(),
                description=request.POST.get("description", ""),
                data_categories=[
                    c.strip() for c in request.POST.get("categories", "").split(",") if c.strip()
                ],
                people_affected=int(people),
            )
            messages.success(request, _("Breach recorded; the 72-hour clock runs from its detection."))
        except (ValidationError, PermissionError) as exc:
            _errors(request, exc)
        return HttpResponseRedirect(reverse("privacydesk:breaches"))
    now = timezone.now()
    rows = [
        {"b": b, "hours_left": (b.notify_by - now).total_seconds() / 3600}
        for b in selectors.breaches(actor=request.user).order_by("-detected_at")[:100]
    ]
    return render(
        request,
        "privacydesk/breaches.html",
        {"rows": rows, "now": now, "can_notify": actor_can(request.user, Can.BREACH_MANAGE)},
    )


@require_POST
@staff_page(Can.BREACH_MANAGE)
def breach_notified(request, pk: int):
    breach = selectors.breach_get(actor=request.user, pk=pk)
    try:
        records.breach_mark_notified(
            actor=request.user,
            breach=breach,
            regulator=request.POST.get("regulator") == "1",
            subjects=request.POST.get("subjects") == "1",
        )
    except PermissionError as exc:
        _errors(request, exc)
    return HttpResponseRedirect(reverse("privacydesk:breaches"))
