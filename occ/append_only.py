"""Append-only records: written once, never updated or deleted through the ORM (evidence)."""

from __future__ import annotations

from django.db import models


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError(f"{self.model.__name__} records are append-only")

    def delete(self):
        raise PermissionError(f"{self.model.__name__} records are append-only")


class AppendOnly(models.Model):
    """Abstract base: a saved row cannot be saved again or deleted (also not in bulk)."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError(f"{type(self).__name__} records are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError(f"{type(self).__name__} records are append-only")
