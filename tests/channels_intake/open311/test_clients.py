"""The real Open311 clients from PyPI against a live server: ``georeport`` (requests + xmltodict)
for the GET methods in both formats, ``civicbot`` (urllib) for POST, tokens and attributes.

Neither client sends an ``api_key`` on reads: georeport takes the key as HTTP Basic user name from
the root address (requests does that by itself), civicbot through its documented transport seam."""

from urllib.parse import urlsplit

import pytest

georeport = pytest.importorskip("georeport")
civicbot_open311 = pytest.importorskip("civicbot.open311")
from civicbot.http import HttpError, HttpTransport, RateLimiter  # noqa: E402
from civicbot.registry import Endpoint  # noqa: E402

from complaints.models import Channel, Complaint  # noqa: E402
from complaints.services.intake import tracking_code_hash  # noqa: E402

pytestmark = pytest.mark.django_db(transaction=True)


class KeyedTransport(HttpTransport):
    """civicbot's transport, adding the partner app's key to reads."""

    def __init__(self, api_key):
        super().__init__(rate_limiter=RateLimiter(min_interval=0))
        self.api_key = api_key

    def get_bytes(self, url, params=None, headers=None):
        return super().get_bytes(url, {**dict(params or {}), "api_key": self.api_key}, headers)


def _civicbot(live_server, raw):
    endpoint = Endpoint(id="occ1212", name="1212 OCC", base_url=f"{live_server.url}/open311/v2", write=True)
    return civicbot_open311.Open311Client(endpoint, transport=KeyedTransport(raw))


def _georeport(live_server, raw, fmt):
    parts = urlsplit(live_server.url)
    return georeport.GeoReport(f"http://{raw}:@{parts.netloc}/open311/v2", output_format=fmt)


def test_civicbot_files_with_attributes_and_reads_the_token(live_server, partner):
    """clause: OCC-2 (a partner app files with its own Open311 client)"""
    app, _key, raw = partner("civicbot demo")
    client = _civicbot(live_server, raw)
    services = client.list_services()
    assert "online_shopping" in [s["service_code"] for s in services]
    definition = client.get_service_definition("online_shopping")
    assert {a["code"] for a in definition["attributes"]} >= {"website_url", "amount_lost"}
    sent = client.create_request(
        "online_shopping",
        dry_run=False,
        confirm="SEND",
        api_key=raw,
        validate_remote=True,
        address_string="Bangkok",
        description="The shop never delivered the phone I paid for.",
        email="citizen@example.com",
        first_name="Somchai",
        attributes={"website_url": "https://shop.example/p/9", "amount_lost": "2500"},
    )
    (answer,) = sent.response
    complaint = Complaint.objects.get(reference=answer["service_request_id"])
    assert complaint.channel == Channel.APP and complaint.open311.app == app
    assert complaint.incident_url == "https://shop.example/p/9" and complaint.amount_lost == 2500
    assert complaint.tracking_code_hash == tracking_code_hash(answer["tracking_code"])
    assert client.get_token(answer["token"]) == [
        {"service_request_id": answer["service_request_id"], "token": answer["token"]}
    ]
    assert client.get_request(answer["service_request_id"])["status"] == "open"
    listed = client.list_requests(service_request_ids=[answer["service_request_id"]])
    assert [r["service_request_id"] for r in listed] == [answer["service_request_id"]]


def test_civicbot_sees_the_servers_refusals(live_server, partner):
    """clause: OCC-1 (an attribute the service does not define is refused by the server)"""
    _app, _key, raw = partner("civicbot demo")
    client = _civicbot(live_server, raw)
    with pytest.raises(HttpError) as refused:
        client.create_request(
            "online_shopping",
            dry_run=False,
            confirm="SEND",
            api_key=raw,
            address_string="Bangkok",
            description="x",
            attributes={"mothers_maiden_name": "x"},
        )
    assert refused.value.status == 400 and "attribute[mothers_maiden_name]" in refused.value.body
    with pytest.raises(HttpError) as forbidden:
        _civicbot(live_server, "nope.nope").get_token("whatever")
    assert forbidden.value.status == 403


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_georeport_reads_services_and_requests(live_server, partner, fmt):
    """clause: OCC-2 (the GET methods as a stock GeoReport v2 client calls them)"""
    _app, _key, raw = partner("georeport demo")
    refs = []
    for _ in range(2):
        r = _civicbot(live_server, raw).create_request(
            "financial_scam",
            dry_run=False,
            confirm="SEND",
            api_key=raw,
            address_string="Bangkok",
            description="A fake investment page took my money.",
        )
        refs.append(r.response[0]["service_request_id"])
    client = _georeport(live_server, raw, fmt)
    services = client.get_service_list()
    assert "financial_scam" in [s["service_code"] for s in services]
    definition = client.get_service_definition("financial_scam")
    attributes = definition["attributes"] if fmt == "json" else definition["attributes"]["attribute"]
    assert [a["code"] for a in attributes][:2] == ["website_url", "occurred_at"]
    one = client.get_service_request(refs[0])
    assert one["service_request_id"] == refs[0] and one["status"] == "open"
    assert "description" not in one
    many = client.get_service_requests(service_code="financial_scam", status="open")
    assert sorted(r["service_request_id"] for r in many) == sorted(refs)
    with pytest.raises(Exception) as missing:
        client.get_service_request("OCC-2099-000001")
    assert "404" in str(missing.value)
