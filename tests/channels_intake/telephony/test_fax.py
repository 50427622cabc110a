"""Faxes into the triage queue: from the signed fax gateway or fax-to-e-mail, each fax becomes a
complaint (channel fax, no category) that needs transcription, with the fax file as evidence, the
sender's number as contact and PNG previews made after commit; agents transcribe it and the case
follows its lifecycle.

clause: OCC-2 (fax channel), OCC-5 (the fax number), OCC-14 (published fax line 02-127-5789),
OCC-8 (evidence; who read it is logged)."""

from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

import pytest
from django.core.files.storage import default_storage
from PIL import Image

from channels_intake.models import InboundItem
from channels_intake.telephony import services, tasks
from channels_intake.telephony.models import Fax, FaxPage
from channels_intake.telephony.services import fax_register
from complaints.models import Agency, Attachment, Complaint, Role
from privacy.models import AccessLogEntry

from . import media

pytestmark = pytest.mark.django_db


@pytest.fixture
def after_commit(django_capture_on_commit_callbacks):
    """Run what is enqueued after commit (the preview task), as a worker would."""

    def _run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return _run


@pytest.mark.parametrize("compression", ["group3", "group4"])
def test_a_gateway_fax_becomes_a_complaint_waiting_for_transcription(
    demo, fax_send, after_commit, compression
):
    """clause: OCC-2, OCC-5, OCC-14"""
    data = media.fax_tiff(3, compression)
    r = after_commit(fax_send, data, pages=3)
    assert r.status_code == 201, r.json()
    c = Complaint.objects.get(reference=r.json()["reference"])
    assert (c.channel, c.category, c.status) == ("fax", None, "received")
    assert c.complainant.phone == "+6621275789" and not c.complainant.is_anonymous
    fax = Fax.objects.get(complaint=c)
    assert fax.needs_transcription and fax.pages == 3 and fax.compression == compression
    assert fax.receiving_line == "021275789" and fax.received_at.isoformat().startswith("2026-11-23T02:00")
    # the fax file is the case's evidence, stored once under its hash
    attachment = Attachment.objects.get(complaint=c)
    assert fax.attachment == attachment and attachment.content_type == "image/tiff"
    assert default_storage.open(attachment.file.name).read() == data
    # previews, made after commit
    pages = list(FaxPage.objects.filter(fax=fax))
    assert [p.number for p in pages] == [1, 2, 3] and Fax.objects.get(pk=fax.pk).previews == "ready"
    with default_storage.open(pages[0].preview.name) as fh, Image.open(fh) as png:
        assert png.format == "PNG" and png.width == 1000
    assert InboundItem.objects.get(kind="fax").state == "processed"


def test_the_preview_task_run_twice_renders_nothing_new(demo, fax_send, after_commit):
    r = after_commit(fax_send, media.fax_tiff(2))
    fax = Fax.objects.get(complaint__reference=r.json()["reference"])
    names = sorted(fax.page_previews.values_list("preview", flat=True))
    assert tasks.fax_previews.apply(args=[fax.pk]).get() == 0
    FaxPage.objects.filter(fax=fax, number=2).delete()  # a worker died after page 1
    Fax.objects.filter(pk=fax.pk).update(previews="pending")
    assert tasks.fax_previews.apply(args=[fax.pk]).get() == 1
    assert tasks.fax_previews.apply(args=[fax.pk]).get() == 0
    assert sorted(fax.page_previews.values_list("preview", flat=True)) == names


def test_normal_resolution_pages_are_previewed_in_proportion(demo, fax_send, after_commit):
    """Class F 'normal' mode: 204 x 98 dpi. The preview is stretched to look like the paper."""
    r = after_commit(fax_send, media.fax_tiff(1, "group3", dpi=(204, 98), size=(1728, 1100)))
    page = FaxPage.objects.get(fax__complaint__reference=r.json()["reference"])
    assert page.width == 1000 and abs(page.height - round(1100 * 204 / 98 * 1000 / 1728)) <= 1


def test_a_retried_delivery_is_the_same_complaint(demo, fax_send):
    """clause: OCC-8 (no duplicate case from a retried webhook)"""
    data = media.fax_tiff(2)
    first = fax_send(data, fax_id="gw-17")
    again = fax_send(data, fax_id="gw-17")
    same_bytes = fax_send(data, fax_id="gw-18")  # the gateway lost its id: the same bytes are the same fax
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["reference"] == again.json()["reference"] == same_bytes.json()["reference"]
    assert Complaint.objects.count() == 1 and Fax.objects.count() == 1


def test_a_pdf_fax(demo, fax_send, after_commit):
    r = after_commit(fax_send, media.fax_pdf(2), name="fax.pdf")
    fax = Fax.objects.get(complaint__reference=r.json()["reference"])
    assert fax.content_type == "application/pdf" and fax.pages == 2 and fax.page_previews.count() == 2


@pytest.mark.parametrize(
    "data,name,needle",
    [
        (media.fax_tiff(2)[:400], "cut.tif", "cut.tif is truncated"),
        (
            media.tiff_claiming_more_data(media.fax_tiff(1)),
            "short.tif",
            "short.tif is truncated: page 1's image data",
        ),
        (media.fax_pdf(2)[:3000], "cut.pdf", "cut.pdf is a damaged PDF"),
        (media.png(), "fax.tif", "fax.tif is not a fax image (TIFF or PDF): its content is image/png"),
        (media.fax_tiff(1), "fax.pdf", "fax.pdf is named '.pdf' but its content is a TIFF image"),
    ],
)
def test_a_bad_fax_is_refused_and_kept_in_quarantine(demo, fax_send, data, name, needle):
    """clause: OCC-8 (nothing lost: the raw file is kept with the reason)"""
    r = fax_send(data, name=name)
    assert r.status_code == 422 and needle in r.json()["error"]["message"], r.json()
    item = InboundItem.objects.get(pk=int(r["X-OCC-Inbound-Id"]))
    assert item.state == "quarantined" and item.raw.open("rb").read() == data and needle in item.reason
    assert not Complaint.objects.exists()


def test_a_page_count_that_disagrees_with_the_gateway_is_named(demo, fax_send):
    r = fax_send(media.fax_tiff(2), pages=5)
    assert r.status_code == 422 and "has 2 page(s) but the sender announced 5" in r.json()["error"]["message"]


@pytest.mark.parametrize(
    "extra,needle", [({"page_count": "many"}, "page_count"), ({"received_at": "yesterday"}, "received_at")]
)
def test_bad_gateway_metadata_keeps_the_fax_in_quarantine(demo, fax_send, extra, needle):
    r = fax_send(media.fax_tiff(1), extra=extra)
    assert r.status_code == 422 and needle in r.json()["error"]["message"]
    assert InboundItem.objects.get().state == "quarantined"


def test_unknown_fields_and_bad_signatures_store_nothing(demo, fax_send):
    """clause: OCC-1, OCC-8"""
    r = fax_send(media.fax_tiff(1), extra={"sender_name": "x"})
    assert r.status_code == 400 and "sender_name" in r.json()["error"]["fields"]
    assert fax_send(media.fax_tiff(1), secret="wrong").status_code == 401
    assert not InboundItem.objects.exists()


def test_a_fax_without_a_usable_number_is_taken_and_contact_added_at_transcription(agent, fax_send):
    r = fax_send(media.fax_tiff(1), sender="FAX-SERVER")
    c = Complaint.objects.get(reference=r.json()["reference"])
    assert c.complainant.is_anonymous and c.fax.sender_number == ""
    fax = c.fax
    t = agent.post(
        f"/api/v1/staff/faxes/{fax.pk}/transcribe/",
        {
            "category": "online_shopping",
            "description": "ตามโทรสาร: สั่งสินค้าแล้วไม่ได้รับ",
            "complainant": {"name": "ผู้ส่ง โทรสาร", "phone": "081-234-5678"},
        },
        format="json",
    )
    assert t.status_code == 200, t.json()
    person = Complaint.objects.get(pk=c.pk).complainant
    assert not person.is_anonymous and person.phone == "+66812345678" and person.name == "ผู้ส่ง โทรสาร"
    text = Complaint.objects.get(pk=c.pk).events.get(kind="transcribed").text
    assert "name, phone" in text and "081" not in text  # which fields, never their values
    identity = Complaint.objects.get(pk=c.pk).events.get(kind="identity").text  # the one identity rule
    assert identity == "complainant's identity changed (fax transcription): name, phone; no longer anonymous"


def test_agents_transcribe_and_the_case_follows_its_lifecycle(agent, fax_send, after_commit):
    """clause: OCC-2"""
    r = after_commit(fax_send, media.fax_pdf(2), name="fax.pdf")
    queue = agent.get("/api/v1/staff/faxes/").json()["results"]
    fax = Fax.objects.get()
    assert [q["id"] for q in queue] == [fax.pk] and len(queue[0]["page_previews"]) == 2
    assert queue[0]["file_download_url"] == f"/api/v1/staff/attachments/{fax.attachment_id}/download/"
    png = agent.get(queue[0]["page_previews"][0]["url"])
    assert png.status_code == 200 and b"".join(png.streaming_content).startswith(b"\x89PNG")
    t = agent.post(
        f"/api/v1/staff/faxes/{fax.pk}/transcribe/",
        {
            "category": "online_shopping",
            "description": "ร้องเรียนร้านค้าออนไลน์ตามโทรสาร",
            "incident": {"website_url": "https://scam-shop.example/", "amount_lost": "990.00"},
        },
        format="json",
    )
    assert t.status_code == 200 and t.json()["needs_transcription"] is False
    c = Complaint.objects.get(reference=r.json()["reference"])
    assert c.category.code == "online_shopping" and c.sla_due_at is not None
    assert c.description.startswith("ร้องเรียน") and str(c.amount_lost) == "990.00"
    kinds = list(c.events.values_list("kind", flat=True))
    assert (
        kinds[-2:] == ["transcribed", "category"] and c.events.get(kind="category").text == "online_shopping"
    )
    assert agent.get("/api/v1/staff/faxes/").json()["results"] == []
    assert len(agent.get("/api/v1/staff/faxes/?needs_transcription=false").json()["results"]) == 1
    again = agent.post(
        f"/api/v1/staff/faxes/{fax.pk}/transcribe/", {"category": "other", "description": "x"}, format="json"
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_transcribed"
    moved = agent.post(
        f"/api/v1/staff/complaints/{c.reference}/status/", {"status": "triaged"}, format="json"
    )
    assert moved.status_code == 200


def test_transcription_respects_the_categorys_identity_policy(agent, fax_send):
    """clause: OCC-3 (only the identity data the category collects)"""
    from complaints.models import Category

    Category.objects.filter(code="other").update(policy_name="required")
    fax = Complaint.objects.get(reference=fax_send(media.fax_tiff(1)).json()["reference"]).fax
    r = agent.post(
        f"/api/v1/staff/faxes/{fax.pk}/transcribe/", {"category": "other", "description": "x"}, format="json"
    )
    assert r.status_code == 400 and "complainant.name" in r.json()["error"]["fields"]
    assert Fax.objects.get(pk=fax.pk).needs_transcription


def test_who_read_a_fax_is_logged(agent, fax_send, after_commit):
    """clause: OCC-8"""
    after_commit(fax_send, media.fax_tiff(2))
    fax = Fax.objects.get()
    agent.get("/api/v1/staff/faxes/")
    agent.get(f"/api/v1/staff/faxes/{fax.pk}/")
    agent.get(f"/api/v1/staff/faxes/{fax.pk}/pages/2/")
    agent.get(f"/api/v1/staff/attachments/{fax.attachment_id}/download/")
    logged = set(
        AccessLogEntry.objects.filter(actor=agent.user, complaint_id=fax.complaint_id).values_list(
            "object_type", "action"
        )
    )
    assert logged == {("fax", "list"), ("fax", "view"), ("fax_page", "view"), ("attachment", "download")}


def test_faxes_are_the_centres_own(fax_send, staff_api, after_commit):
    """clause: DD-4"""
    after_commit(fax_send, media.fax_tiff(1))
    fax = Fax.objects.get()
    officer = staff_api(Role.AGENCY_OFFICER, "officer", agency=Agency.objects.first())
    assert officer.get(f"/api/v1/staff/faxes/{fax.pk}/").status_code == 404
    assert officer.get(f"/api/v1/staff/faxes/{fax.pk}/pages/1/").status_code == 404
    assert officer.get("/api/v1/staff/faxes/").status_code == 404  # the access layer: not for agencies
    dpo = staff_api(Role.PRIVACY_OFFICER, "dpo")
    assert dpo.get(f"/api/v1/staff/faxes/{fax.pk}/").status_code == 200
    assert (
        dpo.post(
            f"/api/v1/staff/faxes/{fax.pk}/transcribe/",
            {"category": "other", "description": "x"},
            format="json",
        ).status_code
        == 404
    )


def test_a_page_the_renderer_cannot_read_is_recorded_not_retried_forever(
    demo, fax_send, after_commit, monkeypatch
):
    from channels_intake.telephony.services import fax as fax_services

    def broken(*args, **kwargs):
        raise ValueError("unsupported compression")
        yield  # pragma: no cover

    monkeypatch.setattr(fax_services, "fax_pages_png", broken)
    after_commit(fax_send, media.fax_tiff(1))
    fax = Fax.objects.get()
    assert fax.previews == "failed" and "unsupported compression" in fax.previews_error
    assert Complaint.objects.count() == 1  # the fax itself is taken; agents still have the file


def _fax_mail(data: bytes, message_id: str) -> bytes:
    msg = MIMEMultipart()
    msg["From"] = "fax@faxserver.example"
    msg["To"] = "1212@mdes.go.th"
    msg["Subject"] = "Fax from 02-127-5789"
    msg["Message-ID"] = message_id
    msg.attach(MIMEText("fax attached"))
    part = MIMEApplication(data, "tiff")
    part.add_header("Content-Disposition", "attachment", filename="fax.tif")
    msg.attach(part)
    return msg.as_bytes()


def test_fax_to_email_goes_to_the_fax_channel_once(demo, settings, after_commit):
    """clause: OCC-2 (fax via the fax server's e-mail), OCC-14"""
    from channels_intake.email.processing import email_ingest

    settings.OCC_FAX_TO_EMAIL_SENDERS = ["fax@faxserver.example"]
    data = media.fax_tiff(2, "group3")
    item = after_commit(email_ingest, _fax_mail(data, "<fax1@faxserver.example>"), source="t", mailbox="m")
    assert item.state == "processed" and item.complaint.channel == "fax"
    fax = Fax.objects.get(complaint=item.complaint)
    assert fax.sender_number == "+6621275789" and fax.needs_transcription and fax.page_previews.count() == 2
    # the same fax mailed again (another Message-ID) is the same complaint
    again = email_ingest(_fax_mail(data, "<fax2@faxserver.example>"), source="t", mailbox="m")
    assert again.complaint == item.complaint and Complaint.objects.count() == 1


def test_fax_register_is_idempotent_when_called_directly(demo):
    import io

    data = media.fax_pdf(1)
    first = fax_register(
        fileobj=io.BytesIO(data),
        filename="fax.pdf",
        sender_number="021275789",
        receiving_line="1212@mdes.go.th",
    )
    again = fax_register(
        fileobj=io.BytesIO(data),
        filename="fax.pdf",
        sender_number="021275789",
        receiving_line="1212@mdes.go.th",
    )
    assert first == again and Fax.objects.get().source == "fax-to-email"


def test_erasure_helper_removes_numbers_and_page_images(
    agent, cti, fax_send, after_commit, django_capture_on_commit_callbacks
):
    """clause: OCC-11 (deletion on request), PDPA s.33"""
    from channels_intake.telephony.models import Call
    from channels_intake.telephony.services import complaint_telephony_erase

    r = after_commit(fax_send, media.fax_tiff(2))
    fax = Fax.objects.get(complaint__reference=r.json()["reference"])
    cti("started", call_id="about-the-fax")
    agent.post(
        "/api/v1/staff/calls/about-the-fax/link/", {"reference": fax.complaint.reference}, format="json"
    )
    names = list(fax.page_previews.values_list("preview", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        counts = complaint_telephony_erase(complaint=fax.complaint)
    assert counts == {"call_numbers_removed": 1, "fax_previews_removed": 2}
    assert Call.objects.get(call_id="about-the-fax").caller_number == ""
    fax.refresh_from_db()
    assert fax.sender_number == "" and fax.page_previews.count() == 0
    assert not any(default_storage.exists(n) for n in names)


def test_previews_never_queued_are_made_by_the_sweep(demo, fax_send):
    """clause: OCC-5 (a fax received while the task queue was away still gets its page previews:
    the beat sweep finds faxes pending ten minutes after storage and queues them once)"""
    from datetime import timedelta

    from django.utils import timezone

    r = fax_send(media.fax_tiff(2), fax_id="gw-sweep")  # on-commit task not run in this test
    fax = Fax.objects.get(complaint__reference=r.json()["reference"])
    assert fax.previews == "pending" and services.fax_previews_due() == []  # too young to sweep
    Attachment.objects.filter(pk=fax.attachment_id).update(uploaded_at=timezone.now() - timedelta(minutes=11))
    assert services.fax_previews_due() == [fax.pk]
    assert tasks.fax_previews_retry_due.apply().get() == 1
    assert Fax.objects.get(pk=fax.pk).previews == "ready" and fax.page_previews.count() == 2
    assert services.fax_previews_due() == []


def test_two_fax_ids_sharing_a_long_prefix_stay_two_faxes(demo):
    """A gateway id longer than the stored key is hashed, never cut (issue 17): two ids that share
    their first 200 characters are two faxes, and each id again is the same fax."""
    import io as _io

    from channels_intake.telephony.services import fax_register

    prefix = "gw-" + "x" * 250
    first = fax_register(
        fileobj=_io.BytesIO(media.fax_tiff(1)),
        filename="a.tif",
        sender_number="021275789",
        receiving_line="1212",
        dedup_key=prefix + "-1",
    )
    second = fax_register(
        fileobj=_io.BytesIO(media.fax_tiff(2)),
        filename="b.tif",
        sender_number="021275789",
        receiving_line="1212",
        dedup_key=prefix + "-2",
    )
    again = fax_register(
        fileobj=_io.BytesIO(media.fax_tiff(2)),
        filename="b.tif",
        sender_number="021275789",
        receiving_line="1212",
        dedup_key=prefix + "-2",
    )
    assert first.pk != second.pk and again.pk == second.pk
    assert Fax.objects.count() == 2


def test_erasure_reaches_the_channel_through_its_registered_eraser(
    agent, cti, fax_send, after_commit, django_capture_on_commit_callbacks
):
    """clause: OCC-11 (deletion on request: the anonymisation of a complaint removes what the
    telephone channel holds, through the eraser it registered in its AppConfig.ready)"""
    from channels_intake.telephony.models import Call
    from channels_intake.telephony.services import complaint_telephony_erase
    from privacy.ops.services.erasure import ERASERS, complaint_anonymise

    assert ERASERS.count(complaint_telephony_erase) == 1
    r = after_commit(fax_send, media.fax_tiff(2))
    fax = Fax.objects.get(complaint__reference=r.json()["reference"])
    cti("started", call_id="erased-call")
    agent.post("/api/v1/staff/calls/erased-call/link/", {"reference": fax.complaint.reference}, format="json")
    names = list(fax.page_previews.values_list("preview", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        counts = complaint_anonymise(complaint=fax.complaint, actor=None, reason="erasure request")
    assert counts["call_numbers_removed"] == 1 and counts["fax_previews_removed"] == 2
    assert Call.objects.get(call_id="erased-call").caller_number == ""
    fax.refresh_from_db()
    assert fax.sender_number == "" and fax.page_previews.count() == 0
    assert not any(default_storage.exists(n) for n in names)
