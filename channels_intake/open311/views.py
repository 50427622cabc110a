"""Open311 GeoReport v2 endpoints (https://wiki.open311.org/GeoReport_v2/).

Plain Django views: the specification fixes the formats (XML and JSON by suffix) and its own
error form, so these answer outside DRF's one error format. Reads of services are public;
reads and writes of requests need the app's key and reach only what that app filed (404 for
everything else, the same as for what does not exist)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods
from rest_framework.throttling import SimpleRateThrottle

from complaints.models import Status
from occ.api.throttling import AtomicWindowMixin
from privacy.middleware import traffic_mark

from . import selectors
from .catalogue import definition_out, service_name, service_out
from .formats import errors, respond, w3c
from .keys import api_key_from, partner_key_check
from .models import Open311Request, PartnerAppKey
from .services import Refused, open311_request_file

SPEC = "http://wiki.open311.org/GeoReport_v2"


class PartnerKeyThrottle(AtomicWindowMixin):
    """Per partner-app key (settings DEFAULT_THROTTLE_RATES['open311'])."""

    scope = "open311"

    def __init__(self, key: PartnerAppKey):
        self.partner_key = key
        super().__init__()

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.partner_key.prefix}


class PublicThrottle(AtomicWindowMixin):
    scope = "public"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": "open311-public", "ident": self.get_ident(request)}


def _throttled(throttle: SimpleRateThrottle, request, fmt: str) -> HttpResponse | None:
    if throttle.allow_request(request, None):
        return None
    response = errors(fmt, 429, [_("Too many requests; try again later.")])
    wait = throttle.wait()
    if wait:
        response["Retry-After"] = str(max(int(wait), 1))
    return response


def _jurisdiction_unknown(request, fmt: str) -> HttpResponse | None:
    given = (request.POST if request.method == "POST" else request.GET).get("jurisdiction_id")
    if given and given != settings.OPEN311["JURISDICTION_ID"]:
        return errors(
            fmt,
            404,
            [
                _("jurisdiction_id: this server serves only %(id)s.")
                % {"id": settings.OPEN311["JURISDICTION_ID"]}
            ],
        )
    return None


def _public(request, fmt: str) -> HttpResponse | None:
    traffic_mark(request, channel="app")
    return _throttled(PublicThrottle(), request, fmt) or _jurisdiction_unknown(request, fmt)


def _keyed(request, fmt: str) -> tuple[PartnerAppKey | None, HttpResponse | None]:
    traffic_mark(request, channel="app")
    raw = api_key_from(request)
    if not raw:
        return None, errors(fmt, 403, [_("api_key: this method needs the app's key.")])
    key = partner_key_check(raw)
    if key is None:
        return None, errors(fmt, 403, [_("api_key: the key is not valid, or it was revoked.")])
    refused = _throttled(PartnerKeyThrottle(key), request, fmt) or _jurisdiction_unknown(request, fmt)
    return key, refused


def _request_out(row: Open311Request) -> dict:
    """Only what is public: never personal data, never the description, never the location."""
    c = row.complaint
    closed = c.status in selectors.CLOSED
    return {
        "service_request_id": c.reference,
        "status": "closed" if closed else "open",
        "status_notes": str(Status(c.status).label),
        "service_name": service_name(c.category),
        "service_code": c.category.code if c.category else "",
        "agency_responsible": _("1212 Online Complaint Center"),
        "service_notice": "",
        "requested_datetime": w3c(c.received_at),
        "updated_datetime": w3c(c.updated_at),
        "expected_datetime": None if closed else w3c(c.sla_due_at),
    }


@require_GET
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    refused = _public(request, fmt)
    if refused:
        return refused
    changeset = w3c(timezone.make_aware(timezone.datetime(2026, 12, 1)))
    return respond(
        fmt,
        "discovery",
        {
            "changeset": changeset,
            "contact": _("1212 Online Complaint Center: phone 1212, e-mail 1212@mdes.go.th"),
            "key_service": _("Partner apps ask the centre's administrator for a key: 1212@mdes.go.th"),
            "endpoints": [
                {
                    "specification": SPEC,
                    "url": request.build_absolute_uri("/open311/v2"),
                    "changeset": changeset,
                    "type": "production",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        },
    )


@require_GET
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    refused = _public(request, fmt)
    if refused:
        return refused
    return respond(fmt, "services", [service_out(c) for c in selectors.service_list()])


@require_GET
def service_definition(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    refused = _public(request, fmt)
    if refused:
        return refused
    category = selectors.service_get(code)
    if category is None:
        return errors(fmt, 404, [_("service_code: no such service.")])
    return respond(fmt, "service_definition", definition_out(category))


def _dt(value: str, name: str) -> tuple[object, str | None]:
    if not value:
        return None, None
    parsed = parse_datetime(value.strip().replace(" ", "+"))  # a "+" in a query string arrives as " "
    if parsed is None:
        return None, _("%(name)s: not a W3C date and time (2026-12-01T00:00:00Z).") % {"name": name}
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed, None


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def _search(request, fmt: str, key: PartnerAppKey) -> HttpResponse:
    q = request.GET
    problems: list[str] = []
    start, problem = _dt(q.get("start_date", ""), "start_date")
    problems += [problem] if problem else []
    end, problem = _dt(q.get("end_date", ""), "end_date")
    problems += [problem] if problem else []
    statuses = _split(q.get("status"))
    if any(s not in ("open", "closed") for s in statuses):
        problems.append(_("status: open or closed."))
    if start and end and (end < start or end - start > selectors.MAX_SPAN):
        problems.append(_("start_date/end_date: at most 90 days apart, the start first."))
    if problems:
        return errors(fmt, 400, problems)
    rows = selectors.requests_of_app(
        app=key.app,
        references=_split(q.get("service_request_id")),
        service_codes=_split(q.get("service_code")),
        start=start,
        end=end,
        statuses=statuses,
    )
    return respond(fmt, "service_requests", [_request_out(r) for r in rows])


def _file(request, fmt: str, key: PartnerAppKey) -> HttpResponse:
    code = (request.POST.get("service_code") or "").strip()
    if not code:
        return errors(fmt, 400, [_("service_code: required.")])
    category = selectors.service_get(code)
    if category is None:
        return errors(fmt, 404, [_("service_code: no such service.")])
    try:
        filed = open311_request_file(key=key, category=category, form=request.POST)
    except Refused as exc:
        return errors(fmt, exc.status, exc.descriptions)
    traffic_mark(request, reference=filed.reference)
    return respond(
        fmt,
        "service_requests",
        [
            {
                "service_request_id": filed.reference,
                "token": filed.token,
                "service_notice": _(
                    "Give the person the reference and the tracking code; the code is shown only this once."
                ),
                # extension: the citizen's secret for tracking on the centre's own site (shown once)
                "tracking_code": filed.tracking_code,
            }
        ],
        status=201,
    )


@csrf_exempt
@require_http_methods(["GET", "POST"])
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    key, refused = _keyed(request, fmt)
    if refused:
        return refused
    if request.method == "POST":
        return _file(request, fmt, key)
    return _search(request, fmt, key)


@require_GET
def request_detail(request: HttpRequest, reference: str, fmt: str) -> HttpResponse:
    key, refused = _keyed(request, fmt)
    if refused:
        return refused
    row = selectors.request_of_app(app=key.app, reference=reference)
    if row is None:
        return errors(fmt, 404, [_("service_request_id: no such request.")])
    return respond(fmt, "service_requests", [_request_out(row)])


@require_GET
def token_detail(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    key, refused = _keyed(request, fmt)
    if refused:
        return refused
    row = selectors.token_of_app(app=key.app, token=token)
    if row is None:
        return errors(fmt, 404, [_("token: no such token.")])
    return respond(
        fmt, "service_requests", [{"service_request_id": row.complaint.reference, "token": row.token}]
    )
