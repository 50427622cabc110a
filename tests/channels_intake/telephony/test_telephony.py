"""Phone and fax channels: calls from the PBX, recordings as evidence, faxes into triage
(OCC-2, OCC-5, OCC-8, OCC-14)."""

import hashlib
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from channels_intake.models import InboundItem
from channels_intake.telephony.api import machine_sign
from channels_intake.telephony.models import Call, CallEvent, Fax, FaxPage, Recording
from complaints.models import Complaint, Role
from occ.hmac_auth import sign
from privacy.models import AccessLogEntry

from . import media

pytestmark = pytest.mark.django_db
PBX = "pbx-secret-for-tests"
FAXGW = "fax-secret-for-tests"


@pytest.fixture(autouse=True)
def secrets_set(settings, tmp_path):
    settings.OCC_PBX_SECRET = PBX
    settings.OCC_FAX_GATEWAY_SECRET = FAXGW
    settings.OCC_UPLOAD_TMP_DIR = str(tmp_path / "uploads")


@pytest.fixture
def agent(staff_api):
    return staff_api(Role.AGENT, "phone-agent")


def _h(headers: dict) -> dict:
    return {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}


def cti(event, call_id="c-1", caller="081-234-5678", when="2026-11-23T10:00:00+07:00", secret=PBX):
    body = json.dumps({"call_id": call_id, "event": event, "occurred_at": when, "caller_number": caller,
                       "called_line": "1212", "agent_extension": "2041"}).encode()
    return APIClient().post("/api/v1/telephony/cti/events/", body, content_type="application/json",
                            **_h(sign(secret, body)))


def pbx_upload(call_id, data, name="call.wav", secret=PBX, declared=None):
    digest = declared or hashlib.sha256(data).hexdigest()
    return APIClient().post("/api/v1/telephony/recordings/",
                            {"call_id": call_id, "file": SimpleUploadedFile(name, data)}, format="multipart",
                            **_h(machine_sign(secret, fields=[call_id], file_sha256=digest)))


def fax_send(data, name="fax.tif", sender="02-127-5789", pages=None, secret=FAXGW):
    fields = {"sender_number": sender, "receiving_line": "021275789", "page_count": "" if pages is None else str(pages),
              "received_at": "2026-11-23T09:00:00+07:00"}
    headers = machine_sign(secret, fields=[fields[k] for k in ("sender_number", "receiving_line", "page_count",
                                                                "received_at")],
                           file_sha256=hashlib.sha256(data).hexdigest())
    return APIClient().post("/api/v1/telephony/fax/", {**fields, "file": SimpleUploadedFile(name, data)},
                            format="multipart", **_h(headers))


def test_cti_events_are_signed_and_idempotent(demo):
    """clause: OCC-5 (the phone number of the call)"""
    assert cti("started").status_code == 201
    assert cti("started").status_code == 200  # the same event twice changes nothing
    cti("answered", when="2026-11-23T10:00:05+07:00")
    cti("ended", when="2026-11-23T10:04:00+07:00")
    call = Call.objects.get(call_id="c-1")
    assert call.caller_number == "+66812345678" and call.agent_extension == "2041"
    assert CallEvent.objects.filter(call=call).count() == 3 and call.ended_at is not None
    assert cti("started", call_id="c-2", secret="wrong").status_code == 401
    assert not Call.objects.filter(call_id="c-2").exists()


def test_agent_files_a_phone_complaint_with_the_callers_number(agent, demo):
    """clause: OCC-2, OCC-5 (telephone channel; the number is the contact)"""
    cti("started", call_id="live-1")
    r = agent.post("/api/v1/staff/phone-complaints/", {
        "caller_number": "081 234 5678", "category": "financial_scam", "description": "ถูกหลอกให้โอนเงินทางโทรศัพท์",
        "name": "ผู้โทร", "call_id": "live-1"}, format="json")
    assert r.status_code == 201, r.json()
    c = Complaint.objects.get(reference=r.json()["reference"])
    assert c.channel == "phone" and c.complainant.phone == "+66812345678" and r.json()["tracking_code"]
    assert Call.objects.get(call_id="live-1").complaint == c
    bad = agent.post("/api/v1/staff/phone-complaints/", {"caller_number": "12", "category": "other",
                                                         "description": "x"}, format="json")
    assert bad.status_code == 400 and "caller_number" in bad.json()["error"]["fields"]


def test_earlier_complaints_by_caller_and_the_lookup_is_logged(agent, file_complaint):
    """clause: OCC-8, DD-4 (who looked up whom is logged)"""
    file_complaint(complainant={"phone": "0812345678"})
    file_complaint(complainant={"phone": "0899999999"})
    rows = agent.get("/api/v1/staff/callers/0812345678/complaints/").json()
    assert len(rows) == 1
    entry = AccessLogEntry.objects.get(actor=agent.user, purpose="caller look-up")
    assert entry.action == "search" and entry.fields == ["phone"]


@pytest.mark.parametrize("make,codec", [
    (media.wav_pcm, "pcm_s16"), (media.wav_alaw, "alaw"), (media.wav_mulaw, "mulaw"),
    (media.mp3, "mp3"), (media.opus, "opus"), (media.aac_m4a, "mp4a.40.2"),
])
def test_recordings_in_each_format_are_checked_and_described(agent, file_complaint, make, codec):
    """clause: OCC-5 (the recording of the conversation kept as evidence)"""
    ref = file_complaint()["reference"]
    data = make()
    r = agent.post(f"/api/v1/staff/complaints/{ref}/recordings/",
                   {"file": SimpleUploadedFile("recording.bin", data)}, format="multipart")
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["codec"] == codec and 0.9 < body["duration_seconds"] < 1.2 and body["sample_rate"] > 0
    assert body["sha256"] == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("name,data,why", [
    ("call.mp3", b"<html>not audio</html>", "not a recording"),
    ("call.wav", media.wav_pcm()[:3000], "truncated"),
    ("call.m4a", media.fax_pdf(1), "not a recording"),
])
def test_corrupt_or_disguised_audio_is_refused_by_name(agent, file_complaint, name, data, why):
    ref = file_complaint()["reference"]
    r = agent.post(f"/api/v1/staff/complaints/{ref}/recordings/", {"file": SimpleUploadedFile(name, data)},
                   format="multipart")
    assert r.status_code == 400 and name in r.json()["error"]["message"] and why in r.json()["error"]["message"]
    assert Recording.objects.count() == 0


def test_size_limit_is_a_setting(agent, file_complaint, settings):
    settings.OCC_RECORDING_MAX_BYTES = 1000
    ref = file_complaint()["reference"]
    r = agent.post(f"/api/v1/staff/complaints/{ref}/recordings/",
                   {"file": SimpleUploadedFile("a.wav", media.wav_pcm())}, format="multipart")
    assert r.status_code == 413


def test_pbx_upload_is_idempotent_and_joins_the_call(demo, agent):
    cti("started", call_id="pbx-1")
    data = media.mp3()
    first = pbx_upload("pbx-1", data)
    again = pbx_upload("pbx-1", data)  # the PBX retried
    assert first.status_code == again.status_code == 201
    assert Recording.objects.count() == 1 and InboundItem.objects.filter(kind="pbx_recording").count() == 1
    assert first.json()["recording_id"] == again.json()["recording_id"]
    r = agent.post("/api/v1/staff/phone-complaints/", {"caller_number": "0812345678", "category": "other",
                                                       "description": "โทรแจ้ง", "call_id": "pbx-1"}, format="json")
    listed = agent.get(f"/api/v1/staff/complaints/{r.json()['reference']}/recordings/").json()
    assert [x["id"] for x in listed] == [first.json()["recording_id"]]


def test_bad_pbx_file_is_kept_in_quarantine_and_can_be_reprocessed(demo):
    r = pbx_upload("pbx-2", b"RIFF\x00\x00\x00\x00WAVEjunk", name="broken.wav")
    assert r.status_code == 422 and "broken.wav" in r.json()["error"]["message"]
    item = InboundItem.objects.get(pk=r.json()["inbound_id"])
    assert item.state == "quarantined" and item.raw
    from channels_intake.services import inbound_reprocess

    assert inbound_reprocess(item_id=item.pk).state == "quarantined"  # still corrupt: still kept


def test_pbx_signature_covers_the_file_hash(demo):
    data = media.wav_pcm()
    r = pbx_upload("pbx-3", data, declared="0" * 64)
    assert r.status_code == 422 and "SHA-256" in r.json()["error"]["message"]
    assert pbx_upload("pbx-3", data, secret="wrong").status_code == 401


def test_playback_supports_range_and_every_access_is_logged(agent, file_complaint, staff_api):
    """clause: OCC-8 (only authorised staff; every playback and download logged)"""
    ref = file_complaint()["reference"]
    data = media.wav_pcm(2.0)
    rec = agent.post(f"/api/v1/staff/complaints/{ref}/recordings/", {"file": SimpleUploadedFile("c.wav", data)},
                     format="multipart").json()
    url = f"/api/v1/staff/recordings/{rec['id']}/audio/"
    full = agent.get(url)
    assert full.status_code == 200 and b"".join(full.streaming_content) == data and full["Accept-Ranges"] == "bytes"
    part = agent.get(url, HTTP_RANGE="bytes=100-199")
    assert part.status_code == 206 and part["Content-Range"] == f"bytes 100-199/{len(data)}"
    assert b"".join(part.streaming_content) == data[100:200]
    tail = agent.get(url, HTTP_RANGE="bytes=-50")
    assert b"".join(tail.streaming_content) == data[-50:]
    assert agent.get(url, HTTP_RANGE=f"bytes={len(data) + 5}-").status_code == 416
    dl = agent.get(url + "?download=1")
    assert dl["Content-Disposition"].startswith("attachment")
    logs = AccessLogEntry.objects.filter(actor=agent.user, object_type="recording")
    assert logs.count() == 5 and logs.filter(action="download").count() == 1  # every request, even the 416
    assert staff_api(Role.AGENCY_OFFICER, "ao").get(url).status_code == 404
    assert APIClient().get(url).status_code == 401


def test_recordings_are_never_changed(agent, file_complaint):
    ref = file_complaint()["reference"]
    agent.post(f"/api/v1/staff/complaints/{ref}/recordings/",
               {"file": SimpleUploadedFile("c.wav", media.wav_pcm())}, format="multipart")
    rec = Recording.objects.get()
    rec.codec = "changed"
    with pytest.raises(PermissionError):
        rec.save()
    with pytest.raises(PermissionError):
        rec.delete()


def test_resumable_upload_in_chunks(agent, file_complaint, settings):
    settings.OCC_UPLOAD_CHUNK_MAX_BYTES = 4096
    ref = file_complaint()["reference"]
    data = media.wav_pcm(1.0)
    start = agent.post("/api/v1/staff/uploads/", {"reference": ref, "filename": "long-call.wav",
                                                  "total_size": len(data)}, format="json").json()
    url = f"/api/v1/staff/uploads/{start['upload_id']}/"
    offset = 0
    while offset < len(data):
        chunk = data[offset:offset + 4000]
        r = agent.generic("PUT", url, chunk, content_type="application/octet-stream",
                          HTTP_CONTENT_RANGE=f"bytes {offset}-{offset + len(chunk) - 1}/{len(data)}")
        assert r.status_code == 200, r.json()
        offset += len(chunk)
        if offset == 8000:  # the connection dropped: ask where to resume, and a wrong offset is refused
            assert agent.get(url).json()["received"] == 8000
            wrong = agent.generic("PUT", url, b"x" * 10, content_type="application/octet-stream",
                                  HTTP_CONTENT_RANGE=f"bytes 0-9/{len(data)}")
            assert wrong.status_code == 409
    done = agent.post(url + "complete/")
    assert done.status_code == 201 and done.json()["sha256"] == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("compression", ["group3", "group4"])
def test_fax_becomes_a_triage_complaint_with_previews(demo, compression, django_capture_on_commit_callbacks):
    """clause: OCC-2, OCC-5 (fax channel; the fax number is the contact)"""
    data = media.fax_tiff(3, compression)
    with django_capture_on_commit_callbacks(execute=True):
        r = fax_send(data, pages=3)
    assert r.status_code == 201, r.json()
    c = Complaint.objects.get(reference=r.json()["reference"])
    assert c.channel == "fax" and c.category is None and c.complainant.phone == "+6621275789"
    fax = Fax.objects.get(complaint=c)
    assert fax.needs_transcription and fax.pages == 3 and fax.compression == compression
    assert FaxPage.objects.filter(fax=fax).count() == 3
    from channels_intake.telephony.tasks import fax_previews

    assert fax_previews.apply(args=[fax.pk]).get() == 0  # run twice: nothing new
    again = fax_send(data, pages=3)  # the gateway retried
    assert again.json()["reference"] == c.reference and Complaint.objects.count() == 1


def test_pdf_fax_and_agent_transcription(agent, demo, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        r = fax_send(media.fax_pdf(2), name="fax.pdf")
    fax = Fax.objects.get(complaint__reference=r.json()["reference"])
    assert fax.pages == 2 and fax.page_previews.count() == 2
    pending = agent.get("/api/v1/staff/faxes/").json()
    assert [p["id"] for p in pending] == [fax.pk] and len(pending[0]["previews"]) == 2
    png = agent.get(pending[0]["previews"][0])
    assert png.status_code == 200 and b"".join(png.streaming_content).startswith(b"\x89PNG")
    t = agent.post(f"/api/v1/staff/faxes/{fax.pk}/transcribe/", {"category": "online_shopping",
                                                                  "description": "ร้องเรียนร้านค้าออนไลน์ตามโทรสาร"},
                   format="json")
    assert t.status_code == 200 and t.json()["needs_transcription"] is False
    c = Complaint.objects.get(pk=fax.complaint_id)
    assert c.category.code == "online_shopping" and c.sla_due_at is not None
    assert agent.get("/api/v1/staff/faxes/").json() == []
    ok = agent.post(f"/api/v1/staff/complaints/{c.reference}/status/", {"status": "triaged"}, format="json")
    assert ok.status_code == 200


@pytest.mark.parametrize("data,name,why", [
    (media.fax_tiff(2)[:400], "cut.tif", "damaged TIFF"),
    (b"%PDF-1.4 garbage", "bad.pdf", "damaged PDF"),
    (b"\x89PNG\r\n\x1a\nnot a fax", "fax.tif", "not a fax image"),
])
def test_bad_fax_is_refused_and_kept_in_quarantine(demo, data, name, why):
    r = fax_send(data, name=name)
    assert r.status_code == 422 and why in r.json()["error"]["message"] and name in r.json()["error"]["message"]
    assert Complaint.objects.count() == 0
    assert InboundItem.objects.get(pk=r.json()["inbound_id"]).state == "quarantined"


def test_fax_page_count_mismatch_is_named(demo):
    r = fax_send(media.fax_tiff(2), pages=5)
    assert r.status_code == 422 and "announced 5" in r.json()["error"]["message"]


def test_fax_to_email_goes_to_the_fax_channel(demo, settings, django_capture_on_commit_callbacks):
    from email.mime.application import MIMEApplication
    from email.mime.multipart import MIMEMultipart
    from email.mime.text import MIMEText

    from channels_intake.email.processing import email_ingest

    settings.OCC_FAX_TO_EMAIL_SENDERS = ["fax@faxserver.example"]
    msg = MIMEMultipart()
    msg["From"] = "fax@faxserver.example"
    msg["To"] = "1212@mdes.go.th"
    msg["Subject"] = "Fax from 02-127-5789"
    msg["Message-ID"] = "<fax1@faxserver.example>"
    msg.attach(MIMEText("fax attached"))
    part = MIMEApplication(media.fax_tiff(2), "tiff")
    part.add_header("Content-Disposition", "attachment", filename="fax.tif")
    msg.attach(part)
    with django_capture_on_commit_callbacks(execute=True):
        item = email_ingest(msg.as_bytes(), source="t", mailbox="m")
    assert item.state == "processed" and item.complaint.channel == "fax"
    assert Fax.objects.get(complaint=item.complaint).sender_number == "+6621275789"


def test_recordings_appear_in_the_access_export(agent, file_complaint):
    from privacy.ops.services.export import SECTIONS

    ref = file_complaint()["reference"]
    agent.post(f"/api/v1/staff/complaints/{ref}/recordings/",
               {"file": SimpleUploadedFile("c.wav", media.wav_pcm())}, format="multipart")
    c = Complaint.objects.get(reference=ref)
    assert SECTIONS["recordings"]([c.pk])[0]["codec"] == "pcm_s16"


