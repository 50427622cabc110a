"""Privacy records: the traffic log (OCC-4, KC-2) and the staff access log (who read whose data)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


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


class AccessLogEntry(models.Model):
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

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise PermissionError("access-log entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("access-log entries are append-only")
