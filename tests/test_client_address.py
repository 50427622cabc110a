"""The client's address behind the trusted proxies (occ.http.client_ip): what the traffic record and
the audit entries hold. clause: MOST-1 (the traffic log names the address a request came from)"""

import pytest
from django.conf import settings
from django.test import RequestFactory, override_settings

from occ.http import client_ip
from tests.conftest import complaint_body

BEHIND_ONE = override_settings(REST_FRAMEWORK={**settings.REST_FRAMEWORK, "NUM_PROXIES": 1})


@pytest.mark.parametrize(
    ("hop", "address"),
    [
        ("203.0.113.5", "203.0.113.5"),
        ("203.0.113.5:4711", "203.0.113.5"),  # a proxy that adds the client's port
        ("2001:db8::1", "2001:db8::1"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("unknown", None),  # no address: recorded as none, never a failed row
        ("client.example", None),
    ],
)
def test_the_address_the_trusted_proxy_saw_without_its_port(hop, address):
    """clause: MOST-1"""
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR=f"198.51.100.1, {hop}")
    with BEHIND_ONE:
        assert client_ip(request) == address
    assert client_ip(request) == "127.0.0.1"  # no trusted proxy: the peer, whatever the header says


@pytest.mark.django_db
def test_an_intake_behind_a_proxy_that_adds_the_port_is_filed_with_the_address(api, category):
    """On PostgreSQL the address columns are inet: "ip:port" failed the intake's one statement
    (a 500); the address is recorded without the port. clause: MOST-1"""
    from auditlog.models import LogEntry

    from privacy.models import TrafficRecord

    with BEHIND_ONE:
        r = api.post(
            "/api/v1/complaints/",
            complaint_body(),
            format="json",
            HTTP_X_FORWARDED_FOR="203.0.113.77:50123",
        )
    assert r.status_code == 201, r.json()
    record = TrafficRecord.objects.get(complaint_reference=r.json()["reference"])
    assert record.ip_address == "203.0.113.77"
    entry = LogEntry.objects.filter(content_type__model="complaint").latest("id")
    assert entry.remote_addr == "203.0.113.77"
