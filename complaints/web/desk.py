"""The agent desk: queues, search, the case page and its actions, the phone screen, supervision.
Pages call the same selectors and services as the API; nothing is decided here."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.views.decorators.http import require_POST

from channels_intake.models import InboundItem
from channels_intake.selectors import inbound_quarantine_list
from channels_intake.telephony import selectors as tel
from channels_intake.telephony import services as tel_services
from channels_intake.telephony.media import MediaRejected
from channels_intake.telephony.models import Call, Recording
from channels_intake.telephony.ranges import ranged_response
from privacy.disclosure import DisclosureRefused, disclosure_decide
from privacy.models import Basis, Purpose
from privacy.services import access_log_record

from .. import lifecycle, referrals, selectors, services
from ..models import Agency, Category, Channel, Complaint, Referral, Role, Status
from ..routing import routing_propose
from .auth import login_view, logout_view, otp_view, staff_page

app_name = "desk"
WORKERS = {Role.AGENT, Role.SUPERVISOR, Role.ADMINISTRATOR}
SUPERVISORS = {Role.SUPERVISOR, Role.ADMINISTRATOR}
OPEN = ~Q(status__in=list(lifecycle.TERMINAL))


def _filters(params) -> selectors.ComplaintFilters:
    def date(name):
        return parse_date(params.get(name, "")) if params.get(name) else None

    phone = params.get("phone", "").strip()
    if phone:
        from privacy.minimum_data import normalise_phone

        try:
            phone = normalise_phone(phone)
        except ValidationError:
            pass
    return selectors.ComplaintFilters(
        status=params.get("status") or None, category=params.get("category") or None,
        channel=params.get("channel") or None, reference=params.get("reference") or None, phone=phone or None,
        email=params.get("email") or None, received_from=date("from"), received_to=date("to"),
        q=params.get("q") or None)


@staff_page(WORKERS | {Role.PRIVACY_OFFICER, Role.AUDITOR, Role.AGENCY_OFFICER})
def queue(request):
    if request.user.role == Role.AGENCY_OFFICER:
        return HttpResponseRedirect(reverse("agency:inbox"))
    if request.user.role in (Role.PRIVACY_OFFICER, Role.AUDITOR):
        return HttpResponseRedirect(reverse("privacydesk:requests"))
    tab = request.GET.get("tab", "triage")
    base = selectors.complaint_list(actor=request.user, filters=selectors.ComplaintFilters())
    now = timezone.now()
    tabs = {
        "triage": base.filter(OPEN).filter(Q(status=Status.RECEIVED) | Q(category__isnull=True)),
        "mine": base.filter(OPEN, assigned_to=request.user),
        "due": base.filter(OPEN, sla_due_at__gte=now, sla_due_at__lt=now + timedelta(days=2)),
        "overdue": base.filter(OPEN, sla_due_at__lt=now),
    }
    ctx = {"tab": tab, "tabs": ["triage", "mine", "due", "overdue", "quarantine"]}
    if tab == "quarantine":
        ctx["items"] = list(inbound_quarantine_list(actor=request.user)[:100])
    else:
        rows = list(tabs.get(tab, tabs["triage"]).order_by("sla_due_at", "received_at")[:100])
        selectors.personal_data_read_log(actor=request.user, complaints=rows, action="list")
        ctx["rows"] = rows
        ctx["faxes_waiting"] = set(tel.faxes_pending(actor=request.user).values_list("complaint_id", flat=True))
    return render(request, "desk/queue.html", ctx)


@staff_page(WORKERS | {Role.PRIVACY_OFFICER})
def search(request):
    rows = []
    searched = any(request.GET.get(k) for k in ("reference", "phone", "email", "q", "category", "channel", "status",
                                                 "from", "to"))
    if searched:
        rows = list(selectors.complaint_list(actor=request.user, filters=_filters(request.GET))[:100])
        selectors.personal_data_read_log(actor=request.user, complaints=rows, action="search")
    return render(request, "desk/search.html", {
        "rows": rows, "searched": searched, "params": request.GET, "categories": Category.objects.all(),
        "channels": Channel.choices, "statuses": Status.choices})


def _case_context(request, complaint: Complaint) -> dict:
    selectors.personal_data_read_log(actor=request.user, complaints=[complaint], action="view")
    ctx = {
        "c": complaint, "events": list(complaint.events.all()), "attachments": list(complaint.attachments.all()),
        "transitions": [(s, Status(s).label) for s in lifecycle.allowed_next(complaint.status)],
        "recordings": list(tel.recordings_of(complaint)), "referrals": list(complaint.referrals.select_related("agency")),
        "fax": getattr(complaint, "fax", None), "categories": Category.objects.filter(is_active=True),
        "purposes": [p for p in Purpose.choices if p[0] != Purpose.MARKETING], "bases": Basis.choices,
        "agencies": Agency.objects.filter(is_active=True), "can_work": request.user.role in WORKERS,
    }
    proposals = []
    if ctx["can_work"]:
        for p in routing_propose(complaint):
            try:
                d = disclosure_decide(complaint=complaint, recipient=p.rule.agency, purpose=p.rule.purpose,
                                      basis=Basis.RELATED_AGENCY, actor=request.user)
                preview = {"fields": d.fields, "payload": d.body.decode()}
            except DisclosureRefused as exc:
                preview = {"refused": exc.reason}
            proposals.append({"rule": p.rule, "reason": p.reason, "preview": preview})
    ctx["proposals"] = proposals
    return ctx


@staff_page(WORKERS | {Role.PRIVACY_OFFICER, Role.AGENCY_OFFICER})
def case(request, reference: str):
    complaint = selectors.complaint_get(actor=request.user, reference=reference)
    if request.user.role == Role.AGENCY_OFFICER:
        raise Http404  # agencies read cases through their inbox (the minimised payload)
    return render(request, "desk/case.html", _case_context(request, complaint))


def _back(reference: str):
    return HttpResponseRedirect(reverse("desk:case", args=[reference]))


@require_POST
@staff_page(WORKERS)
def case_status(request, reference: str):
    complaint = selectors.complaint_get(actor=request.user, reference=reference)
    try:
        services.complaint_status_change(complaint=complaint, actor=request.user, to_status=request.POST.get("status", ""),
                                         note=request.POST.get("note", ""))
    except services.TransitionRefused as exc:
        messages.error(request, str(exc))
    return _back(reference)


@require_POST
@staff_page(WORKERS)
def case_note(request, reference: str):
    complaint = selectors.complaint_get(actor=request.user, reference=reference)
    try:
        services.complaint_note_add(complaint=complaint, actor=request.user, text=request.POST.get("text", ""),
                                    public=request.POST.get("public") == "1")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return _back(reference)


@require_POST
@staff_page(WORKERS)
def case_assign(request, reference: str):
    complaint = selectors.complaint_get(actor=request.user, reference=reference)
    services.complaint_assign(complaint=complaint, actor=request.user, assignee=request.user)
    return _back(reference)


@require_POST
@staff_page(WORKERS)
def case_route(request, reference: str):
    complaint = selectors.complaint_get(actor=request.user, reference=reference)
    agency = Agency.objects.filter(code=request.POST.get("agency", ""), is_active=True).first()
    if agency is None:
        raise Http404
    try:
        referrals.referral_create(complaint=complaint, agency=agency, purpose=request.POST.get("purpose", ""),
                                  basis=request.POST.get("basis", ""), actor=request.user)
        messages.success(request, f"→ {agency.name_th}")
    except DisclosureRefused as exc:
        messages.error(request, exc.reason)
    return _back(reference)


@require_POST
@staff_page(WORKERS)
def fax_transcribe(request, reference: str):
    complaint = selectors.complaint_get(actor=request.user, reference=reference)
    fax = tel.fax_get(actor=request.user, pk=complaint.fax.pk) if hasattr(complaint, "fax") else None
    category = Category.objects.filter(code=request.POST.get("category", "")).first()
    if fax is None or category is None:
        raise Http404
    try:
        tel_services.fax_transcribe(actor=request.user, fax=fax, category=category,
                                    description=request.POST.get("description", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return _back(reference)


@require_POST
@staff_page(WORKERS)
def recording_upload(request, reference: str):
    complaint = selectors.complaint_get(actor=request.user, reference=reference)
    upload = request.FILES.get("recording")
    if upload:
        try:
            tel_services.recording_store(fileobj=upload, filename=upload.name, source=Recording.Source.AGENT,
                                         complaint=complaint, uploaded_by=request.user)
        except MediaRejected as exc:
            messages.error(request, f"{exc.filename}: {exc.reason}")
    return _back(reference)


@staff_page(WORKERS | {Role.PRIVACY_OFFICER})
def recording_audio(request, pk: int):
    """The player's source: the same Range responses and access-log entries as the API."""
    rec = tel.recording_get(actor=request.user, pk=pk)
    if request.method != "HEAD":
        tel.recording_access_log(actor=request.user, recording=rec, download=False,
                                 detail=f"playback {request.headers.get('Range', '')}".strip())
    return ranged_response(request, name=rec.file.name, size=rec.size, content_type=rec.content_type,
                           filename=rec.original_name, etag=f'"{rec.sha256}"',
                           last_modified=rec.created_at.timestamp(), attachment=False)


@staff_page(WORKERS | {Role.PRIVACY_OFFICER})
def attachment(request, pk: int):
    att = selectors.attachment_get(actor=request.user, pk=pk)
    access_log_record(actor=request.user, action="download", object_type="attachment",
                      rows=[(att.complaint.complainant_id, att.complaint_id, att.pk)], fields=["file"])
    response = FileResponse(att.file.open("rb"), as_attachment=True, filename=att.original_name,
                            content_type="application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    return response


@staff_page(WORKERS | {Role.PRIVACY_OFFICER})
def fax_page(request, pk: int, number: int):
    fax = tel.fax_get(actor=request.user, pk=pk)
    page = fax.page_previews.filter(number=number).first()
    if page is None:
        raise Http404
    access_log_record(actor=request.user, action="view", object_type="fax_page",
                      rows=[(fax.complaint.complainant_id, fax.complaint_id, page.pk)], fields=["fax"])
    return FileResponse(page.preview.open("rb"), content_type="image/png")


@staff_page(WORKERS)
def phone(request):
    """The screen an agent fills while talking: number from the live call, history at once,
    only the identity fields the category collects, the call's recording."""
    from complaints.web.portal import _identity_fields

    call = Call.objects.filter(call_id=request.GET.get("call", "")).first() if request.GET.get("call") else None
    values = request.POST.dict() if request.method == "POST" else {"phone": call.caller_number if call else ""}
    category = Category.objects.filter(code=values.get("category", ""), is_active=True).first()
    errors: dict = {}
    if request.method == "POST":
        call = Call.objects.filter(call_id=values.get("call_id", "")).first() if values.get("call_id") else None
        try:
            if category is None:
                raise ValidationError({"category": ["Choose a category."]})
            registered = tel_services.phone_complaint_register(
                actor=request.user, caller_number=values.get("phone", ""), category=category,
                description=values.get("description", ""), name=values.get("name", ""),
                email=values.get("email", ""), address=values.get("address", ""), call=call)
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
            errors = {("complainant.phone" if k in ("phone", "caller_number") else
                       f"complainant.{k}" if k in ("name", "email", "address", "contact") else k): v
                      for k, v in errors.items()}
        else:
            upload = request.FILES.get("recording")
            if upload:
                try:
                    tel_services.recording_store(fileobj=upload, filename=upload.name, source=Recording.Source.AGENT,
                                                 complaint=registered.complaint, uploaded_by=request.user)
                except MediaRejected as exc:
                    messages.error(request, f"{exc.filename}: {exc.reason}")
            messages.success(request, f"{registered.complaint.reference} / {registered.tracking_code}")
            return _back(registered.complaint.reference)
    return render(request, "desk/phone.html", {
        "call": call, "values": values, "call_id": call.call_id if call else values.get("call_id", ""),
        "category": category, "errors": errors,
        "categories": Category.objects.filter(is_active=True),
        "identity_fields": _identity_fields(category, values) if category else [],
        "live_calls": tel.calls_recent(actor=request.user, active_only=True)[:10]}, status=400 if errors else 200)


@staff_page(WORKERS)
def phone_history(request):
    from privacy.minimum_data import normalise_phone

    rows = []
    try:
        rows = tel.complaints_by_caller(actor=request.user, number=normalise_phone(request.GET.get("phone", "")))
    except ValidationError:
        pass
    return render(request, "desk/phone_history.html", {"rows": rows})


@staff_page(WORKERS)
def phone_fields(request):
    from complaints.web.portal import _identity_fields

    category = Category.objects.filter(code=request.GET.get("category", ""), is_active=True).first()
    values = {"phone": request.GET.get("phone", "")}
    return render(request, "desk/phone_fields.html", {"category": category, "values": values, "errors": {},
                                                      "identity_fields": _identity_fields(category, values)})


def _bars(rows: list[tuple[str, int]]) -> dict:
    top = max([n for _, n in rows] or [1]) or 1
    return {"rows": [{"label": label, "n": n, "width": round(300 * n / top)} for label, n in rows],
            "height": 24 * len(rows) + 4}


@staff_page(SUPERVISORS)
def supervisor(request):
    since = timezone.now() - timedelta(days=14)
    qs = Complaint.objects.filter(received_at__gte=since)
    by_channel = [(Channel(r["channel"]).label, r["n"]) for r in qs.values("channel").annotate(n=Count("id")).order_by("channel")]
    by_category = [(r["category__name_th"] or "—", r["n"])
                   for r in qs.values("category__name_th").annotate(n=Count("id")).order_by("-n")]
    by_day = [(str(r["d"]), r["n"]) for r in qs.annotate(d=TruncDate("received_at")).values("d")
              .annotate(n=Count("id")).order_by("d")]
    breaches = list(Complaint.objects.filter(OPEN, sla_due_at__lt=timezone.now()).select_related("category")
                    .order_by("sla_due_at")[:50])
    failed = list(selectors.referrals_for_supervision(actor=request.user, state=Referral.State.FAILED)[:50])
    return render(request, "desk/supervisor.html", {
        "channel": _bars(by_channel), "category": _bars(by_category), "day": _bars(by_day),
        "breaches": breaches, "failed": failed, "quarantined": InboundItem.objects.filter(
            state=InboundItem.State.QUARANTINED).count()})


@require_POST
@staff_page(SUPERVISORS)
def resend(request, pk: int):
    ref = selectors.referrals_for_supervision(actor=request.user).filter(pk=pk).first()
    if ref is None:
        raise Http404
    try:
        referrals.referral_resend(referral=ref, actor=request.user)
    except ValueError as exc:
        messages.error(request, str(exc))
    return HttpResponseRedirect(reverse("desk:supervisor"))


urlpatterns = [
    path("login/", login_view, name="login"),
    path("login/otp/", otp_view, name="otp"),
    path("logout/", logout_view, name="logout"),
    path("", queue, name="queue"),
    path("search/", search, name="search"),
    path("case/<str:reference>/", case, name="case"),
    path("case/<str:reference>/status/", case_status, name="case-status"),
    path("case/<str:reference>/note/", case_note, name="case-note"),
    path("case/<str:reference>/assign/", case_assign, name="case-assign"),
    path("case/<str:reference>/route/", case_route, name="case-route"),
    path("case/<str:reference>/transcribe/", fax_transcribe, name="case-transcribe"),
    path("case/<str:reference>/recording/", recording_upload, name="case-recording"),
    path("recordings/<int:pk>/audio/", recording_audio, name="recording-audio"),
    path("attachments/<int:pk>/", attachment, name="attachment"),
    path("faxes/<int:pk>/pages/<int:number>/", fax_page, name="fax-page"),
    path("phone/", phone, name="phone"),
    path("phone/history/", phone_history, name="phone-history"),
    path("phone/fields/", phone_fields, name="phone-fields"),
    path("supervisor/", supervisor, name="supervisor"),
    path("referrals/<int:pk>/resend/", resend, name="resend"),
]
