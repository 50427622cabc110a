"""Routing of cases to partner agencies: rules, referrals (the delivery outbox), credentials of
agency systems, and data agencies return (OCC-7, OCC-9).

These models moved here from ``complaints`` and keep their tables (``complaints_*``): the move was
state-only (routing 0001, complaints 0008), so no row was copied."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from complaints.models import Agency, Category, Complaint


class DeliveryMethod(models.TextChoices):
    API = "api", _("the agency pulls through the agency API")
    WEBHOOK = "webhook", _("signed webhook push")
    EMAIL = "email", _("e-mail to the agency's designated address")


class AgencyCredential(models.Model):
    """An API key of an agency's system. Only a hash is stored; keys are rotated by issuing a new
    one and revoking the old."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="credentials")
    prefix = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64)
    label = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "complaints_agencycredential"

    def __str__(self) -> str:
        return f"{self.agency.code}:{self.prefix}"


class RoutingRule(models.Model):
    """Category (and optionally keywords or province) to an agency. The system proposes, an agent
    confirms."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="routing_rules")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="routing_rules")
    keywords = models.CharField(max_length=500, blank=True, help_text="comma-separated; any one must appear")
    province = models.CharField(max_length=100, blank=True)
    priority = models.PositiveSmallIntegerField(default=100, help_text="lower first")
    purpose = models.CharField(max_length=40, default="investigation")
    is_active = models.BooleanField(default=True)

    class Meta:
        db_table = "complaints_routingrule"
        ordering = ["priority", "id"]

    def __str__(self) -> str:
        return f"{self.category.code} -> {self.agency.code}"


class Referral(models.Model):
    """A case passed to an agency, and its outbox row: created in the same transaction as the
    disclosure decision; delivered after commit by a task. It keeps no copy of the case data: each
    release (delivery attempt, agency read) asks the gate again and minimises the case as it is
    then; the transfer log holds the field names and the SHA-256 of the bytes of each release."""

    class State(models.TextChoices):
        PENDING = "pending", _("waiting to be sent")
        SENDING = "sending", _("being sent")
        RETRYING = "retrying", _("will be retried")
        DELIVERED = "delivered", _("delivered")
        AVAILABLE = "available", _("available to the agency")
        ACKNOWLEDGED = "acknowledged", _("acknowledged by the agency")
        FAILED = "failed", _("delivery failed")
        WITHDRAWN = "withdrawn", _("withdrawn: the disclosure gate refused a release")

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="referrals")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="referrals")
    delivery_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    delivery_method = models.CharField(max_length=8, choices=DeliveryMethod.choices)
    purpose = models.CharField(max_length=40)
    basis = models.CharField(max_length=20)
    basis_reference = models.CharField(max_length=300)
    # What the basis rests on, so each release can ask the gate about the same consent or order.
    consent = models.ForeignKey(
        "privacy.Consent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    legal_order = models.ForeignKey(
        "privacy.LegalOrder", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    fields = models.JSONField(default=list, help_text="the fields of the latest release (or decision)")
    payload_sha256 = models.CharField(
        max_length=64, help_text="SHA-256 of the bytes of the latest release (or of the decision)"
    )
    state = models.CharField(max_length=12, choices=State.choices, default=State.PENDING, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    agency_case_reference = models.CharField(max_length=100, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.CharField(
        max_length=40, blank=True, help_text="the gate's reason code (see routing.referrals.WITHDRAWAL)"
    )

    class Meta:
        db_table = "complaints_referral"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["agency", "state"])]

    def __str__(self) -> str:
        return f"Referral {self.delivery_id}"


class ReferralAttempt(models.Model):
    """One delivery attempt or one resend by a supervisor (the resend history)."""

    class Kind(models.TextChoices):
        ATTEMPT = "attempt", _("attempt")
        RESEND = "resend", _("resend")
        REFUSED = "refused", _("refused by the disclosure gate")

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="attempt_log")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.ATTEMPT)
    at = models.DateTimeField(auto_now_add=True)
    ok = models.BooleanField(default=False)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    payload_sha256 = models.CharField(max_length=64, blank=True, help_text="SHA-256 of the bytes attempted")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        db_table = "complaints_referralattempt"
        ordering = ["at", "id"]


class RecipientNotice(models.Model):
    """A notice to an agency that received a person's data: the data was rectified or erased, or
    its processing restricted (PDPA s.33, s.34, s.36). Carries no personal data (reference, what
    changed, what the agency must do), so its bytes are kept; delivered like a referral (queued,
    retries, one delivery id) and written to the transfer log."""

    class Event(models.TextChoices):
        RECTIFIED = "rectified", _("data rectified")
        ERASED = "erased", _("data erased")
        RESTRICTED = "restricted", _("processing restricted")
        RESTRICTION_LIFTED = "restriction_lifted", _("restriction lifted")

    class State(models.TextChoices):
        PENDING = "pending", _("waiting to be sent")
        SENDING = "sending", _("being sent")
        RETRYING = "retrying", _("will be retried")
        DELIVERED = "delivered", _("delivered")
        AVAILABLE = "available", _("available to the agency")
        FAILED = "failed", _("delivery failed")

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="recipient_notices")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="recipient_notices")
    event = models.CharField(max_length=20, choices=Event.choices)
    event_key = models.CharField(max_length=80, help_text="the event's identity (e.g. the request id)")
    changed = models.JSONField(default=list, help_text="field names, never values")
    delivery_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    delivery_method = models.CharField(max_length=8, choices=DeliveryMethod.choices)
    body = models.TextField(help_text="the exact JSON bytes sent (no personal data)")
    body_sha256 = models.CharField(max_length=64)
    state = models.CharField(max_length=12, choices=State.choices, default=State.PENDING, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "complaints_recipientnotice"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["complaint", "agency", "event", "event_key"], name="one_notice_per_event_and_agency"
            )
        ]

    def __str__(self) -> str:
        return f"Notice {self.delivery_id}"


class ReturnedData(models.Model):
    """Data an agency lawfully obtained and returned to the case, with its provenance (OCC-9)."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="returned_data")
    kind = models.CharField(max_length=40, help_text="e.g. police_case_number")
    value = models.CharField(max_length=500)
    note = models.TextField(blank=True)
    legal_basis = models.CharField(max_length=300, blank=True)
    returned_by = models.CharField(max_length=150, help_text="officer username or agency system")
    returned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "complaints_returneddata"
        ordering = ["returned_at", "id"]
