"""Asking a Celery worker to act now, after a commit, without ever making the request wait on the broker.

Tasks are published by name, so this module imports nothing of the domain:
booking, waitlist and the others call it directly. Beat runs every task
below on a schedule anyway (config/settings/clinic.py); a wake-up only
shortens the wait, and a broker that is down costs the request at most
one brief try.
"""

import contextlib
import logging
import os
import threading
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
_kept = threading.local()  # each thread's open connection to the broker, for its next wake-up


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

    A connection of the wake-ups' own, tried once and briefly: a publish through the app's pool
    retries a broker that is down for ever, which would hang the request that called it. It is
    kept for the next wake-up of this thread (opening one costs ~10 ms, a publish on it ~0.6 ms:
    most of a booking's time otherwise); redis-py reconnects it once if the broker restarted, and
    one that fails is dropped. A broker that just failed is not tried again for BROKER_RETRY_AFTER
    seconds, so that a request waking two workers (a cancellation: messages and waiting list)
    waits once.
    """
    global _broker_failed_at
    if time.monotonic() - _broker_failed_at < BROKER_RETRY_AFTER:
        logger.warning("could not %s (the broker failed a moment ago); beat will", PURPOSES[task_name])
        return False
    try:
        _publish(task_name, _kept_connection() or _new_connection())
    except Exception as error:  # kombu's OperationalError, redis' errors, a refused socket…
        drop_kept_connection()
        logger.warning("could not %s (%s); beat will", PURPOSES[task_name], type(error).__name__)
        _broker_failed_at = time.monotonic()
        return False
    return True


def drop_kept_connection() -> None:
    """Forget (and close) this thread's kept connection to the broker."""
    connection = getattr(_kept, "connection", None)
    _kept.connection = None
    if connection is not None and getattr(_kept, "pid", None) == os.getpid():
        with contextlib.suppress(Exception):
            connection.release()


def _kept_connection():
    """This thread's connection from an earlier wake-up, if it is to the broker configured now, in this process."""
    connection = getattr(_kept, "connection", None)
    if connection is None:
        return None
    if _kept.pid != os.getpid() or _kept.broker_url != current_app.conf.broker_url:
        drop_kept_connection()  # a forked child must not share its parent's socket; a new broker, a new one
        return None
    return connection


def _new_connection():
    connection = current_app.connection_for_write(transport_options=WAKE_TRANSPORT_OPTIONS)
    _kept.connection, _kept.pid, _kept.broker_url = connection, os.getpid(), current_app.conf.broker_url
    connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0.2, timeout=2)
    return connection


def _publish(task_name: str, connection) -> None:
    # A wake-up nobody took within minutes is stale: beat has run since.
    current_app.send_task(task_name, connection=connection, retry=False, expires=WAKE_EXPIRES_SECONDS)
