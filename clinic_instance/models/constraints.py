"""The appointment exclusion constraint: PostgreSQL refuses overlaps itself.

On SQLite the same invariant is kept by serialized writes (BEGIN IMMEDIATE) and
the booking service's check.
"""

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField
from django.db.models import Func

from config.postgres_only import PostgresOnly


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class PostgresExclusionConstraint(PostgresOnly, ExclusionConstraint):
    pass
