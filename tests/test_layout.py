"""The architecture's invariants: roles stay apart, the directory holds no appointment."""

import ast
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROLE_PACKAGES = {"clinic_instance", "directory"}


def imported_top_level_packages(package: Path) -> set[str]:
    found = set()
    for source in package.rglob("*.py"):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
    return found


def test_federation_imports_neither_role():
    assert not imported_top_level_packages(ROOT / "federation") & ROLE_PACKAGES


def test_the_directory_does_not_import_the_clinic_instance():
    assert "clinic_instance" not in imported_top_level_packages(ROOT / "directory")


def test_no_module_grows_past_four_hundred_lines():
    too_long = [
        str(path.relative_to(ROOT))
        for package in ("clinic_instance", "directory", "federation", "config")
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts and len(path.read_text(encoding="utf-8").splitlines()) > 400
    ]
    assert too_long == []


def run_manage(*args: str, role: str, database: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "OPENRDV_ROLE": role,
        "DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{database}",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=True, timeout=120
    )


def test_the_directory_database_has_no_table_that_could_hold_an_appointment_or_a_patient(tmp_path):
    database = tmp_path / "directory.sqlite3"
    run_manage("migrate", "--noinput", role="directory", database=database)
    tables = {row[0] for row in sqlite3.connect(database).execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert tables, "the directory database was not created"
    forbidden = ("appointment", "patient", "slot", "clinic_instance", "schedule", "visitreason")
    assert [table for table in tables if any(word in table.lower() for word in forbidden)] == []


def test_the_directory_role_installs_no_model_that_could_hold_an_appointment(tmp_path):
    result = run_manage(
        "shell",
        "-c",
        "from django.apps import apps; print('\\n'.join(m._meta.label_lower for m in apps.get_models()))",
        role="directory",
        database=tmp_path / "directory.sqlite3",
    )
    models = result.stdout.split()
    assert "auth.user" in models
    models = [m for m in models if "." in m and "(" not in m]
    assert "auth.user" in models
    assert not [m for m in models if any(w in m for w in ("appointment", "patient", "slot", "clinic_instance"))]


def test_the_clinic_role_is_the_default(tmp_path):
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.OPENRDV_ROLE)",
        role="clinic",
        database=tmp_path / "c.sqlite3",
    )
    assert result.stdout.split()[-1] == "clinic"
