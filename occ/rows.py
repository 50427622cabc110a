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

import inspect
import json
import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, models
from django.db.backends.base.operations import BaseDatabaseOperations as _BASE_OPS
from django.db.models.fields import AutoFieldMixin
from django.db.models.signals import post_init, post_save, pre_init, pre_save

from .append_only import AppendOnly

_psycopg_queries: Any
try:  # psycopg 3 (PostgreSQL)
    from django.db.backends.postgresql.operations import DatabaseOperations as _PGOps
    from psycopg import _queries as _psycopg_queries

    _PG_ADAPT_DATETIME: Any = _PGOps.adapt_datetimefield_value
    _PG_ADAPT_INTEGER: Any = _PGOps.adapt_integerfield_value
except ImportError:  # pragma: no cover - SQLite-only installations
    _psycopg_queries = _PG_ADAPT_DATETIME = _PG_ADAPT_INTEGER = None
if _psycopg_queries is not None and hasattr(_psycopg_queries, "MAX_CACHED_STATEMENT_LENGTH"):
    # psycopg converts a query's %s placeholders once per distinct text (an LRU), but only texts
    # of up to 4096 bytes and 50 parameters, so that ORM queries of varying shape do not crowd the
    # cache. The intake's one statement (rows_together) is longer and always the same text: it
    # would be parsed again on every intake (about 1,100 Python calls).
    _psycopg_queries.MAX_CACHED_STATEMENT_LENGTH = max(_psycopg_queries.MAX_CACHED_STATEMENT_LENGTH, 16384)
    _psycopg_queries.MAX_CACHED_STATEMENT_PARAMS = max(_psycopg_queries.MAX_CACHED_STATEMENT_PARAMS, 256)

_PLAIN_PRE_SAVE = models.Field.pre_save
# the attribute itself unless auto_now / auto_now_add
_DATE_PRE_SAVE = (models.DateField.pre_save, models.DateTimeField.pre_save)
_NONE = type(None)
# Fields whose preparation (get_db_prep_save -> get_db_prep_value -> get_prep_value -> to_python)
# hands a value of these exact types back unchanged: such a value is passed as it is.
_PASSTHROUGH = {
    models.CharField.get_prep_value: (str, _NONE),
    models.TextField.get_prep_value: (str, _NONE),
    models.BooleanField.get_prep_value: (bool, _NONE),
}
_MISSING = object()
_PLANS: dict[tuple[Any, ...], tuple[str, tuple[tuple[models.Field, str, bool, tuple, bool, Any], ...]]] = {}
_LEAN: dict[tuple[Any, ...], bool] = {}


def _plain_pre_save(field: models.Field) -> bool:
    """pre_save(obj, add=True) is the attribute itself."""
    pre_save = type(field).pre_save
    if pre_save is _PLAIN_PRE_SAVE:
        return True
    return pre_save in _DATE_PRE_SAVE and not (field.auto_now or field.auto_now_add)  # type: ignore[attr-defined]


def _passthrough(field: models.Field, connection) -> tuple[tuple, bool]:
    """(the value types this field's preparation hands back unchanged, whether a date-time must
    also be aware): Django's own methods only, as the field's class inherits them."""
    cls = type(field)
    if isinstance(field, models.ForeignKey):
        # ForeignKey.get_db_prep_save: None stays None, else the target's preparation (an
        # automatic integer key: int(value), and the backend's check of an automatic key, a
        # no-op but on MySQL; not a plain IntegerField, which PostgreSQL's adapter wraps)
        return ((int, _NONE), False) if _automatic_key(field.target_field, connection) else ((), False)
    if cls.get_db_prep_save is not models.Field.get_db_prep_save:
        return (), False
    if _automatic_key(field, connection):
        return (int, _NONE), False
    if (
        cls.get_db_prep_value is models.DateTimeField.get_db_prep_value
        and cls.get_prep_value is models.DateTimeField.get_prep_value
        and cls.to_python is models.DateTimeField.to_python
        and type(connection.ops).adapt_datetimefield_value is _PG_ADAPT_DATETIME
    ):
        # PostgreSQL takes the datetime itself; a naive one goes the long way (Django's warning)
        return (datetime, _NONE), True
    if (
        cls.get_db_prep_value is models.DecimalField.get_db_prep_value
        and cls.get_prep_value is models.DecimalField.get_prep_value
        and cls.to_python is models.DecimalField.to_python
    ):
        return (_NONE,), False  # None stays None (a decimal is checked by to_python)
    if cls.get_db_prep_value is not models.Field.get_db_prep_value:
        return (), False
    return _PASSTHROUGH.get(cls.get_prep_value, ()), False


def _automatic_key(field: models.Field, connection) -> bool:
    """An automatic integer key: its preparation is int(value) and the backend's check of an
    automatic key (a no-op but on MySQL)."""
    cls = type(field)
    return (
        isinstance(field, models.IntegerField)
        and cls.get_db_prep_save is models.Field.get_db_prep_save
        and cls.get_db_prep_value is AutoFieldMixin.get_db_prep_value
        and cls.get_prep_value is models.IntegerField.get_prep_value
        and type(connection.ops).validate_autopk_value is _BASE_OPS.validate_autopk_value
    )


def _converted(field: models.Field, connection) -> Any:
    """For a value of a type ``_passthrough`` does not name, a cheaper preparation giving what the
    field's own would, or None: a text field takes any str (an enumeration's member: to_python
    hands a str back as it is); PostgreSQL's integer fields wrap an int in the adapter's type
    for the column, as ``adapt_integerfield_value`` does."""
    cls = type(field)
    if cls.get_db_prep_save is not models.Field.get_db_prep_save:
        return None
    if cls.get_db_prep_value is models.Field.get_db_prep_value and cls.get_prep_value in (
        models.CharField.get_prep_value,
        models.TextField.get_prep_value,
    ):
        if cls.to_python in (models.CharField.to_python, models.TextField.to_python):
            return lambda value: value if isinstance(value, str) else _MISSING
        return None
    wrap = getattr(connection.ops, "integerfield_type_map", {}).get(field.get_internal_type())
    if (
        wrap is not None
        and cls.get_db_prep_value is models.IntegerField.get_db_prep_value
        and cls.get_prep_value is models.IntegerField.get_prep_value
        and type(connection.ops).adapt_integerfield_value is _PG_ADAPT_INTEGER
    ):
        return lambda value: wrap(value) if type(value) is int else None if value is None else _MISSING
    return None


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
        found = _PLANS[key] = (sql, _steps(fields, connection))
    return found


def _steps(fields: Sequence[models.Field], connection) -> tuple:
    """How each field's value is read and prepared (``_values_into``), worked out once."""
    return tuple(
        (f, f.attname, _plain_pre_save(f), *_passthrough(f, connection), _converted(f, connection))
        for f in fields
    )


def _values_into(add, obj: models.Model, steps: tuple, connection, *, adding: bool) -> None:
    """Hand ``add`` the values save() would send for ``steps``' fields of ``obj``:
    ``pre_save(obj, add=adding)`` then ``get_db_prep_save``, cheaper where it gives the same."""
    for field, attname, plain, passthrough, aware, convert in steps:
        value = getattr(obj, attname) if plain else field.pre_save(obj, add=adding)
        if type(value) in passthrough and not (aware and value is not None and value.tzinfo is None):
            add(value)
            continue
        if convert is not None and (done := convert(value)) is not _MISSING:
            add(done)
            continue
        if hasattr(value, "resolve_expression"):
            raise TypeError(f"occ.rows: {field.name} is an expression; use save()")
        add(field.get_db_prep_save(value, connection=connection))


_FIELD_STEPS: dict[tuple[Any, ...], tuple] = {}


def field_values(
    obj: models.Model, fields: Sequence[models.Field], *, add: bool, using: str = DEFAULT_DB_ALIAS
) -> list[Any]:
    """The values save() hands the database for these fields of ``obj`` (``add``: as for an
    INSERT, else an UPDATE), for a caller that writes its own statement; prepared as
    ``rows_insert`` prepares them."""
    connection = connections[using]
    key = (type(obj), tuple(f.attname for f in fields), using)
    steps = _FIELD_STEPS.get(key)
    if steps is None:
        steps = _FIELD_STEPS[key] = _steps(fields, connection)
    values: list[Any] = []
    _values_into(values.append, obj, steps, connection, adding=add)
    return values


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


def _check(instances: Sequence[models.Model]) -> type[models.Model]:
    model = type(instances[0])
    if any(type(obj) is not model or not obj._state.adding for obj in instances):
        raise ValueError("rows_insert takes new instances of one model")
    return model


def _prepared(model, instances, connection, signals: bool) -> tuple[str, list[Any], bool] | None:
    """The statement and its values for these instances, or None when the ORM must write them.
    Sends pre_save (with ``signals``) just before each instance's values are read, as save()."""
    with_pk = instances[0].pk is not None
    if not _lean(model, connection) or any((obj.pk is not None) != with_pk for obj in instances):
        return None
    sql, steps = _plan(model, with_pk, len(instances), connection)
    params: list[Any] = []
    add = params.append
    using = connection.alias
    for obj in instances:
        obj._prepare_related_fields_for_save(operation_name="save")  # type: ignore[attr-defined]  # Django's own pre-save check
        if signals:
            pre_save.send(sender=model, instance=obj, raw=False, using=using, update_fields=None)
        _values_into(add, obj, steps, connection, adding=True)
    return sql, params, with_pk


def _saved(model, instances, keys, with_pk: bool, using: str, signals: bool) -> None:
    attname = model._meta.pk.attname
    for obj, pk in zip(instances, keys, strict=True):
        if not with_pk:
            setattr(obj, attname, pk)
        obj._state.adding = False
        obj._state.db = using
        if signals:
            post_save.send(
                sender=model, instance=obj, created=True, update_fields=None, raw=False, using=using
            )


_NEW_PLANS: dict[type, Any] = {}


def _new_plan(model: type[models.Model]) -> Any:
    """What ``Model.__init__(**kwargs)`` does for this model, worked out once: for each field in
    its order, the attribute, the field's name when it is a relation (whose descriptor caches
    the related object), and the default. None when the constructor cannot be followed exactly:
    an overridden ``__init__``, an abstract model, a field whose attribute has its own setter (a
    file, say), or a relation other than a foreign key."""
    from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute

    meta = model._meta
    if meta.abstract or model.__init__ is not models.Model.__init__:
        return None
    steps = []
    for field in meta.fields:
        if field.column is None or getattr(field, "generated", False):
            continue
        descriptor = inspect.getattr_static(model, field.attname, None)
        relation = field.name if field.is_relation and field.many_to_one else None
        if hasattr(type(descriptor), "__set__") and not isinstance(descriptor, ForeignKeyDeferredAttribute):
            return None
        if field.is_relation and not field.many_to_one:
            return None
        if field.has_db_default() or (field.has_default() and callable(field.default)):
            default, call = field.get_default, True  # a new value each time
        else:  # a constant (the same object get_default() returns), "" or None
            default, call = field.get_default(), False
        steps.append((field.attname, relation, default, call))
    names = frozenset(step[0] for step in steps) | frozenset(step[1] for step in steps if step[1])
    return tuple(steps), names


def new(model: type[models.Model], **values: Any) -> Any:
    """``model(**values)``, for the hot paths' new rows, without the constructor's general work:
    each field's value or default set as the constructor sets it (a related object through its
    descriptor, which caches it). The constructor itself when the model has ``pre_init`` or
    ``post_init`` receivers, when a value is not a field's (a property), or when ``_new_plan``
    cannot follow it. tests/test_rows.py compares the instances for every hot-path model."""
    plan = _NEW_PLANS.get(model, False)
    if plan is False:
        plan = _NEW_PLANS[model] = _new_plan(model)
    if (
        plan is None
        or not values.keys() <= plan[1]
        or pre_init.has_listeners(model)
        or post_init.has_listeners(model)
    ):
        return model(**values)
    obj = model.__new__(model)
    obj._state = models.base.ModelState()
    attributes = obj.__dict__
    get = values.get
    for attname, relation, default, call in plan[0]:
        if relation is not None and relation in values:
            setattr(obj, relation, values[relation])
            continue
        value = get(attname, _MISSING)
        if value is _MISSING:
            value = default() if call else default
        attributes[attname] = value
    return obj


# Rows handed to rows_insert(..., later=True) inside rows_together(): [(model, instances, signals)]
# and statements handed to statement_later() (as (None, (sql, params, name), False)); the flag: the block
# was opened inside a transaction of its database
_later: ContextVar[tuple[str, list, bool] | None] = ContextVar("occ_rows_later", default=None)


def rows_insert(
    instances: Sequence[models.Model],
    *,
    using: str = DEFAULT_DB_ALIAS,
    signals: bool = True,
    later: bool = False,
) -> None:
    """INSERT these new instances (all of one model) in one statement; see the module's text.

    ``later=True``: inside a ``rows_together()`` block of this database the rows are written at
    the block's end (the caller needs neither their keys nor the rows themselves before then);
    outside one, now."""
    if not instances:
        return
    model = _check(instances)
    pending = _later.get()
    if later and pending is not None and pending[0] == using:
        pending[1].append((model, list(instances), signals))
        return
    connection = connections[using]
    found = _prepared(model, instances, connection, signals)
    if found is None:
        return _orm_insert(instances, using=using, signals=signals)
    sql, params, with_pk = found
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        keys = [row[0] for row in cursor.fetchall()]
    _saved(model, instances, keys, with_pk, using, signals)


@contextmanager
def rows_together(*, using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Write the rows given to ``rows_insert(..., later=True)`` inside this block at its end, in
    the order given: on PostgreSQL in ONE statement (each model's INSERT a data-modifying CTE of
    it: one round trip, one statement to prepare), elsewhere one INSERT per model. A related
    object must have its key by then (reserve it, or write it earlier), as for save(). Nothing is
    written when the block raises (the caller's transaction rolls back)."""
    pending: list = []
    token = _later.set((using, pending, connections[using].in_atomic_block))
    try:
        yield
    finally:
        _later.reset(token)
    _together(pending, connections[using])


def rows_deferred(*, using: str = DEFAULT_DB_ALIAS) -> bool:
    """True inside a ``rows_together()`` block of this database that was opened inside a
    transaction: what is handed to ``rows_insert(..., later=True)`` and ``statement_later()``
    is then written before that transaction ends."""
    pending = _later.get()
    return pending is not None and pending[0] == using and pending[2]


def statement_later(
    sql: str, params: Sequence[Any], *, name: str | None = None, using: str = DEFAULT_DB_ALIAS
) -> None:
    """Run one data-modifying statement (an INSERT, UPDATE or DELETE; its text built by the
    caller, once) at the end of the surrounding ``rows_together()`` block, with the block's rows
    (on PostgreSQL part of their one statement), when ``rows_deferred()``; otherwise now.
    Statements written together see the database as it was before the block's end, as the parts
    of one statement do: the caller hands over only writes that do not read each other, except
    that a later statement may read the rows an earlier one given a ``name`` returns
    (``RETURNING``) as the table ``name``. A named statement needs ``rows_combined()``: its
    readers cannot run apart from it."""
    if rows_deferred(using=using):
        pending = _later.get()
        assert pending is not None
        if name is not None and connections[using].vendor != "postgresql":
            raise ValueError("statement_later: a named statement needs PostgreSQL (rows_combined())")
        pending[1].append((None, (sql, list(params), name), False))
        return
    if name is not None:
        raise ValueError("statement_later: a named statement needs rows_combined()")
    with connections[using].cursor() as cursor:
        cursor.execute(sql, list(params))


def rows_combined(*, using: str = DEFAULT_DB_ALIAS) -> bool:
    """``rows_deferred()`` on PostgreSQL: statements handed to ``statement_later()`` run as
    parts of one statement (data-modifying CTEs), so a named one may be read by a later one."""
    return rows_deferred(using=using) and connections[using].vendor == "postgresql"


class _Later(str):
    """What ``value_later`` hands back: a stand-in text, replaced before anything is stored."""

    __slots__ = ()


# Stand-ins are this process's random salt and the statement's place in its block: a caller's
# text cannot hold one by chance, and none outlives its block (each is replaced in the block's
# own statement, and the instances' attributes after it).
_SALT = secrets.token_hex(16)


if _psycopg_queries is not None:  # a stand-in that reaches psycopg was not replaced: refuse it
    import psycopg
    from psycopg.adapt import Dumper

    class _LaterRefused(Dumper):
        def dump(self, obj: Any) -> bytes:
            raise ValueError(
                "occ.rows.value_later: a stand-in reached the database outside its block's statement"
            )

    psycopg.adapters.register_dumper(_Later, _LaterRefused)


def _later_token(k: int) -> str:
    return f"occ-later-{_SALT}-{k}-"


def value_later(
    sql: str, params: Sequence[Any], *, name: str, column: str, using: str = DEFAULT_DB_ALIAS
) -> str:
    """Inside ``rows_combined()``: run the data-modifying statement ``sql`` (which returns one row
    with ``column`` among its columns, e.g. ``UPDATE ... RETURNING ... AS column``) FIRST in the
    block's one statement, and return a stand-in for that value. The stand-in may be a field's
    value of the rows handed over in the block, or part of a text or JSON value of them or of
    ``statement_later()``'s parameters; in the database each holds the statement's value, and
    after the block the instances' attributes do. A value only the database knows (a counter
    taken under its row lock) is then known without a round trip of its own, and locked for that
    statement and the commit only. Elsewhere ``ValueError``: the caller runs its own statement.

    The stand-in is replaced where it is whole: as the value itself, or inside a text or JSON
    value (``str()`` of it, a dict holding it). A slice or a changed copy of it (``[:20]``,
    ``.upper()``) is no stand-in any more and would be stored as it is: hand the stand-in over
    whole, and truncate nothing that may hold one. Text that only looks like one (the salt
    without a stand-in) is stored as it is."""
    if not rows_combined(using=using):
        raise ValueError("value_later needs rows_combined()")
    pending = _later.get()
    assert pending is not None
    k = sum(1 for item in pending[1] if item[2] == "first")
    pending[1].append((None, (sql, list(params), name, column), "first"))
    return _Later(_later_token(k))


def _has_token(value: Any) -> bool:
    if isinstance(value, str):
        return _SALT in value
    if isinstance(value, dict):
        return any(_has_token(v) or _has_token(k) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_token(v) for v in value)
    return False


def _resolved(value: Any, values: Sequence[str]) -> Any:
    """``value`` with every stand-in replaced by its statement's value (a container as JSON
    would store it)."""
    if isinstance(value, str):
        if _SALT not in value:
            return value
        for k, found in enumerate(values):
            value = value.replace(_later_token(k), found)
        return str(value)
    if isinstance(value, dict | list | tuple):
        return json.loads(_resolved(json.dumps(value), values))
    return value


def _firsts_now(firsts: list, inserts: list, others: list, connection) -> None:
    """Not one statement: the first statements run now, and the stand-ins are replaced in the
    rows' attributes and the statements' parameters before they are written."""
    values = []
    with connection.cursor() as cursor:
        for sql, params, name, column in firsts:
            cursor.execute(f"WITH {name} AS ({sql}) SELECT {column}::text FROM {name}", params)  # noqa: S608 - the caller's text
            values.append(cursor.fetchone()[0])
    for _model, instances, _signals in inserts:
        for obj in instances:
            for field in obj._meta.concrete_fields:
                value = getattr(obj, field.attname)
                if _has_token(value):
                    setattr(obj, field.attname, _resolved(value, values))
    for n, (sql, params, name) in enumerate(others):
        others[n] = (sql, [_resolved(v, values) for v in params], name)


def _with_firsts(params: list[Any], firsts: list) -> tuple[list[Any], tuple]:
    """The combined statement's values with each stand-in replaced in SQL (``_sql_with_firsts``):
    a value that is one is left out (its statement's value takes its place), a text or JSON value
    holding one is ``replace()``d (JSON sent as its text: the text psycopg would send). Also the
    shape of the change: (position, kind, statement) of each value that held one (part of the
    text's key)."""
    from psycopg.types.json import Jsonb

    shape, values = [], []
    salt = _SALT
    for i, value in enumerate(params):
        of = type(value)
        if of is str:
            if salt not in value:
                values.append(value)
                continue
            kind = "t"
        elif of is _Later:
            kind = "v"
        elif of is Jsonb:
            text = (value.dumps or json.dumps)(value.obj)
            if salt not in text:
                values.append(value)
                continue
            kind, value = "j", text
        else:
            values.append(value)
            continue
        held = [k for k in range(len(firsts)) if _later_token(k) in value]
        if not held and kind != "v":  # the salt but no stand-in (a caller's text): as it is
            values.append(params[i])
            continue
        if len(held) != 1:
            raise ValueError("value_later: a value may hold one stand-in")
        shape.append((i, kind, held[0]))
        if kind != "v":
            values.append(value)
    return values, tuple(shape)


def _sql_with_firsts(sql: str, shape: tuple, firsts: list) -> str:
    """``sql`` with the placeholders of ``shape``'s values replaced as ``_with_firsts`` says."""
    pieces = sql.split("%s")
    changed = {i: (kind, k) for i, kind, k in shape}
    out = []
    for i, piece in enumerate(pieces[:-1]):
        out.append(piece)
        if i not in changed:
            out.append("%s")
            continue
        kind, k = changed[i]
        got = f"(SELECT {firsts[k][3]}::text FROM {firsts[k][2]})"  # noqa: S608 - the caller's names
        token = _later_token(k)  # letters, digits and hyphens only: safe as a literal
        out.append(
            got
            if kind == "v"
            else f"replace(%s, '{token}', {got})"
            if kind == "t"
            else f"replace(%s::text, '{token}', {got})::jsonb"
        )
    out.append(pieces[-1])
    return "".join(out)


def _together(pending: list, connection) -> None:
    if not pending:
        return
    using = connection.alias
    inserts = [item for item in pending if item[0] is not None]
    # value_later's (sql, params, name, column) and statement_later's (sql, params, name)
    firsts = [item[1] for item in pending if item[0] is None and item[2] == "first"]
    others = [item[1] for item in pending if item[0] is None and item[2] != "first"]
    combined = (
        connection.vendor == "postgresql"
        and len(pending) > 1
        and all(
            _lean(model, connection)
            and isinstance(model._meta.pk, _INTEGER_KEYS)
            and len({obj.pk is None for obj in instances}) == 1
            for model, instances, _ in inserts
        )
    )
    if not combined:
        if firsts:
            _firsts_now(firsts, inserts, others, connection)
        for _model, instances, signals in inserts:  # in order, each as rows_insert would
            rows_insert(instances, using=using, signals=signals)
        if others and connection.vendor == "postgresql":
            # the statements together, in order, so that a named one is there for its readers
            parts = ", ".join(f"{name or f'u{n}'} AS ({sql})" for n, (sql, _, name) in enumerate(others))
            with connection.cursor() as cursor:
                cursor.execute(f"WITH {parts} SELECT NULL", [v for _, params, _ in others for v in params])
        else:
            for sql, params, _ in others:
                with connection.cursor() as cursor:
                    cursor.execute(sql, params)
        return
    statements: list[tuple[Any, ...]] = []
    for model, instances, signals in inserts:
        found = _prepared(model, instances, connection, signals)
        assert found is not None  # lean, checked above
        statements.append((model, instances, signals, *found))
    params = [value for first in firsts for value in first[1]]
    params += [value for part in statements for value in part[4]]
    params += [value for other in others for value in other[1]]
    shape: tuple = ()
    if firsts:
        params, shape = _with_firsts(params, firsts)
    # the statement's text is the same for the same models, row counts and statements
    key = (
        tuple((m, w, len(i)) for m, i, _, _, _, w in statements),
        tuple((o[0], o[2]) for o in others),
        tuple((f[0], f[2], f[3]) for f in firsts),
        shape,
        using,
    )
    sql = _TOGETHER.get(key)
    if sql is None:
        qn = connection.ops.quote_name
        ctes = [f"{first[2]} AS ({first[0]})" for first in firsts]
        ctes += [f"r{n} AS ({part[3]})" for n, part in enumerate(statements)]
        ctes += [f"{other[2] or f'u{n}'} AS ({other[0]})" for n, other in enumerate(others)]
        extra = ", NULL::text" if firsts else ""
        selects = [
            f"SELECT {n}, {qn(part[0]._meta.pk.column)}{extra} FROM r{n}"  # noqa: S608 - names from the models
            for n, part in enumerate(statements)
        ]
        # the first statements' values come back too (as -1, -2, ...), for the instances
        selects += [f"SELECT {-1 - k}, NULL, {f[3]}::text FROM {f[2]}" for k, f in enumerate(firsts)]  # noqa: S608
        keys = " UNION ALL ".join(selects)
        sql = f"WITH {', '.join(ctes)} {keys or 'SELECT 0, 0 WHERE FALSE'}"
        if shape:
            sql = _sql_with_firsts(sql, shape, firsts)
        _TOGETHER[key] = sql
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    by_group: list[list[Any]] = [[] for _ in statements]
    values: list[Any] = [None] * len(firsts)
    for n, pk, *value in rows:
        if n < 0:
            values[-1 - n] = value[0]
        else:
            by_group[n].append(pk)
    if shape:
        _attributes_resolve([i for i, _, _ in shape], firsts, statements, values, connection)
    for (model, instances, signals, _sql, _params, with_pk), pks in zip(statements, by_group, strict=True):
        _saved(model, instances, pks, with_pk, using, signals)


def _attributes_resolve(
    marked: list[int], firsts: list, statements: list, values: list[Any], connection
) -> None:
    """The instances' attributes whose values held a stand-in (at these positions of the
    statement's values) now hold the first statements' values."""
    base = sum(len(first[1]) for first in firsts)
    spans = []
    for model, instances, _signals, _sql, part_params, with_pk in statements:
        steps = _plan(model, with_pk, len(instances), connection)[1]
        spans.append((base, base + len(part_params), instances, steps))
        base += len(part_params)
    for i in marked:
        for start, end, instances, steps in spans:
            if start <= i < end:
                obj = instances[(i - start) // len(steps)]
                attname = steps[(i - start) % len(steps)][1]
                setattr(obj, attname, _resolved(getattr(obj, attname), values))
                break


_TOGETHER: dict[tuple[Any, ...], str] = {}
_INTEGER_KEYS = (models.AutoField, models.BigAutoField, models.SmallAutoField, models.IntegerField)


_UPDATES: dict[tuple[Any, ...], tuple[str, tuple[tuple[models.Field, str, bool], ...]]] = {}


def row_update(obj: models.Model, update_fields: Sequence[str], *, using: str = DEFAULT_DB_ALIAS) -> None:
    """``obj.save(update_fields=...)`` for a saved instance, its UPDATE text built once per model
    and field list: ``pre_save`` and ``post_save`` sent as save() sends them, each value prepared
    by its field as save() prepares it (``pre_save(obj, add=False)``: ``auto_now`` stamps), and
    the same error when no row was updated. A model whose ``save()`` is overridden, an inherited
    or proxy model, or a value that is an expression goes through ``save()`` itself."""
    model = type(obj)
    meta = model._meta
    connection = connections[using]
    if (
        obj._state.adding
        or obj.pk is None
        or model.save is not models.Model.save
        or meta.parents
        or meta.proxy
        or not update_fields
    ):
        obj.save(update_fields=update_fields, using=using)
        return
    key = (model, tuple(update_fields), connection.alias)
    found = _UPDATES.get(key)
    if found is None:
        named = [meta.get_field(name) for name in update_fields]
        fields = [f for f in named if isinstance(f, models.Field)]
        if len(fields) != len(named) or any(
            not f.concrete or f.primary_key or getattr(f, "generated", False) or not f.column for f in fields
        ):
            obj.save(update_fields=update_fields, using=using)
            return
        qn = connection.ops.quote_name
        sql = (
            f"UPDATE {qn(meta.db_table)} SET {', '.join(f'{qn(str(f.column))} = %s' for f in fields)} "  # noqa: S608 - names from the model
            f"WHERE {qn(str(meta.pk.column))} = %s"
        )
        found = _UPDATES[key] = (
            sql,
            tuple((f, f.attname, type(f).pre_save is _PLAIN_PRE_SAVE) for f in fields),
        )
    sql, steps = found
    names = frozenset(update_fields)
    obj._prepare_related_fields_for_save(operation_name="save")  # type: ignore[attr-defined]  # as save()
    pre_save.send(sender=model, instance=obj, raw=False, using=using, update_fields=names)
    params: list[Any] = []
    for field, attname, plain in steps:
        value = getattr(obj, attname) if plain else field.pre_save(obj, add=False)
        if hasattr(value, "resolve_expression"):
            raise TypeError(f"row_update: {field.name} is an expression; use save()")
        params.append(field.get_db_prep_save(value, connection=connection))
    params.append(meta.pk.get_db_prep_value(obj.pk, connection))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if cursor.rowcount == 0:
            raise DatabaseError("Save with update_fields did not affect any rows.")
    obj._state.db = using
    post_save.send(sender=model, instance=obj, created=False, update_fields=names, raw=False, using=using)


def _orm_insert(instances, *, using: str, signals: bool) -> None:
    if signals:
        for obj in instances:
            obj.save(force_insert=True, using=using)
    else:
        type(instances[0])._base_manager.using(using).bulk_create(list(instances))


__all__ = [
    "field_values",
    "new",
    "row_update",
    "rows_combined",
    "rows_deferred",
    "rows_insert",
    "rows_together",
    "statement_later",
    "value_later",
]
