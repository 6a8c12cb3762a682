"""How far behind the clinic's two outboxes are: for readiness (config/operations/health.py) and the metrics.

A message is late once it is due and still waiting; a publication once it waits for a directory.
Both read one indexed minimum, so a monitor polling every few seconds costs nothing.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Min

from .models import OutboxMessage, OutgoingMessage

Status = OutgoingMessage.Status


def _oldest_due_message(now: datetime) -> datetime | None:
    return OutgoingMessage.objects.filter(status=Status.PENDING, due_at__lte=now).aggregate(at=Min("due_at"))["at"]


def _oldest_undelivered_publication() -> datetime | None:
    return OutboxMessage.objects.filter(delivered_at__isnull=True).aggregate(at=Min("created_at"))["at"]


def _age(since: datetime | None, now: datetime) -> timedelta:
    return max(now - since, timedelta(0)) if since is not None else timedelta(0)


def messages_within_lag(*, now: datetime) -> bool:
    return _age(_oldest_due_message(now), now) <= settings.OUTBOX_MAX_LAG


def publications_within_lag(*, now: datetime) -> bool:
    return _age(_oldest_undelivered_publication(), now) <= settings.FEDERATION_MAX_LAG


def gauges(*, now: datetime) -> dict[str, tuple[str, float]]:
    due = OutgoingMessage.objects.filter(status=Status.PENDING, due_at__lte=now).count()
    undelivered = OutboxMessage.objects.filter(delivered_at__isnull=True).count()
    return {
        "openrdv_outbox_backlog": ("Messages to patients due and not sent yet.", due),
        "openrdv_outbox_oldest_due_seconds": (
            "Age of the oldest message due and not sent yet (0: none).",
            _age(_oldest_due_message(now), now).total_seconds(),
        ),
        "openrdv_federation_undelivered": ("Profile publications no directory has received yet.", undelivered),
        "openrdv_federation_oldest_undelivered_seconds": (
            "Age of the oldest undelivered profile publication (0: none).",
            _age(_oldest_undelivered_publication(), now).total_seconds(),
        ),
    }
