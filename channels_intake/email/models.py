"""E-mail channel records: reply tokens, category rules, acknowledgement log (rate limit)."""

from __future__ import annotations

from django.db import models

from complaints.models import Category, Complaint


class ReplyToken(models.Model):
    """A non-guessable token per case. Mail is attached to a case only with this token AND from
    the case's contact address; a reference number alone never attaches anything."""

    complaint = models.OneToOneField(Complaint, on_delete=models.CASCADE, related_name="reply_token")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)


class MailRule(models.Model):
    """Maps a recipient address or a subject keyword to a category (else agents triage)."""

    recipient = models.CharField(
        max_length=254, blank=True, help_text="exact recipient address, e.g. scam@..."
    )
    subject_keyword = models.CharField(max_length=100, blank=True)
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="+")
    priority = models.PositiveSmallIntegerField(default=100)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["priority", "id"]

    def __str__(self) -> str:
        return f"{self.recipient or self.subject_keyword} -> {self.category.code}"


class Acknowledgement(models.Model):
    """One acknowledgement sent, by sender fingerprint (not the address), for the per-sender limit."""

    sender_hash = models.CharField(max_length=64, db_index=True)
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(auto_now_add=True, db_index=True)
