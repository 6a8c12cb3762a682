"""The worker exactly as deploy/systemd/openrdv-worker@.service starts it: one process, beat a thread of it."""

import os
import shlex
import subprocess
import sys
import time
from datetime import time as clock_time
from pathlib import Path

import pytest
import redis
from django.db import transaction
from django.utils import timezone

from clinic_instance.models import OutgoingMessage
from clinic_instance.wakeups import wake_dispatcher_on_commit
from tests.dispatch_support import FILE_BACKEND, celery_broker, queue_sms, sent_references
from tests.factories import make_clinic
from tests.test_dispatch_workers import REDIS_URL, worker_env

ROOT = Path(__file__).resolve().parent.parent
UNIT = ROOT / "deploy" / "systemd" / "openrdv-worker@.service"

pytestmark = pytest.mark.django_db(transaction=True)


def unit_command(state: Path) -> list[str]:
    [line] = [line for line in UNIT.read_text().splitlines() if line.startswith("ExecStart=")]
    command = shlex.split(line.removeprefix("ExecStart=").replace("/var/lib/openrdv", str(state)))
    assert command[0] == "/opt/openrdv/.venv/bin/celery"
    return [sys.executable, "-m", "celery", *command[1:]]


def children(pid: int) -> list[str]:
    tasks = Path(f"/proc/{pid}/task")
    return [child for task in tasks.iterdir() for child in (task / "children").read_text().split()]


def test_the_worker_unit_runs_one_process_that_sends_and_schedules(settings, tmp_path):
    make_clinic(quiet_hours_start=clock_time(0), quiet_hours_end=clock_time(0))
    settings.SMS_BACKEND = FILE_BACKEND
    settings.SMS_FILE_PATH = str(tmp_path / "sms")
    environment = worker_env(tmp_path / "sms", LOG_LEVEL="INFO")
    redis.Redis.from_url(REDIS_URL).flushdb()
    log_path = tmp_path / "worker.log"
    with log_path.open("wb") as log:
        worker = subprocess.Popen(
            [*unit_command(tmp_path), "--hostname", f"unit-{os.getpid()}@localhost"],
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while " ready." not in log_path.read_text() and time.monotonic() < deadline:
            assert worker.poll() is None, log_path.read_text()
            time.sleep(0.1)
        with celery_broker(REDIS_URL), transaction.atomic():
            ids = queue_sms(20, due_at=timezone.now())
            wake_dispatcher_on_commit()
        deadline = time.monotonic() + 60
        while len(sent_references()) < 20 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert sorted(sent_references()) == sorted(f"message-{pk}" for pk in ids)
        # Beat, in this process: the profiles' delivery is due every 10 s.
        deadline = time.monotonic() + 30
        while "Sending due task deliver-profiles-to-directories" not in log_path.read_text():
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.2)
        assert (tmp_path / "celerybeat-schedule").exists() or list(tmp_path.glob("celerybeat-schedule*"))
        assert children(worker.pid) == []  # no pool process, no beat process
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        redis.Redis.from_url(REDIS_URL).flushdb()
    assert OutgoingMessage.objects.filter(status="sent").count() == 20
    assert "Traceback" not in log_path.read_text()
