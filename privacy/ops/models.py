"""Records of the privacy officer's work. Evidence records are append-only."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from complaints.models import Complainant, Complaint
from occ.append_only import AppendOnly


class RequestType(models.TextChoices):
    ACCESS = "access", _("request to inspect (access)")
    RECTIFICATION = "rectification", _("request correction")
    ADDITION = "addition", _("request addition")
    ERASURE = "erasure", _("request deletion")
    RESTRICTION = "restriction", _("request restriction")
    LIFT_RESTRICTION = "lift_restriction", _("lift restriction")
    OBJECTION = "objection", _("objection")


class RefusalGround(models.TextChoices):
    LAW_REQUIRES = "law_requires", _("refused: required by law")
    ANONYMISED = "anonymised", _("refused: data anonymised")
    LEGAL_HOLD = "legal_hold", _("refused: a legal hold or legal claim covers the data")
    IDENTITY_NOT_PROVEN = "identity_not_proven", _("refused: identity not proven")
    MANIFESTLY_UNFOUNDED = "unfounded", _("refused: manifestly unfounded or excessive")


class DataSubjectRequest(models.Model):
    class Status(models.TextChoices):
        AWAITING_VERIFICATION = "awaiting_verification", _("waiting for the one-time code")
        RECEIVED = "received", _("received")
        COMPLETED = "completed", _("completed")
        REFUSED = "refused", _("refused")

    class Via(models.TextChoices):
        CITIZEN = "citizen", _("citizen, with reference, tracking code and one-time code")
        AGENT = "agent", _("agent on the person's behalf")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    type = models.CharField(max_length=20, choices=RequestType.choices)
    status = models.CharField(max_length=24, choices=Status.choices, db_index=True)
    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="data_requests")
    complainant = models.ForeignKey(Complainant, on_delete=models.PROTECT, related_name="data_requests")
    via = models.CharField(max_length=8, choices=Via.choices)
    identity_check = models.CharField(max_length=300, blank=True, help_text="how identity was checked")
    details = models.JSONField(default=dict, blank=True)
    received_at = models.DateTimeField(null=True, blank=True, db_index=True)
    due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    refusal_ground = models.CharField(max_length=24, choices=RefusalGround.choices, blank=True)
    refusal_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_at", "id"]

    def __str__(self) -> str:
        return f"DSR {self.public_id} ({self.type}, {self.status})"


class RequestEvidence(AppendOnly):
    """Every request, decision and amendment, as evidence (OCC-11). Values are never stored in
    clear: an amendment records field names, the reason and keyed fingerprints
    (``privacy.fingerprints``: HMAC under a key outside the database, with its key id).

    Rows are never updated or deleted, with one exception: erasure replaces the person's exact
    values where free text (a reason, an identity check) carried them (``erasure_scrub``)."""

    class Kind(models.TextChoices):
        FILED = "filed", "filed"
        CODE_SENT = "code_sent", "one-time code sent"
        VERIFIED = "verified", "identity verified"
        GRANTED = "granted", "granted"
        REFUSED = "refused", "refused"
        AMENDED = "amended", "data amended"
        EXPORTED = "exported", "data exported"
        ERASED = "erased", "data anonymised"
        RESTRICTED = "restricted", "processing restricted"
        UNRESTRICTED = "unrestricted", "restriction lifted"
        OBJECTION = "objection", "objection recorded"
        TIED = "tied", "complaint tied after an identity check"

    request = models.ForeignKey(DataSubjectRequest, on_delete=models.PROTECT, related_name="evidence")
    kind = models.CharField(max_length=14, choices=Kind.choices)
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    summary = models.TextField()
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    @classmethod
    def erasure_scrub(cls, pk: int, *, summary: str, data: dict) -> None:
        """The one write an evidence row allows after it was made: the person's values removed
        from its text by an erasure (PDPA s.33). Kind, time, actor and fingerprints stay."""
        models.QuerySet(cls).filter(pk=pk).update(summary=summary, data=data)


class CoveredComplaint(models.Model):
    """A complaint a data-subject request reaches (OCC-11, MOST-5: the person proved it is theirs).

    Only three things tie a complaint to a request: it is the case the request was filed on (its
    reference and tracking code, or an agent's recorded identity check); it carries the contact
    the person proved by the one-time code (the code's channel); or an agent tied it after a
    recorded identity check. A contact the person did not prove never widens the set."""

    class Tie(models.TextChoices):
        REQUEST = "request", _("the case the request was filed on")
        PROVEN_CONTACT = "proven_contact", _("carries the contact the person proved")
        AGENT_CHECK = "agent_check", _("tied by an agent after an identity check")

    request = models.ForeignKey(DataSubjectRequest, on_delete=models.CASCADE, related_name="covered")
    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="+")
    tie = models.CharField(max_length=16, choices=Tie.choices)
    channel = models.CharField(max_length=8, blank=True, help_text="the proven channel: email | sms")
    identity_check = models.CharField(max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["request", "complaint"], name="dsr_covers_a_complaint_once")
        ]


class OneTimeCode(models.Model):
    request = models.ForeignKey(DataSubjectRequest, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64)
    channel = models.CharField(max_length=8)  # email | sms
    # Keyed fingerprint (privacy.fingerprints) of the contact the code went to: on success that
    # contact is proven, and only complaints carrying it join the request.
    contact_fingerprint = models.CharField(max_length=80, blank=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)


class LegalHold(models.Model):
    """An official's order to keep data longer than its retention (KC-2: case by case, capped)."""

    class Scope(models.TextChoices):
        IP = "ip", _("traffic data of an IP address")
        TIME_RANGE = "time_range", _("traffic data of a time range")
        CASE = "case", _("a case and its traffic data")

    scope = models.CharField(max_length=12, choices=Scope.choices)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    time_from = models.DateTimeField(null=True, blank=True)
    time_to = models.DateTimeField(null=True, blank=True)
    complaint = models.ForeignKey(
        Complaint, null=True, blank=True, on_delete=models.PROTECT, related_name="holds"
    )
    order_reference = models.CharField(max_length=200)
    issuing_authority = models.CharField(max_length=300)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    release_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-recorded_at"]

    def __str__(self) -> str:
        return f"Hold {self.order_reference} ({self.scope})"


class PurgeRun(AppendOnly):
    data_class = models.CharField(max_length=40)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    cutoff = models.DateTimeField()
    rows_purged = models.PositiveBigIntegerField()
    rows_held = models.PositiveBigIntegerField()
    holds_respected = models.JSONField(default=list)
    batches = models.PositiveIntegerField()

    class Meta:
        ordering = ["-started_at"]


class CookiePreference(AppendOnly):
    """One row per choice a browser made (OCC-10); the newest row for a browser id wins."""

    browser_id = models.UUIDField(db_index=True)
    statistics = models.BooleanField()
    policy_version = models.CharField(max_length=20, blank=True)
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-decided_at", "-id"]


class PolicyVersion(models.Model):
    version = models.CharField(max_length=20, unique=True)
    title_th = models.CharField(max_length=300)
    title_en = models.CharField(max_length=300)
    body_th = models.TextField()
    body_en = models.TextField()
    change_summary_th = models.TextField(blank=True)
    change_summary_en = models.TextField(blank=True)
    effective_at = models.DateTimeField(db_index=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-effective_at"]

    def __str__(self) -> str:
        return self.version


class PolicyNotice(AppendOnly):
    """What the public web and app feed show when a policy version is published (OCC-12)."""

    policy = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="notices")
    published_at = models.DateTimeField(auto_now_add=True)
    text_th = models.TextField()
    text_en = models.TextField()

    class Meta:
        ordering = ["-published_at", "-id"]


class ComplaintPolicy(models.Model):
    """The policy version in force when a complaint was filed."""

    complaint = models.OneToOneField(Complaint, on_delete=models.CASCADE, related_name="policy_at_intake")
    policy = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="+")


class ProcessingActivity(models.Model):
    """One line of the record of processing (PDPA s.39)."""

    code = models.SlugField(unique=True)
    name = models.CharField(max_length=200)
    purpose = models.TextField()
    data_collected = models.JSONField(default=list)
    data_subjects = models.CharField(max_length=200)
    legal_basis = models.CharField(max_length=200)
    retention = models.CharField(max_length=300)
    access = models.TextField(help_text="who has access and on what conditions")
    security_measures = models.TextField()

    def __str__(self) -> str:
        return self.name


class BreachRecord(models.Model):
    """A personal-data breach; the regulator must be told within 72 hours (PDPA s.37)."""

    detected_at = models.DateTimeField()
    description = models.TextField()
    data_categories = models.JSONField(default=list)
    people_affected = models.PositiveIntegerField(default=0)
    notify_by = models.DateTimeField(db_index=True)
    regulator_notified_at = models.DateTimeField(null=True, blank=True)
    subjects_notified_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["notify_by"]
