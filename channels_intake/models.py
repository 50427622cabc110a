"""Raw input of the machine channels (e-mail, telephone system, fax gateway), kept before parsing.

Nothing that arrived is lost: an item is stored with its SHA-256 first, then processed; what
cannot be processed is quarantined with the reason and can be reprocessed after a fix."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from complaints.models import Channel, Complaint


def inbound_upload_to(instance: InboundItem, filename: str) -> str:
    return f"inbound/{instance.kind}/{instance.sha256[:2]}/{instance.sha256}"


class InboundItem(models.Model):
    class State(models.TextChoices):
        RECEIVED = "received", _("received, not yet processed")
        PROCESSED = "processed", _("processed")
        QUARANTINED = "quarantined", _("quarantined")
        IGNORED = "ignored", _("kept, no action (auto-reply, bounce, list mail)")

    channel = models.CharField(max_length=8, choices=Channel.choices)
    kind = models.CharField(max_length=30, help_text="email, cti_event, recording, fax, ...")
    source = models.CharField(max_length=200, help_text="where it came from: imap:INBOX, file, gateway, pbx")
    dedup_key = models.CharField(
        max_length=300,
        help_text="unique per kind: the same input twice is one item (sha256:<hex> of external_id or of the bytes)",
    )
    external_id = models.TextField(
        blank=True,
        default="",
        help_text="the channel's own id, whole (e-mail mailbox:Message-ID, gateway id)",
    )
    sha256 = models.CharField(max_length=64)
    raw = models.FileField(upload_to=inbound_upload_to, max_length=300)
    size = models.PositiveBigIntegerField()
    metadata = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.RECEIVED, db_index=True)
    reason = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    complaint = models.ForeignKey(
        Complaint, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["kind", "dedup_key"], name="inbound_unique_per_kind")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.state})"
