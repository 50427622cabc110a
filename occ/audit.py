"""Audit helpers shared by every app (django-auditlog)."""

from __future__ import annotations

from functools import cache
from typing import Any

from occ.rows import new, rows_insert


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


@cache
def _diff_plan(model: type) -> tuple[tuple[Any, str, Any, bool, bool], ...]:
    """What ``auditlog.diff.model_instance_diff(None, instance)`` looks at for this model, worked
    out once: the tracked fields after the registration's include/exclude lists, each with its
    "old" value (for a created instance a constant: what auditlog reads from no instance),
    whether it is masked, and whether auditlog reads it plainly (``smart_str`` of the attribute:
    not a date-time, JSON or relation field, whose values go through ``get_field_value``).
    Registrations are made at start-up (apps' ``ready()``)."""
    from auditlog.diff import get_field_value, track_field
    from auditlog.registry import auditlog
    from django.conf import settings
    from django.db.models import DateTimeField, JSONField

    use_json = settings.AUDITLOG_STORE_JSON_CHANGES
    model_fields = auditlog.get_model_fields(model)
    fields = {f for f in model._meta.get_fields() if track_field(f)}  # auditlog's get_fields_in_model
    if model_fields and (model_fields["include_fields"] or model_fields["exclude_fields"]) and fields:
        if model_fields["include_fields"]:
            fields = {f for f in fields if f.name in model_fields["include_fields"]}
        if model_fields["exclude_fields"]:
            fields = {f for f in fields if f.name not in model_fields["exclude_fields"]}
    masked = set(model_fields["mask_fields"]) if model_fields else set()

    def plain(f) -> bool:
        relation = (getattr(f, "one_to_one", False) or getattr(f, "many_to_one", False)) and hasattr(
            f, "rel_class"
        )
        return not use_json and not isinstance(f, DateTimeField | JSONField) and not relation and f.concrete

    return tuple((f, f.name, get_field_value(None, f, use_json), f.name in masked, plain(f)) for f in fields)


def _created_diff(instance: Any) -> dict | None:
    """``model_instance_diff(None, instance)``, with the model's part worked out once."""
    from auditlog.diff import get_field_value, get_mask_function, is_primitive
    from auditlog.registry import auditlog
    from django.conf import settings
    from django.utils.encoding import smart_str

    use_json = settings.AUDITLOG_STORE_JSON_CHANGES
    diff: dict = {}
    mask_func = None
    for field, name, old_value, masked, plain in _diff_plan(type(instance)):
        if plain:  # get_field_value's last branch: smart_str of the attribute (a str stays itself)
            new_value = getattr(instance, name)
            if type(new_value) is not str:
                new_value = smart_str(new_value)
                if type(new_value).__name__ == "__proxy__":
                    new_value = str(new_value)
        else:
            new_value = get_field_value(instance, field, use_json)
        if old_value == new_value:
            continue
        if masked:
            if mask_func is None:
                mask_func = get_mask_function(auditlog.get_model_fields(type(instance)).get("mask_callable"))
            diff[name] = (
                mask_func(old_value if type(old_value) is str else smart_str(old_value)),
                mask_func(new_value if type(new_value) is str else smart_str(new_value)),
            )
        elif not use_json:
            diff[name] = (
                old_value if type(old_value) is str else smart_str(old_value),
                new_value if type(new_value) is str else smart_str(new_value),
            )
        else:
            diff[name] = (
                old_value if is_primitive(old_value) else smart_str(old_value),
                new_value if is_primitive(new_value) else smart_str(new_value),
            )
    return diff or None


def audit_created(instances: list[Any]) -> None:
    """Write, in one INSERT, the CREATE entries django-auditlog's post_save receiver would write
    for these just-inserted instances (saved under ``disable_auditlog()``): auditlog's own field
    reading and masking (``get_field_value``, the registration's include/mask fields and mask
    callable: ``model_instance_diff`` with its per-model part worked out once), the same object
    fields and correlation id, and LogEntry's pre_save signal sent as save() would (so the
    request's audit context sets actor and address exactly as on the signal path).
    tests/test_audit_direct.py compares the two."""
    from auditlog import get_logentry_model

    _entries_write(
        get_logentry_model().Action.CREATE, [(instance, None, _created_diff) for instance in instances]
    )


def audit_updated(instance: Any, old: Any, update_fields: list[str]) -> None:
    """Write the UPDATE entry django-auditlog's pre_save receiver would write when ``instance`` is
    saved with ``update_fields`` (saved under ``disable_auditlog()``), with ``old`` the row as the
    database held it before the save: auditlog reads that row again (one SELECT of the whole
    row); the caller passes what it read under its row lock in this transaction instead. The
    changes are auditlog's own ``model_instance_diff(old, instance, fields_to_check=...)`` (its
    masking included); entry, signals and context as in ``audit_created``.
    tests/test_audit_direct.py compares the two."""
    from auditlog import get_logentry_model
    from auditlog.diff import model_instance_diff
    from django.conf import settings

    def changes(new: Any) -> dict | None:
        return model_instance_diff(
            old,
            new,
            fields_to_check=update_fields,
            use_json_for_changes=settings.AUDITLOG_STORE_JSON_CHANGES,
        )

    _entries_write(get_logentry_model().Action.UPDATE, [(instance, old, changes)])


def _entries_write(action: int, items: list[tuple[Any, Any, Any]]) -> None:
    """One entry per (instance, old instance, changes function), as auditlog's
    ``_create_log_entry`` and ``LogEntryManager.log_create`` write it, in one INSERT."""
    from auditlog import get_logentry_model
    from auditlog.cid import get_cid
    from auditlog.signals import post_log, pre_log
    from django.conf import settings
    from django.contrib.contenttypes.models import ContentType
    from django.db.models.signals import pre_save
    from django.utils.encoding import smart_str

    log_entry = get_logentry_model()
    entries, sent = [], []
    for instance, old, diff in items:
        sender = type(instance)
        pre = pre_log.send(sender, instance=instance, action=action)
        if any(item[1] is False for item in pre):
            continue
        changes = diff(instance)
        if not changes:
            continue
        pk = log_entry.objects._get_pk_value(instance)
        entry = new(
            log_entry,
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
        sent.append((sender, instance, old, pre, changes))
    # as bulk_create (no further signal); inside rows_together() (the intake) with the block's rows
    rows_insert(entries, signals=False, later=True)
    for (sender, instance, old, pre, changes), entry in zip(sent, entries, strict=True):
        post_log.send(
            sender,
            instance=instance,
            instance_old=old,
            action=action,
            error=None,
            pre_log_results=pre,
            changes=changes,
            log_entry=entry,
            log_created=True,
            use_json_for_changes=settings.AUDITLOG_STORE_JSON_CHANGES,
        )
