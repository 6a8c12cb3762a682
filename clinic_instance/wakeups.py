"""Asking a Celery worker to act now, after a commit, without ever making the request wait on the broker.

Tasks are published by name, so this module imports nothing of the domain:
booking, waitlist and the others call it directly. Beat runs every task
below on a schedule anyway (config/settings/clinic.py); a wake-up only
shortens the wait, and a broker that is down costs the request at most
one brief try.
"""

import logging
import time
from functools import partial

from celery import current_app
from django.conf import settings
from django.db import transaction

logger = logging.getLogger("openrdv.messages")
SEND_MESSAGES = "clinic_instance.tasks.send_due_messages"
OFFER_WAITLIST_SLOTS = "clinic_instance.tasks.offer_waitlist_slots"
DELIVER_PROFILES = "clinic_instance.tasks.deliver_outbox"
# What each wake-up is for, in the logs.
PURPOSES = {
    SEND_MESSAGES: "wake the dispatcher",
    OFFER_WAITLIST_SLOTS: "wake the waiting list's offerer",
    DELIVER_PROFILES: "ask for a delivery now",
}
WAKE_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 2}
WAKE_EXPIRES_SECONDS = 300
BROKER_RETRY_AFTER = 2.0  # seconds
_broker_failed_at = float("-inf")  # time.monotonic() of this process's last failed publish


def wake_dispatcher_on_commit() -> None:
    """Once the current transaction commits, ask a worker to send the messages it queued."""
    wake_on_commit(SEND_MESSAGES)


def wake_offerer_on_commit() -> None:
    """Once the current transaction commits, look for slots to offer to the waiting list (time was freed)."""
    wake_on_commit(OFFER_WAITLIST_SLOTS)


def wake_on_commit(task_name: str) -> None:
    """Queue `task_name` once the current transaction commits; never raises, and does nothing without a broker.

    Without REDIS_URL (the demo) the `--loop` commands stand in for the worker.
    """
    if settings.REDIS_URL:
        transaction.on_commit(partial(send_soon, task_name))


def send_soon(task_name: str) -> bool:
    """Queue the task now if the broker answers at once; False (never an exception) if it does not.

    A connection of its own, tried once and briefly: a publish through the app's pool
    retries a broker that is down for ever, which would hang the request that called it.
    A broker that just failed is not tried again for BROKER_RETRY_AFTER seconds, so that
    a request waking two workers (a cancellation: messages and waiting list) waits once.
    """
    global _broker_failed_at
    if time.monotonic() - _broker_failed_at < BROKER_RETRY_AFTER:
        logger.warning("could not %s (the broker failed a moment ago); beat will", PURPOSES[task_name])
        return False
    try:
        with current_app.connection_for_write(transport_options=WAKE_TRANSPORT_OPTIONS) as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0.2, timeout=2)
            # A wake-up nobody took within minutes is stale: beat has run since.
            current_app.send_task(task_name, connection=connection, retry=False, expires=WAKE_EXPIRES_SECONDS)
    except Exception as error:  # kombu's OperationalError, redis' errors, a refused socket…
        logger.warning("could not %s (%s); beat will", PURPOSES[task_name], type(error).__name__)
        _broker_failed_at = time.monotonic()
        return False
    return True
