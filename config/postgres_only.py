"""Indexes and constraints that only PostgreSQL has, left out on the embedded SQLite default.

Both roles use them (the appointment exclusion constraint, the directory's
trigram indexes); the SQLite demo gets the same tables without them.
"""

from django.db import DEFAULT_DB_ALIAS, connections


class PostgresOnly:
    """Mix into an Index or a Constraint class: no SQL and no validation elsewhere."""

    @staticmethod
    def _applies(schema_editor) -> bool:
        return schema_editor.connection.vendor == "postgresql"

    def constraint_sql(self, model, schema_editor):
        return super().constraint_sql(model, schema_editor) if self._applies(schema_editor) else None

    def create_sql(self, model, schema_editor, *args, **kwargs):
        return super().create_sql(model, schema_editor, *args, **kwargs) if self._applies(schema_editor) else None

    def remove_sql(self, model, schema_editor, *args, **kwargs):
        return super().remove_sql(model, schema_editor, *args, **kwargs) if self._applies(schema_editor) else None

    def validate(self, model, instance, exclude=None, using=DEFAULT_DB_ALIAS):
        if connections[using].vendor == "postgresql":
            super().validate(model, instance, exclude=exclude, using=using)
