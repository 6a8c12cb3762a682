"""The directory role backs up and restores too (on SQLite here: its profiles come back intact)."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROFILES = "SELECT id, first_name, last_name, city FROM directory_profile ORDER BY id"


def run(*args: str, database: Path, keys: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "OPENRDV_ROLE": "directory", "DEBUG": "true", "DATABASE_URL": f"sqlite:///{database}",
           "FEDERATION_KEY_DIR": str(keys)}  # fmt: skip
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)  # fmt: skip


def test_a_directory_restored_on_a_fresh_machine_has_its_profiles(tmp_path):
    source, target, keys = tmp_path / "directory.sqlite3", tmp_path / "fresh.sqlite3", tmp_path / "keys"
    assert run("migrate", "--noinput", database=source, keys=keys).returncode == 0
    made = run(
        "shell", "-c",
        "from directory.models import Profile, Specialty; "
        "[Profile.objects.create(first_name=n, last_name='Durand', city='Rennes', specialty=Specialty.objects.first()) "
        "for n in ('Alice', 'Bob')]",
        database=source, keys=keys,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    backed_up = run("backup", "--to", str(tmp_path / "backups"), database=source, keys=keys)
    assert backed_up.returncode == 0, backed_up.stderr
    (archive,) = (tmp_path / "backups").glob("openrdv-directory-*.openrdv-backup")

    restored = run("restore", str(archive), database=target, keys=tmp_path / "fresh-keys")

    assert restored.returncode == 0, restored.stderr
    assert sqlite3.connect(target).execute(PROFILES).fetchall() == sqlite3.connect(source).execute(PROFILES).fetchall()
    assert len(sqlite3.connect(target).execute(PROFILES).fetchall()) == 2
