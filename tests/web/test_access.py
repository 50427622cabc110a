"""Who may open which page: the second factor for every staff role, log-out, idle expiry, and a 404
for every desk page asked about an object the user may not see (no existence oracle)."""

import time
import uuid

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from complaints.models import Agency, Complaint, Role
from interfaces.auth import SEEN
from privacy.ops.services.requests import dsr_file_by_agent
from routing.referrals import referral_create

pytestmark = pytest.mark.django_db

HOMES = {
    Role.AGENT: "/desk/",
    Role.SUPERVISOR: "/desk/supervisor/",
    Role.ADMINISTRATOR: "/desk/",
    Role.PRIVACY_OFFICER: "/desk/privacy/",
    Role.AUDITOR: "/desk/privacy/",
    Role.AGENCY_OFFICER: "/agency/",
}


@pytest.mark.parametrize("role", list(HOMES))
def test_every_staff_role_needs_the_second_factor(role, user_factory, demo):
    """clause: OCC-8, DD-5 (second factor for every role; log-out offered on every desk page)"""
    user = user_factory(
        role, f"u-{role}", Agency.objects.get(code="ccib") if role == Role.AGENCY_OFFICER else None
    )
    client = Client()
    home = HOMES[role]
    assert client.get(home)["Location"].startswith("/desk/login/")
    assert (
        client.post("/desk/login/", {"username": user.username, "password": "pw-not-used-1212"}).status_code
        == 302
    )
    assert client.get(home)["Location"] == "/desk/login/otp/"  # the password alone opens nothing
    assert client.get("/api/v1/auth/me/").status_code in (401, 403)
    page = client.get("/desk/login/otp/").content.decode()
    assert "data:image/svg+xml;base64," in page and 'id="totp-secret"' in page  # enrolment by QR code
    device = TOTPDevice.objects.get(user=user)
    r = client.post("/desk/login/otp/", {"token": f"{totp(device.bin_key):06d}"})
    assert r.status_code == 302
    page = client.get(home)
    assert page.status_code == 200 and b'id="logout"' in page.content
    client.post("/desk/logout/")
    assert client.get(home).status_code == 302


def test_a_wrong_code_is_refused_and_announced(user_factory, demo):
    user = user_factory(Role.AGENT, "otp-wrong")
    client = Client()
    client.post("/desk/login/", {"username": user.username, "password": "pw-not-used-1212"})
    client.get("/desk/login/otp/")
    device = TOTPDevice.objects.get(user=user)
    wrong = f"{(totp(device.bin_key) + 1) % 1000000:06d}"
    r = client.post("/desk/login/otp/", {"token": wrong})
    assert r.status_code == 400 and 'aria-invalid="true"' in r.content.decode()
    assert client.get("/desk/").status_code == 302


def test_desk_sessions_expire_after_idle_time(desk, settings):
    """clause: OCC-8 (sessions expire)"""
    settings.OCC_DESK_IDLE_SECONDS = 600
    agent = desk(Role.AGENT, "idle-agent")
    assert agent.get("/desk/").status_code == 200
    session = agent.session
    session[SEEN] = int(time.time()) - 601
    session.save()
    r = agent.get("/desk/")
    assert r.status_code == 302 and r["Location"] == "/desk/login/?expired=1"
    assert agent.get("/desk/")["Location"].startswith("/desk/login/?next=")  # logged out, not just redirected
    assert "session-expired" in agent.get("/desk/login/?expired=1").content.decode()


def test_log_in_returns_to_the_page_asked_for(user_factory, demo, case):
    reg = case()
    user = user_factory(Role.AGENT, "next-agent")
    client = Client()
    target = f"/desk/case/{reg.complaint.reference}/"
    login = client.get(target)["Location"]
    assert login == f"/desk/login/?next={target}"
    client.post("/desk/login/", {"username": user.username, "password": "pw-not-used-1212", "next": target})
    client.get("/desk/login/otp/")
    device = TOTPDevice.objects.get(user=user)
    assert client.post("/desk/login/otp/", {"token": f"{totp(device.bin_key):06d}"})["Location"] == target
    # an outside address is never followed
    other = Client()
    other.post(
        "/desk/login/",
        {"username": user.username, "password": "pw-not-used-1212", "next": "https://evil.example/"},
    )
    assert "evil" not in other.session.get("desk_next", "")


@pytest.fixture
def world(desk, case, user_factory, live_call, fax_case):
    """Two cases, one referred to the police cyber unit, a recording, a fax, a request."""
    from channels_intake.telephony.services import recording_store
    from tests.channels_intake.telephony.media import wav_pcm

    router = user_factory(Role.AGENT, "router")
    mine = case()
    theirs = case(category="financial_scam")
    ref = referral_create(
        complaint=theirs.complaint,
        agency=Agency.objects.get(code="ccib"),
        purpose="investigation",
        basis="related_agency",
        actor=router,
    )
    import io

    rec, _ = recording_store(
        fileobj=io.BytesIO(wav_pcm()),
        filename="call.wav",
        source="agent",
        complaint=mine.complaint,
        uploaded_by=router,
    )
    from complaints.models import Attachment

    fax = fax_case()
    request = dsr_file_by_agent(
        actor=router,
        complaint=mine.complaint,
        type="access",
        details={},
        identity_check="asked for the tracking code on the phone",
    )
    return {
        "mine": mine.complaint,
        "theirs": theirs.complaint,
        "ref": ref,
        "rec": rec,
        "fax": fax,
        "att": Attachment.objects.filter(complaint=fax).first(),
        "request": request,
    }


def test_every_desk_page_answers_404_for_what_the_user_may_not_see(world, desk):
    """clause: OCC-8, DD-4 (need to know): 404, the same as for what does not exist"""
    w = world
    ocpb = desk(Role.AGENCY_OFFICER, "ocpb-officer", "ocpb")
    police = desk(Role.AGENCY_OFFICER, "police-officer", "ccib")
    agent = desk(Role.AGENT, "desk-agent")
    auditor = desk(Role.AUDITOR, "auditor-1")
    dpo = desk(Role.PRIVACY_OFFICER, "dpo-1")
    d = w["ref"].delivery_id
    fax = w["fax"].fax

    # another agency's referral, for every agency page and action
    assert police.get(f"/agency/{d}/").status_code == 200
    for url in (f"/agency/{d}/",):
        assert ocpb.get(url).status_code == 404
    for url in (f"/agency/{d}/acknowledge/", f"/agency/{d}/update/", f"/agency/{d}/data/"):
        assert ocpb.post(url, {"text": "x", "kind": "k", "value": "v"}).status_code == 404
    assert ocpb.get(f"/agency/{uuid.uuid4()}/").status_code == 404
    # an agency officer never opens the centre's desk, its evidence or the privacy desk, even for its own case
    for url in (
        f"/desk/case/{w['theirs'].reference}/",
        f"/desk/case/{w['mine'].reference}/",
        f"/desk/recordings/{w['rec'].pk}/audio/",
        f"/desk/faxes/{fax.pk}/pages/1/",
        "/desk/supervisor/",
        "/desk/search/?reference=x",
        "/desk/phone/",
        "/desk/privacy/",
        f"/desk/privacy/requests/{w['request'].public_id}/",
    ):
        assert police.get(url).status_code == 404, url
    if w["att"] is not None:
        assert police.get(f"/desk/attachments/{w['att'].pk}/").status_code == 404
    # objects that do not exist answer the same
    for url in (
        "/desk/case/OCC-2099-000001/",
        "/desk/recordings/999999/audio/",
        "/desk/attachments/999999/",
        f"/desk/faxes/{fax.pk}/pages/99/",
        "/desk/faxes/999999/pages/1/",
        "/desk/case/OCC-2099-000001/preview/?agency=ccib&purpose=investigation&basis=related_agency",
        "/desk/phone/?call=no-such-call",
    ):
        assert agent.get(url).status_code == 404, url
    for url in (
        "/desk/case/OCC-2099-000001/status/",
        "/desk/case/OCC-2099-000001/note/",
        "/desk/case/OCC-2099-000001/route/",
        "/desk/referrals/999999/resend/",
        "/desk/quarantine/999999/reprocess/",
    ):
        assert agent.post(url, {"status": "triaged", "text": "x"}).status_code == 404, url
    # roles: agents see no privacy desk, supervision or agency inbox; auditors read but never decide
    for url in (
        "/desk/privacy/",
        f"/desk/privacy/requests/{w['request'].public_id}/",
        "/desk/supervisor/",
        "/agency/",
    ):
        assert agent.get(url).status_code == 404, url
    assert agent.post(f"/desk/referrals/{w['ref'].pk}/resend/").status_code == 404  # supervisors only
    assert auditor.get(f"/desk/privacy/requests/{w['request'].public_id}/").status_code == 200
    assert (
        auditor.post(
            f"/desk/privacy/requests/{w['request'].public_id}/decide/", {"decision": "grant"}
        ).status_code
        == 404
    )
    assert dpo.get(f"/desk/privacy/requests/{uuid.uuid4()}/").status_code == 404
    assert dpo.post("/desk/privacy/holds/999999/release/", {"reason": "x"}).status_code == 404
    assert dpo.post("/desk/privacy/breaches/999999/notified/").status_code == 404
    # a privacy officer reads cases (to answer requests) but does not work them
    assert dpo.get(f"/desk/case/{w['mine'].reference}/").status_code == 200
    assert dpo.post(f"/desk/case/{w['mine'].reference}/note/", {"text": "x"}).status_code == 404
    assert Complaint.objects.get(pk=w["mine"].pk).events.filter(text="x").count() == 0
