"""The dispatcher in real processes: two workers drain one outbox, a worker killed mid-batch.

Workers are `manage.py send_messages` processes and real Celery workers on Redis
(db 10), on this test database; the file SMS backend's lines are the proof that
each message went out exactly once.
"""

import os
import signal
import subprocess
import sys
import time
from datetime import time as clock_time
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from clinic_instance.dispatch import LEASE, dispatch_due
from clinic_instance.models import OutgoingMessage
from clinic_instance.wakeups import wake_dispatcher_on_commit
from config.celery import app
from tests.dispatch_support import FILE_BACKEND, celery_broker, queue_sms, sent_references
from tests.factories import make_clinic

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = "redis://127.0.0.1:6379/10"
Status = OutgoingMessage.Status

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def outbox(settings, tmp_path):
    """A clinic whose SMS go to a file, with no quiet hours (the tests run at any hour)."""
    make_clinic(quiet_hours_start=clock_time(0), quiet_hours_end=clock_time(0))
    settings.SMS_BACKEND = FILE_BACKEND
    settings.SMS_FILE_PATH = str(tmp_path / "sms")
    return tmp_path / "sms"


def worker_env(sms_dir: Path, **extra: str) -> dict[str, str]:
    database = connection.settings_dict
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "REDIS_URL": REDIS_URL,
        "SMS_BACKEND": FILE_BACKEND,
        "SMS_FILE_PATH": str(sms_dir),
        "LOG_LEVEL": "WARNING",
        **extra,
    }
    environment.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return environment


def assert_each_sent_once(ids: list[int]) -> None:
    references = sent_references()
    assert len(references) == len(set(references)), "a message was sent twice"
    assert sorted(references) == sorted(f"message-{pk}" for pk in ids)
    assert OutgoingMessage.objects.exclude(status=Status.SENT).count() == 0


def test_two_send_messages_processes_drain_one_outbox_without_a_duplicate(outbox):
    ids = queue_sms(3000, due_at=timezone.now())
    command = [sys.executable, "manage.py", "send_messages", "--batch", "50"]
    workers = [
        subprocess.Popen(command, cwd=ROOT, env=worker_env(outbox), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    outputs = [worker.communicate(timeout=240) for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0], outputs
    counts = [int(stdout.split()[0]) for stdout, _stderr in outputs]
    assert sum(counts) == 3000
    assert_each_sent_once(ids)


def test_a_worker_killed_mid_batch_leaves_no_duplicate(outbox):
    ids = queue_sms(30, due_at=timezone.now())
    # This worker claims 10, sends 2, and is killed while the provider holds the third.
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "send_messages", "--batch", "10"],
        cwd=ROOT,
        env=worker_env(outbox, SMS_BACKEND="tests.dispatch_support.HangingSmsBackend", DISPATCH_TEST_HANG_AT="3"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while len(sent_references()) < 3 and time.monotonic() < deadline and worker.poll() is None:
            time.sleep(0.05)
        assert len(sent_references()) == 3, worker.stderr.read() if worker.poll() is not None else "too slow"
        time.sleep(0.2)  # it is asleep in the provider's call
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    statuses = dict(OutgoingMessage.objects.values_list("status").annotate(n=Count("pk")))
    assert statuses == {Status.SENT: 2, Status.SENDING: 1, Status.CLAIMED: 7, Status.PENDING: 20}
    interrupted = OutgoingMessage.objects.get(status=Status.SENDING)

    # A new worker, once the dead one's leases are over: the claimed rows go out, the one in flight does not.
    assert dispatch_due("w2", now=timezone.now() + LEASE + timedelta(seconds=1)) == 27
    interrupted.refresh_from_db()
    assert interrupted.status == Status.UNKNOWN
    references = sent_references()
    assert len(references) == len(set(references)) == 30
    assert sorted(references) == sorted(f"message-{pk}" for pk in ids)
    assert OutgoingMessage.objects.filter(status=Status.SENT).count() == 29


@pytest.fixture
def celery_workers(outbox):
    """Two real Celery workers (one process each) on Redis db 10, stopped afterwards."""
    redis.Redis.from_url(REDIS_URL).flushdb()
    hostnames = [f"dispatch-{index}-{os.getpid()}@localhost" for index in range(2)]
    environment = worker_env(outbox, SMS_BACKEND="tests.dispatch_support.SlowSmsBackend")
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "-l", "WARNING"]
    workers = [
        subprocess.Popen(
            [*command, "--hostname", hostname],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for hostname in hostnames
    ]
    try:
        with celery_broker(REDIS_URL):
            deadline = time.monotonic() + 60
            replies = []
            while time.monotonic() < deadline and len(replies) < 2:
                replies = app.control.ping(destination=hostnames, timeout=1.0)
            assert len(replies) == 2, replies
            yield workers
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)
        redis.Redis.from_url(REDIS_URL).flushdb()


def test_two_celery_workers_woken_after_commit_send_each_message_once(celery_workers):
    with transaction.atomic():
        ids = queue_sms(1500, due_at=timezone.now())
        for _ in range(4):  # several wake-ups, so both workers run the task at once
            wake_dispatcher_on_commit()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and OutgoingMessage.objects.exclude(status=Status.SENT).exists():
        time.sleep(0.2)
    assert_each_sent_once(ids)
    processes = {
        claimed_by.split(":")[1] for claimed_by in OutgoingMessage.objects.values_list("claimed_by", flat=True)
    }
    assert len(processes) == 2  # both workers sent a share
