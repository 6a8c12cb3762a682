"""Celery tasks of the clinic instance."""

from celery import shared_task
from django.utils import timezone

from .gdpr import purge_expired
from .publication import deliver_due


@shared_task
def deliver_outbox() -> dict:
    """Send due profile documents to directories (also run every few seconds by beat, for retries)."""
    report = deliver_due(now=timezone.now())
    return {"delivered": report.delivered, "superseded": report.superseded, "failed": report.failed}


@shared_task
def purge_expired_data() -> dict:
    """The nightly GDPR purge: erase patients past the retention period, delete expired audit entries."""
    report = purge_expired(now=timezone.now())
    return {"patients_erased": report.patients_erased, "audit_entries_deleted": report.audit_entries_deleted}
