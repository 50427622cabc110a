"""Call recordings as evidence: uploaded by agents or the telephone system, checked by content,
hashed, stored once and never changed; played with HTTP Range only by centre staff, every playback
and download in the access log.

clause: OCC-5 (the recording of the conversation), OCC-8 (security against loss, unauthorised
access, alteration), OCC-7 (a recording leaves the centre only through the disclosure gate)."""

import hashlib
import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from rest_framework.test import APIClient

from channels_intake.models import InboundItem
from channels_intake.telephony.models import Call, Recording
from channels_intake.telephony.ranges import read_range
from complaints.models import Agency, Complaint, Role
from privacy.models import AccessLogEntry
from routing.models import Referral

from . import media

pytestmark = pytest.mark.django_db


def upload(client, ref, data, name="call.wav", language="en", **extra):
    return client.post(
        f"/api/v1/staff/complaints/{ref}/recordings/",
        {"file": SimpleUploadedFile(name, data), **extra},
        format="multipart",
        HTTP_ACCEPT_LANGUAGE=language,
    )


@pytest.fixture
def case(file_complaint):
    return file_complaint()["reference"]


@pytest.mark.parametrize(
    "make,name,codec",
    [
        (media.wav_pcm, "call.wav", "pcm_s16le"),
        (media.wav_alaw, "call.wav", "pcm_alaw"),
        (media.wav_mulaw, "call.wav", "pcm_mulaw"),
        (media.mp3, "call.mp3", "mp3"),
        (media.opus, "call.opus", "opus"),
        (media.aac_m4a, "call.m4a", "mp4a.40.2"),
    ],
)
def test_an_agent_uploads_a_recording_in_each_format(agent, case, make, name, codec):
    """clause: OCC-5"""
    data = make()
    r = upload(agent, case, data, name)
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["codec"] == codec and 0.9 < body["duration_seconds"] < 1.2 and body["complaint"] == case
    assert body["sha256"] == hashlib.sha256(data).hexdigest() and body["size"] == len(data)
    rec = Recording.objects.get(pk=body["id"])
    assert (
        rec.file.name == f"recordings/{rec.sha256[:2]}/{rec.sha256}"
    )  # content-addressed, outside the web root
    assert default_storage.open(rec.file.name).read() == data
    complaint = Complaint.objects.get(reference=case)
    assert complaint.events.filter(kind="evidence", text__contains=f"#{rec.pk}").exists()


def test_the_same_file_again_is_the_same_recording(agent, case):
    data = media.wav_pcm()
    first, again = upload(agent, case, data), upload(agent, case, data)
    assert (first.status_code, again.status_code) == (201, 200) and first.json()["id"] == again.json()["id"]
    assert Recording.objects.count() == 1


@pytest.mark.parametrize(
    "name,data,needle",
    [
        ("call.mp3", b"<html>not audio</html>", "its content is an HTML page"),
        ("call.wav", media.wav_pcm()[:3000], "is truncated"),
        ("call.m4a", media.fax_pdf(1), "its content is application/pdf"),
        ("call.wav", media.mp3(), "is named '.wav' (WAV audio) but its content is MP3 audio"),
        ("call.opus", media.opus()[:2000], "is truncated"),
    ],
)
def test_corrupt_or_disguised_audio_is_refused_naming_the_problem(agent, case, name, data, needle):
    """clause: OCC-8"""
    r = upload(agent, case, data, name)
    error = r.json()["error"]
    assert r.status_code == 400 and error["code"] == "invalid_file"
    assert error["message"].startswith(f"The file '{name}'") and needle in error["message"]
    assert error["fields"]["file"][0].startswith(name)
    assert not Recording.objects.exists() and not default_storage.exists("recordings")


def test_a_refused_recording_is_explained_in_thai_with_the_same_code(agent, case):
    """clause: OCC-12 (the centre's text is in Thai): the refusal's message is translated, its
    code, status and field are not."""
    r = upload(agent, case, b"<html>not audio</html>", "call.mp3", language="th")
    error = r.json()["error"]
    assert r.status_code == 400 and error["code"] == "invalid_file"
    assert error["message"].startswith("ไฟล์ 'call.mp3'") and "The file" not in error["message"]
    assert error["fields"]["file"][0].startswith("call.mp3")


def test_the_size_limit_is_a_setting_and_checked_before_reading(agent, case, settings):
    settings.OCC_RECORDING_MAX_BYTES = 1000
    r = upload(agent, case, media.wav_pcm())
    assert r.status_code == 413 and r.json()["error"]["code"] == "file_too_large"


def test_unknown_parts_are_refused(agent, case):
    r = upload(agent, case, media.wav_pcm(), note="x")
    assert r.status_code == 400 and "note" in r.json()["error"]["fields"]


def test_recordings_are_never_changed_or_deleted(agent, case):
    """clause: OCC-8 (no alteration of evidence)"""
    upload(agent, case, media.wav_pcm())
    rec = Recording.objects.get()
    rec.codec = "changed"
    with pytest.raises(PermissionError):
        rec.save()
    with pytest.raises(PermissionError):
        rec.delete()
    assert Recording.objects.get().codec == "pcm_s16le"


def test_an_agent_upload_for_a_call_links_the_call(agent, case, cti):
    cti("started", call_id="rec-call")
    r = upload(agent, case, media.mp3(), "call.mp3", call_id="rec-call")
    assert r.status_code == 201 and r.json()["call_id"] == "rec-call"
    assert Call.objects.get(call_id="rec-call").complaint.reference == case


# --- from the telephone system -----------------------------------------------------------------------


def test_a_pbx_upload_retried_is_one_recording_and_joins_the_case_of_its_call(agent, cti, pbx_upload):
    """clause: OCC-5"""
    cti("started", call_id="pbx-1")
    data = media.mp3()
    first = pbx_upload("pbx-1", data, name="pbx-1.mp3")
    again = pbx_upload("pbx-1", data, name="pbx-1.mp3")  # the PBX retried
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["recording"]["id"] == again.json()["recording"]["id"]
    assert Recording.objects.count() == 1 and InboundItem.objects.filter(kind="pbx_recording").count() == 1
    r = agent.post(
        "/api/v1/staff/phone-complaints/",
        {"category": "other", "description": "โทรแจ้ง", "call_id": "pbx-1"},
        format="json",
    )
    listed = agent.get(f"/api/v1/staff/complaints/{r.json()['reference']}/recordings/").json()
    assert [x["id"] for x in listed] == [first.json()["recording"]["id"]]
    assert (
        "1 recording(s)"
        in Complaint.objects.get(reference=r.json()["reference"]).events.get(kind="call").text
    )


def test_a_recording_may_arrive_before_the_calls_events(pbx_upload, cti):
    assert pbx_upload("early", media.wav_pcm()).status_code == 201
    assert Call.objects.get(call_id="early").state == "unknown"
    cti("started", call_id="early")
    assert Call.objects.get(call_id="early").recordings.count() == 1


def test_a_bad_pbx_file_is_kept_in_quarantine_and_reprocessed_after_a_fix(pbx_upload, monkeypatch):
    from channels_intake.telephony.services import recordings

    real = recordings.audio_inspect

    def broken(*args, **kwargs):  # e.g. a codec check deployed with a bug
        from channels_intake.telephony.media import MediaRejected

        raise MediaRejected(kwargs["name"], "uses an encoding the centre does not accept")

    monkeypatch.setattr(recordings, "audio_inspect", broken)
    r = pbx_upload("pbx-2", media.wav_pcm(), name="pbx-2.wav")
    assert r.status_code == 422 and r.json()["error"]["code"] == "quarantined"
    assert "pbx-2.wav uses an encoding" in r.json()["error"]["message"]
    item = InboundItem.objects.get(pk=int(r["X-OCC-Inbound-Id"]))
    assert item.state == "quarantined" and item.raw.open("rb").read() == media.wav_pcm()
    assert not Recording.objects.exists()
    monkeypatch.setattr(recordings, "audio_inspect", real)  # the fix
    call_command("reprocess_inbound", str(item.pk))
    item.refresh_from_db()
    assert item.state == "processed" and Recording.objects.get().call.call_id == "pbx-2"


def test_a_corrupt_pbx_file_stays_in_quarantine(pbx_upload):
    r = pbx_upload("pbx-3", media.mp3()[:1500], name="cut.mp3")
    assert r.status_code == 422 and "cut.mp3 is truncated" in r.json()["error"]["message"]
    from channels_intake.services import inbound_reprocess

    assert inbound_reprocess(item_id=int(r["X-OCC-Inbound-Id"])).state == "quarantined"


def test_the_pbx_signature_covers_the_call_id_and_the_file(pbx_upload):
    """clause: OCC-8"""
    data = media.wav_pcm()
    mismatch = pbx_upload("pbx-4", data, declared="0" * 64)
    assert mismatch.status_code == 400 and mismatch.json()["error"]["code"] == "content_hash_mismatch"
    assert pbx_upload("pbx-4", data, secret="wrong").status_code == 401
    assert not InboundItem.objects.exists() and not Recording.objects.exists()


def test_a_declared_content_type_that_contradicts_the_content_is_quarantined(pbx_upload):
    r = pbx_upload("pbx-5", media.wav_pcm(), name="x.bin", content_type="audio/mpeg")
    assert (
        r.status_code == 422
        and "was sent as audio/mpeg but its content is WAV audio" in r.json()["error"]["message"]
    )


# --- playback ------------------------------------------------------------------------------------------


@pytest.fixture
def recording(agent, case):
    data = media.wav_pcm(2.0)
    body = upload(agent, case, data).json()
    return body, data


def content(response) -> bytes:
    return b"".join(response.streaming_content)


def test_playback_supports_range_requests_so_a_player_can_seek(agent, recording):
    body, data = recording
    url = body["audio_url"]
    full = agent.get(url)
    assert full.status_code == 200 and content(full) == data and full["Accept-Ranges"] == "bytes"
    assert full["Content-Type"] == "audio/wav" and full["Content-Disposition"].startswith("inline")
    assert full["ETag"] == f'"{body["sha256"]}"'
    part = agent.get(url, HTTP_RANGE="bytes=100-199")
    assert part.status_code == 206 and part["Content-Range"] == f"bytes 100-199/{len(data)}"
    assert part["Content-Length"] == "100" and content(part) == data[100:200]
    seek = agent.get(url, HTTP_RANGE=f"bytes={len(data) // 2}-")  # the player jumps half-way
    assert seek.status_code == 206 and content(seek) == data[len(data) // 2 :]
    tail = agent.get(url, HTTP_RANGE="bytes=-50")
    assert tail.status_code == 206 and content(tail) == data[-50:]
    past = agent.get(url, HTTP_RANGE=f"bytes={len(data) + 5}-")
    assert past.status_code == 416 and past["Content-Range"] == f"bytes */{len(data)}"
    clipped = agent.get(url, HTTP_RANGE=f"bytes=10-{len(data) + 1000}")
    assert clipped["Content-Range"] == f"bytes 10-{len(data) - 1}/{len(data)}"


def test_unusable_ranges_get_the_whole_file(agent, recording):
    body, data = recording
    url = body["audio_url"]
    for header in ("bytes=0-1,5-6", "lines=1-2", "bytes=9-3"):
        r = agent.get(url, HTTP_RANGE=header)
        assert r.status_code == 200 and content(r) == data
    stale = agent.get(url, HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE='"another-version"')
    assert stale.status_code == 200
    fresh = agent.get(url, HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE=f'"{body["sha256"]}"')
    assert fresh.status_code == 206 and content(fresh) == data[:10]


def test_every_playback_and_download_is_in_the_access_log(agent, recording):
    """clause: OCC-8 (who, which recording, when)"""
    body, _ = recording
    url = body["audio_url"]
    agent.get(url)
    agent.get(url, HTTP_RANGE="bytes=100-199")
    dl = agent.get(url + "?download=1")
    assert dl["Content-Disposition"].startswith("attachment")
    agent.head(url)  # no content shown: not an access
    logs = AccessLogEntry.objects.filter(actor=agent.user, object_type="recording", object_id=body["id"])
    assert logs.count() == 3 and logs.filter(action="download").count() == 1
    seek = logs.get(purpose__contains="bytes=100-199")
    complaint = Complaint.objects.get(reference=body["complaint"])
    assert (
        seek.action == "view"
        and seek.complaint_id == complaint.pk
        and seek.complainant_id == complaint.complainant_id
    )
    assert seek.at is not None and seek.actor_role == Role.AGENT


def test_only_centre_staff_play_recordings_even_of_a_referred_case(recording, staff_api):
    """clause: OCC-7 (no disclosure outside the gate), DD-4"""
    body, _ = recording
    complaint = Complaint.objects.get(reference=body["complaint"])
    agency = Agency.objects.get(code="ccib")
    Referral.objects.create(
        complaint=complaint,
        agency=agency,
        delivery_method="api",
        purpose="investigation",
        basis="related_agency",
        basis_reference="test",
        payload_sha256="0" * 64,
    )
    officer = staff_api(Role.AGENCY_OFFICER, "police-officer", agency=agency)
    # agencies reach case data only through their referrals: not the staff API, not the recording
    assert officer.get(f"/api/v1/staff/complaints/{body['complaint']}/").status_code == 404
    assert officer.get(body["audio_url"]).status_code == 404  # its recording: no
    assert officer.get(f"/api/v1/staff/recordings/{body['id']}/").status_code == 404
    assert staff_api(Role.AUDITOR, "aud").get(body["audio_url"]).status_code == 404
    assert APIClient().get(body["audio_url"]).status_code == 401
    assert not AccessLogEntry.objects.filter(object_type="recording").exists()


def test_ranged_reads_from_object_storage_ask_for_just_those_bytes(monkeypatch):
    """S3 (django-storages): the range is a ranged GET of the object, never a download of it all."""
    data = bytes(range(256)) * 40
    asked = []

    class Body:
        def __init__(self, chunk):
            self.chunk = chunk

        def iter_chunks(self, size):
            yield self.chunk

    class S3Object:
        def get(self, Range):  # noqa: N803 - boto3's parameter name
            asked.append(Range)
            start, end = (int(x) for x in Range.removeprefix("bytes=").split("-"))
            return {"Body": Body(data[start : end + 1])}

    class S3File(io.BytesIO):
        obj = S3Object()

        def read(self, *args):  # the whole-object download S3File would do
            raise AssertionError("downloaded the whole object")

    monkeypatch.setattr(default_storage, "open", lambda name, mode="rb": S3File())
    assert b"".join(read_range("recordings/x", 1000, 500)) == data[1000:1500]
    assert asked == ["bytes=1000-1499"]
