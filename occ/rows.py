"""Plain INSERTs of new model instances for the hot paths (intake, tracking's traffic record),
without the ORM's SQL compilation per call.

``rows_insert([obj, ...])`` writes new instances of one model in one ``INSERT ... VALUES (...),
(...) RETURNING pk`` whose text is built once per model, column set and row count (so psycopg
prepares it on PostgreSQL). Each value is prepared by the field itself exactly as ``save()`` does
(``Field.pre_save(obj, add=True)`` then ``get_db_prep_save``: ``auto_now_add`` stamps, decimals,
JSON, addresses); related objects are checked as ``save()`` checks them; the instances get their
primary keys and their saved state. With ``signals=True`` (the default, for one row) the model's
``pre_save`` and ``post_save`` are sent as ``save()`` sends them, so receivers see no difference;
``signals=False`` is ``bulk_create``'s behaviour (none sent).

Anything this path does not do itself goes through the ORM unchanged: a model whose ``save()`` is
overridden (append-only models excepted: their override only refuses a second save), inherited
and proxy models, a field with a database default or its own SQL placeholder, and a database that
cannot return the new keys from an INSERT. A value that is an expression (``F()``) is refused."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models.signals import post_save, pre_save

from .append_only import AppendOnly

_PLAIN_PRE_SAVE = models.Field.pre_save
# Fields whose preparation (get_db_prep_save -> get_db_prep_value -> get_prep_value -> to_python)
# hands a value of these exact types back unchanged: such a value is passed as it is.
_PASSTHROUGH = {
    models.CharField.get_prep_value: (str, type(None)),
    models.TextField.get_prep_value: (str, type(None)),
    models.BooleanField.get_prep_value: (bool, type(None)),
}
_PLANS: dict[tuple[Any, ...], tuple[str, tuple[tuple[models.Field, str, bool, tuple], ...]]] = {}
_LEAN: dict[tuple[Any, ...], bool] = {}


def _passthrough(field: models.Field) -> tuple:
    cls = type(field)
    if cls.get_db_prep_save is not models.Field.get_db_prep_save:
        return ()
    if cls.get_db_prep_value is not models.Field.get_db_prep_value:
        return ()
    return _PASSTHROUGH.get(cls.get_prep_value, ())


def _plan(model: type[models.Model], with_pk: bool, rows: int, connection) -> tuple[str, tuple]:
    key = (model, with_pk, rows, connection.alias)
    found = _PLANS.get(key)
    if found is None:
        meta = model._meta
        fields = [
            f
            for f in meta.local_concrete_fields
            if not getattr(f, "generated", False) and (with_pk or f is not meta.pk)
        ]
        qn = connection.ops.quote_name
        row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        sql = (
            f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "  # noqa: S608 - names from the model
            f"VALUES {', '.join([row] * rows)} RETURNING {qn(meta.pk.column)}"
        )
        steps = tuple((f, f.attname, type(f).pre_save is _PLAIN_PRE_SAVE, _passthrough(f)) for f in fields)
        found = _PLANS[key] = (sql, steps)
    return found


def _lean(model: type[models.Model], connection) -> bool:
    key = (model, connection.alias)
    found = _LEAN.get(key)
    if found is None:
        meta = model._meta
        found = _LEAN[key] = bool(
            connection.features.can_return_rows_from_bulk_insert
            and not meta.parents
            and not meta.proxy
            and (model.save is models.Model.save or issubclass(model, AppendOnly))
            and not any(
                hasattr(f, "get_placeholder") or f.db_default is not models.NOT_PROVIDED
                for f in meta.local_concrete_fields
            )
        )
    return found


def rows_insert(
    instances: Sequence[models.Model], *, using: str = DEFAULT_DB_ALIAS, signals: bool = True
) -> None:
    """INSERT these new instances (all of one model) in one statement; see the module's text."""
    if not instances:
        return
    model = type(instances[0])
    connection = connections[using]
    if any(type(obj) is not model or not obj._state.adding for obj in instances):
        raise ValueError("rows_insert takes new instances of one model")
    with_pk = instances[0].pk is not None
    if not _lean(model, connection) or any((obj.pk is not None) != with_pk for obj in instances):
        return _orm_insert(instances, using=using, signals=signals)
    sql, steps = _plan(model, with_pk, len(instances), connection)
    params: list[Any] = []
    add = params.append
    for obj in instances:
        obj._prepare_related_fields_for_save(operation_name="save")  # type: ignore[attr-defined]  # Django's own pre-save check
        if signals:
            pre_save.send(sender=model, instance=obj, raw=False, using=using, update_fields=None)
        for field, attname, plain, passthrough in steps:
            value = getattr(obj, attname) if plain else field.pre_save(obj, add=True)
            if type(value) in passthrough:
                add(value)
                continue
            if hasattr(value, "resolve_expression"):
                raise TypeError(f"rows_insert: {field.name} is an expression; use save()")
            add(field.get_db_prep_save(value, connection=connection))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        keys = cursor.fetchall()
    attname = model._meta.pk.attname
    for obj, (pk,) in zip(instances, keys, strict=True):
        if not with_pk:
            setattr(obj, attname, pk)
        obj._state.adding = False
        obj._state.db = using
        if signals:
            post_save.send(
                sender=model, instance=obj, created=True, update_fields=None, raw=False, using=using
            )


def _orm_insert(instances, *, using: str, signals: bool) -> None:
    if signals:
        for obj in instances:
            obj.save(force_insert=True, using=using)
    else:
        type(instances[0])._base_manager.using(using).bulk_create(list(instances))


__all__ = ["rows_insert"]
