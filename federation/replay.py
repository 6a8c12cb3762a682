"""Remembering signatures already seen, for as long as they could be replayed.

A role supplies a store shared by all its processes (the Django cache on
Redis: `cache.add` is atomic); `MemoryReplayStore` is for one process (tests,
tools).
"""

import threading
import time
from datetime import UTC, datetime
from typing import Protocol


class ReplayStore(Protocol):
    def remember(self, fingerprint: str, *, until: datetime) -> bool:
        """Record a fingerprint until `until`; False if it was already there (a replay)."""


class MemoryReplayStore:
    def __init__(self) -> None:
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()

    def remember(self, fingerprint: str, *, until: datetime) -> bool:
        now = time.time()
        with self._lock:
            self._seen = {key: expiry for key, expiry in self._seen.items() if expiry > now}
            if fingerprint in self._seen:
                return False
            self._seen[fingerprint] = until.astimezone(UTC).timestamp()
            return True
