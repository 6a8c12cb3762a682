"""Celery tasks of the clinic instance."""

from celery import shared_task
from django.utils import timezone

from .publication import deliver_due


@shared_task
def deliver_outbox() -> dict:
    """Send due profile documents to directories (also run every few seconds by beat, for retries)."""
    report = deliver_due(now=timezone.now())
    return {"delivered": report.delivered, "superseded": report.superseded, "failed": report.failed}
