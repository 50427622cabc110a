"""Fraud indicators: the other party's accounts, numbers and sites, where each was seen, and the
links staff make between complaints (related, duplicate)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .extract import Kind


class IndicatorKind(models.TextChoices):
    BANK_ACCOUNT = Kind.BANK_ACCOUNT, _("bank account")
    PROMPTPAY = Kind.PROMPTPAY, _("PromptPay")
    PHONE = Kind.PHONE, _("phone number")
    URL = Kind.URL, _("web address")
    DOMAIN = Kind.DOMAIN, _("domain")
    EMAIL = Kind.EMAIL, _("e-mail address")
    LINE = Kind.LINE, _("LINE ID")
    SOCIAL = Kind.SOCIAL, _("social-media profile")


class Indicator(models.Model):
    """One normalised value of one kind (``extract`` gives the normal form). A supervisor may mark
    it disputed (still links, never shared) or cleared (links nothing, never shared)."""

    class State(models.TextChoices):
        ACTIVE = "active", _("active")
        DISPUTED = "disputed", _("disputed")
        CLEARED = "cleared", _("cleared")

    kind = models.CharField(max_length=16, choices=IndicatorKind.choices)
    value = models.CharField(max_length=500)
    bank = models.CharField(max_length=3, blank=True, help_text="Bank of Thailand code, when named")
    state = models.CharField(max_length=8, choices=State.choices, default=State.ACTIVE)
    state_reason = models.CharField(max_length=500, blank=True)
    state_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    state_changed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "value"], name="indicator_kind_value")]

    def __str__(self) -> str:
        # Never the value: this string ends up in audit entries.
        return f"Indicator #{self.pk} ({self.kind})"


class IndicatorSighting(models.Model):
    """An indicator seen in a complaint: in which field, or in the free text, and when."""

    class Source(models.TextChoices):
        FIELD = "field", _("incident field")
        TEXT = "text", _("free text")

    # no index of their own: the composite indexes below lead with each (an intake that names
    # indicators writes two index entries less per sighting)
    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="sightings", db_index=False
    )
    complaint = models.ForeignKey(
        "complaints.Complaint", on_delete=models.CASCADE, related_name="indicator_sightings", db_index=False
    )
    source = models.CharField(max_length=5, choices=Source.choices)
    field = models.CharField(max_length=40, blank=True)
    bank = models.CharField(max_length=3, blank=True)
    seen_at = models.DateTimeField(help_text="when the complaint was received")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["indicator", "complaint"], name="sighting_once_per_complaint")
        ]
        indexes = [
            # the linked answer: an indicator's latest complaints (the unique constraint gives the
            # (indicator, complaint) index the counts use)
            models.Index(fields=["indicator", "-seen_at"], name="sighting_indicator_seen"),
            models.Index(fields=["complaint"], name="sighting_complaint"),
        ]


class ComplaintLink(models.Model):
    """Two complaints an agent linked: related (with a reason), or one a duplicate of the other.
    Undoing keeps the row (undone_at/by): every link, merge and undo stays on record."""

    class Kind(models.TextChoices):
        RELATED = "related", _("related")
        DUPLICATE = "duplicate", _("duplicate of")

    kind = models.CharField(max_length=9, choices=Kind.choices)
    complaint = models.ForeignKey("complaints.Complaint", on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey(
        "complaints.Complaint",
        on_delete=models.CASCADE,
        related_name="+",
        help_text="the related case, or the surviving case of a duplicate",
    )
    reason = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    undone_at = models.DateTimeField(null=True, blank=True)
    undo_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "complaint", "other"],
                condition=Q(undone_at__isnull=True),
                name="one_live_link_per_pair",
            ),
            models.CheckConstraint(condition=~Q(complaint=models.F("other")), name="link_not_to_itself"),
        ]
        indexes = [models.Index(fields=["other", "kind"], name="link_other")]

    def __str__(self) -> str:
        return f"ComplaintLink #{self.pk} ({self.kind})"


class IndicatorExport(models.Model):
    """One export of indicators to an agency (its transfer record has the same delivery id)."""

    export_id = models.CharField(max_length=40, unique=True)
    agency = models.ForeignKey("complaints.Agency", on_delete=models.PROTECT, related_name="+")
    format = models.CharField(max_length=4)
    filters = models.JSONField(default=dict)
    indicator_count = models.PositiveIntegerField()
    payload_sha256 = models.CharField(max_length=64)
    actor = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)
