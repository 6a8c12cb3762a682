"""Redis stopped during bookings, then restarted: bookings never wait for it, every message goes out once.

A private redis-server (tests/redis_server.py) is the clinic's broker and cache; a real
Celery worker sends the outbox, SMS to the file backend and e-mails to an SMTP server
in this process. The server is killed between bookings, then restarted on the same
port, empty, as after a crash: the outbox rows are the only memory of what is owed.
"""

import logging
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

import pytest
import redis
from django.utils import timezone

from clinic_instance.availability import clinic_timezone
from clinic_instance.models import Appointment, OutgoingMessage
from clinic_instance.public_holidays import public_holidays
from clinic_instance.tasks import send_due_messages
from config.celery import app
from tests.dispatch_support import FILE_BACKEND, celery_broker, sent_references
from tests.factories import ALL_WEEK, make_clinic, make_practitioner, make_reason
from tests.redis_server import RedisServer
from tests.test_dispatch_workers import ROOT, worker_env

Status = OutgoingMessage.Status
QUICK = 5.0  # seconds: the wake-up is one try with a 2 s timeout, then the booking answers
SETTLE = 30.0  # seconds for the worker to send what is due once it can be woken
FIRST_NAMES = ["Paul", "Léa", "Hugo", "Chloé", "Louis", "Inès", "Jules", "Manon"]

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def redis_server(tmp_path):
    with RedisServer(tmp_path / "redis") as server:
        yield server


@pytest.fixture
def clinic_redis(redis_server, settings, tmp_path, inbox):
    """The private server is this process's broker and cache; SMS go to a file, e-mails to `inbox`."""
    settings.REDIS_URL = settings.CELERY_BROKER_URL = redis_server.url
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_server.url}
    }
    settings.SMS_BACKEND = FILE_BACKEND
    settings.SMS_FILE_PATH = str(tmp_path / "sms")
    with celery_broker(redis_server.url):
        yield redis_server


@dataclass
class Worker:
    process: subprocess.Popen
    hostname: str
    log: Path


@pytest.fixture
def worker(clinic_redis, settings, tmp_path):
    """A real Celery worker on the private server; its log is kept for the failure message."""
    hostname = f"outage-{os.getpid()}@localhost"
    environment = worker_env(
        tmp_path / "sms",
        REDIS_URL=clinic_redis.url,
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST=settings.EMAIL_HOST,
        EMAIL_PORT=str(settings.EMAIL_PORT),
    )
    log = tmp_path / "worker.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "-l", "WARNING",
             "--hostname", hostname],
            cwd=ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        replies = []
        while time.monotonic() < deadline and not replies and process.poll() is None:
            replies = app.control.ping(destination=[hostname], timeout=1.0)
        assert replies, log.read_text()
        yield Worker(process, hostname, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture
def alice(db):
    """Dr Alice Durand, every day 08:00-20:00, in a clinic that texts at any hour and sends no reminders."""
    make_clinic(quiet_hours_start=clock_time(0), quiet_hours_end=clock_time(0), reminder_offsets_hours=[])
    return make_practitioner(weekdays=ALL_WEEK, ranges=((clock_time(8), clock_time(20)),))


@pytest.fixture
def consultation(alice):
    return make_reason(alice, "Consultation", 20)


def slots_next_week(count: int) -> list[datetime]:
    """`count` consecutive 20-minute slots from 09:00, a week from now or just after (real time: the worker's)."""
    tz = clinic_timezone()
    day = timezone.now().astimezone(tz).date() + timedelta(days=7)
    while day in public_holidays(day, day):  # closed
        day += timedelta(days=1)
    first = datetime.combine(day, clock_time(9), tz)
    return [first + timedelta(minutes=20 * index) for index in range(count)]


@contextmanager
def within(seconds: float, what: str):
    """Fail rather than hang when the block outlasts `seconds`: SIGALRM interrupts a blocked socket call."""

    def expire(signum, frame):
        raise AssertionError(f"{what} took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def book(client, practitioner, reason, start: datetime, index: int) -> None:
    """Book through the patient page, as patient number `index` (own name, phone and e-mail); must be quick."""
    began = time.monotonic()
    with within(QUICK, f"booking {index}"):
        response = client.post(
            f"/book/{practitioner.pk}/{reason.pk}/",
            {
                "start": start.isoformat(),
                "first_name": FIRST_NAMES[index],
                "last_name": "Petit",
                "birth_date": "1980-05-17",
                "phone": f"06 12 34 56 {index:02d}",
                "email": f"patient{index}@example.org",
            },
        )
    took = time.monotonic() - began  # also when the alarm was swallowed on the way (send_soon catches everything)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert took < QUICK, f"booking {index} took {took:.1f} s"


def wait_until_all_sent(worker: Worker, timeout: float = SETTLE) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and OutgoingMessage.objects.exclude(status=Status.SENT).exists():
        assert worker.process.poll() is None, worker.log.read_text()
        time.sleep(0.1)
    left = list(OutgoingMessage.objects.exclude(status=Status.SENT).values_list("pk", "status", "last_error"))
    assert not left, f"not sent: {left}\n{worker.log.read_text()}"


def wait_until_idle(worker: Worker, url: str) -> None:
    """No wake-up left in the queue, and the worker answers (a solo worker answers only between tasks)."""
    broker = redis.Redis.from_url(url)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if broker.llen("celery") == 0 and app.control.ping(destination=[worker.hostname], timeout=1.0):
            return
        time.sleep(0.1)
    raise AssertionError(f"the worker stayed busy\n{worker.log.read_text()}")


def test_bookings_go_through_a_redis_outage_and_each_message_goes_out_once(
    client, alice, consultation, clinic_redis, worker, inbox, caplog
):
    starts = slots_next_week(8)

    # Redis up: two bookings, whose wake-ups reach the worker.
    for index in range(2):
        book(client, alice, consultation, starts[index], index)
    wait_until_all_sent(worker)
    wait_until_idle(worker, clinic_redis.url)

    # Redis hung, then gone: five bookings succeed at once (the hung one waits out the 2 s timeout);
    # their messages wait in the outbox.
    with caplog.at_level(logging.WARNING, logger="openrdv.messages"):
        clinic_redis.freeze()
        book(client, alice, consultation, starts[2], 2)
        clinic_redis.kill()
        for index in range(3, 7):
            book(client, alice, consultation, starts[index], index)
    assert caplog.text.count("could not wake the dispatcher") == 5
    waiting = OutgoingMessage.objects.filter(appointment__start__in=starts[2:7])
    assert sorted(waiting.values_list("status", flat=True)) == [Status.PENDING] * 10

    # Redis back on the same port, empty: beat's next run sends them (beat publishes through the app).
    clinic_redis.start()
    send_due_messages.apply_async()
    wait_until_all_sent(worker)

    # And a booking after the outage wakes the worker again.
    book(client, alice, consultation, starts[7], 7)
    wait_until_all_sent(worker)

    assert Appointment.objects.count() == 8
    sms = OutgoingMessage.objects.filter(channel="sms").values_list("pk", flat=True)
    assert OutgoingMessage.objects.filter(channel="email").count() == len(sms) == 8
    assert sorted(sent_references()) == sorted(f"message-{pk}" for pk in sms)
    received = Counter(message["To"] for message in inbox.messages)
    assert received == {f"patient{index}@example.org": 1 for index in range(8)}
