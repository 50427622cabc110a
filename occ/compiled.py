"""Read queries of the hot paths (routing, delivery) compiled by Django once per process instead of
on every call.

``Compiled(lambda pk: Model.objects.select_related(...).filter(pk=pk))`` is a query of one shape
whose values change from call to call. The first call on a database builds the queryset with
stand-in values (one per argument, of the argument's type), lets Django's own compiler write its
SQL, and notes where each stand-in sits among the parameters; every call then runs that text with
the real values (psycopg prepares it on PostgreSQL) and turns the rows into instances exactly as
iterating the queryset would (the compiler's converters, ``Model.from_db``, the select_related
populators, annotations set as attributes). Django's SQL compilation is most of the CPU of a short
indexed read.

Only values that reach the SQL unchanged (PostgreSQL) or as ``str()`` (a date on SQLite) can be
located: when a stand-in cannot be found exactly once in its form, or the queryset is not a plain
model query, this query simply runs through the ORM on that database, every call (so a shape the
plan does not understand costs the usual compilation, never a wrong answer)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable, get_related_populators

_SENTINEL_INT = 1_987_654_301  # inside every integer field's range (Django refuses out-of-range lookups)


def _sentinel(value: Any, n: int) -> Any:
    if type(value) is int:
        return _SENTINEL_INT + 7919 * n
    if type(value) is str:
        return f"\ue000occ-compiled-{n}\ue000"
    if type(value) is datetime.date:
        return datetime.date(1901, 2, 3 + n)
    raise TypeError(f"Compiled: no stand-in for a {type(value).__name__}")


M = TypeVar("M", bound=Model)


class _Plan:
    __slots__ = (
        "sql",
        "params",
        "slots",
        "init_list",
        "start",
        "end",
        "model",
        "populators",
        "converters",
        "annotations",
    )
    sql: str
    params: list[Any]
    slots: list[tuple[int, int, bool]]
    init_list: list[str]
    start: int
    end: int
    model: Any
    populators: list[Any]
    converters: list[Any]
    annotations: list[tuple[str, int]]


class Compiled(Generic[M]):
    """A read query compiled once per database; see the module's text."""

    def __init__(self, build: Callable[..., QuerySet[M]]):
        self.build = build
        self._plans: dict[tuple[str, tuple[type, ...]], _Plan | None] = {}

    def _plan(self, args: tuple, using: str) -> _Plan | None:
        key = (using, tuple(type(a) for a in args))
        if key in self._plans:
            return self._plans[key]
        plan = None
        try:
            plan = self._make(args, using)
        except (TypeError, ValueError):
            plan = None
        self._plans[key] = plan
        return plan

    def _make(self, args: tuple, using: str) -> _Plan | None:
        stand_ins = [_sentinel(a, n) for n, a in enumerate(args)]
        qs: Any = self.build(*stand_ins)  # its private flags are read below
        if (
            qs._iterable_class is not ModelIterable
            or qs._known_related_objects
            or qs._prefetch_related_lookups
        ):
            return None
        if qs._db not in (None, using):
            return None
        compiler = qs.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        slots: list[tuple[int, int, bool]] = []  # (parameter position, argument, as str)
        for n, stand_in in enumerate(stand_ins):
            found = [
                (i, n, False) for i, p in enumerate(params) if type(p) is type(stand_in) and p == stand_in
            ]
            if not found and type(stand_in) is datetime.date:
                found = [(i, n, True) for i, p in enumerate(params) if p == str(stand_in)]
            if not found:
                return None
            slots += found
        klass_info, select = compiler.klass_info, compiler.select
        if klass_info is None or compiler.has_composite_fields([s[0] for s in select[: compiler.col_count]]):
            return None
        plan = _Plan()
        plan.sql, plan.params, plan.slots = sql, list(params), slots
        fields = klass_info["select_fields"]
        plan.start, plan.end = fields[0], fields[-1] + 1
        plan.init_list = [f[0].target.attname for f in select[plan.start : plan.end]]
        plan.model = klass_info["model"]
        plan.populators = get_related_populators(klass_info, select, using)  # type: ignore[call-arg]  # the stubs are Django 6's
        plan.converters = list(compiler.get_converters([s[0] for s in select[: compiler.col_count]]).items())
        # annotations (and extra selects): set on the instance as ModelIterable sets them
        plan.annotations = list((compiler.annotation_col_map or {}).items())
        return plan

    def all(self, *args: Any, using: str = DEFAULT_DB_ALIAS) -> list[M]:
        """The instances ``list(build(*args))`` would give."""
        plan = self._plan(args, using)
        if plan is None:
            return list(self.build(*args).using(using))
        return self._run(plan, "", [], args, using)

    def all_after(
        self, before: str, before_params: list[Any], *args: Any, using: str = DEFAULT_DB_ALIAS
    ) -> list[M] | None:
        """The instances of this query run as ONE statement after ``before``, a ``WITH ...``
        clause (e.g. a data-modifying CTE that the query's own condition reads, written into
        ``build`` with ``extra(where=...)``), with ``before_params`` ahead of the query's own.
        None when the query has no plan on this database (the caller then runs them apart)."""
        plan = self._plan(args, using)
        if plan is None:
            return None
        return self._run(plan, before, before_params, args, using)

    def _run(self, plan: _Plan, before: str, before_params: list[Any], args: tuple, using: str) -> list[M]:
        params = plan.params.copy()
        for position, n, as_str in plan.slots:
            params[position] = str(args[n]) if as_str else args[n]
        connection = connections[using]
        with connection.cursor() as cursor:
            if before:
                cursor.execute(f"{before} {plan.sql}", [*before_params, *params])
            else:
                cursor.execute(plan.sql, params)
            rows = cursor.fetchall()
        found: list[M] = []
        for raw in rows:
            row = list(raw)
            for pos, (convs, expression) in plan.converters:
                value = row[pos]
                for converter in convs:
                    value = converter(value, expression, connection)
                row[pos] = value
            obj = plan.model.from_db(using, plan.init_list, row[plan.start : plan.end])
            for populator in plan.populators:
                populator.populate(row, obj)
            for name, position in plan.annotations:
                setattr(obj, name, row[position])
            found.append(obj)
        return found

    def first(self, *args: Any, using: str = DEFAULT_DB_ALIAS) -> M | None:
        found = self.all(*args, using=using)
        return found[0] if found else None

    def get(self, *args: Any, using: str = DEFAULT_DB_ALIAS) -> M:
        """As ``QuerySet.get()``: the one instance, else the model's DoesNotExist or
        MultipleObjectsReturned."""
        found = self.all(*args, using=using)
        if len(found) == 1:
            return found[0]
        model: Any = self.build(*args).model
        if not found:
            raise model.DoesNotExist(f"{model._meta.object_name} matching query does not exist.")
        raise model.MultipleObjectsReturned(f"get() returned more than one {model._meta.object_name}")


__all__ = ["Compiled"]
