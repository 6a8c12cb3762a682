"""Append each SMS as one JSON line to SMS_FILE_PATH/messages.jsonl (development and benchmarks).

The file holds numbers and texts: like the console backend, it is not for
production. Each line is written by a single unbuffered append, so several
workers can share the file without interleaving their lines.
"""

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings

from .base import BaseSmsBackend, SentSms

FILE_NAME = "messages.jsonl"


class SmsBackend(BaseSmsBackend):
    def __init__(self, file_path: str | Path | None = None) -> None:
        directory = Path(file_path or settings.SMS_FILE_PATH)
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / FILE_NAME

    def deliver(self, to: str, body: str, *, reference: str) -> SentSms:
        sent = SentSms(provider_id=f"file-{uuid.uuid4().hex}", status="sent")
        record = {
            "provider_id": sent.provider_id,
            "reference": reference,
            "to": to,
            "body": body,
            "sent_at": datetime.now(UTC).isoformat(),
        }
        line = json.dumps(record, ensure_ascii=False).encode() + b"\n"
        with self.path.open("ab", buffering=0) as file:
            file.write(line)
        return sent
