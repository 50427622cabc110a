"""The access matrix, generated from the URLconf: every API and web URL pattern, asked by every
actor about an object of each kind that the actor may not reach, answers 404 (401, or a redirect to
the log-in page, where the actor is not authenticated for that surface): never 200, never 403.

``REACH`` below is the policy written out a second time, by hand, per URL name (and per method where
the methods differ): who may use each address at all. The test walks the URLconf itself, so a new
URL that nobody added here fails the test until someone decides who may reach it.

clause: OCC-8, DD-4, OCC-7 (need to know; agencies reach case data only through their referrals)
"""

from __future__ import annotations

import io
import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from channels_intake.models import InboundItem
from complaints.models import Agency, Attachment, Role
from privacy.ops.models import BreachRecord, LegalHold, PolicyVersion
from privacy.ops.services.requests import dsr_file_by_agent
from routing.agency_auth import agency_credential_issue
from routing.referrals import referral_create
from tests.conftest import make_user
from tests.web.conftest import verified_client

pytestmark = pytest.mark.django_db

CENTRE = ("agent", "supervisor", "privacy_officer", "auditor", "administrator")
AGENCY_PEOPLE = ("officer_a", "officer_b")
AGENCY_KEYS = ("key_a", "key_b")
ACTORS = ("anonymous", "citizen", *CENTRE, *AGENCY_PEOPLE, *AGENCY_KEYS)
HUMANS = frozenset(CENTRE + AGENCY_PEOPLE)  # accounts that log in (session with the second factor)

EVERYONE = frozenset(ACTORS)
ACCOUNTS = HUMANS
READ = frozenset({"agent", "supervisor", "administrator", "privacy_officer"})
WORK = frozenset({"agent", "supervisor", "administrator"})
SUPERVISE = frozenset({"supervisor", "administrator"})
PRIVACY_READ = frozenset({"privacy_officer", "auditor", "administrator"})
PRIVACY_DECIDE = frozenset({"privacy_officer", "administrator"})
BREACH_READ = PRIVACY_READ | {"supervisor"}
BREACH_RECORD = PRIVACY_DECIDE | {"supervisor"}
RECORDS = PRIVACY_READ | {"supervisor"}
AUDIT = frozenset({"auditor", "privacy_officer", "administrator"})
AGENCY_API = frozenset(AGENCY_PEOPLE + AGENCY_KEYS)
AGENCY_WEB = frozenset(AGENCY_PEOPLE)
MACHINES: frozenset[str] = frozenset()  # signed machine clients only: no actor here holds a signature
# Open311 requests and tokens: a partner app's key only; the specification answers 403 without one
# (tests/channels_intake/open311 prove that another app's key gets 404 for them).
PARTNER_APP_URLS = frozenset({"open311-requests", "open311-request", "open311-token"})

# URL name -> who may use it (a set), or {method: set} where methods differ.
REACH: dict[str, frozenset[str] | dict[str, frozenset[str]]] = {
    # public: the citizen's side, log-in, health, the schema
    "portal:home": EVERYONE,
    "portal:cookies": EVERYONE,
    "portal:file": EVERYONE,
    "portal:fields": EVERYONE,
    "portal:mydata": EVERYONE,
    "portal:mydata-verify": EVERYONE,
    "portal:policy": EVERYONE,
    "portal:track": EVERYONE,
    "portal:statistics": EVERYONE,
    "open311-discovery": EVERYONE,
    "open311-services": EVERYONE,
    "open311-service": EVERYONE,
    "open311-requests": frozenset(),
    "open311-request": frozenset(),
    "open311-token": frozenset(),
    "category-list": EVERYONE,
    "complaint-file": EVERYONE,
    "complaint-track": EVERYONE,
    "auth-login": EVERYONE,
    "privacy-request-file": EVERYONE,
    "privacy-request-verify": EVERYONE,
    "privacy-request-status": EVERYONE,
    "privacy-request-export": EVERYONE,
    "privacy-policy": EVERYONE,
    "privacy-notices": EVERYONE,
    "privacy-cookies": EVERYONE,
    "health": EVERYONE,
    "metrics": frozenset(),  # Prometheus with the OCC_METRICS_TOKEN bearer only: 404 for every actor
    "schema": EVERYONE,
    "api-docs": EVERYONE,
    "set_language": EVERYONE,
    "desk:login": EVERYONE,
    "desk:otp": EVERYONE,
    "desk:logout": EVERYONE,
    # any account
    "auth-me": ACCOUNTS,
    "auth-logout": ACCOUNTS,
    "desk:queue": ACCOUNTS,  # each role is sent on to its own start page
    # cases (staff API and desk)
    "staff-complaint-list": READ,
    "staff-statistics": READ,
    "staff-complaint": READ,
    "staff-complaint-status": WORK,
    "staff-complaint-notes": WORK,
    "staff-complaint-assign": WORK,
    "staff-attachment-download": READ,
    "staff-routing": WORK,
    "staff-refer": WORK,
    "staff-consent": WORK,
    "staff-consent-withdraw": WORK,
    "staff-legal-order": WORK,
    "staff-referral-queue": WORK,
    "staff-referral-resend": SUPERVISE,
    "staff-caller-lookup": WORK,
    "staff-calls": READ,
    "staff-call": READ,
    "staff-call-earlier-complaints": READ,
    "staff-call-link": WORK,
    "staff-phone-complaint": WORK,
    "staff-recordings": {"GET": READ, "POST": WORK},
    "staff-recording": READ,
    "staff-recording-audio": READ,
    "staff-faxes": READ,
    "staff-fax": READ,
    "staff-fax-page": READ,
    "staff-fax-transcribe": WORK,
    "staff-upload-start": WORK,
    "staff-upload": WORK,
    "staff-upload-finalize": WORK,
    "desk:case": READ,
    # fraud indicators (docs/indicators.md): staff only; agencies through the gate
    "staff-complaint-linked": READ,
    "staff-complaint-link": WORK,
    "staff-complaint-duplicate": WORK,
    "staff-complaint-duplicate-undo": WORK,
    "staff-complaint-incident": WORK,
    "staff-link-undo": WORK,
    "staff-indicator-search": READ,
    "staff-indicator-state": SUPERVISE,
    "staff-cluster-list": SUPERVISE,
    "staff-cluster": SUPERVISE,
    "agency-indicators": AGENCY_API,
    "indicators-desk:case-linked": READ,
    "indicators-desk:case-link": WORK,
    "indicators-desk:case-duplicate": WORK,
    "indicators-desk:case-duplicate-undo": WORK,
    "indicators-desk:phone-hint": WORK,
    "desk:case-assign": WORK,
    "desk:case-consent": WORK,
    "desk:case-note": WORK,
    "desk:case-preview": WORK,
    "desk:case-recording": WORK,
    "desk:case-route": WORK,
    "desk:case-status": WORK,
    "desk:case-transcribe": WORK,
    "desk:attachment": READ,
    "desk:fax-page": READ,
    "desk:recording-audio": READ,
    "desk:phone": WORK,
    "desk:phone-fields": WORK,
    "desk:phone-history": WORK,
    "desk:search": READ,
    "desk:reprocess": WORK,
    "desk:resend": SUPERVISE,
    "desk:supervisor": SUPERVISE,
    # agencies: only their own referrals
    "agency-referrals": AGENCY_API,
    "agency-referral": AGENCY_API,
    "agency-referral-ack": AGENCY_API,
    "agency-referral-update": AGENCY_API,
    "agency-referral-data": AGENCY_API,
    "agency-notices": AGENCY_API,
    "agency:inbox": AGENCY_WEB,
    "agency:detail": AGENCY_WEB,
    "agency:acknowledge": AGENCY_WEB,
    "agency:data": AGENCY_WEB,
    "agency:update": AGENCY_WEB,
    # transfer log, privacy operations
    "audit-transfers": AUDIT,
    "audit-transfers-verify": AUDIT,
    "privacy-staff-requests": {"GET": PRIVACY_READ, "POST": READ},
    "privacy-staff-request": PRIVACY_READ,
    "privacy-staff-request-grant": PRIVACY_DECIDE,
    "privacy-staff-request-refuse": PRIVACY_DECIDE,
    "privacy-staff-request-export": PRIVACY_READ,
    "privacy-staff-request-tie": {"POST": READ},  # an open request: tie a complaint after a check
    "privacy-holds": {"GET": PRIVACY_READ, "POST": PRIVACY_DECIDE},
    "privacy-hold-release": PRIVACY_DECIDE,
    "privacy-purge-runs": PRIVACY_READ,
    "privacy-breaches": {"GET": BREACH_READ, "POST": BREACH_RECORD},
    "privacy-breach-notified": PRIVACY_DECIDE,
    "privacy-ropa": RECORDS,
    "privacy-access-report": PRIVACY_READ,
    "privacy-traffic-search": PRIVACY_READ,
    "privacy-policy-draft": PRIVACY_DECIDE,
    "privacy-policy-publish": PRIVACY_DECIDE,
    "privacydesk:requests": PRIVACY_READ,
    "privacydesk:request": PRIVACY_READ,
    "privacydesk:decide": PRIVACY_DECIDE,
    "privacydesk:tie": PRIVACY_DECIDE,
    "privacydesk:holds": {"GET": PRIVACY_READ, "POST": PRIVACY_DECIDE},
    "privacydesk:hold-release": PRIVACY_DECIDE,
    "privacydesk:breaches": BREACH_READ,
    "privacydesk:breach-notified": PRIVACY_DECIDE,
    "privacydesk:exports": PRIVACY_READ,
    "privacydesk:transfers": PRIVACY_READ,
    # machine clients: a signature, never a person's log-in
    "mail-gateway": MACHINES,
    "cti-event": MACHINES,
    "fax-gateway": MACHINES,
    "pbx-upload-start": MACHINES,
    "pbx-upload": MACHINES,
    "pbx-upload-finalize": MACHINES,
    "pbx-recording": MACHINES,
}

# Actors allowed an address who still must not reach a given object there: agency A asks about
# agency B's referral and the other way round; a citizen asks about someone else's case.
OBJECT_SCOPED = {
    "agency-referral",
    "agency-referral-ack",
    "agency-referral-update",
    "agency-referral-data",
    "agency:detail",
    "agency:acknowledge",
    "agency:data",
    "agency:update",
}


def url_patterns(resolver=None, prefix="", namespace=""):
    resolver = resolver or get_resolver()
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            ns = namespace + (f"{p.namespace}:" if p.namespace else "")
            yield from url_patterns(p, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), (namespace + p.name) if p.name else None


def _fill(pattern: str, values: dict[str, str]) -> str:
    import re

    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], pattern)


@pytest.fixture
def world(demo, case, live_call, fax_case, settings):
    from channels_intake.telephony.models import UploadSession
    from channels_intake.telephony.services import recording_store
    from privacy.services import consent_record
    from tests.channels_intake.telephony.media import wav_pcm

    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    # machine endpoints are configured (else they answer 503 to everyone): a signature is required
    settings.OCC_PBX_SECRETS = ["pbx-matrix-secret"]
    settings.OCC_FAX_GATEWAY_SECRETS = ["fax-matrix-secret"]
    settings.OCC_MAIL_GATEWAY_SECRET = "mail-matrix-secret"
    agency_a, agency_b = Agency.objects.get(code="ccib"), Agency.objects.get(code="ocpb")
    router = make_user(Role.AGENT, "router")
    x = case(category="financial_scam").complaint
    y = case(category="online_shopping").complaint
    ref_a = referral_create(
        complaint=x, agency=agency_a, purpose="investigation", basis="related_agency", actor=router
    )
    ref_b = referral_create(
        complaint=y, agency=agency_b, purpose="consumer_protection", basis="related_agency", actor=router
    )
    rec, _ = recording_store(
        fileobj=io.BytesIO(wav_pcm()), filename="c.wav", source="agent", complaint=x, uploaded_by=router
    )
    fax = fax_case().fax
    call = live_call("matrix-call")
    upload = UploadSession.objects.create(filename="c.wav", total_size=10, created_by=router, complaint=x)
    consent = consent_record(
        complainant=x.complainant,
        agency=agency_a,
        actor=router,
        purposes=["investigation"],
        fields=["complainant.name"],
        channel="phone",
        statement="agreed on the phone",
    )
    request = dsr_file_by_agent(
        actor=router, complaint=x, type="access", details={}, identity_check="tracking code on the phone"
    )
    hold = LegalHold.objects.create(
        scope=LegalHold.Scope.CASE,
        complaint=x,
        order_reference="order-1",
        issuing_authority="court",
        expires_at=timezone.now() + timedelta(days=30),
        recorded_by=router,
    )
    breach = BreachRecord.objects.create(
        detected_at=timezone.now(),
        description="test breach",
        data_categories=["contact"],
        people_affected=1,
        notify_by=timezone.now() + timedelta(hours=72),
        recorded_by=router,
    )
    policy = PolicyVersion.objects.create(
        version="9.9",
        title_th="t",
        title_en="t",
        body_th="t",
        body_en="t",
        effective_at=timezone.now() + timedelta(days=30),
    )
    quarantined = InboundItem.objects.create(
        channel="email", kind="email", source="test", dedup_key="matrix", size=1, state="quarantined"
    )
    attachment = Attachment.objects.filter(complaint=fax.complaint).first()
    from indicators.models import ComplaintLink, Indicator, IndicatorSighting

    indicator = Indicator.objects.create(kind="bank_account", value="1234567890")
    for c in (x, y):
        IndicatorSighting.objects.create(
            indicator=indicator, complaint=c, source="field", seen_at=c.received_at
        )
    link = ComplaintLink.objects.create(kind="related", complaint=x, other=y, reason="r", created_by=router)
    common = {
        "reference": x.reference,
        "call_id": call.call_id,
        "upload_id": str(upload.pk),
        "public_id": str(request.public_id),
        "number": "1",
        "fmt": "json",
        "code": "online_shopping",
        "token": "no-such-token",
    }
    pks = {
        "staff-attachment-download": attachment.pk,
        "desk:attachment": attachment.pk,
        "staff-consent-withdraw": consent.pk,
        "staff-referral-resend": ref_a.pk,
        "desk:resend": ref_a.pk,
        "staff-recording": rec.pk,
        "staff-recording-audio": rec.pk,
        "desk:recording-audio": rec.pk,
        "staff-fax": fax.pk,
        "staff-fax-page": fax.pk,
        "staff-fax-transcribe": fax.pk,
        "desk:fax-page": fax.pk,
        "desk:reprocess": quarantined.pk,
        "privacy-hold-release": hold.pk,
        "privacydesk:hold-release": hold.pk,
        "privacy-breach-notified": breach.pk,
        "privacydesk:breach-notified": breach.pk,
        "privacy-policy-publish": policy.pk,
        "staff-indicator-state": indicator.pk,
        "staff-cluster": indicator.pk,
        "staff-link-undo": link.pk,
    }
    return {
        "x": x,
        "y": y,
        "ref_a": ref_a,
        "ref_b": ref_b,
        "common": common,
        "pks": pks,
        "agency_a": agency_a,
        "agency_b": agency_b,
    }


@pytest.fixture
def actors(world):
    clients: dict[str, Client] = {"anonymous": Client(), "citizen": Client()}
    for role in CENTRE:
        clients[role] = verified_client(make_user(role, f"m-{role}"))
    for suffix, agency in (("a", world["agency_a"]), ("b", world["agency_b"])):
        clients[f"officer_{suffix}"] = verified_client(
            make_user(Role.AGENCY_OFFICER, f"m-off-{suffix}", agency)
        )
        _, key = agency_credential_issue(agency=agency, label="matrix")
        clients[f"key_{suffix}"] = Client(HTTP_AUTHORIZATION=f"Agency {key}")
    return clients


def _values(world, name: str, actor: str) -> dict[str, str]:
    values = dict(world["common"])
    # an agency's actors ask about the other agency's referral; everyone else about agency A's
    other = world["ref_b"] if actor.endswith("_a") else world["ref_a"]
    values["delivery_id"] = str(other.delivery_id)
    if name in world["pks"]:
        values["pk"] = str(world["pks"][name])
    return values


def _allowed(name: str, method: str) -> frozenset[str]:
    rule = REACH[name]
    return rule.get(method, frozenset()) if isinstance(rule, dict) else rule


def _refused(response, *, actor: str, name: str) -> bool:
    if name in PARTNER_APP_URLS:
        return response.status_code == 403
    if REACH[name] is MACHINES:
        return response.status_code == 401  # no signature: nobody is authenticated there
    if response.status_code == 404:
        return True
    if actor in HUMANS:
        return False  # logged in: anything but 404 tells them something
    if response.status_code == 401:
        return True
    return response.status_code == 302 and response["Location"].startswith("/desk/login/")


def test_every_url_and_every_actor_answers_404_for_what_it_may_not_reach(world, actors, capsys):
    patterns = [(p, n) for p, n in url_patterns() if not p.startswith(("admin/", "i18n/")) or n]
    patterns = [(p, n) for p, n in patterns if not p.startswith("admin/")]
    unnamed = [p for p, n in patterns if n is None]
    assert not unnamed, f"every URL needs a name so the matrix can hold it: {unnamed}"
    missing = sorted({n for _, n in patterns} - set(REACH))
    assert not missing, f"URLs nobody decided the reach of (add them to REACH): {missing}"
    stale = sorted(set(REACH) - {n for _, n in patterns})
    assert not stale, f"REACH names URLs that no longer exist: {stale}"

    checked = 0
    leaks = []
    for pattern, name in patterns:
        for actor in ACTORS:
            for method in ("GET", "POST"):
                allowed = actor in _allowed(name, method)
                if allowed and name not in OBJECT_SCOPED:
                    continue
                path = _fill(pattern, _values(world, name, actor))
                client = actors[actor]
                response = client.get(path) if method == "GET" else client.post(path, {})
                if response.status_code == 405:
                    continue  # the address does not serve this method for anyone
                checked += 1
                if not _refused(response, actor=actor, name=name):
                    leaks.append(f"{method} {path} ({name}) as {actor}: {response.status_code}")
    with capsys.disabled():
        print(
            f"\naccess matrix: {len(patterns)} URL patterns x {len(ACTORS)} actors, {checked} refusals checked"
        )
    assert not leaks, "\n".join(leaks)
    assert checked > 500


def test_agency_actors_still_reach_their_own_referrals(world, actors):
    """The matrix's refusals are not a blanket 404: each agency reaches what it was sent."""
    mine = world["ref_a"].delivery_id
    assert actors["officer_a"].get(f"/agency/{mine}/").status_code == 200
    assert actors["key_a"].get(f"/api/v1/agency/referrals/{mine}/").status_code == 200
    assert actors["officer_a"].get(f"/api/v1/agency/referrals/{mine}/").status_code == 200
    assert actors["officer_b"].get(f"/agency/{mine}/").status_code == 404


def test_a_citizen_reaches_only_the_case_of_their_own_code(world, client):
    """clause: OCC-8 (a reference with another case's tracking code is 404, like a wrong code)"""
    from complaints.models import Category
    from complaints.services.intake import complaint_register

    filed = complaint_register(
        channel="web",
        category=Category.objects.get(code="online_shopping"),
        description="ของไม่มาส่ง",
        identity={"phone": "0812345678"},
        acknowledge=False,
    )
    own = {"reference": filed.complaint.reference, "tracking_code": filed.tracking_code}
    other = {"reference": world["x"].reference, "tracking_code": filed.tracking_code}
    api = Client()
    assert api.post("/api/v1/track/", own, content_type="application/json").status_code == 200
    assert api.post("/api/v1/track/", other, content_type="application/json").status_code == 404
    unknown = {"reference": "OCC-2099-999999", "tracking_code": filed.tracking_code}
    assert api.post("/api/v1/track/", unknown, content_type="application/json").status_code == 404


def test_unknown_object_and_unreachable_object_answer_alike(world, actors):
    """No existence oracle: another agency's referral and one that never existed give the same answer."""
    theirs = world["ref_b"].delivery_id
    r1 = actors["key_a"].get(f"/api/v1/agency/referrals/{theirs}/")
    r2 = actors["key_a"].get(f"/api/v1/agency/referrals/{uuid.uuid4()}/")
    assert r1.status_code == r2.status_code == 404
    assert r1.json() == r2.json()


def test_an_agency_officer_cannot_read_a_case_referred_to_them_through_the_staff_api(world, actors):
    """clause: OCC-7, DD-4 (the leak of issue 11: agencies read only what the gate releases, through
    their referrals; the staff API's whole case, its list and its evidence stay the centre's)"""
    officer = actors["officer_a"]
    x = world["x"]
    assert officer.get(f"/api/v1/staff/complaints/{x.reference}/").status_code == 404
    assert officer.get("/api/v1/staff/complaints/").status_code == 404
    attachment = Attachment.objects.first()
    assert officer.get(f"/api/v1/staff/attachments/{attachment.pk}/download/").status_code == 404
    assert officer.get(f"/desk/case/{x.reference}/").status_code == 404


def test_no_role_is_compared_outside_the_access_layer():
    """One capability map: views, services and selectors ask ``complaints.access``; a new hand-written
    role check anywhere else fails here."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    allowed = {
        root / "complaints" / "access.py",
        root / "complaints" / "models" / "core.py",
        root / "interfaces" / "demo.py",
    }
    role_check = re.compile(r"\.role\s*(==|!=|in\b|not in\b)|\bRole\.[A-Z_]+\b|role__in=\[")
    offenders = []
    for app in ("occ", "complaints", "channels_intake", "privacy", "routing", "interfaces", "indicators"):
        for path in (root / app).rglob("*.py") if (root / app).exists() else []:
            if path in allowed or "migrations" in path.parts or "management" in path.parts:
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if role_check.search(line):
                    offenders.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    assert not offenders, "\n".join(offenders)
