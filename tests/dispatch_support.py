"""Shared by the dispatcher's tests: SMS backends that misbehave on purpose, the outbox, the broker.

The backends are importable by dotted path, so worker subprocesses use them too.
"""

import json
import os
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from django.conf import settings

from clinic_instance.models import OutgoingMessage
from clinic_instance.sms import RetryableSmsError, SentSms
from clinic_instance.sms.file import FILE_NAME
from clinic_instance.sms.file import SmsBackend as FileSmsBackend
from config.celery import app

FILE_BACKEND = "clinic_instance.sms.file.SmsBackend"


class ScriptedSmsBackend(FileSmsBackend):
    """The file backend, after raising the errors queued in `script` (one per call)."""

    script: list[Exception] = []
    calls = 0

    def deliver(self, to: str, body: str, *, reference: str) -> SentSms:
        ScriptedSmsBackend.calls += 1
        if ScriptedSmsBackend.script:
            raise ScriptedSmsBackend.script.pop(0)
        return super().deliver(to, body, reference=reference)


class HangingSmsBackend(FileSmsBackend):
    """The file backend that hangs right after writing line DISPATCH_TEST_HANG_AT (a provider that took it)."""

    def deliver(self, to: str, body: str, *, reference: str) -> SentSms:
        sent = super().deliver(to, body, reference=reference)
        if len(self.path.read_bytes().splitlines()) >= int(os.environ.get("DISPATCH_TEST_HANG_AT", "0") or 10**9):
            time.sleep(3600)
        return sent


class SlowSmsBackend(FileSmsBackend):
    """The file backend taking a few milliseconds per message, like a provider's API."""

    def deliver(self, to: str, body: str, *, reference: str) -> SentSms:
        time.sleep(0.002)
        return super().deliver(to, body, reference=reference)


def unreachable(*args, **kwargs):
    raise RetryableSmsError("provider unreachable")


def queue_sms(count: int, *, due_at: datetime, prefix: str = "m", **fields) -> list[int]:
    """`count` due SMS to valid French mobile numbers; returns their ids."""
    OutgoingMessage.objects.bulk_create(
        OutgoingMessage(
            channel="sms", kind=fields.get("kind", "confirmation"),
            recipient=f"+336{10000000 + index:08d}", body=f"Message {index}",
            dedupe_key=f"{prefix}-{index}", due_at=due_at,
            **{name: value for name, value in fields.items() if name != "kind"},
        )
        for index in range(count)
    )  # fmt: skip
    return list(OutgoingMessage.objects.filter(dedupe_key__startswith=f"{prefix}-").values_list("pk", flat=True))


def sent_references(directory: Path | str | None = None) -> list[str]:
    """The `reference` of every line the file backend wrote, in order (duplicates kept)."""
    path = Path(directory or settings.SMS_FILE_PATH) / FILE_NAME
    if not path.exists():
        return []
    return [json.loads(line)["reference"] for line in path.read_text().splitlines()]


@contextmanager
def celery_broker(url: str):
    """Point this process's Celery app at another broker, dropping its pooled connections."""
    previous = app.conf.broker_url

    def reset() -> None:
        if app._pool is not None:
            app._pool.force_close_all()
        app._pool = None
        app.amqp._producer_pool = None

    reset()
    app.conf.broker_url = url
    try:
        yield
    finally:
        reset()
        app.conf.broker_url = previous
