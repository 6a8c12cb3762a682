"""The instance's profile feed, read by its directories to repair missed pushes (PROTOCOL.md §6).

Each item is the newest document of a ref (profile or tombstone) among the
outbox rows after the cursor; the cursor is an outbox row id, so a directory
that keeps the last `next` reads each change once, and from 0 everything.
"""

from datetime import datetime, timedelta

from django.db.models import Max

from federation.keys import PublicKey

from .models import DirectoryRegistration, OutboxMessage

PAGE = 500
# Rows commit out of id order: the cursor a reader keeps stays this far behind, and what it
# reads again is applied again harmlessly (versions only grow).
SETTLING = timedelta(minutes=1)


def page_after(cursor: int, *, now: datetime) -> tuple[list[dict], int | None, int, int]:
    """(documents, the next page's cursor or None at the end, the cursor to keep, the newest row id)."""
    newest = OutboxMessage.objects.aggregate(newest=Max("id"))["newest"] or 0
    settled = OutboxMessage.objects.filter(created_at__lt=now - SETTLING).aggregate(last=Max("id"))["last"] or 0
    last_ids = list(
        OutboxMessage.objects.filter(id__gt=cursor)
        .values("ref")
        .annotate(last=Max("id"))
        .order_by("last")
        .values_list("last", flat=True)[: PAGE + 1]
    )
    more = len(last_ids) > PAGE
    last_ids = last_ids[:PAGE]
    documents = dict(OutboxMessage.objects.filter(id__in=last_ids).values_list("id", "document"))
    items = [documents[row_id] for row_id in last_ids]
    return items, (last_ids[-1] if more else None), max(settled, cursor), newest


def reader_keys() -> dict[str, PublicKey]:
    """The keys of the directories this instance registered with: who may read the feed."""
    found = {}
    for registration in DirectoryRegistration.objects.exclude(status=DirectoryRegistration.Status.SUSPENDED):
        for document in registration.keys:
            key = PublicKey.from_document(document)
            found[key.key_id] = key
    return found
