"""One multi-row INSERT for new model instances, without the ORM's query compiler.

Role-agnostic database plumbing, beside postgres_timestamps.py: it knows no model of either role.

A booking inserts its outbox rows (up to six) under the agenda's lock. `bulk_create` spent about
1 ms of Python per call building that one statement on the benchmark machine, as much as the
database took to run it. This writes the same statement directly: every concrete field but the
primary key, each value prepared by the field itself (`pre_save` fills `auto_now_add`;
`get_db_prep_save` converts, as `save()` does), and `RETURNING` the new keys (PostgreSQL, and
SQLite since 3.35). Database constraints apply as for any insert; no signal is sent, as with
`bulk_create`.
"""

from collections.abc import Sequence

from django.db import connection
from django.db.models import Model


def insert_returning_pks(objects: Sequence[Model]) -> None:
    """INSERT `objects` (all of one model, none saved yet) in one statement; each gets its new pk."""
    if not objects:
        return
    meta = objects[0]._meta
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    # Every name comes from the model, every value is a parameter.
    columns = ", ".join(quote(field.column) for field in fields)
    values = ", ".join([row] * len(objects))
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES {values} RETURNING {quote(meta.pk.column)}"  # noqa: S608
    params = [
        field.get_db_prep_save(field.pre_save(instance, True), connection) for instance in objects for field in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        pks = [pk for (pk,) in cursor.fetchall()]
    for instance, pk in zip(objects, pks, strict=True):
        instance.pk = pk
        instance._state.adding = False
        instance._state.db = connection.alias
