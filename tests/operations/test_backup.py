"""Backups on the real PostgreSQL: back up a clinic, restore it into a fresh database, lose nothing."""

import os
import stat
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from clinic_instance.models import AuditEntry
from tests.factories import make_appointment, make_clinic, make_patient, make_practitioner, make_reason, paris

ROOT = Path(__file__).resolve().parents[2]
RESTORED = "openrdv_backup_restore"
pytestmark = pytest.mark.django_db(transaction=True)


def admin_sql(sql: str) -> None:
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-qc", sql], check=True)


@pytest.fixture
def fresh_database():
    admin_sql(f"DROP DATABASE IF EXISTS {RESTORED} WITH (FORCE)")
    admin_sql(f"CREATE DATABASE {RESTORED} OWNER openrdv")
    yield f"postgres://openrdv@127.0.0.1:5432/{RESTORED}"
    admin_sql(f"DROP DATABASE IF EXISTS {RESTORED} WITH (FORCE)")


@pytest.fixture
def keys(tmp_path, settings, monkeypatch):
    """Federation keys, an env file and a passphrase file (which the restoring subprocesses inherit)."""
    passphrase = tmp_path / "passphrase"
    passphrase.write_text("correct horse battery staple\n")
    settings.BACKUP_PASSPHRASE_FILE = str(passphrase)
    monkeypatch.setenv("BACKUP_PASSPHRASE_FILE", str(passphrase))
    settings.FEDERATION_KEY_DIR = tmp_path / "keys"
    settings.FEDERATION_KEY_DIR.mkdir()
    (settings.FEDERATION_KEY_DIR / "node.key").write_bytes(b"-----BEGIN ENCRYPTED PRIVATE KEY-----\n")
    settings.OPENRDV_ENV_FILE = str(tmp_path / "openrdv.env")
    Path(settings.OPENRDV_ENV_FILE).write_text("SECRET_KEY=backed-up\n")
    return settings.FEDERATION_KEY_DIR


@pytest.fixture
def clinic():
    make_clinic()
    alice = make_practitioner()
    reason = make_reason(alice)
    for day in (8, 9, 10):
        appointment = make_appointment(
            alice, reason, paris(2026, 12, day, 9), patient=make_patient(last_name=f"P{day}")
        )
        AuditEntry.objects.create(
            actor_label="alice", action="create", object_type="appointment", object_id=appointment.pk,
            patient_id=appointment.patient_id, practitioner_id=alice.pk, detail=f"2026-12-{day}",
        )  # fmt: skip
    return alice


def manage(*args: str, database_url: str, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "config.settings.test", **env}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300
    )


def rows(url: str, sql: str) -> list[tuple]:
    with psycopg.connect(url) as connection:
        return connection.execute(sql).fetchall()


def row_counts(url: str) -> dict[str, int]:
    tables = [name for (name,) in rows(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
    return {table: rows(url, f'SELECT count(*) FROM "{table}"')[0][0] for table in sorted(tables)}


def source_url() -> str:
    return f"postgres://openrdv@127.0.0.1:5432/{settings.DATABASES['default']['NAME']}"


def take_backup(folder: Path) -> Path:
    call_command("backup", to=folder)
    (archive,) = folder.glob("*.openrdv-backup")
    return archive


APPOINTMENTS = (
    'SELECT id, practitioner_id, patient_id, start, "end", status FROM clinic_instance_appointment ORDER BY id'
)
AUDIT = "SELECT id, at, actor_label, action, object_id, patient_id, detail FROM clinic_instance_auditentry ORDER BY id"


def test_a_clinic_restored_into_a_fresh_database_loses_nothing_and_keeps_booking(
    tmp_path, keys, clinic, fresh_database
):
    archive = take_backup(tmp_path / "backups")
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    restored_keys = tmp_path / "restored-keys"

    result = manage(
        "restore", str(archive), "--env-file", str(tmp_path / "restored.env"),
        database_url=fresh_database, FEDERATION_KEY_DIR=str(restored_keys),
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert row_counts(fresh_database) == row_counts(source_url())
    assert rows(fresh_database, APPOINTMENTS) == rows(source_url(), APPOINTMENTS)
    assert rows(fresh_database, AUDIT) == rows(source_url(), AUDIT)
    assert (restored_keys / "node.key").read_bytes() == (keys / "node.key").read_bytes()
    assert stat.S_IMODE((restored_keys / "node.key").stat().st_mode) == 0o600
    assert (tmp_path / "restored.env").read_text() == "SECRET_KEY=backed-up\n"
    with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
        rows(fresh_database, "UPDATE clinic_instance_auditentry SET detail = 'rewritten' RETURNING id")
    with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
        rows(fresh_database, "DELETE FROM clinic_instance_auditentry RETURNING id")

    booked = manage(
        "shell", "-c",
        "from datetime import date, datetime, UTC; from clinic_instance.booking import book_appointment; "
        "from clinic_instance.models import Practitioner; from clinic_instance.patient_details import PatientDetails; "
        "alice = Practitioner.objects.get(); "
        "result = book_appointment(practitioner=alice, visit_reason=alice.visit_reasons.get(), "
        "start=datetime(2026, 12, 8, 10, 0, tzinfo=UTC), now=datetime(2026, 12, 7, 9, 0, tzinfo=UTC), "
        "patient=PatientDetails(first_name='Zoé', last_name='Roux', birth_date=date(1990, 1, 2), phone='+33611111111'))",
        database_url=fresh_database,
    )  # fmt: skip
    assert booked.returncode == 0, booked.stderr
    assert len(rows(fresh_database, APPOINTMENTS)) == len(rows(source_url(), APPOINTMENTS)) + 1


def test_a_tampered_archive_is_refused_and_the_target_is_unchanged(tmp_path, keys, clinic, fresh_database):
    archive = take_backup(tmp_path / "backups")
    content = bytearray(archive.read_bytes())
    content[len(content) // 2] ^= 0x01
    archive.write_bytes(bytes(content))

    result = manage("restore", str(archive), database_url=fresh_database)

    assert result.returncode != 0
    assert "nothing was changed" in result.stderr and "altered or truncated" in result.stderr
    assert row_counts(fresh_database) == {}


def test_a_truncated_archive_is_refused(tmp_path, keys, clinic, fresh_database):
    archive = take_backup(tmp_path / "backups")
    archive.write_bytes(archive.read_bytes()[:-100])
    result = manage("restore", str(archive), database_url=fresh_database)
    assert result.returncode != 0 and "altered or truncated" in result.stderr
    assert row_counts(fresh_database) == {}


def test_a_wrong_passphrase_is_refused(tmp_path, keys, clinic, fresh_database):
    archive = take_backup(tmp_path / "backups")
    (tmp_path / "other").write_text("not the passphrase\n")

    result = manage(
        "restore", str(archive), database_url=fresh_database, BACKUP_PASSPHRASE_FILE=str(tmp_path / "other")
    )

    assert result.returncode != 0 and "wrong passphrase" in result.stderr
    assert row_counts(fresh_database) == {}


def test_a_database_that_holds_data_is_not_replaced_without_yes(tmp_path, keys, clinic, fresh_database):
    archive = take_backup(tmp_path / "backups")
    assert manage("restore", str(archive), database_url=fresh_database).returncode == 0
    rows(fresh_database, "UPDATE clinic_instance_practitioner SET last_name = 'Changed' RETURNING id")

    refused = manage("restore", str(archive), database_url=fresh_database)

    assert refused.returncode != 0 and "not empty" in refused.stderr
    assert rows(fresh_database, "SELECT last_name FROM clinic_instance_practitioner") == [("Changed",)]
    assert manage("restore", str(archive), "--yes", database_url=fresh_database).returncode == 0
    assert rows(fresh_database, "SELECT last_name FROM clinic_instance_practitioner") == [("Durand",)]


def test_it_refuses_to_back_up_without_a_passphrase_outside_debug(tmp_path, settings):
    settings.DEBUG = False
    settings.BACKUP_PASSPHRASE_FILE = ""
    with pytest.raises(CommandError, match="BACKUP_PASSPHRASE_FILE"):
        call_command("backup", to=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_the_command_rotates_old_backups_and_copies_to_the_remote(tmp_path, keys, settings):
    folder, remote = tmp_path / "backups", tmp_path / "remote"
    remote.mkdir()
    settings.BACKUP_REMOTE = str(remote)
    folder.mkdir()
    for back in range(1, 40):
        moment = datetime(2026, 12, 7, 2, tzinfo=UTC) - timedelta(days=back)
        (folder / f"openrdv-clinic-{moment:%Y%m%dT%H%M%SZ}.openrdv-backup").write_bytes(b"old")
    (folder / "notes.txt").write_text("the operator's")

    call_command("backup", to=folder)

    assert len(list(folder.glob("*.openrdv-backup"))) <= 11
    assert (folder / "notes.txt").exists()
    newest = max(folder.glob("*.openrdv-backup"))
    assert (remote / newest.name).read_bytes() == newest.read_bytes()


def test_a_failed_remote_copy_exits_non_zero_and_keeps_the_local_backup(tmp_path, keys, settings):
    settings.BACKUP_REMOTE = str(tmp_path / "missing" / "deeper")
    with pytest.raises(CommandError, match="local backup is kept"):
        call_command("backup", to=tmp_path / "backups")
    assert len(list((tmp_path / "backups").glob("*.openrdv-backup"))) == 1


def test_a_freshly_installed_and_migrated_database_takes_the_restore_without_yes(
    tmp_path, keys, clinic, fresh_database
):
    archive = take_backup(tmp_path / "backups")
    assert manage("migrate", "--noinput", database_url=fresh_database).returncode == 0

    result = manage("restore", str(archive), database_url=fresh_database)

    assert result.returncode == 0, result.stderr
    assert rows(fresh_database, APPOINTMENTS) == rows(source_url(), APPOINTMENTS)
    assert row_counts(fresh_database) == row_counts(source_url())


def test_the_manifest_names_the_code_version_the_migrations_and_a_hash_per_file(tmp_path, keys, clinic):
    from config.operations.backup import read_passphrase
    from config.operations.restore import open_backup

    opened = open_backup(archive=take_backup(tmp_path / "backups"), passphrase=read_passphrase())

    assert set(opened.manifest["files"]) == {"database.pgdump", "federation-keys/node.key", "environment"}
    assert opened.manifest["code_version"]
    assert opened.manifest["migrations"]["clinic_instance"].startswith("00")
    assert opened.manifest["role"] == "clinic"
