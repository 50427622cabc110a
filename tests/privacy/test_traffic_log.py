"""Usage data of public requests goes to a traffic log kept apart from complaints."""

import pytest

from privacy.models import TrafficRecord
from tests.conftest import complaint_body

pytestmark = pytest.mark.django_db


def test_every_public_request_writes_a_traffic_record(api, category):
    """clause: OCC-4, DD-1, MOST-2, KC-2"""
    r = api.post(
        "/api/v1/complaints/",
        complaint_body(),
        format="json",
        REMOTE_ADDR="203.0.113.7",
        HTTP_USER_AGENT="Mozilla/5.0 test",
        HTTP_REFERER="https://www.1212occ.com/form",
    )
    api.post(
        "/api/v1/track/", {"reference": "x", "tracking_code": "y"}, format="json", REMOTE_ADDR="203.0.113.8"
    )
    api.get("/api/v1/categories/")
    recs = list(TrafficRecord.objects.order_by("id"))
    assert [t.path for t in recs] == ["/api/v1/complaints/", "/api/v1/track/", "/api/v1/categories/"]
    first = recs[0]
    assert first.ip_address == "203.0.113.7" and first.user_agent == "Mozilla/5.0 test"
    assert first.referrer == "https://www.1212occ.com/form" and first.method == "POST"
    assert first.status_code == 201 and first.complaint_reference == r.json()["reference"]
    assert first.channel == "web" and first.host == "testserver"
    assert recs[1].status_code == 404 and recs[1].ip_address == "203.0.113.8"


def test_staff_requests_are_not_traffic_logged(staff_api):
    from complaints.models import Role

    staff_api(Role.AGENT).get("/api/v1/staff/complaints/")
    assert TrafficRecord.objects.count() == 0
