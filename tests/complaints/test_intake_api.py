"""Public web/app intake: minimum data, strict bodies, evidence checks, idempotency, no cookies."""

import io
import json

import pytest
from django.core.files.storage import default_storage

from complaints.models import Attachment, Complainant, Complaint, TimelineEvent
from tests.conftest import complaint_body, pdf_bytes, png_bytes

URL = "/api/v1/complaints/"
pytestmark = pytest.mark.django_db


def test_files_complaint_and_answers_reference_code_and_expected_date(api, category):
    """clause: OCC-2 (web channel), OCC-3 (identity only as needed)"""
    r = api.post(URL, complaint_body(), format="json")
    assert r.status_code == 201
    body = r.json()
    assert body["reference"].startswith("OCC-") and body["status"] == "received"
    assert len(body["tracking_code"]) == 19 and body["expected_response_date"]
    c = Complaint.objects.get(reference=body["reference"])
    assert c.channel == "web" and c.category == category
    assert c.complainant.phone == "+66812345678"  # E.164
    assert c.complainant.email == "Somchai@example.com"  # domain lower-cased, local part kept
    assert c.tracking_code_hash != body["tracking_code"] and body["tracking_code"] not in c.tracking_code_hash
    assert c.events.get().kind == TimelineEvent.Kind.CREATED
    assert (c.sla_due_at - c.received_at).days == category.sla_days


def test_unknown_fields_anywhere_are_named_and_nothing_is_stored(api, category):
    """clause: OCC-1 (purpose limitation: nothing extra slips in)"""
    body = complaint_body(religion="x")
    body["complainant"]["date_of_birth"] = "1990-01-01"
    body["incident"]["health"] = "y"
    r = api.post(URL, body, format="json")
    assert r.status_code == 400
    fields = r.json()["error"]["fields"]
    assert set(fields) == {"religion", "complainant.date_of_birth", "incident.health"}
    assert Complaint.objects.count() == 0 and Complainant.objects.count() == 0


def test_field_the_category_does_not_collect_is_refused(api, category):
    """clause: OCC-3, KC-1 contrast: no national ID unless the category's policy requires it"""
    body = complaint_body()
    body["complainant"]["national_id"] = "1101700230708"
    r = api.post(URL, body, format="json")
    assert r.status_code == 400
    assert "complainant.national_id" in r.json()["error"]["fields"]
    assert Complaint.objects.count() == 0


def test_contact_required_unless_anonymous(api, category):
    """clause: OCC-3"""
    r = api.post(URL, complaint_body(complainant={"name": "ก"}), format="json")
    assert r.status_code == 400 and "complainant.contact" in r.json()["error"]["fields"]
    r = api.post(URL, complaint_body(complainant={}, anonymous=True), format="json")
    assert r.status_code == 201
    c = Complaint.objects.get(reference=r.json()["reference"])
    assert c.complainant.is_anonymous and not c.complainant.name and not c.complainant.phone


def test_anonymous_refused_where_category_does_not_allow_it(api, demo):
    r = api.post(
        URL, complaint_body(category="hacked_account", complainant={}, anonymous=True), format="json"
    )
    assert r.status_code == 400 and "anonymous" in r.json()["error"]["fields"]


def test_invalid_phone_is_named(api, category):
    r = api.post(URL, complaint_body(complainant={"phone": "12"}), format="json")
    assert r.status_code == 400
    assert r.json()["error"]["fields"]["complainant.phone"]


def test_error_format_is_one_shape(api, category):
    r = api.post(URL, {"channel": "fax"}, format="json")
    err = r.json()["error"]
    assert r.status_code == 400 and err["code"] == "validation_error"
    assert {"category", "channel", "description"} <= set(err["fields"])
    assert isinstance(err["message"], str)


def test_public_api_sets_no_cookies(api, category):
    """clause: OCC-10"""
    r = api.post(URL, complaint_body(), format="json")
    assert r.status_code == 201 and not r.cookies
    r = api.get("/api/v1/categories/")
    assert not r.cookies


def _multipart(api, files, data=None, **extra):
    payload = {"data": json.dumps(data or complaint_body())}
    payload["attachments"] = files
    return api.post(URL, payload, format="multipart", **extra)


def _upload(name, content, content_type="application/octet-stream"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=content_type)


def test_multipart_with_evidence_stores_hash_and_file(api, category):
    png = png_bytes()
    r = _multipart(
        api, [_upload("shot.png", png, "image/png"), _upload("slip.pdf", pdf_bytes(), "application/pdf")]
    )
    assert r.status_code == 201, r.json()
    atts = list(Attachment.objects.order_by("id"))
    import hashlib

    assert [a.content_type for a in atts] == ["image/png", "application/pdf"]
    assert atts[0].sha256 == hashlib.sha256(png).hexdigest()
    assert default_storage.open(atts[0].file.name).read() == png
    assert "/media/" not in atts[0].file.name and atts[0].file.name.startswith("evidence/")


@pytest.mark.parametrize(
    "name,content",
    [
        (
            "photo.jpg",
            b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200,
        ),  # a Windows executable
        ("photo.png", b"<html><script>alert(1)</script></html>"),
        ("image.jpg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("shot.jpg", png_bytes()),  # a PNG named .jpg: content is not what the name claims
        ("broken.png", png_bytes()[:40]),  # truncated image
    ],
)
def test_disguised_or_broken_file_is_refused_by_name_and_nothing_stored(
    api, category, name, content, settings
):
    r = _multipart(api, [_upload("ok.png", png_bytes(), "image/png"), _upload(name, content, "image/jpeg")])
    assert r.status_code == 400, r.json()
    assert name in r.json()["error"]["message"]
    assert Complaint.objects.count() == 0 and Attachment.objects.count() == 0
    root = settings.MEDIA_ROOT
    assert not any(p.is_file() for p in root.rglob("*")) if root.exists() else True


def test_oversized_file_is_413(api, category, settings):
    big = png_bytes(size=(4000, 4000), color=(1, 2, 3)) + b"\x00" * settings.OCC["ATTACHMENT_MAX_BYTES"]
    r = _multipart(api, [_upload("big.png", big, "image/png")])
    assert r.status_code == 413 and r.json()["error"]["code"] == "file_too_large"
    assert Complaint.objects.count() == 0


def test_failure_after_files_written_leaves_no_orphan_file(api, category, settings, monkeypatch):
    """A request that fails stores nothing: no complaint, no file."""
    from complaints.services import intake

    def boom(*args, **kwargs):
        raise RuntimeError("database went away")

    # the audit entries are written after the evidence files: the failure comes after the writes
    monkeypatch.setattr(intake, "audit_created", boom)
    api.raise_request_exception = False
    r = _multipart(api, [_upload("ok.png", png_bytes(), "image/png")])
    assert r.status_code == 500
    assert Complaint.objects.count() == 0
    assert not [p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()]


def test_a_failed_request_never_removes_a_file_another_case_holds(api, category, settings):
    """Files are stored once per content: when a failed request discards what it wrote, a file an
    attachment of a committed case points to stays.

    clause: OCC-8 (security against loss)"""
    from django.core.files.storage import default_storage

    from complaints.models import Attachment
    from complaints.services.evidence import evidence_discard

    assert _multipart(api, [_upload("ok.png", png_bytes(), "image/png")]).status_code == 201
    held = Attachment.objects.get().file.name
    stray = "evidence/00/" + "0" * 64
    default_storage.save(stray, io.BytesIO(b"written by a request that failed"))
    evidence_discard([held, stray])
    assert default_storage.exists(held) and not default_storage.exists(stray)


def test_multipart_unknown_part_is_refused(api, category):
    r = api.post(URL, {"data": json.dumps(complaint_body()), "extra": "x"}, format="multipart")
    assert r.status_code == 400 and "extra" in r.json()["error"]["fields"]


def test_idempotency_same_key_same_body_replays(api, category):
    body = complaint_body()
    r1 = api.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    r2 = api.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    assert r1.status_code == r2.status_code == 201
    assert r1.json() == r2.json()
    assert Complaint.objects.count() == 1


def test_idempotency_same_key_other_body_is_409(api, category):
    api.post(URL, complaint_body(), format="json", HTTP_IDEMPOTENCY_KEY="abc-2")
    r = api.post(URL, complaint_body(description="อื่น"), format="json", HTTP_IDEMPOTENCY_KEY="abc-2")
    assert r.status_code == 409 and r.json()["error"]["code"] == "idempotency_key_reused"
    assert Complaint.objects.count() == 1


def test_an_intake_under_an_idempotency_key_is_one_transaction_and_a_refusal_keeps_no_key(api, category):
    """clause: OCC-2 (the one intake path; nothing half-stored): under an Idempotency-Key the
    intake works inside the key's transaction without a savepoint of its own, and a refused body
    leaves neither the complaint nor the key, so a corrected retry with that key files once"""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from complaints.models import IdempotencyRecord

    # refused inside complaint_register (the category does not collect a national id)
    bad = complaint_body(complainant={"phone": "0812345678", "national_id": "1101700203451"})
    refused = api.post(URL, bad, format="json", HTTP_IDEMPOTENCY_KEY="abc-4")
    assert refused.status_code == 400
    assert not IdempotencyRecord.objects.exists() and not Complaint.objects.exists()
    with CaptureQueriesContext(connection) as ctx:
        filed = api.post(URL, complaint_body(), format="json", HTTP_IDEMPOTENCY_KEY="abc-5")
    assert filed.status_code == 201
    # the test's own transaction makes the key's transaction a savepoint: that one, no other
    assert sum(q["sql"].startswith("SAVEPOINT") for q in ctx.captured_queries) == 1
    assert Complaint.objects.count() == IdempotencyRecord.objects.count() == 1


def test_idempotency_record_does_not_hold_tracking_code_in_clear(api, category):
    from complaints.models import IdempotencyRecord

    r = api.post(URL, complaint_body(), format="json", HTTP_IDEMPOTENCY_KEY="abc-3")
    code = r.json()["tracking_code"]
    rec = IdempotencyRecord.objects.get()
    assert code.encode() not in bytes(rec.response_encrypted)


def test_intake_is_throttled_per_ip_with_retry_after(api, category, throttle_rates):
    throttle_rates(intake="2/min")
    codes = [api.post(URL, complaint_body(), format="json").status_code for _ in range(3)]
    assert codes == [201, 201, 429]
    r = api.post(URL, complaint_body(), format="json")
    assert r.status_code == 429 and int(r["Retry-After"]) > 0
    assert r.json()["error"]["code"] == "throttled"
    other = api.post(URL, complaint_body(), format="json", REMOTE_ADDR="10.9.9.9")
    assert other.status_code == 201


def test_categories_list_identity_policy(api, demo):
    r = api.get("/api/v1/categories/")
    assert r.status_code == 200
    rows = {c["code"]: c for c in r.json()}
    assert set(rows) >= {
        "online_shopping",
        "financial_scam",
        "illegal_website",
        "data_privacy",
        "cyberbullying",
        "hacked_account",
        "other",
    }
    assert rows["online_shopping"]["identity_policy"]["national_id"] == "not_collected"
    assert rows["hacked_account"]["identity_policy"]["name"] == "required"
    assert rows["online_shopping"]["name_th"]


def test_intake_makes_the_same_number_of_queries_whatever_came_before(api, file_complaint, category):
    """clause: OCC-2 (the web/app channel's cost per complaint is constant: the tenth intake, one
    without incident facts, and an anonymous one make as many queries as the second, less the
    fraud-indicator statements when it names no indicator; docs/performance.md)"""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(**overrides):
        with CaptureQueriesContext(connection) as ctx:
            file_complaint(**overrides)
        return len(ctx.captured_queries)

    if connection.vendor == "postgresql":
        connection._occ_intake_ids = None  # the next intake takes a new block of ids (IDS_BLOCK)
    file_complaint()  # the year's counter row and per-process caches (content types) exist from here on
    first = count()
    for _ in range(8):
        file_complaint()
    assert count() == first
    # without incident facts the complaint names no fraud indicator: the indicators hook's two
    # statements (upsert the indicators, insert the sightings; docs/indicators.md) are not made;
    # on PostgreSQL they are parts of the intake's one statement (occ.rows.statement_later), and
    # so is the yearly number (occ.rows.value_later): an intake is ONE statement, every row (here
    # inside the test's transaction; in production BEGIN and COMMIT around it: three round trips),
    # and one in IDS_BLOCK intakes a second, the next block of ids
    if connection.vendor == "postgresql":
        assert first == 1 and count(incident={}) == first
    else:
        assert count(incident={}) == first - 2
    assert count(anonymous=True, complainant={}) == first


@pytest.mark.django_db(transaction=True)
def test_a_block_of_ids_is_used_only_on_the_database_session_that_took_it(api, file_complaint, category):
    """A block of ids is taken per database session: after a reconnect (or a fork's new
    connection, or a fail-over whose sequences went back) the rest of an old block is never used;
    the new session takes its own. clause: OCC-2"""
    from django.db import connection

    from complaints.models import Complaint

    if connection.vendor != "postgresql":
        pytest.skip("ids are taken in blocks on PostgreSQL only")
    file_complaint()
    first = Complaint.objects.order_by("-id").values_list("id", flat=True)[0]
    connection.close()
    with connection.cursor() as cursor:  # the sequence moves on meanwhile (another process's block)
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('complaints_complaint', 'id'), %s)", [first + 1000]
        )
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('complaints_complainant', 'id'), %s)", [first + 1000]
        )
    file_complaint()
    second = Complaint.objects.order_by("-id").values_list("id", flat=True)[0]
    assert second > first + 1000  # from a new block, not the old block's next id (first + 1)


def test_a_field_the_category_does_not_collect_is_explained_in_the_citizens_language(api, category):
    """clause: OCC-3 (identity data only as needed): the refusal names the category as the citizen
    knows it, in Thai by default and in English on request, never by its internal code"""
    from complaints.models import Category

    shop = Category.objects.get(code="online_shopping")
    body = complaint_body(complainant={"phone": "0812345678", "national_id": "1101700203451"})
    th = api.post(URL, body, format="json")
    en = api.post(URL, body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert th.status_code == en.status_code == 400
    th_text = th.json()["error"]["fields"]["complainant.national_id"][0]
    en_text = en.json()["error"]["fields"]["complainant.national_id"][0]
    assert shop.name_th in th_text and "ไม่เก็บข้อมูลช่องนี้" in th_text
    assert shop.name_en in en_text and "does not collect" in en_text
    assert "online_shopping" not in th_text + en_text
    assert not Complaint.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_discard_waits_for_a_request_still_attaching_the_same_bytes(demo):
    """A failed request removes the file it wrote only under the content lock: a concurrent request
    that found the same bytes already stored and is attaching them (not yet committed) is waited
    for, and its file stays.

    clause: OCC-8 (security against loss)"""
    import threading
    import time

    from django.db import connection, transaction

    from complaints.services.evidence import evidence_check, evidence_discard, evidence_lock, evidence_store
    from complaints.services.intake import complaint_register

    if connection.vendor != "postgresql":
        pytest.skip("the content lock is PostgreSQL's; SQLite serialises writers")
    case = complaint_register(channel="web", category=None, description="d", identity={}, anonymous=True)
    checked = evidence_check(io.BytesIO(png_bytes()), name="shared.png")
    name, _ = evidence_store(checked)  # written by a request that is about to fail
    locked, done = threading.Event(), threading.Event()

    def attaching():  # the other request: found the file stored, attaches it, commits a moment later
        try:
            with transaction.atomic():
                evidence_lock([checked.sha256])
                Attachment.objects.create(
                    complaint_id=case.complaint.pk,
                    file=name,
                    original_name="shared.png",
                    content_type=checked.content_type,
                    size=checked.size,
                    sha256=checked.sha256,
                )
                locked.set()
                time.sleep(1.0)
        finally:
            connection.close()
            done.set()

    other = threading.Thread(target=attaching)
    other.start()
    assert locked.wait(10)
    evidence_discard([name])  # the failed request's clean-up
    other.join(10)
    assert done.is_set() and default_storage.exists(name)
    assert Attachment.objects.filter(file=name).exists()
