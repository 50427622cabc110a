"""The desk shows the links: on the case page ("12 other complaints share this account, ฿480,000
in total") and on the phone screen while the caller is on the line; agents link and merge there.

clause: OCC-4"""

from __future__ import annotations

import pytest
from django.utils import translation

from complaints.models import Complaint, Role, TimelineEvent
from tests.web.conftest import verified_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def reported(file_complaint):
    refs = [
        file_complaint(
            description=f"เรื่องที่ {i}",
            complainant={"name": "ผู้แจ้ง", "phone": f"08912345{i:02d}"},
            incident={"other_party_account": "กสิกร 123-4-56789-0", "amount_lost": "40000.00"},
        )["reference"]
        for i in range(13)
    ]
    return refs


def test_the_case_page_shows_how_many_share_the_account_and_their_total(reported, user_factory):
    client = verified_client(user_factory(Role.AGENT, "desk-ind"))
    page = client.get(f"/desk/case/{reported[0]}/").content.decode()
    assert f"/desk/indicators/case/{reported[0]}/linked/" in page
    with translation.override("en"):
        panel = client.get(f"/desk/indicators/case/{reported[0]}/linked/", HTTP_ACCEPT_LANGUAGE="en")
    text = panel.content.decode()
    assert panel.status_code == 200
    assert "12 other complaints share this bank account, ฿480,000 in total" in text
    assert reported[5] in text


def test_the_phone_screen_shows_links_while_the_caller_is_on_the_line(reported, user_factory):
    client = verified_client(user_factory(Role.AGENT, "phone-ind"))
    assert "/desk/indicators/phone/hint/" in client.get("/desk/phone/").content.decode()
    r = client.get(
        "/desk/indicators/phone/hint/",
        {"phone": "0891234503", "description": "โอนเข้าบัญชีกสิกร 1234567890 แล้วไม่ได้ของ"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    text = r.content.decode()
    assert "13 other complaints share this bank account, ฿520,000 in total" in text
    # the same caller reported the same account within 30 days: a possible duplicate
    assert 'id="possible-duplicates"' in text and reported[3] in text and reported[4] not in text


def test_agents_mark_a_duplicate_and_undo_it_on_the_desk(reported, user_factory):
    client = verified_client(user_factory(Role.AGENT, "merge-ind"))
    r = client.post(f"/desk/indicators/case/{reported[1]}/duplicate/", {"of": reported[0], "reason": "same"})
    assert r.status_code == 302
    assert Complaint.objects.get(reference=reported[1]).status == "duplicate"
    r = client.post(f"/desk/indicators/case/{reported[1]}/duplicate/undo/", {"reason": "no"})
    assert Complaint.objects.get(reference=reported[1]).status == "received"
    r = client.post(
        f"/desk/indicators/case/{reported[1]}/link/", {"related": reported[2], "reason": "same shop"}
    )
    assert TimelineEvent.objects.filter(complaint__reference=reported[2], kind="linked").exists()


def test_agency_officers_and_unknown_cases_get_404_on_the_desk_panels(reported, user_factory, demo):
    from complaints.models import Agency

    officer = verified_client(user_factory(Role.AGENCY_OFFICER, "off-ind", Agency.objects.get(code="ccib")))
    for url in (f"/desk/indicators/case/{reported[0]}/linked/", "/desk/indicators/phone/hint/?phone=1"):
        assert officer.get(url).status_code == 404, url
    assert (
        officer.post(f"/desk/indicators/case/{reported[0]}/duplicate/", {"of": reported[1]}).status_code
        == 404
    )
    agent = verified_client(user_factory(Role.AGENT, "agent-404"))
    assert agent.get("/desk/indicators/case/OCC-2099-000001/linked/").status_code == 404
    assert (
        agent.post("/desk/indicators/case/OCC-2099-000001/link/", {"related": reported[0]}).status_code == 404
    )
