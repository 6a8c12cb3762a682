"""Reading approved instances' profile feeds: what pushes missed is repaired (PROTOCOL.md §6).

Each read is signed by this directory, starts at the cursor kept from the
last one, and applies every document as a push would (versions only grow, so
reading one twice changes nothing).
"""

import logging
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from config.federation_node import signed_fetch
from config.operations import metrics
from federation.documents import InvalidDocument, parse_profile_document
from federation.fetch import FetchRefused
from federation.keys import UnusableKey

from . import federated_profiles
from .models import Instance

logger = logging.getLogger("openrdv.federation")
MAX_PAGES = 1000


@dataclass
class PullReport:
    applied: int = 0
    unchanged: int = 0
    refused: int = 0
    error: str = ""


def pull(instance: Instance, *, now: datetime) -> PullReport:
    report, cursor = PullReport(), instance.feed_cursor
    try:
        for _page in range(MAX_PAGES):
            status, answer = signed_fetch(
                "GET", f"{instance.base_url}/federation/v1/feed/?{urlencode({'since': cursor})}"
            )
            if status != 200:
                report.error = f"the feed answered {status} {answer.get('error', '')}".strip()
                return report
            for item in answer.get("items", []):
                _apply(instance, item, report=report)
            if not answer.get("next"):
                cursor = int(answer.get("cursor") or cursor)
                break
            cursor = int(answer["next"])
    except (FetchRefused, UnusableKey, ValueError, TypeError) as error:
        report.error = str(error)[:200]
        return report
    Instance.objects.filter(pk=instance.pk).update(feed_cursor=cursor, feed_read_at=now, last_seen_at=now)
    return report


def pull_all(*, now: datetime) -> dict[str, PullReport]:
    reports = {
        instance.base_url: pull(instance, now=now)
        for instance in Instance.objects.filter(status=Instance.Status.APPROVED).order_by("pk")
    }
    metrics.FEDERATION_DELIVERY_FAILURES.inc(sum(bool(report.error) for report in reports.values()))
    return reports


def _apply(instance: Instance, item, *, report: PullReport) -> None:
    try:
        applied = federated_profiles.apply(instance, parse_profile_document(item, base_url=instance.base_url))
    except (InvalidDocument, federated_profiles.DocumentRefused) as error:
        logger.warning("federation: %s: a feed item refused: %s", instance.base_url, error)
        report.refused += 1
        return
    if applied.outcome == "unchanged":
        report.unchanged += 1
    else:
        report.applied += 1
