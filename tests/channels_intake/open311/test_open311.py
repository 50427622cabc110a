"""Open311 GeoReport v2 for partner apps: formats, services, filing through the one intake path,
keys, what a key may read, and the specification's errors."""

import json
from datetime import timedelta
from xml.etree import ElementTree as ET

import jsonschema
import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from channels_intake.open311.models import Open311Request, PartnerAppKey
from complaints.models import Category, Channel, Complaint, FieldPolicy
from complaints.services.intake import tracking_code_hash
from tests.conftest import shared_dir

pytestmark = pytest.mark.django_db

SCHEMAS = shared_dir() / "open311-georeport-v2"
V2 = "/open311/v2"


def schema(name):
    return json.loads((SCHEMAS / name).read_text())


def xml(response):
    return ET.fromstring(response.content)


def post(client, raw_key, **fields):
    return client.post(f"{V2}/requests.json", {"api_key": raw_key, **fields})


FORM = {
    "service_code": "online_shopping",
    "description": "ร้านค้าออนไลน์ไม่ส่งของ / the shop never delivered",
    "first_name": "สมชาย",
    "last_name": "ใจดี",
    "email": "somchai@example.com",
    "phone": "0812345678",
    "attribute[website_url]": "https://shop.example/item/1",
    "attribute[amount_lost]": "1500.50",
    "attribute[other_party_account]": "123-4-56789-0",
}


def test_services_in_both_formats_and_both_languages(demo):
    """clause: OCC-2 (the application channel speaks Open311 GeoReport v2)"""
    c = Client()
    en = c.get(f"{V2}/services.json", HTTP_ACCEPT_LANGUAGE="en")
    assert en.status_code == 200 and en["Content-Type"].startswith("application/json")
    services = en.json()
    jsonschema.validate(services[0], schema("service.json"))
    shop = next(s for s in services if s["service_code"] == "online_shopping")
    category = Category.objects.get(code="online_shopping")
    assert shop["service_name"] == category.name_en and shop["metadata"] is True
    assert shop["type"] == "realtime" and shop["group"]
    assert len(services) == Category.objects.filter(is_active=True).count()
    th = c.get(f"{V2}/services.xml", HTTP_ACCEPT_LANGUAGE="th")
    assert th["Content-Type"].startswith("text/xml")
    root = xml(th)
    assert root.tag == "services"
    node = next(s for s in root.findall("service") if s.findtext("service_code") == "online_shopping")
    assert node.findtext("service_name") == category.name_th
    assert node.findtext("metadata") == "true"


def test_service_definition_carries_the_incident_facts(demo):
    """clause: OCC-6 (facts the person gives for the mission are asked as attributes)"""
    c = Client()
    body = c.get(f"{V2}/services/online_shopping.json", HTTP_ACCEPT_LANGUAGE="en").json()
    jsonschema.validate(body, schema("service-definition.json"))
    codes = [a["code"] for a in body["attributes"]]
    assert codes == ["website_url", "occurred_at", "amount_lost", "other_party_account", "other_party_phone"]
    assert [a["order"] for a in body["attributes"]] == [1, 2, 3, 4, 5]
    assert {a["datatype"] for a in body["attributes"]} == {"string", "datetime", "number"}
    root = xml(c.get(f"{V2}/services/online_shopping.xml"))
    assert root.tag == "service_definition"
    assert [a.findtext("code") for a in root.find("attributes").findall("attribute")] == codes
    assert root.find("attributes").find("attribute").findtext("variable") == "true"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_service_and_jurisdiction_are_404_in_the_spec_error_form(demo, fmt):
    c = Client()
    r = c.get(f"{V2}/services/no_such.{fmt}")
    assert r.status_code == 404
    if fmt == "json":
        assert r.json()[0]["code"] == 404 and r.json()[0]["description"]
    else:
        assert xml(r).tag == "errors" and xml(r).find("error").findtext("code") == "404"
    assert c.get(f"{V2}/services.{fmt}?jurisdiction_id=elsewhere.gov").status_code == 404
    assert c.get(f"{V2}/services.{fmt}?jurisdiction_id=1212.go.th").status_code == 200  # optional, and known


def test_discovery_in_both_formats(demo):
    c = Client()
    body = c.get("/open311/discovery.json").json()
    endpoint = body["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2") and "text/xml" in endpoint["formats"]
    root = xml(c.get("/open311/discovery.xml"))
    assert root.find("endpoints").find("endpoint").find("formats").findall("format")[0].text == "text/xml"


def test_a_request_files_through_the_one_intake_path_with_the_apps_name(partner):
    """clause: OCC-2, OCC-3 (channel `app`; the person fields map onto the minimum-data policy)"""
    app, key, raw = partner()
    r = post(Client(), raw, **FORM, lat="13.7563309", long="100.5017651", address_string="Bangkok")
    assert r.status_code == 201, r.content
    (answer,) = r.json()
    c = Complaint.objects.get(reference=answer["service_request_id"])
    assert c.channel == Channel.APP and c.open311.app.name == app.name and c.open311.key == key
    assert c.tracking_code_hash == tracking_code_hash(answer["tracking_code"])  # the extension field
    assert answer["token"] == c.open311.token
    assert c.complainant.name == "สมชาย ใจดี" and c.complainant.phone == "+66812345678"
    assert c.incident_url == "https://shop.example/item/1" and str(c.amount_lost) == "1500.50"
    assert c.other_party_account == "123-4-56789-0"
    assert str(c.incident_latitude) == "13.756331" and c.incident_address == "Bangkok"
    # nothing about the code is kept but its hash, and no other answer repeats it
    assert answer["tracking_code"] not in json.dumps(list(Open311Request.objects.values()), default=str)


def test_xml_post_answers_in_xml(partner):
    _app, _key, raw = partner()
    r = Client().post(f"{V2}/requests.xml", {"api_key": raw, **FORM})
    assert r.status_code == 201
    node = xml(r).find("request")
    assert node.findtext("service_request_id").startswith("OCC-") and node.findtext("token")
    assert len(node.findtext("tracking_code")) == 19


@pytest.mark.parametrize(
    "extra, field",
    [
        ({"attribute[bank_pin]": "1234"}, "attribute[bank_pin]"),
        ({"attribute[website_url][]": "https://a.example"}, "attribute[website_url][]"),
        ({"device_id": "abc"}, "device_id"),
        ({"account_id": "42"}, "account_id"),
        ({"national_id": "1101700203451"}, "national_id"),
        ({"attribute[amount_lost]": "a lot"}, "attribute[amount_lost]"),
        ({"lat": "13.7"}, "lat/long"),
        ({"email": "not-an-address"}, "email"),
    ],
)
def test_fields_the_centre_does_not_take_are_refused(partner, extra, field):
    """clause: OCC-1, OCC-3 (minimum data: nothing the category does not collect is stored)"""
    _app, _key, raw = partner()
    before = Complaint.objects.count()
    r = post(Client(), raw, **{**FORM, **extra})
    assert r.status_code == 400, r.content
    assert any(e["description"].startswith(f"{field}:") for e in r.json()), r.json()
    assert Complaint.objects.count() == before


def test_a_field_the_category_does_not_collect_is_refused(partner):
    """clause: OCC-3 (the category's policy decides which person fields are taken)"""
    _app, _key, raw = partner()
    Category.objects.filter(code="online_shopping").update(policy_name=FieldPolicy.NOT_COLLECTED)
    r = post(Client(), raw, **FORM)
    assert r.status_code == 400
    assert {e["description"].split(":")[0] for e in r.json()} == {"first_name", "last_name"}
    Category.objects.filter(code="data_privacy").update(policy_phone=FieldPolicy.REQUIRED)
    r = post(Client(), raw, **{**FORM, "service_code": "data_privacy", "phone": ""})
    assert r.status_code == 400 and r.json()[0]["description"].startswith("phone:")


def test_anonymous_and_location_where_the_category_asks(partner):
    _app, _key, raw = partner()
    anonymous = {k: v for k, v in FORM.items() if k not in ("first_name", "last_name", "email", "phone")}
    r = post(Client(), raw, **anonymous)
    assert r.status_code == 201
    assert Complaint.objects.get(reference=r.json()[0]["service_request_id"]).complainant.is_anonymous
    Category.objects.filter(code="online_shopping").update(requires_location=True)
    r = post(Client(), raw, **anonymous)
    assert r.status_code == 400 and r.json()[0]["description"].startswith("location:")
    assert post(Client(), raw, **anonymous, address_string="Din Daeng, Bangkok").status_code == 201


def test_keys_missing_wrong_or_revoked_are_403_and_only_a_hash_is_kept(partner):
    """clause: OCC-8 (partner apps authenticate; a revoked key opens nothing)"""
    _app, key, raw = partner()
    c = Client()
    r = c.post(f"{V2}/requests.json", FORM)
    assert r.status_code == 403 and r.json()[0]["code"] == 403
    assert post(c, key.prefix + ".wrong", **FORM).status_code == 403
    assert xml(c.get(f"{V2}/requests.xml")).find("error").findtext("code") == "403"
    stored = json.dumps(list(PartnerAppKey.objects.values()), default=str)
    assert raw.split(".")[1] not in stored
    call_command("open311_key", "revoke", key.prefix)
    assert post(c, raw, **FORM).status_code == 403


def test_the_command_issues_and_rotates_keys(demo, capsys):
    call_command("open311_key", "issue", "Civic App", "--label", "2026")
    raw = capsys.readouterr().out.strip().rsplit(" ", 1)[1]
    assert post(Client(), raw, **FORM).status_code == 201
    call_command("open311_key", "issue", "Civic App")
    new = capsys.readouterr().out.strip().rsplit(" ", 1)[1]
    call_command("open311_key", "revoke", raw.split(".")[0])
    assert post(Client(), raw, **FORM).status_code == 403
    assert post(Client(), new, **FORM).status_code == 201
    assert PartnerAppKey.objects.filter(app__name="Civic App").count() == 2


def test_a_key_reads_only_what_its_app_filed(partner):
    """clause: OCC-8, DD-4 (need to know: another app's request is 404, as one that does not exist)"""
    _a, _ka, mine = partner("App A")
    _b, _kb, theirs = partner("App B")
    c = Client()
    filed = post(c, mine, **FORM).json()[0]
    ref, token = filed["service_request_id"], filed["token"]
    assert c.get(f"{V2}/requests/{ref}.json", {"api_key": mine}).status_code == 200
    assert c.get(f"{V2}/tokens/{token}.json", {"api_key": mine}).json() == [
        {"service_request_id": ref, "token": token}
    ]
    for url in (
        f"{V2}/requests/{ref}.json",
        f"{V2}/tokens/{token}.json",
        f"{V2}/requests/OCC-2099-000001.json",
    ):
        r = c.get(url, {"api_key": theirs})
        assert r.status_code == 404 and r.json()[0]["code"] == 404
    assert c.get(f"{V2}/requests.json", {"api_key": theirs}).json() == []
    assert c.get(f"{V2}/requests.json", {"api_key": theirs, "service_request_id": ref}).json() == []
    assert [r["service_request_id"] for r in c.get(f"{V2}/requests.json", {"api_key": mine}).json()] == [ref]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_public_outputs_carry_no_personal_data_and_no_description(partner, fmt):
    """clause: OCC-7, OCC-6 (nothing that identifies the person, or that they wrote, leaves by Open311)"""
    _app, _key, raw = partner()
    c = Client()
    filed = post(c, raw, **FORM, address_string="99 Soi Secret, Bangkok", lat="13.7", long="100.5").json()[0]
    ref, token = filed["service_request_id"], filed["token"]
    bodies = [
        c.get(f"{V2}/requests/{ref}.{fmt}", {"api_key": raw}).content.decode(),
        c.get(f"{V2}/requests.{fmt}", {"api_key": raw}).content.decode(),
        c.get(f"{V2}/tokens/{token}.{fmt}", {"api_key": raw}).content.decode(),
    ]
    secret_values = [
        "สมชาย", "ใจดี", "somchai@example.com", "0812345678", "+66812345678", "ร้านค้าออนไลน์",
        "shop.example", "123-4-56789-0", "1500.5", "Soi Secret", "13.7", filed["tracking_code"],
    ]  # fmt: skip
    for body in bodies:
        assert ref in body
        for value in secret_values:
            assert value not in body, value
    if fmt == "json":
        (one,) = json.loads(bodies[0])
        jsonschema.validate(one, schema("request.json"))
        assert one["status"] == "open" and one["service_code"] == "online_shopping"
        assert "description" not in one and "lat" not in one and "address" not in one


def test_request_search_filters_and_defaults(partner):
    """The specification's filters: ids override; 90 days by default and at most; status; service."""
    _app, _key, raw = partner()
    c = Client()
    refs = [post(c, raw, **FORM).json()[0]["service_request_id"] for _ in range(3)]
    old = Complaint.objects.get(reference=refs[0])
    Complaint.objects.filter(pk=old.pk).update(received_at=timezone.now() - timedelta(days=120))
    Complaint.objects.filter(reference=refs[1]).update(status="resolved")

    def ids(**params):
        r = c.get(f"{V2}/requests.json", {"api_key": raw, **params})
        assert r.status_code == 200, r.content
        return sorted(x["service_request_id"] for x in r.json())

    assert ids() == sorted(refs[1:])  # the most recent 90 days
    assert ids(service_request_id=",".join(refs)) == sorted(refs)  # ids override the dates
    assert ids(status="closed") == [refs[1]]
    assert ids(status="open") == [refs[2]]
    assert ids(service_code="data_privacy") == []
    start = (timezone.now() - timedelta(days=130)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (timezone.now() - timedelta(days=100)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(start_date=start, end_date=end) == [refs[0]]
    assert ids(start_date=start) == [refs[0]]  # start plus 90 days
    too_long = c.get(
        f"{V2}/requests.json",
        {"api_key": raw, "start_date": start, "end_date": timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ")},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert too_long.status_code == 400 and "90 days" in too_long.json()[0]["description"]
    thai = c.get(f"{V2}/requests.json", {"api_key": raw, "status": "pending"}, HTTP_ACCEPT_LANGUAGE="th")
    assert thai.json()[0]["description"] == "status: open หรือ closed"  # errors in the caller's language
    assert c.get(f"{V2}/requests.json", {"api_key": raw, "start_date": "yesterday"}).status_code == 400
    assert c.get(f"{V2}/requests.json", {"api_key": raw, "status": "pending"}).status_code == 400


def test_the_search_stops_at_1000(partner, monkeypatch):
    from channels_intake.open311 import selectors

    monkeypatch.setattr(selectors, "MAX_ROWS", 2)
    _app, _key, raw = partner()
    for _ in range(3):
        post(Client(), raw, **FORM)
    assert len(Client().get(f"{V2}/requests.json", {"api_key": raw}).json()) == 2
    assert selectors.__dict__["MAX_SPAN"] == timedelta(days=90)


def test_each_key_is_throttled_on_its_own(partner, monkeypatch):
    from channels_intake.open311.views import PartnerKeyThrottle

    monkeypatch.setattr(PartnerKeyThrottle, "THROTTLE_RATES", {"open311": "2/min", "public": "100/min"})
    _a, _ka, first = partner("App A")
    _b, _kb, second = partner("App B")
    c = Client()
    assert [c.get(f"{V2}/requests.json", {"api_key": first}).status_code for _ in range(3)] == [200, 200, 429]
    assert c.get(f"{V2}/requests.json", {"api_key": second}).status_code == 200
    r = c.get(f"{V2}/requests.xml", {"api_key": first})
    assert r.status_code == 429 and xml(r).find("error").findtext("code") == "429"


def test_open311_calls_are_in_the_traffic_log(partner):
    """clause: OCC-4, MOST-2 (the app channel's requests are logged like every public request)"""
    from privacy.models import TrafficRecord

    _app, _key, raw = partner()
    ref = post(Client(), raw, **FORM).json()[0]["service_request_id"]
    record = TrafficRecord.objects.get(path=f"{V2}/requests.json")
    assert record.channel == "app" and record.complaint_reference == ref


def test_the_admin_issues_a_key_shown_once_and_revokes_it(partner, user_factory):
    """clause: OCC-8 (an administrator issues and revokes partner keys; only the hash is kept)"""
    from django.contrib import admin
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.test import RequestFactory

    from channels_intake.open311.models import PartnerApp

    app, _key, _raw = partner("Admin App")
    request = RequestFactory().post("/admin/")
    request.user = user_factory("administrator", "root")
    request.session = {}
    request._messages = FallbackStorage(request)
    admin.site._registry[PartnerApp].issue_key(request, PartnerApp.objects.filter(pk=app.pk))
    (message,) = [str(m) for m in request._messages]
    raw = message.split(": ", 1)[1].split()[0]
    new = PartnerAppKey.objects.get(prefix=raw.split(".")[0])
    assert raw.split(".")[1] not in new.key_hash and post(Client(), raw, **FORM).status_code == 201
    admin.site._registry[PartnerAppKey].revoke(request, PartnerAppKey.objects.filter(pk=new.pk))
    assert post(Client(), raw, **FORM).status_code == 403
