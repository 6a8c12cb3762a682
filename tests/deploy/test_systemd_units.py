"""Every shipped systemd unit passes `systemd-analyze verify` and keeps its hardening.

verify also checks that ExecStart's program exists: the units are verified as copies whose
/opt/openrdv points at a folder of stand-in programs, every other line as shipped.
"""

import shutil
import subprocess
from pathlib import Path

import pytest

UNITS = Path(__file__).resolve().parents[2] / "deploy" / "systemd"
SHIPPED = sorted(UNITS.iterdir())
SERVICES = [unit for unit in SHIPPED if unit.suffix == ".service"]


@pytest.fixture
def unit_folder(tmp_path):
    for program in ("gunicorn", "celery", "python"):
        stand_in = tmp_path / "opt/openrdv/.venv/bin" / program
        stand_in.parent.mkdir(parents=True, exist_ok=True)
        stand_in.write_text("#!/bin/sh\n")
        stand_in.chmod(0o755)
    folder = tmp_path / "units"
    folder.mkdir()
    for unit in SHIPPED:
        (folder / unit.name).write_text(unit.read_text().replace("/opt/openrdv", str(tmp_path / "opt/openrdv")))
    return folder


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="needs Debian's systemd package")
@pytest.mark.parametrize("unit", SHIPPED, ids=lambda unit: unit.name)
def test_every_unit_passes_systemd_analyze_verify(unit_folder, unit):
    instance = unit_folder / unit.name.replace("@.", "@clinic.")
    shutil.copy(unit_folder / unit.name, instance)
    result = subprocess.run(
        ["systemd-analyze", "verify", str(instance)], capture_output=True, text=True, cwd=unit_folder
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "", result.stderr


@pytest.mark.parametrize("unit", SERVICES, ids=lambda unit: unit.name)
def test_every_service_is_hardened_and_reads_its_role_s_environment(unit):
    text = unit.read_text()
    for line in (
        "User=openrdv",
        "EnvironmentFile=/etc/openrdv/%i.env",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "ProtectHome=yes",
        "PrivateTmp=yes",
        "CapabilityBoundingSet=\n",
        "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6",
        "SystemCallFilter=@system-service",
        "ReadWritePaths=/var/lib/openrdv",
    ):
        assert line in text, line


def test_the_worker_runs_the_scheduler_and_the_daily_jobs_have_timers():
    text = (UNITS / "openrdv-worker@.service").read_text()
    [worker] = [line for line in text.splitlines() if line.startswith("ExecStart=")]
    # One process: a thread pool, and beat as a thread of it (config/celery.py), never -B's second interpreter.
    assert " worker --pool threads " in worker and " --scheduler-thread " in worker and " -B " not in f"{worker} "
    assert "manage.py backup" in (UNITS / "openrdv-backup@.service").read_text()
    assert "manage.py prune_search_words" in (UNITS / "openrdv-prune-search-words@.service").read_text()
    for timer in ("openrdv-backup@.timer", "openrdv-prune-search-words@.timer"):
        assert "OnCalendar=" in (UNITS / timer).read_text()


def test_the_web_and_the_worker_count_metrics_in_one_shared_folder():
    """Without PROMETHEUS_MULTIPROC_DIR each gunicorn worker would report only its own counters."""
    for name in ("openrdv-web@.service", "openrdv-worker@.service"):
        text = (UNITS / name).read_text()
        assert "Environment=PROMETHEUS_MULTIPROC_DIR=/run/openrdv/metrics" in text, name
        assert "RuntimeDirectory=openrdv/metrics" in text and "RuntimeDirectoryPreserve=yes" in text, name
