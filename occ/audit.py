"""Audit helpers shared by every app (django-auditlog)."""

from __future__ import annotations

from typing import Any


def mask_value(value: str) -> str:
    """Audit entries record that a personal field changed, never its value (OCC-8)."""
    return "[masked]" if value not in ("", "None") else value


def bind_actor(user: Any) -> None:
    """Give the audit context of this request its actor once DRF has authenticated it.

    AuditlogMiddleware runs before DRF's token authentication, so for token clients it sees an
    anonymous user; the API base view calls this after authentication.
    """
    from auditlog.context import auditlog_value

    try:
        context = auditlog_value.get()
    except LookupError:
        return
    if getattr(user, "is_authenticated", False):
        context["actor"] = user


def audit_created(instances: list[Any]) -> None:
    """Write, in one INSERT, the CREATE entries django-auditlog's post_save receiver would write
    for these just-inserted instances (saved under ``disable_auditlog()``): auditlog's own diff
    and masking (``model_instance_diff`` with each model's registered include/mask fields), the
    same object fields and correlation id, and LogEntry's pre_save signal sent as save() would
    (so the request's audit context sets actor and address exactly as on the signal path). tests/test_audit_direct.py compares the two."""
    from auditlog import get_logentry_model
    from auditlog.cid import get_cid
    from auditlog.diff import model_instance_diff
    from auditlog.signals import post_log, pre_log
    from django.conf import settings
    from django.contrib.contenttypes.models import ContentType
    from django.db.models.signals import pre_save
    from django.utils.encoding import smart_str

    log_entry = get_logentry_model()
    action = log_entry.Action.CREATE
    entries, sent = [], []
    for instance in instances:
        sender = type(instance)
        pre = pre_log.send(sender, instance=instance, action=action)
        if any(item[1] is False for item in pre):
            continue
        changes = model_instance_diff(
            None, instance, use_json_for_changes=settings.AUDITLOG_STORE_JSON_CHANGES
        )
        if not changes:
            continue
        pk = log_entry.objects._get_pk_value(instance)
        entry = log_entry(
            content_type=ContentType.objects.get_for_model(instance),
            object_pk=pk,
            object_id=pk if isinstance(pk, int) else None,
            object_repr=smart_str(instance),
            serialized_data=log_entry.objects._get_serialized_data_or_none(instance),
            action=action,
            changes=changes,
            cid=get_cid(),
        )
        if callable(getattr(instance, "get_additional_data", None)):
            entry.additional_data = instance.get_additional_data()
        # What save() would send: auditlog's request context (actor, address) hooks in here, and
        # only while its middleware's context is open (a stale one from an earlier request is not).
        pre_save.send(sender=log_entry, instance=entry, raw=False, using="default", update_fields=None)
        entries.append(entry)
        sent.append((sender, instance, pre, changes))
    log_entry.objects.bulk_create(entries)
    for (sender, instance, pre, changes), entry in zip(sent, entries, strict=True):
        post_log.send(
            sender,
            instance=instance,
            instance_old=None,
            action=action,
            error=None,
            pre_log_results=pre,
            changes=changes,
            log_entry=entry,
            log_created=True,
            use_json_for_changes=settings.AUDITLOG_STORE_JSON_CHANGES,
        )
