"""The processor register (MOST-3, KC-4): every hand-off of personal data to a contractor names
its entry; an unregistered, expired or out-of-contract processor is refused and the refusal is
logged without the personal data; the record of processing lists the processors."""

import logging
from datetime import date, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from complaints.models import Complaint, Role
from privacy.models import Processor
from privacy.ops.sms import outbox
from privacy.processors import ProcessorRefused, processor_handoff

pytestmark = pytest.mark.django_db
P = "/api/v1/privacy/"


class _Lines(logging.Handler):
    def __init__(self):
        super().__init__(logging.INFO)
        self.lines = []

    def emit(self, record):
        self.lines.append(record.getMessage())

    @property
    def text(self):
        return "\n".join(self.lines)


@pytest.fixture
def caplog():
    """What the log received (the suite runs with -p no:logging, so pytest's caplog is absent)."""
    handler = _Lines()
    logger = logging.getLogger("privacy.processors")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)


def _expire(code):
    Processor.objects.filter(code=code).update(valid_to=timezone.localdate() - timedelta(days=1))


def test_a_hand_off_names_its_processor_and_is_refused_outside_the_contract(demo, caplog):
    """clause: MOST-3, KC-4 (contractors only for the contracted work, under a contract in force)"""
    assert processor_handoff("sms", purpose="one_time_code", data=["phone_number"]).code == "sms-gateway"
    with pytest.raises(ProcessorRefused, match="purpose 'marketing'"):
        processor_handoff("sms", purpose="marketing", data=["phone_number"])
    with pytest.raises(ProcessorRefused, match="national_id"):
        processor_handoff("mail", purpose="acknowledgement", data=["email_address", "national_id"])
    Processor.objects.filter(code="sms-gateway").update(valid_from=timezone.localdate() + timedelta(days=1))
    with pytest.raises(ProcessorRefused, match="not in force"):
        processor_handoff("sms", purpose="one_time_code", data=["phone_number"])
    Processor.objects.filter(code="mail-relay").delete()
    with pytest.raises(ProcessorRefused, match="not in the processor register"):
        processor_handoff("mail", purpose="acknowledgement", data=["email_address"])
    assert "hand-off: role=sms processor=sms-gateway" in caplog.text


def test_a_one_time_code_is_not_handed_to_an_expired_sms_gateway(
    api, file_complaint, django_capture_on_commit_callbacks, caplog
):
    """clause: KC-4, MOST-3 (the SMS gateway receives the number only under its contract)"""
    filed = file_complaint(complainant={"phone": "0812345678"})
    body = {"reference": filed["reference"], "tracking_code": filed["tracking_code"], "type": "access"}
    _expire("sms-gateway")
    outbox.clear()
    r = api.post(P + "requests/", body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 503 and r.json()["error"]["code"] == "code_not_sent"
    assert outbox == []
    assert "processor=sms-gateway" in caplog.text and "reason=its contract is not in force" in caplog.text
    assert "0812345678" not in caplog.text and "+66812345678" not in caplog.text
    Processor.objects.filter(code="sms-gateway").update(valid_to=None)
    r = api.post(P + "requests/", body, format="json")
    assert r.status_code == 202 and outbox[-1][0] == "+66812345678"


def test_an_acknowledgement_is_not_handed_to_an_unregistered_mail_relay(
    file_complaint, django_capture_on_commit_callbacks, caplog
):
    """clause: KC-4, MOST-3 (the mail relay is a registered processor, or no mail leaves)"""
    Processor.objects.filter(code="mail-relay").delete()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        filed = file_complaint()  # the complaint is filed all the same
    c = Complaint.objects.get(reference=filed["reference"])
    assert mail.outbox == [] and c.acknowledged_at is None  # released: the sweep sends it later
    assert "processor=mail-relay" in caplog.text and "Somchai@example.com" not in caplog.text
    from privacy.processors import processors_demo_load

    processors_demo_load()
    from complaints.tasks import complaint_acknowledge

    assert complaint_acknowledge.apply(args=[c.pk]).get() is True and len(mail.outbox) == 1


def test_the_email_channel_acknowledgement_needs_the_mail_relay(file_complaint):
    """clause: KC-4 (the e-mail channel's reply goes through the same register)"""
    from channels_intake.email.acknowledgement import acknowledgement_send

    c = Complaint.objects.get(reference=file_complaint()["reference"])
    Complaint.objects.filter(pk=c.pk).update(acknowledged_at=None)
    mail.outbox.clear()
    _expire("mail-relay")
    assert acknowledgement_send(complaint_id=c.pk, tracking_code="X", token="t") == "processor-refused"
    assert mail.outbox == []


def test_evidence_goes_to_object_storage_only_under_its_contract(file_complaint, settings, api):
    """clause: MOST-3 (storage contractors hold evidence only under a registered contract)"""
    from tests.conftest import complaint_body, png_bytes

    settings.OCC_PROCESSORS = {**settings.OCC_PROCESSORS, "storage": "object-storage"}
    _expire("object-storage")
    import io
    import json

    upload = io.BytesIO(png_bytes())
    upload.name = "shot.png"
    before = Complaint.objects.count()
    r = api.post(
        "/api/v1/complaints/",
        {"data": json.dumps(complaint_body()), "attachments": [upload]},
        format="multipart",
    )
    assert r.status_code == 503 and r.json()["error"]["code"] == "processor_refused"
    assert Complaint.objects.count() == before
    Processor.objects.filter(code="object-storage").update(valid_to=None)
    upload.seek(0)
    r = api.post(
        "/api/v1/complaints/",
        {"data": json.dumps(complaint_body()), "attachments": [upload]},
        format="multipart",
    )
    assert r.status_code == 201


def test_the_record_of_processing_lists_the_processors(demo, staff_api):
    """clause: MOST-3, KC-4, PDPA s.39 (the record names the contractors and their contracts)"""
    from privacy.ops.demo import demo_privacy_load

    demo_privacy_load()
    Processor.objects.create(
        code="transcriber",
        name="Transcription contractor",
        contract_reference="C-77",
        purposes=["transcription"],
        data_categories=["call_recordings"],
        confidentiality_terms="confidential",
        valid_from=date(2026, 1, 1),
        valid_to=date(2026, 1, 31),
    )
    rows = staff_api(Role.PRIVACY_OFFICER, "dpo").get(P + "staff/processing-record/").json()
    listed = " ".join(rows[0]["processors"])
    assert "sms-gateway" in listed and "DEMO-SMS-2569/001" in listed and "mail-relay" in listed
    assert "C-77" in listed and "2026-01-31" in listed
