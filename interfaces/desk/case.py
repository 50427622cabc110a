"""The case page and its actions. Reads through complaints.selectors.complaint_get (404 for what the
user may not see); every write is the service the staff API calls; routing asks the one disclosure
gate (routing.disclosure) for the exact payload each agency would receive before anything is sent."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from channels_intake.telephony import selectors as tel
from channels_intake.telephony import services as tel_services
from complaints import selectors
from complaints.access import Can, actor_can, roles_with
from complaints.models import Agency, Complaint, Status, User
from complaints.services import actions, lifecycle
from privacy.models import DISCLOSABLE_FIELDS, Basis, Purpose
from privacy.services import consent_record
from routing import referrals
from routing.access import access_referral
from routing.disclosure import DisclosureRefused, basis_reference_text, disclosure_decide
from routing.models import ReferralAttempt
from routing.rules import routing_propose

from ..auth import staff_page
from ..common import (
    BASIS_LABELS,
    FIELD_LABELS,
    INCIDENT_LABELS,
    PURPOSE_LABELS,
    REDACTION_LABELS,
)
from ..errors import refusals_back_to
from .media import recording_attach

# marketing is never offered (DD-3); indicator sharing never carries a case
PURPOSES = [p for p in Purpose.values if p not in (Purpose.MARKETING, Purpose.INDICATOR_SHARING)]


def preview_of(*, complaint: Complaint, agency: Agency, purpose: str, basis: str, actor) -> dict:
    """What the gate would send this agency under this basis: the fields, the minimised and
    redacted payload, or the gate's refusal. Nothing is written."""
    try:
        d = disclosure_decide(
            complaint=complaint, recipient=agency, purpose=purpose, basis=basis, actor=actor
        )
    except DisclosureRefused as exc:
        return {"refused": exc.reason, "code": exc.code}  # the reason in the reader's language
    rows = []
    p = d.payload
    for name, value in (p.get("complainant") or {}).items():
        rows.append({"label": FIELD_LABELS.get(f"complainant.{name}", name), "value": value})
    if "description" in p:
        rows.append({"label": FIELD_LABELS["complaint.description"], "value": p["description"]})
    for name, value in (p.get("incident") or {}).items():
        if value:
            label = INCIDENT_LABELS.get(name, name)
            rows.append({"label": f"{FIELD_LABELS['complaint.incident']}: {label}", "value": value})
    for a in p.get("attachments") or []:
        rows.append(
            {"label": FIELD_LABELS["complaint.attachments"], "value": f"{a['name']} ({a['content_type']})"}
        )
    withheld = [FIELD_LABELS[f] for f in DISCLOSABLE_FIELDS if f not in d.fields]
    redactions = [(REDACTION_LABELS.get(k, k), n) for k, n in sorted(d.redactions.items())]
    return {
        "rows": rows,
        "withheld": withheld,
        "redactions": redactions,
        "basis_reference": basis_reference_text(d.basis_reference),  # stored form, shown translated
        "sha256": d.sha256,
        "json": json.dumps(d.payload, ensure_ascii=False, indent=2, default=str),
    }


def _case(request, reference: str, need: Can = Can.CASE_READ) -> Complaint:
    # agencies read cases through their inbox (what the gate releases), never here: 404
    return selectors.complaint_get(actor=request.user, reference=reference, need=need)


def _case_context(request, complaint: Complaint) -> dict:
    user = request.user
    can_work = actor_can(user, Can.CASE_WORK)
    selectors.personal_data_read_log(actor=user, complaints=[complaint], action="view")
    recordings = list(tel.recordings_of(complaint, actor=user))
    fax = tel.faxes_list(actor=user, needs_transcription=None).filter(complaint=complaint).first()
    refs = list(
        complaint.referrals.select_related("agency")
        .prefetch_related(Prefetch("attempt_log", queryset=ReferralAttempt.objects.order_by("at")))
        .order_by("created_at")
    )
    for r in refs:
        # Stored evidence stays as stored; only what the page shows is in the reader's language.
        r.basis_reference_text = basis_reference_text(r.basis_reference)
        r.last_error_text = _(r.last_error) if r.last_error else ""
        for a in r.attempt_log.all():
            a.error_text = _(a.error) if a.error else ""
    ctx = {
        "c": complaint,
        "events": list(complaint.events.all()),
        "attachments": list(complaint.attachments.all()),
        "transitions": [
            (s, Status(s).label)
            for s in lifecycle.allowed_next(complaint.status)
            if s not in lifecycle.NEEDS_TARGET  # a duplicate is marked with its surviving case
        ],
        "recordings": recordings,
        "referrals": refs,
        "fax": fax,
        "can_work": can_work,
        "is_supervisor": actor_can(user, Can.CASE_ASSIGN_OTHERS),
        "can_resend": actor_can(user, Can.REFERRAL_RESEND),
        "categories": selectors.category_list(),
        "basis_labels": BASIS_LABELS,
        "purpose_labels": PURPOSE_LABELS,
        "purposes": [(p, PURPOSE_LABELS[p]) for p in PURPOSES],
        "bases": list(BASIS_LABELS.items()),
        "field_choices": [(f, FIELD_LABELS[f]) for f in DISCLOSABLE_FIELDS],
        "now": timezone.now(),
    }
    if can_work:
        proposals = []
        for p in routing_propose(complaint):
            proposals.append(
                {
                    "agency": p.rule.agency,
                    "purpose": p.rule.purpose,
                    "reason": p.reason,
                    "preview": preview_of(
                        complaint=complaint,
                        agency=p.rule.agency,
                        purpose=p.rule.purpose,
                        basis=Basis.RELATED_AGENCY,
                        actor=user,
                    ),
                }
            )
        ctx["proposals"] = proposals
        ctx["agencies"] = list(Agency.objects.filter(is_active=True).only("code", "name_th", "name_en"))
        if ctx["is_supervisor"]:
            ctx["assignees"] = list(
                User.objects.filter(role__in=roles_with(Can.CASE_ASSIGNABLE), is_active=True)
                .only("id", "username")
                .order_by("username")
            )
    return ctx


@staff_page(Can.CASE_READ)
def case(request, reference: str):
    complaint = _case(request, reference)
    return render(request, "desk/case.html", _case_context(request, complaint))


@require_GET
@staff_page(Can.CASE_WORK)
def case_preview(request, reference: str):
    """htmx: the routing preview again for another basis or agency."""
    complaint = _case(request, reference)
    agency = Agency.objects.filter(code=request.GET.get("agency", ""), is_active=True).first()
    if agency is None:
        raise Http404
    preview = preview_of(
        complaint=complaint,
        agency=agency,
        purpose=request.GET.get("purpose", ""),
        basis=request.GET.get("basis", ""),
        actor=request.user,
    )
    # "Another agency" has its own slot, so its preview never takes the id of a proposal's
    slot = "other" if request.GET.get("slot") == "other" else agency.code
    return render(request, "desk/_preview.html", {"preview": preview, "agency": agency, "slot": slot})


def _case_url(reference: str, anchor: str = "") -> str:
    return reverse("desk:case", args=[reference]) + (f"#{anchor}" if anchor else "")


def _back(reference: str, anchor: str = ""):
    return HttpResponseRedirect(_case_url(reference, anchor))


def _back_to_case(anchor: str = ""):
    """Where a refused case action returns: the case page (at ``anchor``), its message shown."""
    return lambda request, reference: _case_url(reference, anchor)


@require_POST
@staff_page(Can.CASE_WORK)
@refusals_back_to(_back_to_case(), also=(ValidationError,))
def case_status(request, reference: str):
    complaint = _case(request, reference)
    to_status = request.POST.get("status", "")
    actions.complaint_status_change(
        complaint=complaint,
        actor=request.user,
        to_status=to_status,
        note=request.POST.get("note", ""),
        note_public=request.POST.get("note_public") == "1",
    )
    messages.success(request, _("Status changed: %(status)s") % {"status": Status(to_status).label})
    return _back(reference)


@require_POST
@staff_page(Can.CASE_WORK)
def case_note(request, reference: str):
    complaint = _case(request, reference)
    try:
        actions.complaint_note_add(
            complaint=complaint,
            actor=request.user,
            text=request.POST.get("text", ""),
            public=request.POST.get("public") == "1",
        )
    except ValidationError:
        messages.error(request, _("A note cannot be empty."))
    return _back(reference, "h-timeline")


@require_POST
@staff_page(Can.CASE_WORK)
@refusals_back_to(_back_to_case())
def case_assign(request, reference: str):
    complaint = _case(request, reference)
    assignee = request.user
    if request.POST.get("assignee"):
        wanted = request.POST["assignee"]
        assignee = User.objects.filter(pk=wanted).first() if wanted.isdigit() else None
        if assignee is None:
            raise Http404
    actions.complaint_assign(complaint=complaint, actor=request.user, assignee=assignee)
    return _back(reference)


@require_POST
@staff_page(Can.CASE_WORK)
def case_route(request, reference: str):
    complaint = _case(request, reference)
    agency = Agency.objects.filter(code=request.POST.get("agency", ""), is_active=True).first()
    if agency is None:
        raise Http404
    try:
        referrals.referral_create(
            complaint=complaint,
            agency=agency,
            purpose=request.POST.get("purpose", ""),
            basis=request.POST.get("basis", ""),
            actor=request.user,
        )
    except DisclosureRefused as exc:
        messages.error(request, exc.reason)
    else:
        name = agency.name_en if translation.get_language() == "en" else agency.name_th
        messages.success(request, _("Sent to %(agency)s") % {"agency": name})
    return _back(reference, "h-route")


@require_POST
@staff_page(Can.CASE_WORK)
@refusals_back_to(_back_to_case("h-route"), also=(ValidationError,))
def case_consent(request, reference: str):
    """Record the data owner's consent (e.g. given on the phone) so that it can be the basis."""
    complaint = _case(request, reference)
    code = request.POST.get("agency", "")
    agency = Agency.objects.filter(code=code, is_active=True).first() if code else None
    if code and agency is None:
        raise Http404
    consent_record(
        complainant=complaint.complainant,
        agency=agency,
        actor=request.user,
        purposes=request.POST.getlist("purposes"),
        fields=request.POST.getlist("fields"),
        channel=request.POST.get("channel", complaint.channel),
        statement=request.POST.get("statement", ""),
    )
    messages.success(request, _("Consent recorded."))
    return _back(reference, "h-route")


@require_POST
@staff_page(Can.REFERRAL_RESEND)
def referral_resend(request, pk: int):
    """A failed transfer sent again (same delivery id and payload; the resend is in its history)."""
    ref = access_referral(request.user, pk, need=Can.REFERRAL_RESEND)
    try:
        referrals.referral_resend(referral=ref, actor=request.user)
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The transfer will be sent again."))
    target = request.POST.get("next", "")
    if target == "case":
        return _back(ref.complaint.reference, "h-route")
    return HttpResponseRedirect(reverse("desk:supervisor"))


@require_POST
@staff_page(Can.CASE_WORK)
@refusals_back_to(_back_to_case(), also=(ValidationError,))
def fax_transcribe(request, reference: str):
    complaint = _case(request, reference)
    fax = tel.faxes_list(actor=request.user, needs_transcription=None).filter(complaint=complaint).first()
    category = selectors.category_list().filter(code=request.POST.get("category", "")).first()
    if fax is None:
        raise Http404
    if category is None:
        messages.error(request, _("Choose a category."))
        return _back(reference, "h-fax")
    tel_services.fax_transcribe(
        actor=request.user, fax=fax, category=category, description=request.POST.get("description", "")
    )
    return _back(reference)


@require_POST
@staff_page(Can.CASE_WORK)
def recording_upload(request, reference: str):
    complaint = _case(request, reference)
    upload = request.FILES.get("recording")
    if upload is None:
        messages.error(request, _("Choose the recording file."))
    else:
        recording_attach(request, complaint, upload)
    return _back(reference, "h-evidence")
