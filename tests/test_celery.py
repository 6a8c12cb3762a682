"""The Celery app reaches a real worker through the real Redis broker."""

import os
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings

from config.celery import app

ROOT = Path(__file__).resolve().parent.parent


def test_a_worker_started_from_the_project_answers_over_redis(tmp_path):
    environment = {
        **os.environ,
        "OPENRDV_ROLE": "clinic",
        "DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'worker.sqlite3'}",
        "REDIS_URL": settings.REDIS_URL,
    }
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    hostname = f"openrdv-test-{os.getpid()}@localhost"
    # Other tests' bookings wake the dispatcher on this broker: this worker must not start with a backlog.
    app.control.purge()
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "solo",
            "--hostname",
            hostname,
            "-l",
            "WARNING",
        ],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        replies = []
        deadline = time.monotonic() + 45
        while time.monotonic() < deadline and not replies:
            replies = app.control.ping(destination=[hostname], timeout=1.0)
        assert replies == [{hostname: {"ok": "pong"}}]
    finally:
        worker.terminate()
        worker.wait(timeout=30)
