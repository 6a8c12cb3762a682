"""Print each SMS to standard output, for development (like Django's console e-mail backend).

It prints the number and the text: only use it on a developer's own machine,
never where real patients book (production uses the twilio backend).
"""

import sys
import threading
import uuid
from typing import TextIO

from .base import BaseSmsBackend, SentSms


class SmsBackend(BaseSmsBackend):
    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout
        self._lock = threading.Lock()  # one message's lines stay together when threads share the stream

    def deliver(self, to: str, body: str, *, reference: str) -> SentSms:
        sent = SentSms(provider_id=f"console-{uuid.uuid4().hex}", status="sent")
        with self._lock:
            self.stream.write(f"SMS to {to} ({reference}, {sent.provider_id})\n{body}\n{'-' * 79}\n")
            self.stream.flush()
        return sent
