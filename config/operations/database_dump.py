"""Dump and restore the configured database: pg_dump/pg_restore on PostgreSQL, the online backup API on SQLite."""

import os
import sqlite3
import subprocess
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connection

# Tables that someone's work fills (migrations fill the others): a target holding any row here is not empty.
_PEOPLES_DATA = ["clinic_instance.Practitioner", "clinic_instance.Patient", "clinic_instance.Appointment",
                 "clinic_instance.AuditEntry", "directory.Profile", "directory.Instance"]  # fmt: skip


def _postgres_env() -> dict[str, str]:
    database = settings.DATABASES["default"]
    values = {"PGHOST": database.get("HOST"), "PGPORT": str(database.get("PORT") or ""),
              "PGUSER": database.get("USER"), "PGPASSWORD": database.get("PASSWORD"),
              "PGDATABASE": database["NAME"]}  # fmt: skip
    return {**os.environ, **{name: value for name, value in values.items() if value}}


def is_sqlite() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"


def dump(*, into: Path) -> None:
    if is_sqlite():
        source = sqlite3.connect(settings.DATABASES["default"]["NAME"])
        target = sqlite3.connect(into)
        with target:
            source.backup(target)  # consistent while the server keeps writing
        source.close()
        target.close()
        return
    subprocess.run(["pg_dump", "--format=custom", f"--file={into}"], env=_postgres_env(), check=True)  # noqa: S603, S607


def restore(*, dump_file: Path) -> None:
    connection.close()
    if is_sqlite():
        target = Path(settings.DATABASES["default"]["NAME"])
        partial = target.with_suffix(".restoring")
        partial.write_bytes(dump_file.read_bytes())
        os.chmod(partial, 0o600)
        partial.replace(target)
        for leftover in (target.with_name(target.name + "-wal"), target.with_name(target.name + "-shm")):
            leftover.unlink(missing_ok=True)
        return
    subprocess.run(  # noqa: S603
        ["pg_restore", "--clean", "--if-exists", "--no-owner", "--exit-on-error",  # noqa: S607
         f"--dbname={settings.DATABASES['default']['NAME']}", str(dump_file)],
        env=_postgres_env(), check=True, capture_output=True, text=True,
    )  # fmt: skip


def holds_data() -> bool:
    """Whether the configured database holds anyone's work (a freshly migrated database does not)."""
    existing = set(connection.introspection.table_names())
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    labels = [label for label in _PEOPLES_DATA if apps.is_installed(label.split(".")[0])]
    models = [user_model, *(apps.get_model(label) for label in labels)]
    return any(model._meta.db_table in existing and model._default_manager.exists() for model in models)
