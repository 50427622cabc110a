"""Migration operations of our own, shared by the apps' migrations."""

from __future__ import annotations

from django.db.migrations.operations.base import Operation

# The single-column indexes with a pattern operator class on one column of a table.
_PATTERN_INDEXES = """
SELECT i.relname
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_opclass o ON o.oid = x.indclass[0]
JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = x.indkey[0]
WHERE x.indrelid = %s::regclass AND x.indnatts = 1 AND a.attname = %s
  AND o.opcname IN ('varchar_pattern_ops', 'text_pattern_ops')
"""


class DropPatternIndexes(Operation):
    """PostgreSQL only: drop the second index Django gives a ``db_index`` or ``unique`` text
    column (``<name>_like``, with ``varchar_pattern_ops``/``text_pattern_ops``), which serves
    only ``LIKE 'prefix%'`` (``__startswith``) outside the C locale. No query of ours searches
    these columns by prefix (``__icontains`` cannot use it either), yet every row written pays
    for one more index entry. The column's own index (or unique constraint) stays.

    The indexes are found by what they are (operator class and column), not by name, so a
    table renamed since keeps no stray one. No change to the migration state: Django's state
    never holds these indexes, and its own schema changes drop them with ``IF EXISTS``. Going
    back creates them as Django would. tests/test_project.py checks that none is left on our
    tables."""

    reduces_to_sql = True
    reversible = True

    def __init__(self, model_name: str, fields: list[str]):
        self.model_name = model_name
        self.fields = list(fields)

    def deconstruct(self):
        return self.__class__.__name__, [], {"model_name": self.model_name, "fields": self.fields}

    def state_forwards(self, app_label, state):
        pass

    def _columns(self, app_label, state):
        model = state.apps.get_model(app_label, self.model_name)
        return model, [model._meta.get_field(name) for name in self.fields]

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        model, fields = self._columns(app_label, to_state)
        quote = schema_editor.quote_name
        with schema_editor.connection.cursor() as cursor:
            for field in fields:
                cursor.execute(_PATTERN_INDEXES, [quote(model._meta.db_table), field.column])
                for (name,) in cursor.fetchall():
                    schema_editor.execute(f"DROP INDEX IF EXISTS {quote(name)}")

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        model, fields = self._columns(app_label, to_state)
        for field in fields:
            statement = schema_editor._create_like_index_sql(model, field)
            if statement is not None:
                schema_editor.execute(statement)

    def describe(self):
        return f"Drop the pattern (_like) indexes of {self.model_name}: {', '.join(self.fields)}"

    @property
    def migration_name_fragment(self):
        return f"{self.model_name}_no_pattern_indexes"
