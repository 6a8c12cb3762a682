"""Covering indexes for searches by place (with or without a specialty): index-only scans.

Measured on 1,000,000 profiles (bench/README.md, "What made it fast"): specialty + place
p95 377 -> 65 ms. PostgreSQL only; the SQLite demo does without.
"""

from django.db import migrations

COLUMNS = "id, status, sector, accepts_new_patients, teleconsultation, wheelchair_accessible, last_name, languages"
INDEXES = {
    "profile_specialty_position_covering": f"(specialty_id, latitude, longitude) INCLUDE ({COLUMNS})",
    "profile_position_covering": f"(latitude, longitude) INCLUDE ({COLUMNS}, specialty_id)",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, definition in INDEXES.items():
            schema_editor.execute(f"CREATE INDEX {name} ON directory_profile {definition}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("directory", "0004_vocabulary_codes")]

    operations = [migrations.RunPython(create, drop)]
