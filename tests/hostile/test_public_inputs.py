"""Every public input gets a 4xx in the one error format, never a 5xx (issue 17).

clause: OCC-8 (security measures against unauthorised alteration and disclosure)"""

import json
import struct
import time
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from complaints.models import Complaint, Role
from occ.api.session import SEEN
from tests.conftest import complaint_body, pdf_bytes, png_bytes

pytestmark = pytest.mark.django_db
URL = "/api/v1/complaints/"


def _is_error(r, status):
    assert r.status_code == status, (r.status_code, r.content[:300])
    assert r["Content-Type"].startswith("application/json")
    body = r.json()
    assert set(body) == {"error"} and {"code", "message", "fields"} <= set(body["error"])
    return body["error"]


def _post_raw(api, raw: bytes, content_type="application/json"):
    return api.generic("POST", URL, raw, content_type=content_type)


@pytest.mark.parametrize("field", ["category", "description", "channel"])
def test_nul_in_any_field_is_a_field_error_not_a_database_error(api, category, field):
    body = complaint_body(**{field: "abc\u0000def"})
    err = _is_error(api.post(URL, body, format="json"), 400)
    assert field in err["fields"]
    assert Complaint.objects.count() == 0


def test_control_characters_in_nested_fields_are_named(api, category):
    body = complaint_body(complainant={"name": "Som\x07chai", "phone": "0812345678"})
    err = _is_error(api.post(URL, body, format="json"), 400)
    assert "complainant.name" in err["fields"]


@pytest.mark.parametrize("depth", [1000, 5000, 100_000])
def test_deeply_nested_json_is_refused_before_parsing(api, category, depth):
    err = _is_error(_post_raw(api, b'{"description":' + b"[" * depth + b"]" * depth + b"}"), 400)
    assert err["code"] == "body_too_complex"


def test_the_depth_limit_counts_real_nesting_not_brackets_in_strings():
    """Brackets inside strings are text; 33 real levels are one too many, 32 are allowed."""
    from occ.api.parsers import json_limits_check

    assert json_limits_check(b'{"description": "' + b"[{" * 100 + b'"}') is None
    assert json_limits_check(b"[" * 32 + b"]" * 32) is None
    assert json_limits_check(b"[" * 33 + b"]" * 33) is not None
    assert json_limits_check(b'{"a": "[[[[", "b": ' + b"[" * 33 + b"]" * 33 + b"}") is not None


def test_deeply_nested_multipart_data_part_is_refused(api, category):
    r = api.post(URL, {"data": "[" * 5000 + "]" * 5000}, format="multipart")
    err = _is_error(r, 400)
    assert "data" in err["fields"]


def test_invalid_utf8_and_lone_surrogate_escapes_are_refused(api, category):
    _is_error(_post_raw(api, b'{"description": "\xff\xfe"}'), 400)
    body = json.dumps(complaint_body()).replace('"category": "online_shopping"', '"category": "\\ud800"')
    err = _is_error(_post_raw(api, body.encode()), 400)
    assert "category" in err["fields"]


def test_nul_in_a_query_parameter_is_a_400_naming_it(staff_api):
    client = staff_api(Role.AGENT)
    err = _is_error(client.get("/api/v1/staff/complaints/", {"q": "a\x00b"}), 400)
    assert "q" in err["fields"]


def _png_declaring(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00"))
        + chunk(b"IEND", b"")
    )


def _multipart(api, name, content, content_type):
    files = [SimpleUploadedFile(name, content, content_type=content_type)]
    return api.post(URL, {"data": json.dumps(complaint_body()), "attachments": files}, format="multipart")


@pytest.mark.parametrize("size", [(50_000, 50_000), (20_000, 20_000), (10_000, 5_000)])
def test_images_past_the_pixel_limit_are_refused_not_raised(api, category, size):
    err = _is_error(_multipart(api, "bomb.png", _png_declaring(*size), "image/png"), 400)
    assert "pixel" in err["message"] and Complaint.objects.count() == 0


@pytest.mark.parametrize(
    "content",
    [b"%PDF-1.4\n<html><script>alert(1)</script></html>", pdf_bytes()[:60], b"%PDF-1.7\n" + b"\x00" * 100],
    ids=["html-in-pdf", "truncated", "junk"],
)
def test_pdfs_that_do_not_parse_are_refused(api, category, content):
    err = _is_error(_multipart(api, "slip.pdf", content, "application/pdf"), 400)
    assert err["code"] == "invalid_file"


def test_a_pdf_with_zero_pages_is_refused(api, category):
    import io

    import pypdfium2

    buf = io.BytesIO()
    pypdfium2.PdfDocument.new().save(buf)  # a well-formed PDF with no page
    zero = buf.getvalue()
    err = _is_error(_multipart(api, "slip.pdf", zero, "application/pdf"), 400)
    assert err["code"] == "invalid_file"  # pdfium itself refuses to load a document without pages


def test_real_evidence_is_still_accepted(api, category):
    r = _multipart(api, "slip.pdf", pdf_bytes(), "application/pdf")
    assert r.status_code == 201, r.content
    assert _multipart(api, "p.png", png_bytes(), "image/png").status_code == 201


def test_an_oversized_json_body_is_a_413_in_the_error_format(api, category, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    err = _is_error(_post_raw(api, json.dumps(complaint_body(description="x" * 20_000)).encode()), 413)
    assert err["code"] == "body_too_large"


def test_an_oversized_multipart_field_is_a_413_in_the_error_format(api, category, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    r = api.post(URL, {"data": json.dumps(complaint_body(description="x" * 20_000))}, format="multipart")
    _is_error(r, 413)


@pytest.mark.parametrize(
    "path",
    ["/api/v1/nowhere/", "/api/v1/agency/referrals/not-a-uuid/", "/api/v1/staff/attachments/-289/download/"],
)
def test_not_found_under_api_is_json(api, path):
    err = _is_error(api.get(path), 404)
    assert err["code"] == "not_found"


def test_method_not_allowed_under_api_is_json(api):
    err = _is_error(api.delete("/api/v1/categories/"), 405)
    assert err["code"] == "method_not_allowed"


def test_pages_outside_the_api_keep_their_html_404(client):
    r = client.get("/no-such-page/")
    assert r.status_code == 404 and not r["Content-Type"].startswith("application/json")


def test_api_answers_and_the_case_page_are_never_stored_by_caches(desk, case, staff_api):
    """clause: OCC-8"""
    reg = case()
    agent = desk(Role.AGENT, "nostore-agent")
    page = agent.get(f"/desk/case/{reg.complaint.reference}/")
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    api_answer = agent.get(f"/api/v1/staff/complaints/{reg.complaint.reference}/")
    assert api_answer.status_code == 200 and "no-store" in api_answer["Cache-Control"]


def test_the_desk_idle_timeout_applies_to_the_session_api(desk, settings):
    """clause: OCC-8 (sessions expire)"""
    settings.OCC_DESK_IDLE_SECONDS = 600
    agent = desk(Role.AGENT, "idle-api-agent")
    assert agent.get("/api/v1/staff/complaints/").status_code == 200
    session = agent.session
    session[SEEN] = int(time.time()) - 601
    session.save()
    r = agent.get("/api/v1/staff/complaints/")
    assert r.status_code in (401, 403)
    _is_error(r, r.status_code)
    assert agent.get("/desk/")["Location"].startswith("/desk/login/")  # the session is gone
