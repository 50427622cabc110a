"""Issue 13: a desk action and its API share one validation (the API's serializer) and one service,
and a service's refusal (a domain error) reads the same on the desk as in the API, in the reader's
language; the desk answers it with a message on the page it returns to."""

from __future__ import annotations

from django.contrib.messages import get_messages

from complaints.models import Complaint, Role, Status
from privacy.ops.models import DataSubjectRequest


def _messages(response) -> list[str]:
    """The messages the action left for the next page (reading them uses them up)."""
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_a_refused_status_change_reads_the_same_on_the_desk_and_in_the_api(desk, case, staff_api):
    """clause: OCC-12 (Thai text): the refusal is the service's domain error, rendered once by
    each side: 409 transition_not_allowed with its field in the API, the same Thai words on the desk."""
    reg = case()
    ref = reg.complaint.reference
    agent = desk(Role.AGENT, "desk-refused")
    r = agent.post(f"/desk/case/{ref}/status/", {"status": Status.CLOSED}, HTTP_ACCEPT_LANGUAGE="th")
    assert r.status_code == 302 and r["Location"] == f"/desk/case/{ref}/"
    shown = _messages(r)
    api = staff_api(Role.AGENT, "api-refused").post(
        f"/api/v1/staff/complaints/{ref}/status/",
        {"status": Status.CLOSED},
        format="json",
        HTTP_ACCEPT_LANGUAGE="th",
    )
    error = api.json()["error"]
    assert api.status_code == 409 and error["code"] == "transition_not_allowed"
    assert error["fields"] == {"status": [error["message"]]}
    assert shown == [error["message"]] and "เปลี่ยนเป็น" in error["message"]
    assert Complaint.objects.get(pk=reg.complaint.pk).status == Status.RECEIVED


def test_the_desk_status_form_is_checked_by_the_apis_serializer(desk, case):
    """An unknown status is refused by the API's StatusIn (a choice), before any service runs."""
    reg = case()
    agent = desk(Role.AGENT, "desk-choice")
    r = agent.post(
        f"/desk/case/{reg.complaint.reference}/status/", {"status": "nonsense"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert r.status_code == 302 and _messages(r) == ['"nonsense" is not a valid choice.']
    assert Complaint.objects.get(pk=reg.complaint.pk).status == Status.RECEIVED


def test_a_decided_request_is_refused_on_the_privacy_desk_with_the_apis_words(desk, case, staff_api):
    """clause: OCC-11: deciding a request twice is refused (409 not_open in the API); the privacy
    desk shows the same message, and the refusal form is the API's RefuseIn."""
    reg = case()
    officer = desk(Role.PRIVACY_OFFICER, "dpo-refusals")
    agent = staff_api(Role.AGENT, "dsr-agent")
    filed = agent.post(
        "/api/v1/privacy/staff/requests/",
        {"reference": reg.complaint.reference, "type": "access", "identity_check": "callback"},
        format="json",
    )
    rid = filed.json()["request_id"]
    url = f"/desk/privacy/requests/{rid}/decide/"
    bad = officer.post(
        url, {"decision": "refuse", "ground": "nonsense", "reason": "x"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert bad.status_code == 302 and _messages(bad) == ['"nonsense" is not a valid choice.']
    assert DataSubjectRequest.objects.get(public_id=rid).status == DataSubjectRequest.Status.RECEIVED
    officer.post(url, {"decision": "grant"})
    again = officer.post(url, {"decision": "grant"}, HTTP_ACCEPT_LANGUAGE="en")
    with_api = staff_api(Role.PRIVACY_OFFICER, "dpo-api").post(
        f"/api/v1/privacy/staff/requests/{rid}/grant/", {}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert with_api.status_code == 409 and with_api.json()["error"]["code"] == "not_open"
    assert _messages(again)[-1] == with_api.json()["error"]["message"]
    assert "completed" in with_api.json()["error"]["message"]


def test_resending_a_referral_that_has_not_failed_is_refused_with_the_apis_words(desk, case, staff_api):
    """A resend of a referral that did not fail: 409 not_failed in the API, the same message on the
    supervisor's desk, back on the page the form came from; nothing changes."""
    from routing.models import Referral

    reg = case()
    ref = reg.complaint.reference
    agent = staff_api(Role.AGENT, "route-agent")
    routed = agent.post(
        f"/api/v1/staff/complaints/{ref}/referrals/",
        {"agency": "ocpb", "purpose": "consumer_protection", "basis": "related_agency"},
        format="json",
    )
    assert routed.status_code == 201, routed.content
    referral = Referral.objects.get()
    state = referral.state
    api = staff_api(Role.SUPERVISOR, "sup-api").post(
        f"/api/v1/staff/referrals/{referral.pk}/resend/", HTTP_ACCEPT_LANGUAGE="th"
    )
    assert api.status_code == 409 and api.json()["error"]["code"] == "not_failed"
    supervisor = desk(Role.SUPERVISOR, "sup-desk")
    r = supervisor.post(f"/desk/referrals/{referral.pk}/resend/", {"next": "case"}, HTTP_ACCEPT_LANGUAGE="th")
    assert r.status_code == 302 and r["Location"] == f"/desk/case/{ref}/#h-route"
    assert _messages(r) == [api.json()["error"]["message"]]
    assert Referral.objects.get().state == state


def test_the_portal_shows_a_refused_file_on_its_form_with_the_errors_status(demo):
    """clause: OCC-12, OCC-8 (evidence checked by content): a file that is not what its name says
    is a domain error (EvidenceRejected); the portal renders the form again with the refusal under
    the file field and the error's status, in Thai; nothing is stored."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    r = Client().post(
        "/file/",
        {
            "category": "online_shopping",
            "description": "ซื้อของไม่ได้รับ",
            "phone": "0812345678",
            "attachments": SimpleUploadedFile("slip.png", b"%PDF-1.4 not an image", content_type="image/png"),
        },
    )
    page = r.content.decode()
    assert r.status_code == 400 and 'id="form-error"' in page
    assert "ไฟล์ &#x27;slip.png&#x27; ใช้ไม่ได้" in page  # the message, in Thai
    assert '<div id="attachments-errors" role="alert"><ul class="errorlist"><li>slip.png: ' in page
    assert not Complaint.objects.exists()
