"""The acknowledgement to a citizen who wrote in: reference, tracking code and how to track, in
Thai and English; never to automatic mail; at most a few per sender per hour (no mail loops)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone

from complaints.models import Complaint
from complaints.services.acknowledgements import (
    complaint_acknowledgement_claim,
    complaint_acknowledgement_release,
)
from privacy.fingerprints import fingerprint
from privacy.processors import ProcessorRefused, processor_handoff

from .models import Acknowledgement


def _sender_hash(address: str) -> str:
    # Keyed (privacy.fingerprints), never a plain hash: a table of SHA-256(e-mail) is a look-up
    # table for anyone who can list candidate addresses.
    return fingerprint(address.lower())


def acknowledgement_send(*, complaint_id: int, tracking_code: str, token: str) -> str:
    complaint = Complaint.objects.select_related("complainant").get(pk=complaint_id)
    address = complaint.complainant.email
    if not address:
        return "no-address"
    sender = _sender_hash(address)
    recent = Acknowledgement.objects.filter(
        sender_hash=sender, sent_at__gte=timezone.now() - timedelta(hours=1)
    ).count()
    if recent >= settings.OCC_ACK_PER_SENDER_PER_HOUR:
        return "rate-limited"
    try:  # the mail relay is a processor (MOST-3, KC-4)
        processor_handoff("mail", purpose="acknowledgement", data=["email_address", "message_text"])
    except ProcessorRefused:
        return "processor-refused"
    if not complaint_acknowledgement_claim(complaint_id=complaint_id):
        return "already-sent"
    local, _, domain = settings.OCC_MAILBOX_ADDRESS.partition("@")
    reply_to = f"{local}+{token}@{domain}"
    track = settings.OCC["PUBLIC_TRACK_URL"]
    body = (
        "ศูนย์รับเรื่องร้องเรียนปัญหาออนไลน์ 1212 ได้รับเรื่องร้องเรียนของท่านแล้ว\n"
        f"เลขที่เรื่อง: {complaint.reference}\n"
        f"รหัสติดตามเรื่อง: {tracking_code}  (โปรดเก็บรักษาเป็นความลับ)\n"
        f"ติดตามสถานะเรื่องร้องเรียน: {track}\n"
        "หากต้องการส่งข้อมูลเพิ่มเติม โปรดตอบกลับอีเมลฉบับนี้จากที่อยู่อีเมลเดิม\n\n"
        "The 1212 Online Complaint Center has received your complaint.\n"
        f"Reference: {complaint.reference}\n"
        f"Tracking code: {tracking_code}  (keep it secret)\n"
        f"Track your complaint: {track}\n"
        "To add information, reply to this e-mail from the same address.\n"
    )
    message = EmailMessage(
        subject=f"[{complaint.reference}] [#{token}] รับเรื่องร้องเรียนแล้ว / Complaint received",
        body=body,
        to=[address],
        reply_to=[reply_to],
        headers={"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"},
    )
    try:
        message.send()
    except OSError:
        complaint_acknowledgement_release(complaint_id=complaint_id)
        raise
    Acknowledgement.objects.create(sender_hash=sender, complaint=complaint)
    return "sent"
