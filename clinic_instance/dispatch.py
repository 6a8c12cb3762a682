"""Delivering the outbox of messages to patients: each due row is sent once, or flagged.

The protocol is OutgoingMessage's: a worker claims due rows (PENDING → CLAIMED,
with a lease), commits CLAIMED → SENDING just before calling the provider, then
records SENT, FAILED or a retry. Every transition is a conditional UPDATE on the
status and the worker's name, so two workers never send the same row: the one
whose update matches no row leaves it alone. A worker that dies while CLAIMED
sent nothing (the row is claimed again after its lease); one that dies while
SENDING may have sent it, so the row becomes UNKNOWN and is never sent again.

Nothing here logs a recipient or a text: message ids and statuses only.
"""

import logging
import os
import secrets
import smtplib
import socket
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from config.operations import metrics

from .availability import clinic_timezone
from .models import Appointment, Clinic, OutgoingMessage
from .phone_verification import CODE_VALIDITY
from .sms import (
    OptedOutSmsError,
    PermanentSmsError,
    RetryableSmsError,
    UncertainSmsError,
    get_backend,
    is_opted_out,
)
from .sms.delivery_reports import earlier_than
from .sms.opt_outs import opt_out

logger = logging.getLogger("openrdv.messages")

Status = OutgoingMessage.Status
BATCH = 100
LEASE = timedelta(minutes=5)  # longer than any send: the SMS and SMTP clients time out well before
MAX_ATTEMPTS = 6
BACKOFF = [timedelta(minutes=minutes) for minutes in (1, 5, 15, 60, 180)]
Kind = OutgoingMessage.Kind
# Pointless once the appointment has begun (cancellation and absence notices are not: they explain).
ABOUT_A_COMING_APPOINTMENT = frozenset({Kind.CONFIRMATION, Kind.REMINDER, Kind.CHANGE})
EMAIL_TIMEOUT = 30  # seconds, when settings.EMAIL_TIMEOUT says nothing


def worker_name() -> str:
    """A name no other run shares, so a conditional update tells this run's rows from another's."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(4)}"


def claim(worker: str, *, now: datetime, limit: int = BATCH, lease: timedelta = LEASE) -> list[OutgoingMessage]:
    """Take up to `limit` due messages for `worker`, oldest first; each counts one more attempt.

    Concurrent workers get disjoint rows: SKIP LOCKED on PostgreSQL, the
    IMMEDIATE transaction on SQLite. Rows left SENDING past their lease become
    UNKNOWN here; rows left CLAIMED past their lease were never sent and are due.
    """
    with transaction.atomic():
        leased = list(
            OutgoingMessage.objects.select_for_update(skip_locked=True)
            .filter(status__in=[Status.CLAIMED, Status.SENDING], claimed_until__lt=now)
            .order_by("due_at", "pk")
            .values_list("pk", "status", "attempts")[:limit]
        )
        interrupted = [pk for pk, status, _attempts in leased if status == Status.SENDING]
        if interrupted:
            OutgoingMessage.objects.filter(pk__in=interrupted).update(
                status=Status.UNKNOWN, last_error="worker stopped while sending: not resent"
            )
            for pk in interrupted:
                logger.error("message %s: worker stopped while sending; marked unknown, not resent", pk)
        abandoned = [pk for pk, status, attempts in leased if status == Status.CLAIMED and attempts >= MAX_ATTEMPTS]
        if abandoned:
            OutgoingMessage.objects.filter(pk__in=abandoned).update(
                status=Status.FAILED, last_error="workers stopped before sending it too many times"
            )
            logger.error("messages %s: claimed by workers that stopped %s times; failed", abandoned, MAX_ATTEMPTS)
        ids = [pk for pk, status, attempts in leased if status == Status.CLAIMED and attempts < MAX_ATTEMPTS]
        ids += (
            OutgoingMessage.objects.select_for_update(skip_locked=True)
            .filter(status=Status.PENDING, due_at__lte=now)
            .order_by("due_at", "pk")
            .values_list("pk", flat=True)[: limit - len(ids)]
        )
        if not ids:
            return []
        OutgoingMessage.objects.filter(pk__in=ids).update(
            status=Status.CLAIMED, claimed_by=worker, claimed_until=now + lease, attempts=F("attempts") + 1
        )
    return list(OutgoingMessage.objects.filter(pk__in=ids, claimed_by=worker).order_by("due_at", "pk"))


def quiet_hours_end(clinic: Clinic, now: datetime) -> datetime | None:
    """When the clinic's quiet hours around `now` end (local time, may span midnight); None outside them."""
    start, end = clinic.quiet_hours_start, clinic.quiet_hours_end
    if start is None or end is None or start == end:
        return None
    tz = clinic_timezone()
    local = now.astimezone(tz)
    moment = local.time()
    inside = start <= moment < end if start < end else moment >= start or moment < end
    if not inside:
        return None
    day = local.date() if moment < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tz)


def reason_not_to_send(message: OutgoingMessage, clinic: Clinic, now: datetime) -> str:
    """Why this message must not go out any more (a short reason for last_error), or ''."""
    if message.channel == OutgoingMessage.Channel.SMS and not clinic.sms_enabled:
        return "SMS turned off by the clinic"
    if message.channel == OutgoingMessage.Channel.EMAIL and not clinic.email_enabled and message.kind != Kind.ALERT:
        return "e-mails turned off by the clinic"  # to patients: the clinic's own alerts still go
    if message.kind == Kind.VERIFICATION and now - message.created_at > CODE_VALIDITY:
        return "verification code expired"
    if message.kind in ABOUT_A_COMING_APPOINTMENT and message.appointment_id:
        appointment = Appointment.objects.filter(pk=message.appointment_id).values_list("status", "start").first()
        if appointment is not None and appointment[1] <= now:
            return "appointment already begun"  # e.g. sent again by hand, or held up by a long outage
        if message.kind == OutgoingMessage.Kind.REMINDER:
            if appointment is None or appointment[0] == Appointment.Status.CANCELLED:
                return "appointment cancelled"
            if message.appointment_start is not None and appointment[1] != message.appointment_start:
                return "appointment moved"
    if message.channel == OutgoingMessage.Channel.SMS and is_opted_out(message.recipient):
        return "number opted out (STOP)"
    return ""


def deliver(
    message: OutgoingMessage,
    *,
    now: datetime,
    clinic: Clinic | None = None,
    sms_backend=None,
    mail_connection=None,
) -> str:
    """Send one message this worker claimed, or record why not; returns the status it was left in.

    Returns '' when the row is no longer this worker's (its lease expired and
    another worker took it): nothing is sent then. The clinic, SMS backend and
    mail connection may be passed to share them across a batch.
    """
    clinic = clinic or Clinic.load()
    claimed = OutgoingMessage.objects.filter(pk=message.pk, status=Status.CLAIMED, claimed_by=message.claimed_by)
    reason = reason_not_to_send(message, clinic, now)
    if reason:
        return _move(claimed, Status.CANCELLED, last_error=reason)
    # A verification code is asked for now and useless tomorrow; other SMS wait for the morning.
    texted_at_leisure = (
        message.channel == OutgoingMessage.Channel.SMS and message.kind != OutgoingMessage.Kind.VERIFICATION
    )
    if texted_at_leisure and (end := quiet_hours_end(clinic, now)) is not None:
        return _move(
            claimed, Status.PENDING,
            due_at=end, attempts=F("attempts") - 1, claimed_by="", claimed_until=None,
        )  # fmt: skip
    if not claimed.update(status=Status.SENDING, claimed_until=now + LEASE):
        return ""
    sending = OutgoingMessage.objects.filter(pk=message.pk, status=Status.SENDING, claimed_by=message.claimed_by)
    try:
        if message.channel == OutgoingMessage.Channel.SMS:
            sent = (sms_backend or get_backend()).send(
                message.recipient, message.body, reference=f"message-{message.pk}"
            )
            provider_id, delivery_status = sent.provider_id, sent.status
        else:
            _send_email(message, mail_connection)
            provider_id, delivery_status = "", ""
    except UncertainSmsError as error:
        logger.error("message %s: the provider may have received it (%s); marked unknown", message.pk, error)
        return _move(sending, Status.UNKNOWN, last_error=_short(error))
    except OptedOutSmsError as error:
        logger.warning("message %s failed: the provider says the number opted out", message.pk)
        status = _move(sending, Status.FAILED, last_error=_short(error))
        opt_out(message.recipient)  # and the number's other waiting SMS are cancelled
        return status
    except (PermanentSmsError, smtplib.SMTPRecipientsRefused) as error:
        logger.warning("message %s failed: %s", message.pk, _reason(error))
        return _move(sending, Status.FAILED, last_error=_reason(error))
    except (RetryableSmsError, smtplib.SMTPException, OSError) as error:
        if mail_connection is not None:
            mail_connection.close()  # reopened for the next e-mail
        return _retry_later(sending, message, now=now, reason=_reason(error))
    except Exception as error:
        # An error we cannot classify may have come after the provider took the message.
        logger.exception("message %s: unexpected %s while sending; marked unknown", message.pk, type(error).__name__)
        return _move(sending, Status.UNKNOWN, last_error=f"unexpected {type(error).__name__}"[:300])
    sent = {"sent_at": now, "provider_id": provider_id[:64]}
    if message.kind == Kind.VERIFICATION:
        sent["body"] = "-"  # the code has reached the provider; the database need not keep it
    reported_earlier = sending.filter(delivery_status__in=earlier_than(delivery_status) or [""])
    moved = _move(reported_earlier, Status.SENT, delivery_status=delivery_status[:20], last_error="", **sent)
    # Else a delivery report came first (delivery_reports.py) and is further along: it and its error are kept.
    return moved or _move(sending, Status.SENT, **sent)


def dispatch_due(worker: str | None = None, *, now: datetime | None = None, limit: int = BATCH) -> int:
    """Claim and send due messages until none is left; returns how many were sent.

    Safe to run in any number of processes at once. With `now` given, that
    instant is used throughout (tests); otherwise the clock is read per step.
    """
    worker = worker or worker_name()
    mail_connection = get_connection(timeout=getattr(settings, "EMAIL_TIMEOUT", None) or EMAIL_TIMEOUT)
    sms_backend = None
    sent = 0
    try:
        while batch := claim(worker, now=now or timezone.now(), limit=limit):
            clinic = Clinic.load()
            if sms_backend is None and any(m.channel == OutgoingMessage.Channel.SMS for m in batch):
                sms_backend = get_backend()
            for message in batch:
                status = deliver(
                    message, now=now or timezone.now(), clinic=clinic,
                    sms_backend=sms_backend, mail_connection=mail_connection,
                )  # fmt: skip
                sent += status == Status.SENT
    finally:
        mail_connection.close()
    return sent


def _send_email(message: OutgoingMessage, connection) -> None:
    email = EmailMessage(
        subject=message.subject,
        body=message.body,
        to=[message.recipient],
        headers={"Auto-Submitted": "auto-generated"},
        connection=connection,
    )
    if message.attachment:
        email.attach("invitation.ics", message.attachment, "text/calendar")
    if connection is not None:
        connection.open()  # kept open for the batch; a no-op once open
    email.send()


def _retry_later(sending: QuerySet, message: OutgoingMessage, *, now: datetime, reason: str) -> str:
    if message.attempts >= MAX_ATTEMPTS:
        logger.warning("message %s failed after %s attempts: %s", message.pk, message.attempts, reason)
        return _move(sending, Status.FAILED, last_error=f"{reason} (gave up after {message.attempts} attempts)")
    delay = BACKOFF[min(message.attempts, len(BACKOFF)) - 1]
    logger.info("message %s: %s; retried in %s", message.pk, reason, delay)
    return _move(sending, Status.PENDING, due_at=now + delay, claimed_by="", claimed_until=None, last_error=reason)


def _move(rows: QuerySet, status: str, **fields) -> str:
    """The conditional update of one transition; '' if the row was no longer in the expected state."""
    if "last_error" in fields:
        fields["last_error"] = fields["last_error"][:300]
    failing = status in (Status.FAILED, Status.UNKNOWN)
    channel = rows.values_list("channel", flat=True).first() if failing else None  # read while `rows` matches
    if not rows.update(status=status, **fields):
        return ""
    if failing:
        metrics.MESSAGE_FAILURES.labels(channel=channel or "unknown").inc()
    return status


def _reason(error: Exception) -> str:
    """A short reason to store: never the recipient (SMTP errors name them) nor the text."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _text in error.recipients.values()})
        return f"recipient refused by the mail server ({', '.join(map(str, codes))})"
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{type(error).__name__} {error.smtp_code}"
    if isinstance(error, RetryableSmsError | PermanentSmsError):
        return _short(error)  # an SMS error's text is safe by contract (clinic_instance.sms.errors)
    return type(error).__name__


def _short(error: Exception) -> str:
    return (str(error) or type(error).__name__)[:300]
