"""Messages to citizens. Bilingual (Thai first), plain text, no more personal data than needed."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage

from privacy.processors import processor_handoff

from .models import Complaint
from .services.intake import expected_response_date


def acknowledgement_send(complaint: Complaint) -> bool:
    """E-mail the reference and the expected date to the complainant's address, if any.

    The tracking code is not repeated here: the web/app answer showed it once, and a mailbox is
    not a safe place for a secret the citizen already has."""
    email = complaint.complainant.email
    if not email:
        return False
    # the mail relay is a processor: the hand-off names its register entry (MOST-3, KC-4)
    processor_handoff("mail", purpose="acknowledgement", data=["email_address", "message_text"])
    due = expected_response_date(complaint)
    due_text = due.isoformat() if due else "-"
    track = settings.OCC["PUBLIC_TRACK_URL"]
    body = (
        f"ศูนย์รับเรื่องร้องเรียนปัญหาออนไลน์ 1212 ได้รับเรื่องร้องเรียนของท่านแล้ว\n"
        f"เลขที่เรื่อง: {complaint.reference}\n"
        f"กำหนดตอบกลับภายใน: {due_text}\n"
        f"ติดตามสถานะเรื่องร้องเรียนด้วยเลขที่เรื่องและรหัสติดตามเรื่องที่ได้รับ: {track}\n\n"
        f"The 1212 Online Complaint Center has received your complaint.\n"
        f"Reference: {complaint.reference}\n"
        f"Expected response by: {due_text}\n"
        f"Track it with the reference and the tracking code you were given: {track}\n"
    )
    message = EmailMessage(
        subject=f"[{complaint.reference}] รับเรื่องร้องเรียนแล้ว / Complaint received",
        body=body,
        to=[email],
        headers={"Auto-Submitted": "auto-replied"},
    )
    message.send()
    return True
