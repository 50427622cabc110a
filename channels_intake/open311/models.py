"""Partner apps that file through Open311 GeoReport v2, their keys, and what each app filed.

A key is shown once when issued; only its SHA-256 is kept (the secret has 256 bits, so a plain
hash is enough). Rotation: issue a new key, move the app to it, revoke the old one."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from complaints.models import Complaint


class PartnerApp(models.Model):
    name = models.CharField(max_length=100, unique=True, help_text="kept on every request the app files")
    contact_email = models.EmailField(blank=True, help_text="the app's operator, not a citizen")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("partner app")

    def __str__(self) -> str:
        return self.name


class PartnerAppKey(models.Model):
    app = models.ForeignKey(PartnerApp, on_delete=models.PROTECT, related_name="keys")
    prefix = models.CharField(max_length=16, unique=True)
    key_hash = models.CharField(max_length=64)
    label = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("partner app key")

    def __str__(self) -> str:
        state = "revoked" if self.revoked_at else "active"
        return f"{self.app.name} key {self.prefix} ({state})"


class Open311Request(models.Model):
    """One service request filed by a partner app: which app filed it, and the token the
    specification gives the app to look the request up."""

    complaint = models.OneToOneField(Complaint, on_delete=models.CASCADE, related_name="open311")
    app = models.ForeignKey(PartnerApp, on_delete=models.PROTECT, related_name="requests")
    key = models.ForeignKey(PartnerAppKey, on_delete=models.PROTECT, related_name="+")
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Open311 request #{self.pk}"
