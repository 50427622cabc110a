"""Citizen portal: file, confirm, track, my data, privacy policy, cookie choice. Every rule is the one
the API enforces: filing goes through channels_intake.web's validation and the intake service,
tracking through complaints.selectors.complaint_track, data-subject requests through privacy.ops,
and each form counts against the public API's own rate limit."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from rest_framework import exceptions as drf_exceptions

from channels_intake.web import intake_register, intake_validate
from complaints import selectors
from complaints.models import IDENTITY_FIELDS, Status, TimelineEvent
from complaints.services.intake import expected_response_date
from complaints.statistics import complaint_statistics, statistics_period
from occ.api.errors import ApiError, flatten
from occ.errors import DomainError
from privacy.middleware import traffic_mark
from privacy.ops.models import PolicyNotice, PolicyVersion, RequestType
from privacy.ops.services import policy as policy_services
from privacy.ops.services import requests as dsr

from .common import identity_fields, throttled, validation_errors
from .errors import refusals_render

COOKIE = "occ_cookie_choice"  # essential: remembers the choice itself (the same name as the API's)
STATS_COOKIE = "occ_stats"  # only with the person's agreement (OCC-10)
INCIDENT_FIELDS = ("website_url", "amount_lost")


def _context(request, **extra):
    return {"cookie_choice_made": bool(request.COOKIES.get(COOKIE)), **extra}


def _too_many(request, template: str, ctx: dict):
    ctx["form_error"] = _("Too many attempts from your connection. Please wait a minute and try again.")
    return render(request, template, _context(request, **ctx), status=429)


def home(request):
    traffic_mark(request, channel="web")
    return render(
        request,
        "portal/home.html",
        _context(
            request, notices=PolicyNotice.objects.select_related("policy").order_by("-published_at")[:3]
        ),
    )


def fields(request):
    """htmx: the identity fields the chosen category collects (OCC-3)."""
    category = selectors.category_list().filter(code=request.GET.get("category", "")).first()
    return render(
        request,
        "portal/identity_fields.html",
        _context(
            request, category=category, identity_fields=identity_fields(category, {}), values={}, errors={}
        ),
    )


def _payload(values: dict) -> dict:
    return {
        "category": values.get("category", ""),
        "channel": "web",
        "description": values.get("description", ""),
        "complainant": {k: values[k] for k in IDENTITY_FIELDS if values.get(k, "").strip()},
        "anonymous": values.get("anonymous") == "1",
        "incident": {k: values[k] for k in INCIDENT_FIELDS if values.get(k, "").strip()},
    }


def _page_refused(request, exc: DomainError, **extra) -> dict:
    """The page's own context (left by the view in ``request.page_context``) with the refusal."""
    ctx = {**getattr(request, "page_context", {}), **extra}
    return _context(request, **ctx)


def _file_refused(request, exc: DomainError) -> dict:
    return _page_refused(request, exc, errors=exc.api_fields(), form_error=exc.text)


@require_http_methods(["GET", "POST"])
@refusals_render("portal/file.html", _file_refused)
def file_complaint(request):
    traffic_mark(request, channel="web")
    categories = list(selectors.category_list())
    values = (
        request.POST.dict() if request.method == "POST" else {"category": request.GET.get("category", "")}
    )
    category = next((c for c in categories if c.code == values.get("category")), None)
    ctx = {
        "categories": categories,
        "category": category,
        "values": values,
        "errors": {},
        "form_error": "",
        "identity_fields": identity_fields(category, values),
        "policy": policy_services.policy_current(),
    }
    if request.method == "POST":
        if throttled(request, "intake"):
            return _too_many(request, "portal/file.html", ctx)
        request.page_context = ctx
        try:
            data, files = intake_validate(_payload(values), request.FILES.getlist("attachments"))
            registered = intake_register(data, files)
        except drf_exceptions.ValidationError as exc:
            ctx["errors"] = flatten(exc.detail)
        except ApiError as exc:
            ctx["errors"], ctx["form_error"] = exc.fields, exc.message
        except ValidationError as exc:
            ctx["errors"] = validation_errors(exc)
        else:
            c = registered.complaint
            traffic_mark(request, reference=c.reference)
            response = render(
                request,
                "portal/done.html",
                _context(
                    request,
                    reference=c.reference,
                    tracking_code=registered.tracking_code,
                    expected=expected_response_date(c),
                ),
            )
            response["Cache-Control"] = "no-store"
            return response
        if not ctx["form_error"]:
            ctx["form_error"] = _("Please correct the fields marked below.")
        ctx["identity_fields"] = identity_fields(category, values)
    return render(request, "portal/file.html", _context(request, **ctx), status=400 if ctx["errors"] else 200)


def _event_rows(events):
    return [
        {
            "at": e.created_at,
            "kind": TimelineEvent.Kind(e.kind).label,
            "status": Status(e.to_status).label if e.to_status else "",
            "text": e.text,
        }
        for e in events
    ]


@require_http_methods(["GET", "POST"])
def track(request):
    traffic_mark(request, channel="web")
    ctx = {"values": {}, "errors": {}}
    if request.method == "POST":
        ctx["values"] = {"reference": request.POST.get("reference", "")}
        if throttled(request, "track"):
            return _too_many(request, "portal/track.html", ctx)
        try:
            found = selectors.complaint_track(
                reference=request.POST.get("reference", ""),
                tracking_code=request.POST.get("tracking_code", ""),
            )
        except Http404:
            ctx["not_found"] = True
            return render(request, "portal/track.html", _context(request, **ctx), status=404)
        traffic_mark(request, reference=found.reference)
        ctx.update(
            found=found,
            events=_event_rows(found.events),
            status_label=Status(found.status).label,
            joined_label=Status(found.joined_status).label if found.joined_status else "",
        )
    response = render(request, "portal/track.html", _context(request, **ctx))
    response["Cache-Control"] = "no-store"
    return response


def _dsr_details(post) -> dict:
    text = post.get("details", "").strip()
    if post.get("type", "") in (RequestType.RECTIFICATION, RequestType.ADDITION):
        return {"changes": {post.get("field", "information"): text}, "reason": post.get("reason", "")}
    return {"reason": text} if text else {}


@require_http_methods(["GET", "POST"])
@refusals_render("portal/mydata.html", lambda request, exc: _page_refused(request, exc, refused=exc.text))
def my_data(request):
    """File a data-subject request: reference + tracking code, then a one-time code (privacy.ops)."""
    traffic_mark(request, channel="web")
    ctx = {"types": RequestType.choices, "errors": {}, "values": {}}
    if request.method == "POST":
        ctx["values"] = {k: v for k, v in request.POST.dict().items() if k != "tracking_code"}
        if throttled(request, "track"):
            return _too_many(request, "portal/mydata.html", ctx)
        request.page_context = ctx
        try:
            req, sent_to = dsr.dsr_file_by_citizen(
                reference=request.POST.get("reference", ""),
                tracking_code=request.POST.get("tracking_code", ""),
                type=request.POST.get("type", ""),
                details=_dsr_details(request.POST),
            )
        except Http404:
            ctx["not_found"] = True
            return render(request, "portal/mydata.html", _context(request, **ctx), status=404)
        except ValidationError as exc:
            ctx["errors"] = validation_errors(exc, "type")
            return render(request, "portal/mydata.html", _context(request, **ctx), status=400)
        return render(
            request, "portal/mydata_verify.html", _context(request, request_id=req.public_id, sent_to=sent_to)
        )
    return render(request, "portal/mydata.html", _context(request, **ctx))


@require_http_methods(["POST"])
@refusals_render(
    "portal/mydata_verify.html",
    lambda request, exc: _context(request, request_id=request.POST.get("request_id", ""), error=exc.text),
)
def my_data_verify(request):
    rid = request.POST.get("request_id", "")
    if throttled(request, "track"):
        return _too_many(request, "portal/mydata_verify.html", {"request_id": rid})
    try:
        req = dsr.dsr_verify(public_id=rid, code=request.POST.get("code", ""))
    except (Http404, ValueError, ValidationError):
        raise Http404 from None
    return render(request, "portal/mydata_done.html", _context(request, req=req))


def policy(request):
    traffic_mark(request, channel="web")
    return render(
        request,
        "portal/policy.html",
        _context(
            request,
            current=policy_services.policy_current(),
            history=PolicyVersion.objects.filter(published_at__isnull=False).order_by("-effective_at"),
            notices=PolicyNotice.objects.select_related("policy").order_by("-published_at")[:20],
        ),
    )


@require_http_methods(["POST"])
def cookies(request):
    """Record the choice (privacy.ops, as the API does) in an essential cookie; the statistics cookie
    only when agreed. Refusing changes nothing else (OCC-10)."""
    statistics = request.POST.get("statistics") == "1"
    current = request.COOKIES.get(COOKIE, "").split(":")[0] or None
    pref = policy_services.cookie_preference_record(browser_id=current, statistics=statistics)
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    response = HttpResponseRedirect(target)
    response.set_cookie(
        COOKIE,
        f"{pref.browser_id}:{int(statistics)}",
        max_age=365 * 86400,
        samesite="Lax",
        httponly=True,
        secure=request.is_secure(),
    )
    if statistics:
        response.set_cookie(
            STATS_COOKIE,
            str(pref.browser_id),
            max_age=365 * 86400,
            samesite="Lax",
            httponly=True,
            secure=request.is_secure(),
        )
    elif STATS_COOKIE in request.COOKIES:
        response.delete_cookie(STATS_COOKIE)
    return response


@require_http_methods(["GET"])
def statistics(request):
    """Public aggregate statistics (MOST-1, OCC-10): the last 12 months, no count under 5 shown."""
    traffic_mark(request, channel="web")
    try:
        start, end = statistics_period(request.GET.get("from"), request.GET.get("to"))
    except ValidationError:
        start, end = statistics_period(None, None)
    stats = complaint_statistics(start=start, end=end)
    tables = [
        (_("By category"), stats["by_category"], "stats-category"),
        (_("By channel"), stats["by_channel"], "stats-channel"),
        (_("By province"), stats["by_province"], "stats-province"),
        (_("By month"), stats["by_month"], "stats-month"),
        (_("Referrals by agency"), stats["referrals_by_agency"], "stats-agency"),
    ]
    return render(
        request,
        "portal/statistics.html",
        _context(
            request,
            stats=stats,
            tables=tables,
            **{"from": timezone.localdate(start), "to": timezone.localdate(end - timedelta(days=1))},
        ),
    )
