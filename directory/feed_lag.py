"""Whether the directory reads its instances' feeds on time: for readiness and the metrics.

Beat pulls every approved instance's feed every 5 minutes; one not read for FEED_PULL_MAX_LAG (since its
last read, or since it registered) is overdue: its profiles may be stale.
"""

from datetime import datetime

from django.conf import settings
from django.db.models import Q

from .models import Instance


def _overdue(now: datetime):
    before = now - settings.FEED_PULL_MAX_LAG
    return Instance.objects.filter(status=Instance.Status.APPROVED).filter(
        Q(feed_read_at__lt=before) | Q(feed_read_at__isnull=True, created_at__lt=before)
    )


def pulls_within_lag(*, now: datetime) -> bool:
    return not _overdue(now).exists()


def gauges(*, now: datetime) -> dict[str, tuple[str, float]]:
    return {"openrdv_federation_pulls_overdue": ("Approved instances whose feed is overdue.", _overdue(now).count())}
