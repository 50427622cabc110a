"""Citizen portal: file, confirm, track, my data, privacy policy, cookie choice. Every rule is the
one the API enforces: filing goes through channels_intake.web's validation and the intake service."""

from __future__ import annotations

from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods
from rest_framework import exceptions as drf_exceptions

from channels_intake.web import intake_register, intake_validate
from complaints import selectors
from complaints.models import IDENTITY_FIELDS, Category, FieldPolicy, Status, TimelineEvent
from complaints.services import expected_response_date
from occ.api.errors import ApiError, flatten
from privacy.middleware import traffic_mark
from privacy.ops.models import PolicyNotice, PolicyVersion, RequestType
from privacy.ops.services import policy as policy_services
from privacy.ops.services import requests as dsr

app_name = "portal"
COOKIE = "occ_cookie_choice"
FIELD_META = {
    "name": (_("Name and surname"), "text", "name"),
    "phone": (_("Phone number"), "tel", "tel"),
    "email": (_("E-mail address"), "email", "email"),
    "address": (_("Address"), "text", "street-address"),
    "national_id": (_("National ID number"), "text", "off"),
}


def _context(request, **extra):
    return {"cookie_choice_made": bool(request.COOKIES.get(COOKIE)), "LANGUAGE_CODE": request.LANGUAGE_CODE, **extra}


def _identity_fields(category: Category | None, values: dict) -> list[dict]:
    if category is None:
        return []
    policy = category.identity_policy()
    rows = []
    for name in IDENTITY_FIELDS:
        if policy[name] == FieldPolicy.NOT_COLLECTED:
            continue  # a field the category does not collect is not even shown (OCC-3)
        label, kind, autocomplete = FIELD_META[name]
        rows.append({"name": name, "label": label, "type": kind, "autocomplete": autocomplete,
                     "required": policy[name] == FieldPolicy.REQUIRED, "value": values.get(name, ""),
                     "error_key": f"complainant.{name}"})
    return rows


def home(request):
    traffic_mark(request, channel="web")
    return render(request, "portal/home.html", _context(request, notices=PolicyNotice.objects.select_related("policy")[:3]))


def fields(request):
    category = Category.objects.filter(code=request.GET.get("category", ""), is_active=True).first()
    return render(request, "portal/identity_fields.html",
                  _context(request, category=category, identity_fields=_identity_fields(category, {}), values={},
                           errors={}))


@require_http_methods(["GET", "POST"])
def file_complaint(request):
    traffic_mark(request, channel="web")
    categories = list(selectors.category_list())
    values = request.POST.dict() if request.method == "POST" else {}
    category = next((c for c in categories if c.code == values.get("category")), None)
    errors: dict[str, list[str]] = {}
    form_error = ""
    if request.method == "POST":
        anonymous = values.get("anonymous") == "1"
        complainant = {k: values[k] for k in IDENTITY_FIELDS if values.get(k, "").strip()}
        incident = {k: values[k] for k in ("website_url", "amount_lost") if values.get(k, "").strip()}
        payload = {"category": values.get("category", ""), "channel": "web", "description": values.get("description", ""),
                   "complainant": complainant, "anonymous": anonymous, "incident": incident}
        try:
            data, files = intake_validate(payload, request.FILES.getlist("attachments"))
            registered = intake_register(data, files)
        except drf_exceptions.ValidationError as exc:
            errors = flatten(exc.detail)
        except ApiError as exc:
            errors, form_error = exc.fields, exc.message
        except Exception as exc:  # Django ValidationError from the intake service
            from django.core.exceptions import ValidationError

            if not isinstance(exc, ValidationError):
                raise
            errors = flatten(exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages})
        else:
            c = registered.complaint
            traffic_mark(request, reference=c.reference)
            response = render(request, "portal/done.html", _context(
                request, reference=c.reference, tracking_code=registered.tracking_code,
                expected=expected_response_date(c)))
            response["Cache-Control"] = "no-store"
            return response
        if errors and not form_error:
            form_error = _("Please correct the fields marked below.")
    return render(request, "portal/file.html", _context(
        request, categories=categories, category=category, values=values, errors=errors, form_error=form_error,
        identity_fields=_identity_fields(category, values), policy=policy_services.policy_current()),
        status=400 if errors else 200)


def _event_rows(events):
    return [{"at": e.created_at, "kind": TimelineEvent.Kind(e.kind).label,
             "status": Status(e.to_status).label if e.to_status else "", "text": e.text} for e in events]


@require_http_methods(["GET", "POST"])
def track(request):
    traffic_mark(request, channel="web")
    ctx = _context(request, values={}, errors={})
    if request.method == "POST":
        ctx["values"] = {"reference": request.POST.get("reference", "")}
        try:
            found = selectors.complaint_track(reference=request.POST.get("reference", ""),
                                              tracking_code=request.POST.get("tracking_code", ""))
        except Http404:
            ctx["not_found"] = True
            return render(request, "portal/track.html", ctx, status=404)
        ctx.update(found=found, events=_event_rows(found.events), status_label=Status(found.status).label)
    return render(request, "portal/track.html", ctx)


@require_http_methods(["GET", "POST"])
def my_data(request):
    """File a data-subject request: reference + tracking code, then a one-time code."""
    traffic_mark(request, channel="web")
    ctx = _context(request, types=RequestType.choices, errors={}, values={})
    if request.method == "POST":
        ctx["values"] = request.POST.dict()
        details = {}
        text = request.POST.get("details", "").strip()
        rtype = request.POST.get("type", "")
        if rtype in (RequestType.RECTIFICATION, RequestType.ADDITION):
            field = request.POST.get("field", "information")
            details = {"changes": {field: text}, "reason": request.POST.get("reason", "")}
        elif text:
            details = {"reason": text}
        try:
            req, sent_to = dsr.dsr_file_by_citizen(reference=request.POST.get("reference", ""),
                                                   tracking_code=request.POST.get("tracking_code", ""),
                                                   type=rtype, details=details)
        except Http404:
            ctx["not_found"] = True
            return render(request, "portal/mydata.html", ctx, status=404)
        except dsr.RequestRefused as exc:
            ctx["refused"] = exc.reason
            return render(request, "portal/mydata.html", ctx, status=409)
        except Exception as exc:
            from django.core.exceptions import ValidationError

            if not isinstance(exc, ValidationError):
                raise
            ctx["errors"] = flatten(exc.message_dict if hasattr(exc, "error_dict") else {"type": exc.messages})
            return render(request, "portal/mydata.html", ctx, status=400)
        return render(request, "portal/mydata_verify.html", _context(request, request_id=req.public_id,
                                                                       sent_to=sent_to))
    return render(request, "portal/mydata.html", ctx)


@require_http_methods(["POST"])
def my_data_verify(request):
    rid = request.POST.get("request_id", "")
    try:
        req = dsr.dsr_verify(public_id=rid, code=request.POST.get("code", ""))
    except (Http404, ValueError):
        raise Http404 from None
    except dsr.CodeRejected as exc:
        return render(request, "portal/mydata_verify.html", _context(request, request_id=rid, error=str(exc)),
                      status=400)
    return render(request, "portal/mydata_done.html", _context(request, req=req))


def policy(request):
    traffic_mark(request, channel="web")
    return render(request, "portal/policy.html", _context(
        request, current=policy_services.policy_current(),
        history=PolicyVersion.objects.filter(published_at__isnull=False).order_by("-effective_at"),
        notices=PolicyNotice.objects.select_related("policy")[:20]))


@require_http_methods(["POST"])
def cookies(request):
    """Store the choice (essential cookie remembering it); no statistics cookie unless agreed."""
    statistics = request.POST.get("statistics") == "1"
    current = request.COOKIES.get(COOKIE, "").split(":")[0] or None
    pref = policy_services.cookie_preference_record(browser_id=current, statistics=statistics)
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    response = HttpResponseRedirect(target)
    response.set_cookie(COOKIE, f"{pref.browser_id}:{int(statistics)}", max_age=365 * 86400, samesite="Lax")
    if statistics:
        response.set_cookie("occ_stats", str(pref.browser_id), max_age=365 * 86400, samesite="Lax")
    else:
        response.delete_cookie("occ_stats")
    return response


urlpatterns = [
    path("", home, name="home"),
    path("file/", file_complaint, name="file"),
    path("file/fields/", fields, name="fields"),
    path("track/", track, name="track"),
    path("my-data/", my_data, name="mydata"),
    path("my-data/verify/", my_data_verify, name="mydata-verify"),
    path("privacy-policy/", policy, name="policy"),
    path("cookies/", cookies, name="cookies"),
]
