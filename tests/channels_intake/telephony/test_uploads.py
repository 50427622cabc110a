"""Large recordings: the resumable (chunked) upload protocol, and uploads that stream to storage
without ever holding the whole file in memory.

clause: OCC-5 (the recording kept as evidence), OCC-8 (nothing half-stored; integrity checked)."""

import hashlib
import json
import tracemalloc
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from channels_intake.models import InboundItem
from channels_intake.telephony import tasks
from channels_intake.telephony.auth import machine_headers
from channels_intake.telephony.models import Recording, UploadSession
from complaints.models import Role

from . import media
from .conftest import PBX, fresh_timestamp, http

pytestmark = pytest.mark.django_db
START = "/api/v1/staff/recording-uploads/"


@pytest.fixture
def case(file_complaint):
    return file_complaint()["reference"]


def start(client, ref, data, name="long-call.wav", **extra):
    return client.post(
        START, {"reference": ref, "filename": name, "total_size": len(data), **extra}, format="json"
    )


def patch(client, url, chunk, offset):
    return client.generic(
        "PATCH", url, chunk, content_type="application/offset+octet-stream", HTTP_UPLOAD_OFFSET=str(offset)
    )


def parts_stored(session_id) -> list[str]:
    try:
        return default_storage.listdir(f"uploads/{session_id}")[1]
    except FileNotFoundError:
        return []


def test_a_recording_uploaded_in_chunks_with_a_resume(agent, case, settings):
    """clause: OCC-5"""
    settings.OCC_UPLOAD_CHUNK_MAX_BYTES = 4096
    data = media.wav_pcm(1.0)
    begun = start(agent, case, data, sha256=hashlib.sha256(data).hexdigest())
    assert begun.status_code == 201 and begun.json()["offset"] == 0 and begun["Upload-Offset"] == "0"
    url = begun["Location"]
    offset = 0
    while offset < 8000:
        r = patch(agent, url, data[offset : offset + 4000], offset)
        assert r.status_code == 200, r.json()
        offset = int(r["Upload-Offset"])
    # the connection dropped: ask where to resume; a chunk at a stale offset is refused with the right one
    assert agent.head(url)["Upload-Offset"] == "8000" and agent.get(url).json()["offset"] == 8000
    stale = patch(agent, url, data[4000:8000], 4000)
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "offset_mismatch"
    assert stale["Upload-Offset"] == "8000"
    # the rest with PUT and Content-Range
    while offset < len(data):
        chunk = data[offset : offset + 4000]
        r = agent.generic(
            "PUT",
            url,
            chunk,
            content_type="application/octet-stream",
            HTTP_CONTENT_RANGE=f"bytes {offset}-{offset + len(chunk) - 1}/{len(data)}",
        )
        assert r.status_code == 200, r.json()
        offset += len(chunk)
    session_id = begun.json()["id"]
    assert len(parts_stored(session_id)) == 5  # each chunk is a storage object (any web process, S3)
    done = agent.post(url + "finalize/")
    assert done.status_code == 201 and done.json()["sha256"] == hashlib.sha256(data).hexdigest()
    assert default_storage.open(Recording.objects.get().file.name).read() == data
    assert parts_stored(session_id) == []  # chunks removed once the recording is stored
    again = agent.post(url + "finalize/")
    assert (
        again.status_code == 200
        and again.json()["id"] == done.json()["id"]
        and Recording.objects.count() == 1
    )


def test_finalize_before_all_bytes_arrived_says_how_many_did(agent, case):
    data = media.wav_pcm()
    url = start(agent, case, data)["Location"]
    patch(agent, url, data[:1000], 0)
    r = agent.post(url + "finalize/")
    assert (
        r.status_code == 409
        and r.json()["error"]["code"] == "upload_incomplete"
        and r["Upload-Offset"] == "1000"
    )


def test_a_chunk_past_the_announced_length_or_too_large_is_refused(agent, case, settings):
    data = media.wav_pcm()
    url = start(agent, case, data)["Location"]
    assert patch(agent, url, data + b"extra", 0).json()["error"]["code"] == "beyond_length"
    settings.OCC_UPLOAD_CHUNK_MAX_BYTES = 100
    assert patch(agent, url, data[:200], 0).status_code == 413
    assert UploadSession.objects.get().received == 0 and parts_stored(UploadSession.objects.get().pk) == []


def test_a_damaged_assembly_or_a_bad_file_is_refused_at_finalize(agent, case):
    data = media.wav_pcm()
    url = start(agent, case, data, sha256="0" * 64)["Location"]
    patch(agent, url, data, 0)
    r = agent.post(url + "finalize/")
    assert r.status_code == 400 and "differs from the SHA-256 announced" in r.json()["error"]["message"]
    cut = data[:3000]
    url = start(agent, case, cut, name="cut.wav")["Location"]
    patch(agent, url, cut, 0)
    r = agent.post(url + "finalize/")
    assert (
        r.status_code == 400
        and "cut.wav" in r.json()["error"]["message"]
        and "truncated" in r.json()["error"]["message"]
    )
    assert agent.post(url + "finalize/").status_code == 400  # stays refused
    assert not Recording.objects.exists()
    assert all(s.state == "failed" and not parts_stored(s.pk) for s in UploadSession.objects.all())


def test_the_size_limit_applies_when_the_upload_is_announced(agent, case, settings):
    settings.OCC_RECORDING_MAX_BYTES = 1000
    r = start(agent, case, media.wav_pcm())
    assert r.status_code == 413 and r.json()["error"]["code"] == "file_too_large"


def test_another_agents_upload_does_not_exist_for_you(agent, case, staff_api):
    url = start(agent, case, media.wav_pcm())["Location"]
    other = staff_api(Role.AGENT, "someone-else")
    assert other.get(url).status_code == 404
    assert patch(other, url, b"x", 0).status_code == 404
    assert (
        staff_api(Role.AGENCY_OFFICER, "ao")
        .post(START, {"reference": case, "filename": "a.wav", "total_size": 10}, format="json")
        .status_code
        == 404
    )


def test_an_abandoned_upload_expires_and_its_chunks_are_removed(agent, case):
    data = media.wav_pcm()
    url = start(agent, case, data)["Location"]
    patch(agent, url, data[:1000], 0)
    session = UploadSession.objects.get()
    assert len(parts_stored(session.pk)) == 1
    UploadSession.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    assert patch(agent, url, data[1000:2000], 1000).status_code == 410
    assert tasks.uploads_purge_expired() == 1 and tasks.uploads_purge_expired() == 0
    assert parts_stored(session.pk) == [] and UploadSession.objects.get().state == "aborted"


def test_an_upload_can_be_aborted(agent, case):
    data = media.wav_pcm()
    url = start(agent, case, data)["Location"]
    patch(agent, url, data[:1000], 0)
    assert agent.delete(url).status_code == 204
    assert patch(agent, url, data[1000:], 1000).status_code == 410


# --- the telephone system's resumable upload -----------------------------------------------------


def signed(method, path, content=b"", fields=None):
    return http(
        machine_headers(
            PBX, method=method, path=path, content=content, fields=fields, timestamp=fresh_timestamp()
        )
    )


def pbx_session(client, call_id, data, name="pbx.wav"):
    path = "/api/v1/telephony/recording-uploads/"
    body = json.dumps({"call_id": call_id, "filename": name, "total_size": len(data)}).encode()
    r = client.post(path, body, content_type="application/json", **signed("POST", path, body))
    assert r.status_code == 201, r.json()
    return r["Location"]


def pbx_chunks(client, url, data, size=3000):
    for offset in range(0, len(data), size):
        chunk = data[offset : offset + size]
        r = client.generic(
            "PATCH",
            url,
            chunk,
            content_type="application/offset+octet-stream",
            HTTP_UPLOAD_OFFSET=str(offset),
            **signed("PATCH", url, chunk, {"offset": offset}),
        )
        assert r.status_code == 200, r.json()


def test_the_pbx_uploads_in_signed_chunks(api, cti):
    """clause: OCC-5, OCC-8"""
    cti("started", call_id="long-call")
    data = media.opus(seconds=2.0)
    url = pbx_session(api, "long-call", data, "long.opus")
    pbx_chunks(api, url, data)
    unsigned = api.generic(
        "PATCH", url, b"x", content_type="application/offset+octet-stream", HTTP_UPLOAD_OFFSET=str(len(data))
    )
    assert unsigned.status_code == 401
    done = api.post(url + "finalize/", **signed("POST", url + "finalize/"))
    assert done.status_code == 201 and done.json()["recording"]["call_id"] == "long-call"
    assert done.json()["recording"]["codec"] == "opus"
    assert (
        InboundItem.objects.get(kind="pbx_recording").state == "processed"
    )  # kept raw, like every PBX upload


def test_a_pbx_chunk_whose_bytes_differ_from_the_signed_hash_is_refused(api):
    data = media.wav_pcm()
    url = pbx_session(api, "c", data)
    headers = signed("PATCH", url, data[:1000], {"offset": 0})
    r = api.generic(
        "PATCH",
        url,
        data[1:1001],
        content_type="application/offset+octet-stream",
        HTTP_UPLOAD_OFFSET="0",
        **headers,
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == "content_hash_mismatch"
    assert UploadSession.objects.get().received == 0


def test_a_bad_pbx_file_at_finalize_is_quarantined_with_its_reason(api):
    data = media.mp3()[:2000]
    url = pbx_session(api, "bad", data, "bad.mp3")
    pbx_chunks(api, url, data, size=1000)
    r = api.post(url + "finalize/", **signed("POST", url + "finalize/"))
    assert r.status_code == 422 and "bad.mp3 is truncated" in r.json()["error"]["message"]
    item = InboundItem.objects.get(pk=int(r["X-OCC-Inbound-Id"]))
    assert item.state == "quarantined" and item.raw.open("rb").read() == data


# --- streaming, not memory -------------------------------------------------------------------------


def test_a_large_upload_streams_to_storage_without_holding_the_file_in_memory(agent, case, tmp_path):
    """A 24 MB recording through the real WSGI handler (multipart parsing, temporary-file upload
    handler, checks, hashing, storage): the server side allocates a small fraction of it."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections
    from knox.models import AuthToken

    wav = media.big_wav_file(tmp_path / "big.wav", 24)
    boundary = "occ-test-boundary"
    body_path = tmp_path / "body"
    with body_path.open("wb") as out, wav.open("rb") as src:
        out.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.wav"\r\n'
            f"Content-Type: audio/wav\r\n\r\n".encode()
        )
        while piece := src.read(1024 * 1024):
            out.write(piece)
        out.write(f"\r\n--{boundary}--\r\n".encode())
    _, token = AuthToken.objects.create(agent.user)
    handler = WSGIHandler()
    status = {}
    with body_path.open("rb") as stream:
        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": f"/api/v1/staff/complaints/{case}/recordings/",
            "SERVER_NAME": "testserver",
            "SERVER_PORT": "80",
            "wsgi.url_scheme": "http",
            "wsgi.input": stream,
            "CONTENT_TYPE": f"multipart/form-data; boundary={boundary}",
            "CONTENT_LENGTH": str(body_path.stat().st_size),
            "HTTP_AUTHORIZATION": f"Token {token}",
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.errors": None,
        }
        # as Django's test client does: keep the test's database connection across the request
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        tracemalloc.start()
        try:
            result = handler(environ, lambda s, h: status.setdefault("status", s))
            body = b"".join(result)
            result.close()
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)
    assert status["status"].startswith("201"), body[:500]
    rec = Recording.objects.get()
    assert rec.size == wav.stat().st_size and rec.duration_seconds > 1000
    assert peak < 6 * 1024 * 1024, f"peak Python allocation {peak / 1e6:.1f} MB for a 24 MB upload"
