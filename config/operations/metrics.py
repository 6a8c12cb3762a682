"""Prometheus metrics of both roles, with the maintained client library (prometheus-client).

Counters are incremented where things happen (a booking made or refused, a message or a profile
that failed to go out, a directory search), in gunicorn's workers and in Celery's: with
PROMETHEUS_MULTIPROC_DIR set (production) each process writes its values to a file there and a
scrape sums them all, so a count is right whichever process answers /metrics. Gauges of backlogs
are not kept in memory at all: they are read from the database at scrape time (OPERATIONS_GAUGES),
the one truth every process shares.
"""

import os
from collections.abc import Callable, Iterator
from datetime import datetime

from django.conf import settings
from django.db import DatabaseError
from django.utils.module_loading import import_string
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily

BOOKINGS = Counter("openrdv_bookings", "Appointments booked, by channel (online, staff).", ["channel"])
BOOKING_REFUSALS = Counter(
    "openrdv_booking_refusals",
    "Bookings refused: slot_taken (answered 409) or agenda_busy (answered 503), by channel.",
    ["channel", "reason"],
)
MESSAGE_FAILURES = Counter(
    "openrdv_outbox_failures", "Messages to patients that failed or may not have gone out, by channel.", ["channel"]
)
FEDERATION_DELIVERY_FAILURES = Counter(
    "openrdv_federation_delivery_failures",
    "Failed federation deliveries: a profile push to a directory, or a directory's read of an instance's feed.",
)
SEARCH_LATENCY = Histogram(
    "openrdv_directory_search_seconds",
    "Time to run one directory search (backend and loading the page's profiles).",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)


def booking_made(*, channel: str) -> None:
    BOOKINGS.labels(channel=channel).inc()


def booking_refused(*, channel: str, reason: str) -> None:
    BOOKING_REFUSALS.labels(channel=channel, reason=reason).inc()


class _DatabaseGauges:
    """The role's backlog gauges, read from the database at each scrape; none when it is unreachable."""

    def __init__(self, read: Callable[..., dict[str, tuple[str, float]]], now: datetime) -> None:
        self.read, self.now = read, now

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            values = self.read(now=self.now)
        except DatabaseError:
            return
        for name, (documentation, value) in values.items():
            yield GaugeMetricFamily(name, documentation, value=value)


def exposition(*, now: datetime) -> bytes:
    """The text exposition format of every metric of this node."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_Everything())
    if settings.OPERATIONS_GAUGES:
        registry.register(_DatabaseGauges(import_string(settings.OPERATIONS_GAUGES), now))
    return generate_latest(registry)


class _Everything:
    """This process's own metrics (one process: the development server, tests)."""

    def collect(self):
        return REGISTRY.collect()
