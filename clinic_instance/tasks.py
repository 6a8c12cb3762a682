"""Celery tasks of the clinic instance."""

import logging
import time

from celery import current_app, shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .dispatch import dispatch_due
from .gdpr import purge_expired
from .publication import deliver_due

logger = logging.getLogger("openrdv.messages")
WAKE_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 2}
WAKE_EXPIRES_SECONDS = 300
BROKER_RETRY_AFTER = 2.0  # seconds
_broker_failed_at = float("-inf")  # time.monotonic() of this process's last failed publish


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
    from .waitlist import offer_free_slots  # waitlist imports booking, which wakes through this module

    return offer_free_slots(timezone.now())


def wake_offerer_on_commit() -> None:
    """Once the current transaction commits, look for slots to offer to the waiting list (never raises)."""
    transaction.on_commit(_wake_offerer)


def _wake_offerer() -> None:
    if settings.REDIS_URL and not send_soon(offer_waitlist_slots):
        logger.warning("waiting list: could not wake the offerer; beat will run it")


def wake_dispatcher_on_commit() -> None:
    """Once the current transaction commits, ask a worker to send what it queued.

    Never raises, so a booking never depends on the broker: when Redis is down
    the messages wait in the outbox for beat's next run (or the next wake-up).
    """
    transaction.on_commit(_wake_dispatcher)


def _wake_dispatcher() -> None:
    if not settings.REDIS_URL:
        return  # no broker (the demo): `manage.py send_messages --loop` sends them
    if not send_soon(send_due_messages):
        logger.warning("messages: could not wake the dispatcher; beat will send them")


def send_soon(task) -> bool:
    """Queue `task` now if the broker answers at once; False (never an exception) if it does not.

    A connection of its own, tried once and briefly: a publish through the app's pool
    retries a broker that is down for ever, which would hang the request that called it.
    A broker that just failed is not tried again for BROKER_RETRY_AFTER seconds, so that
    a request waking two workers (a cancellation: messages and waiting list) waits once.
    """
    global _broker_failed_at
    if time.monotonic() - _broker_failed_at < BROKER_RETRY_AFTER:
        logger.warning("could not queue %s (the broker failed a moment ago)", task.name)
        return False
    try:
        with current_app.connection_for_write(transport_options=WAKE_TRANSPORT_OPTIONS) as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0.2, timeout=2)
            # A wake-up nobody took within minutes is stale: beat has run since.
            task.apply_async(connection=connection, retry=False, expires=WAKE_EXPIRES_SECONDS)
    except Exception as error:  # kombu's OperationalError, redis' errors, a refused socket…
        logger.warning("could not queue %s (%s)", task.name, type(error).__name__)
        _broker_failed_at = time.monotonic()
        return False
    return True
