"""Telephone (1212) and fax: calls from the PBX, call recordings as evidence, faxes (OCC-2, OCC-5).

A ``Call`` is what the telephone system reported about one call; a ``Recording`` is call audio
kept as evidence (never changed or replaced, only added to); a ``Fax`` is one received fax, which
became a complaint that waits for an agent to transcribe it. Raw machine input (CTI events, PBX
uploads, gateway faxes) is kept first as ``channels_intake.InboundItem``."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from channels_intake.models import InboundItem
from complaints.models import Attachment, Complaint


class AgentExtension(models.Model):
    """Which staff account answers on which PBX extension ('my calls', the call's agent)."""

    extension = models.CharField(max_length=20, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="extensions")

    class Meta:
        ordering = ["extension"]

    def __str__(self) -> str:
        return f"ext. {self.extension}"


class Call(models.Model):
    class State(models.TextChoices):
        RINGING = "ringing", _("ringing")
        ANSWERED = "answered", _("answered")
        ENDED = "ended", _("ended")
        MISSED = "missed", _("ended without an answer")
        UNKNOWN = "unknown", _("known only from its recording")

    call_id = models.CharField(max_length=100, unique=True)
    caller_number = models.CharField(max_length=20, blank=True, db_index=True, help_text="E.164")
    caller_withheld = models.BooleanField(default=False)
    called_line = models.CharField(max_length=40, blank=True)
    agent_extension = models.CharField(max_length=20, blank=True)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="calls"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=40, blank=True)
    complaint = models.ForeignKey(
        Complaint, null=True, blank=True, on_delete=models.SET_NULL, related_name="calls"
    )
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    linked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["agent", "created_at"], name="call_agent_created")]

    def __str__(self) -> str:
        return f"Call {self.call_id}"

    @property
    def state(self) -> str:
        if self.ended_at:
            return self.State.ENDED if self.answered_at else self.State.MISSED
        if self.answered_at:
            return self.State.ANSWERED
        return self.State.RINGING if self.started_at else self.State.UNKNOWN

    @property
    def duration_seconds(self) -> float | None:
        begin = self.answered_at or self.started_at
        if begin and self.ended_at and self.ended_at >= begin:
            return (self.ended_at - begin).total_seconds()
        return None


class CallEvent(models.Model):
    """One CTI event as applied: (call, type) is unique, so an event delivered twice changes nothing."""

    class Type(models.TextChoices):
        STARTED = "started", _("call started")
        ANSWERED = "answered", _("call answered")
        ENDED = "ended", _("call ended")

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=10, choices=Type.choices)
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)
    inbound_item = models.ForeignKey(
        InboundItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["occurred_at", "id"]
        constraints = [models.UniqueConstraint(fields=["call", "type"], name="one_event_per_call_and_type")]


RECORDING_PREFIX = "recordings"  # content-addressed in occ.blobstore: recordings/ab/<sha256>


class Recording(models.Model):
    """A call recording: evidence (OCC-5), never changed or replaced, only added to. It belongs to a
    call (PBX upload), to a complaint (agent upload), or to both; a call's recordings join the case
    the call is linked to."""

    class Source(models.TextChoices):
        PBX = "pbx", _("telephone system")
        AGENT = "agent", _("agent upload")

    complaint = models.ForeignKey(
        Complaint, null=True, blank=True, on_delete=models.PROTECT, related_name="recordings"
    )
    call = models.ForeignKey(Call, null=True, blank=True, on_delete=models.PROTECT, related_name="recordings")
    file = models.FileField(max_length=200)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=40)
    container = models.CharField(max_length=8, blank=True, help_text="wav, mp3, ogg, mp4")
    codec = models.CharField(max_length=40)
    duration_seconds = models.FloatField()
    sample_rate = models.PositiveIntegerField()
    channels = models.PositiveSmallIntegerField(default=1)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    source = models.CharField(max_length=8, choices=Source.choices)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    inbound_item = models.ForeignKey(
        InboundItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["call", "sha256"], name="one_recording_per_call_and_content"),
            models.UniqueConstraint(
                fields=["complaint", "sha256"],
                condition=Q(call__isnull=True),
                name="one_recording_per_complaint_and_content",
            ),
            models.CheckConstraint(
                condition=Q(call__isnull=False) | Q(complaint__isnull=False),
                name="recording_of_a_call_or_a_complaint",
            ),
        ]

    def __str__(self) -> str:
        return f"Recording #{self.pk}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("a stored recording is evidence: it is never changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("a stored recording is evidence: it is never deleted here")


class UploadSession(models.Model):
    """A resumable upload of a large recording (docs/telephony.md): created with its length, filled
    with chunks at offsets (each chunk a storage object, so any web process can take the next one),
    then finalized once into a ``Recording``."""

    class State(models.TextChoices):
        OPEN = "open", _("receiving chunks")
        COMPLETE = "complete", _("complete")
        FAILED = "failed", _("refused at finalize")
        ABORTED = "aborted", _("aborted")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    source = models.CharField(max_length=8, choices=Recording.Source.choices, default=Recording.Source.AGENT)
    complaint = models.ForeignKey(
        Complaint, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    pbx_call_id = models.CharField(max_length=100, blank=True, help_text="PBX sessions: the call's id")
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100, blank=True)
    total_size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64, blank=True, help_text="optional; checked at finalize")
    received = models.PositiveBigIntegerField(default=0, help_text="the next chunk's offset")
    parts = models.JSONField(default=list, blank=True, help_text="[[offset, size, storage name], ...]")
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, db_index=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    recording = models.ForeignKey(
        Recording, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    inbound_item = models.ForeignKey(
        InboundItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"Upload {self.pk}"


class Fax(models.Model):
    """A received fax. It became a complaint (channel fax, no category); ``transcribed_at`` null is
    its 'needs transcription' triage state. The fax file is the complaint's evidence attachment."""

    class Previews(models.TextChoices):
        PENDING = "pending", _("previews being made")
        READY = "ready", _("previews ready")
        FAILED = "failed", _("previews failed")

    complaint = models.OneToOneField(Complaint, on_delete=models.PROTECT, related_name="fax")
    attachment = models.ForeignKey(
        Attachment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=40)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    pages = models.PositiveSmallIntegerField()
    compression = models.CharField(max_length=40, blank=True)
    sender_number = models.CharField(max_length=20, blank=True)
    receiving_line = models.CharField(max_length=100, blank=True)
    received_at = models.DateTimeField()
    source = models.CharField(max_length=100)
    dedup_key = models.CharField(max_length=200, unique=True)
    inbound_item = models.ForeignKey(
        InboundItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    previews = models.CharField(max_length=8, choices=Previews.choices, default=Previews.PENDING)
    previews_error = models.CharField(max_length=500, blank=True)
    transcribed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    transcribed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, null=True)

    class Meta:
        ordering = ["received_at", "id"]
        verbose_name_plural = "faxes"

    def __str__(self) -> str:
        return f"Fax #{self.pk}"

    @property
    def needs_transcription(self) -> bool:
        return self.transcribed_at is None


class FaxPage(models.Model):
    """The PNG preview of one page, made after commit by a task."""

    fax = models.ForeignKey(Fax, on_delete=models.CASCADE, related_name="page_previews")
    number = models.PositiveSmallIntegerField()
    preview = models.FileField(max_length=200)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["fax", "number"], name="one_preview_per_page")]
