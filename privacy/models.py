"""Privacy records: the traffic log (OCC-4, KC-2) and the staff access log (who read whose data)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from occ.append_only import AppendOnly


class TrafficRecord(models.Model):
    """Usage data of one public request (OCC-4, DD-1, MOST-2, KC-2). Kept apart from complaints;
    retention (at least 90 days, KC-2) is enforced by the privacy purge."""

    at = models.DateTimeField(db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    user_agent = models.CharField(max_length=500, blank=True)
    host = models.CharField(max_length=255, blank=True)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    referrer = models.CharField(max_length=1000, blank=True)
    status_code = models.PositiveSmallIntegerField(null=True)
    channel = models.CharField(max_length=8, blank=True)
    complaint_reference = models.CharField(max_length=32, blank=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]


class AccessLogEntry(AppendOnly):
    """One staff (or agency) read or export of a person's data. Append-only (OCC-8, DD-4)."""

    class Action(models.TextChoices):
        VIEW = "view", "view"
        LIST = "list", "list"
        SEARCH = "search", "search"
        DOWNLOAD = "download", "download"
        EXPORT = "export", "export"

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    actor_role = models.CharField(max_length=20)
    action = models.CharField(max_length=10, choices=Action.choices)
    complainant_id = models.BigIntegerField(null=True, db_index=True)
    complaint_id = models.BigIntegerField(null=True, db_index=True)
    object_type = models.CharField(max_length=40)
    object_id = models.BigIntegerField(null=True)
    fields = models.JSONField(default=list)
    purpose = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["-at", "-id"]


# --- disclosure: lawful bases and the transfer log (OCC-7, DD-2, KC-3, SSO-2) ------------------


class Basis(models.TextChoices):
    CONSENT = "consent", "consent of the data owner"
    RELATED_AGENCY = "related_agency", "operation between related agencies"
    LEGAL_ORDER = "legal_order", "law or the order of a competent official"


class Purpose(models.TextChoices):
    INVESTIGATION = "investigation", "investigation of the complaint"
    CONSUMER_PROTECTION = "consumer_protection", "consumer-protection action"
    REGULATORY = "regulatory", "regulatory action"
    DATA_PROTECTION = "data_protection", "personal-data protection enforcement"
    LOCAL_SERVICE = "local_service", "local public service"
    STATISTICS = "statistics", "statistics"
    # Fraud indicators (accounts, numbers, sites) with counts and losses, never a case or a person:
    # routing.disclosure.indicator_sharing_decide; never a purpose for disclosing a case.
    INDICATOR_SHARING = "indicator_sharing", "indicator sharing"
    MARKETING = "marketing", "marketing (never allowed)"


# What a disclosure may contain. Case facts without identity always go; the rest by profile.
DISCLOSABLE_FIELDS = (
    "complainant.name",
    "complainant.phone",
    "complainant.email",
    "complainant.address",
    "complaint.description",
    "complaint.incident",
    "complaint.attachments",
)


class Consent(models.Model):
    """The data owner's consent to disclosure (scope, time, channel); withdrawable (OCC-7a, OCC-13)."""

    complainant = models.ForeignKey(
        "complaints.Complainant", on_delete=models.PROTECT, related_name="consents"
    )
    agency = models.ForeignKey(
        "complaints.Agency",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text="empty: any related agency",
        related_name="+",
    )
    purposes = models.JSONField(default=list)
    fields = models.JSONField(default=list, help_text="what the person agreed to share")
    channel = models.CharField(max_length=8, help_text="how consent was given: web, app, email, phone, fax")
    statement = models.TextField(help_text="what the person was told and agreed to")
    given_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-given_at"]


class DataSharingAgreement(models.Model):
    """What a related agency may receive, for which categories and purposes, under which law."""

    agency = models.ForeignKey("complaints.Agency", on_delete=models.PROTECT, related_name="agreements")
    title = models.CharField(max_length=300)
    legal_reference = models.CharField(max_length=500)
    categories = models.ManyToManyField("complaints.Category", related_name="agreements")
    purposes = models.JSONField(default=list)
    field_profile = models.JSONField(default=list, help_text="subset of DISCLOSABLE_FIELDS")
    valid_from = models.DateField()
    valid_until = models.DateField(null=True, blank=True)
    is_active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return self.title


class LegalOrder(models.Model):
    """A legal obligation or a competent official's order to disclose (OCC-7c, SSO-3)."""

    complaint = models.ForeignKey(
        "complaints.Complaint", on_delete=models.PROTECT, related_name="legal_orders"
    )
    agency = models.ForeignKey("complaints.Agency", on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(max_length=200)
    issuing_authority = models.CharField(max_length=300)
    issued_on = models.DateField()
    provision = models.CharField(max_length=300, help_text="the provision of law relied on")
    document = models.FileField(upload_to="legal_orders/", max_length=200)
    document_sha256 = models.CharField(max_length=64)
    fields = models.JSONField(default=list)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)


class TransferRecord(AppendOnly):
    """One record per release of case data (each delivery that sent bytes, each agency read) and per
    notice to a recipient; hash-chained (X-Road style). `payload_sha256` is the SHA-256 of the
    exact bytes of that release."""

    class Kind(models.TextChoices):
        DISCLOSURE = "disclosure", "disclosure"
        AGENCY_READ = "agency_read", "agency read"
        INDICATORS = "indicators", "indicator export"
        NOTICE = "notice", "notice to a recipient"

    seq = models.PositiveBigIntegerField(unique=True)
    at = models.DateTimeField()
    kind = models.CharField(max_length=12, choices=Kind.choices)
    sender = models.CharField(max_length=100)
    recipient = models.CharField(max_length=40, help_text="agency code", db_index=True)
    complaint_reference = models.CharField(max_length=32, db_index=True)
    basis = models.CharField(max_length=20, db_index=True)
    basis_reference = models.CharField(max_length=300)
    purpose = models.CharField(max_length=40)
    data_categories = models.JSONField(default=list)
    fields = models.JSONField(default=list)
    payload_sha256 = models.CharField(max_length=64)
    actor = models.CharField(max_length=150)
    delivery_id = models.CharField(max_length=40, db_index=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]
        constraints = [
            # At-least-once delivery: a repeat of the same release (same delivery id, same bytes)
            # finds its record; a later release of the same delivery with other bytes (the case was
            # rectified in between) is a release of its own.
            models.UniqueConstraint(
                fields=["delivery_id", "payload_sha256"],
                condition=models.Q(kind__in=["disclosure", "notice"]),
                name="one_record_per_release",
            ),
        ]


class TransferChainHead(models.Model):
    """A single row locked while a record is appended, so the chain never forks."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)


class TransferSeal(models.Model):
    """The chain head, signed with the centre's key at a point in time."""

    sealed_at = models.DateTimeField()
    head_seq = models.PositiveBigIntegerField()
    head_hash = models.CharField(max_length=64)
    signature = models.TextField()
    public_key = models.TextField()

    class Meta:
        ordering = ["-sealed_at"]


class Processor(models.Model):
    """A contractor that processes personal data for the centre (MOST-3, KC-4, PDPA s.40): the
    SMS gateway, the mail relay, object storage, transcription. Every hand-off of personal data
    names its entry here; an unregistered or expired one is refused (privacy.processors)."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    contract_reference = models.CharField(max_length=200)
    purposes = models.JSONField(default=list, help_text="the contracted purposes, e.g. one_time_code")
    data_categories = models.JSONField(default=list, help_text="e.g. phone_number, email_address")
    confidentiality_terms = models.TextField(help_text="the contract's confidentiality and use-limit clause")
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True, help_text="empty: until terminated")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def is_valid_on(self, day) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)
