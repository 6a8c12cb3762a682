"""Celery tasks of the clinic instance (wakeups.py asks for them by name after a commit)."""

from celery import shared_task
from django.utils import timezone

from .dispatch import dispatch_due
from .gdpr import purge_expired
from .publication import deliver_due
from .waitlist import offer_free_slots


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


@shared_task
def send_due_messages() -> int:
    """Send the messages to patients that are due (beat every minute, and a wake-up after queuing)."""
    return dispatch_due()


@shared_task
def offer_waitlist_slots() -> int:
    """Offer freed slots to the waiting list (beat every minute, and a wake-up after time frees up)."""
    return offer_free_slots(timezone.now())
