"""The case: complaint, complainant, category, timeline, evidence, agencies and staff users."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from privacy.minimum_data import IDENTITY_FIELDS, FieldPolicy  # noqa: F401 (re-exported)


class Role(models.TextChoices):
    AGENT = "agent", _("Call-centre agent")
    SUPERVISOR = "supervisor", _("Supervisor")
    PRIVACY_OFFICER = "privacy_officer", _("Privacy officer")
    AUDITOR = "auditor", _("Auditor")
    AGENCY_OFFICER = "agency_officer", _("Agency officer")
    ADMINISTRATOR = "administrator", _("Administrator")


class Agency(models.Model):
    """A partner agency the centre refers cases to."""

    code = models.SlugField(max_length=40, unique=True)
    name_th = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200)
    short_name = models.CharField(max_length=40, blank=True)
    address = models.TextField(blank=True)
    phone = models.CharField(max_length=60, blank=True)
    fax = models.CharField(max_length=60, blank=True)
    email = models.EmailField(blank=True)
    website = models.URLField(blank=True)
    is_active = models.BooleanField(default=True)
    # How referrals reach the agency (see routing.models.DeliveryMethod).
    delivery_method = models.CharField(max_length=8, default="api")
    webhook_url = models.URLField(blank=True)
    webhook_secret = models.CharField(
        max_length=128, blank=True, help_text="shared secret for HMAC signatures"
    )
    delivery_email = models.EmailField(blank=True, help_text="designated address for e-mail delivery")
    # Per-agency delivery failure state, shown to supervisors.
    failure_count = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "agencies"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name_en


class User(AbstractUser):
    """A staff account. Citizens have no account: they track with reference + tracking code."""

    role = models.CharField(max_length=20, choices=Role.choices, default=Role.AGENT)
    agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="officers"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="agency_officer_has_agency",
                condition=~Q(role="agency_officer") | Q(agency__isnull=False),
            ),
        ]


# FieldPolicy and IDENTITY_FIELDS belong to the minimum-data policy (privacy, the lower layer).


class Category(models.Model):
    """A complaint category with its SLA and identity policy (what intake may collect)."""

    code = models.SlugField(max_length=40, unique=True)
    name_th = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200)
    description_th = models.TextField(blank=True)
    description_en = models.TextField(blank=True)
    sla_days = models.PositiveSmallIntegerField(default=15)
    default_priority = models.CharField(max_length=10, default="normal")
    allow_anonymous = models.BooleanField(default=True)
    policy_name = models.CharField(max_length=16, choices=FieldPolicy.choices, default=FieldPolicy.OPTIONAL)
    policy_phone = models.CharField(max_length=16, choices=FieldPolicy.choices, default=FieldPolicy.OPTIONAL)
    policy_email = models.CharField(max_length=16, choices=FieldPolicy.choices, default=FieldPolicy.OPTIONAL)
    policy_address = models.CharField(
        max_length=16, choices=FieldPolicy.choices, default=FieldPolicy.OPTIONAL
    )
    policy_national_id = models.CharField(
        max_length=16, choices=FieldPolicy.choices, default=FieldPolicy.NOT_COLLECTED
    )
    # Where the problem happened matters for some categories (a district office's case); most
    # online complaints have no place, so a location is asked for only where this is set.
    requires_location = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    sort_order = models.PositiveSmallIntegerField(default=100)

    class Meta:
        verbose_name_plural = "categories"
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name_en

    def identity_policy(self) -> dict[str, str]:
        return {f: getattr(self, f"policy_{f}") for f in IDENTITY_FIELDS}


class Channel(models.TextChoices):
    WEB = "web", _("website")
    APP = "app", _("application")
    EMAIL = "email", _("e-mail")
    PHONE = "phone", _("telephone")
    FAX = "fax", _("fax")


class Status(models.TextChoices):
    RECEIVED = "received", _("received")
    TRIAGED = "triaged", _("under review")
    REFERRED = "referred", _("referred to agency")
    IN_PROGRESS = "in_progress", _("in progress")
    RESOLVED = "resolved", _("resolved")
    CLOSED = "closed", _("closed")
    REJECTED = "rejected", _("not accepted")
    DUPLICATE = "duplicate", _("duplicate")
    REOPENED = "reopened", _("reopened")


class Priority(models.TextChoices):
    LOW = "low", _("low")
    NORMAL = "normal", _("normal")
    HIGH = "high", _("high")
    URGENT = "urgent", _("urgent")


class ReferenceCounter(models.Model):
    """One row per year; incremented under a row lock inside the intake transaction, so
    references are unique and gap-free (a rolled-back intake rolls the counter back too)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)


class Complainant(models.Model):
    """Minimum identity data only (OCC-1, OCC-3). Every field is optional at the model level;
    what a category requires or forbids is enforced by privacy.minimum_data at intake."""

    is_anonymous = models.BooleanField(default=False)
    name = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=20, blank=True, db_index=True, help_text="E.164")
    email = models.EmailField(blank=True, db_index=True)
    address = models.TextField(blank=True)
    national_id = models.CharField(max_length=13, blank=True)
    anonymised_at = models.DateTimeField(null=True, blank=True)
    # PDPA s.34: while set, the disclosure gate refuses every transfer of this person's data.
    processing_restricted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        # Never personal data: this string ends up in audit entries.
        return f"Complainant #{self.pk}"


class Complaint(models.Model):
    reference = models.CharField(max_length=32, unique=True)
    tracking_code_hash = models.CharField(max_length=64)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    # no index of its own: (category, status) below leads with it
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="complaints", null=True, db_index=False
    )
    complainant = models.OneToOneField(Complainant, on_delete=models.PROTECT, related_name="complaint")
    description = models.TextField()
    incident_url = models.URLField(max_length=2000, blank=True)
    incident_at = models.DateTimeField(null=True, blank=True)
    amount_lost = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    other_party_account = models.CharField(max_length=100, blank=True)
    other_party_phone = models.CharField(max_length=20, blank=True)
    # Where the incident happened, when the channel gives it (Open311 lat/long/address_string);
    # the province feeds the aggregate statistics (MOST-1).
    incident_latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    incident_longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    incident_address = models.CharField(max_length=500, blank=True)
    incident_province = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RECEIVED, db_index=True)
    priority = models.CharField(max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    received_at = models.DateTimeField(db_index=True)
    sla_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    # Set with status DUPLICATE only (complaints.services.actions.complaint_duplicate_mark): the surviving
    # case this one was joined to. Cleared again when the mark is undone.
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="duplicates"
    )
    # The complaint row is its own outbox entry for the e-mail acknowledgement: set in the intake's
    # INSERT (no extra statement), cleared by the relay when the task is handed to Celery.
    acknowledgement_due = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["channel", "received_at"]),
            models.Index(fields=["category", "status"]),
            models.Index(
                fields=["id"], condition=models.Q(acknowledgement_due=True), name="complaint_ack_due_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class TimelineEvent(models.Model):
    class Kind(models.TextChoices):
        CREATED = "created", _("complaint received")
        STATUS = "status", _("status changed")
        PUBLIC_UPDATE = "public_update", _("update")
        INTERNAL_NOTE = "internal_note", _("internal note")
        ASSIGNED = "assigned", _("assigned")
        EVIDENCE = "evidence", _("evidence added")
        EVIDENCE_REJECTED = "evidence_rejected", _("evidence refused")
        CITIZEN_MESSAGE = "citizen_message", _("message from the complainant")
        CALL = "call", _("telephone call")
        TRANSCRIBED = "transcribed", _("transcribed")
        REFERRAL = "referral", _("referred to agency")
        REFERRAL_WITHDRAWN = "referral_withdrawn", _("referral withdrawn by the disclosure gate")
        RECIPIENT_NOTICE = "recipient_notice", _("agencies told of a change")
        AGENCY_UPDATE = "agency_update", _("update from agency")
        AGENCY_NOTE = "agency_note", _("agency internal note")
        AGENCY_DATA = "agency_data", _("data returned by agency")
        DATA_REQUEST = "data_request", _("data-subject request")
        CATEGORY = "category", _("category set")
        LINKED = "linked", _("linked to another complaint")
        JOINED = "joined", _("joined to another case")
        IDENTITY = "identity", _("identity changed")

    # no index of its own: (complaint, is_public, created_at) below leads with it
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="events", db_index=False)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    is_public = models.BooleanField(default=False)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, blank=True)
    text = models.TextField(blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["complaint", "is_public", "created_at"])]


def evidence_upload_to(instance: Attachment, filename: str) -> str:
    # Random name; the citizen's file name is kept only as metadata.
    return f"evidence/{instance.sha256[:2]}/{instance.sha256}"


class Attachment(models.Model):
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=evidence_upload_to, max_length=200)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return f"Attachment #{self.pk}"


class IdempotencyRecord(models.Model):
    """The first response to a public request that carried an Idempotency-Key. The response body
    holds the tracking code, so it is stored encrypted with a key derived from the
    Idempotency-Key itself: only a client that knows the key can have it replayed."""

    scope = models.CharField(max_length=40)
    key_hash = models.CharField(max_length=64)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response_encrypted = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key_hash"], name="idempotency_unique_key")]
