"""Telephone (1212) and fax: calls from the PBX, call recordings as evidence, faxes (OCC-2, OCC-5)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from complaints.models import Complaint


class Call(models.Model):
    call_id = models.CharField(max_length=100, unique=True)
    caller_number = models.CharField(max_length=20, blank=True, db_index=True, help_text="E.164")
    called_line = models.CharField(max_length=40, blank=True)
    agent_extension = models.CharField(max_length=20, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    complaint = models.ForeignKey(Complaint, null=True, blank=True, on_delete=models.SET_NULL, related_name="calls")
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Call {self.call_id}"


class CallEvent(models.Model):
    class Type(models.TextChoices):
        STARTED = "started", _("call started")
        ANSWERED = "answered", _("call answered")
        ENDED = "ended", _("call ended")

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=10, choices=Type.choices)
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["call", "type"], name="one_event_per_call_and_type")]


class Recording(models.Model):
    """A call recording: evidence, never changed or replaced, only added to."""

    class Source(models.TextChoices):
        PBX = "pbx", _("telephone system")
        AGENT = "agent", _("agent upload")

    complaint = models.ForeignKey(Complaint, null=True, blank=True, on_delete=models.PROTECT, related_name="recordings")
    call = models.ForeignKey(Call, null=True, blank=True, on_delete=models.PROTECT, related_name="recordings")
    file = models.FileField(max_length=200)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=40)
    codec = models.CharField(max_length=40)
    duration_seconds = models.FloatField()
    sample_rate = models.PositiveIntegerField()
    channels = models.PositiveSmallIntegerField(default=1)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    source = models.CharField(max_length=8, choices=Source.choices)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["call", "sha256"], name="one_recording_per_call_and_content"),
        ]

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("a stored recording is evidence: it is never changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("a stored recording is evidence: it is never deleted here")


class UploadSession(models.Model):
    """A resumable upload of a large recording: chunks with offsets, then complete."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    complaint = models.ForeignKey(Complaint, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    call = models.ForeignKey(Call, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    filename = models.CharField(max_length=255)
    total_size = models.PositiveBigIntegerField()
    received = models.PositiveBigIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    recording = models.ForeignKey(Recording, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")


class Fax(models.Model):
    complaint = models.OneToOneField(Complaint, on_delete=models.PROTECT, related_name="fax")
    file = models.FileField(max_length=200)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=40)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    pages = models.PositiveSmallIntegerField()
    compression = models.CharField(max_length=40, blank=True)
    sender_number = models.CharField(max_length=20, blank=True)
    receiving_line = models.CharField(max_length=40, blank=True)
    received_at = models.DateTimeField()
    source = models.CharField(max_length=100)
    dedup_key = models.CharField(max_length=200, unique=True)
    transcribed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    transcribed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="+")

    @property
    def needs_transcription(self) -> bool:
        return self.transcribed_at is None


class FaxPage(models.Model):
    fax = models.ForeignKey(Fax, on_delete=models.CASCADE, related_name="page_previews")
    number = models.PositiveSmallIntegerField()
    preview = models.FileField(max_length=200)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["fax", "number"], name="one_preview_per_page")]
