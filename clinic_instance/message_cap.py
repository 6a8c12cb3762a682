"""A cap on what is queued to one recipient: one phone or e-mail address gets at most the clinic's
`messages_per_recipient_per_day` messages in 24 hours, whatever the bookings.

Without it, a script booking hundreds of slots under one patient's details (possible when phone codes are
off: the demo, or a clinic that unticked them) made the outbox text one number thousands of times (issue 17).
Beyond the cap a row is still stored, CAPPED instead of PENDING: the dispatcher never claims it, the
administrators see it among the messages that did not go out and may send it again, so nothing the patient
is owed disappears silently. The first capped row of a recipient in a day (the clinic's day) e-mails the
administrators once, naming the patient's record and a masked recipient, never the number or the address.

What counts: the rows to the same recipient on the same channel created in the last 24 hours that went or
will go out; not the withdrawn ones (CANCELLED) nor those already held back (CAPPED). Two kinds neither
count nor are capped:
- Verification codes (phone_verification.py) have tighter limits of their own (per number and hour, per
  address and hour, per clinic and day) that refuse with a 429 the person waiting for the code sees, where
  a capped code would be a silent wait for an SMS that never comes; and counting them would let anyone who
  asks codes for a stranger's number use up that person's appointment messages.
- The clinic's alerts to its administrators (staff_accounts.alert_administrators): the alert about a cap
  must go out, and alerts go to staff, once per key.
"""

import hashlib
import hmac
import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from config.federation_node import base_url

from . import staff_accounts
from .availability import clinic_timezone
from .models import Clinic, OutgoingMessage
from .models.messages import Channel, Kind
from .outbox_review import mask_recipient

logger = logging.getLogger("openrdv.messages")
Status = OutgoingMessage.Status
WINDOW = timedelta(hours=24)
NOT_COUNTED = (Status.CANCELLED, Status.CAPPED)
UNCAPPED_KINDS = frozenset({Kind.VERIFICATION, Kind.ALERT})
Recipient = tuple[str, str]  # (channel, recipient)


def status_for_new_message(*, channel: str, recipient: str, kind: str, clinic: Clinic, now: datetime) -> str:
    """PENDING while `recipient` is under the clinic's cap on `channel`, else CAPPED.

    The caller must be inside transaction.atomic() and insert the row (or not) before it ends: the
    recipient stays locked until then, so concurrent queuings to one recipient count one after the
    other and cannot all pass.
    """
    return statuses_for_new_messages({(channel, recipient): [kind]}, clinic=clinic, now=now)[(channel, recipient)][0]


def statuses_for_new_messages(
    kinds_by_recipient: dict[Recipient, list[str]], *, clinic: Clinic, now: datetime
) -> dict[Recipient, list[str]]:
    """The statuses of new rows, in order, for each (channel, recipient) and the kinds of its rows.

    One batch (a booking queues a confirmation and its reminders, by SMS and e-mail): one statement
    locks the recipients, SMS before e-mail (every queuing takes them in that order), and one query
    counts their recent rows. The n-th counted row of a recipient is PENDING while its recent rows
    plus the n-1 before it are under the cap. The caller must insert the rows inside the same
    transaction, as for status_for_new_message.
    """
    counted = [recipient for recipient, kinds in kinds_by_recipient.items() if set(kinds) - UNCAPPED_KINDS]
    recent = _recent_counts(counted, now) if counted else {}
    statuses: dict[Recipient, list[str]] = {}
    for recipient, kinds in kinds_by_recipient.items():
        sent = recent.get(recipient, 0)
        statuses[recipient] = []
        for kind in kinds:
            if kind in UNCAPPED_KINDS:
                statuses[recipient].append(Status.PENDING)
            elif sent < clinic.messages_per_recipient_per_day:
                statuses[recipient].append(Status.PENDING)
                sent += 1
            else:
                statuses[recipient].append(Status.CAPPED)
    return statuses


def _recent_counts(recipients: list[Recipient], now: datetime) -> dict[Recipient, int]:
    """Lock `recipients`, then count what each was sent or will be sent within WINDOW.

    One round trip, by hand (it runs under the agenda's lock on every booking): the lock statement,
    then the count, a statement after the lock's (a statement sees the rows committed before it began).
    """
    lock_sql, params = _lock_statement(sorted(recipients, key=lambda recipient: recipient[0] != Channel.SMS))
    addresses = sorted({recipient for _channel, recipient in recipients})
    count_sql = (
        f"SELECT channel, recipient, COUNT(*) FROM {OutgoingMessage._meta.db_table}"  # noqa: S608 - our own table
        f" WHERE recipient IN ({', '.join(['%s'] * len(addresses))}) AND created_at > %s"
        " AND status NOT IN (%s, %s) AND kind NOT IN (%s, %s) GROUP BY channel, recipient"
    )
    params += [*addresses, connection.ops.adapt_datetimefield_value(now - WINDOW), *NOT_COUNTED, *UNCAPPED_KINDS]
    with connection.cursor() as cursor:
        cursor.execute(f"{lock_sql}; {count_sql}" if lock_sql else count_sql, params)
        if lock_sql:
            cursor.nextset()
        counts = cursor.fetchall()
    wanted = set(recipients)  # a phone and an address never look alike; the channel settles it anyway
    return {(channel, recipient): count for channel, recipient, count in counts if (channel, recipient) in wanted}


def capped_fields(clinic: Clinic) -> dict[str, str]:
    """What a CAPPED row records for the outbox page (in English, like the dispatcher's reasons)."""
    return {"last_error": f"held back: {clinic.messages_per_recipient_per_day} messages to this recipient in 24 h"}


def alert_on_cap(message: OutgoingMessage, *, clinic: Clinic, now: datetime) -> None:
    """Tell the administrators that `message` (just stored CAPPED) was held back: once per recipient and day.

    Call it inside the transaction that stored the row: the alert commits with it or not at all.
    """
    day = now.astimezone(clinic_timezone()).date()
    recipient = _recipient_digest(message.channel, message.recipient)
    with translation.override(settings.LANGUAGE_CODE):  # the clinic's language, not the requester's
        subject, body = _alert_text(message, clinic)
    if staff_accounts.alert_administrators(
        clinic, key=f"message-cap:{recipient}:{day.isoformat()}", subject=subject, body=body, now=now
    ):
        logger.warning("message %s held back: recipient over the daily cap; administrators alerted", message.pk)


def _alert_text(message: OutgoingMessage, clinic: Clinic) -> tuple[str, str]:
    cap = clinic.messages_per_recipient_per_day
    if message.channel == Channel.SMS:
        subject = _("Messages held back: %(cap)d SMS to one phone in 24 hours") % {"cap": cap}
    else:
        subject = _("Messages held back: %(cap)d e-mails to one address in 24 hours") % {"cap": cap}
    patient = base_url() + reverse("workspace:patient", args=[message.patient_id]) if message.patient_id else _("none")
    body = _(
        "%(cap)d messages to %(recipient)s were queued in the last 24 hours, the clinic's limit per recipient. "
        "Further messages to this recipient are held back and not sent; the outbox lists them, and each can be "
        "sent again from there.\n\n"
        "Patient record: %(patient)s\n"
        "Held-back messages: %(outbox)s\n\n"
        "Many bookings under one patient's details in a short time are often automated. Check the patient's "
        "appointments; if the demand is genuine, raise the limit in the clinic's settings."
    ) % {
        "cap": cap,
        "recipient": mask_recipient(message.recipient),
        "patient": patient,
        "outbox": base_url() + reverse("workspace:message-outbox") + f"?status={Status.CAPPED}",
    }
    return subject, body


def _lock_statement(recipients: list[Recipient]) -> tuple[str, list[object]]:
    """The statement that serialises the queuing of messages to each of `recipients` until the
    transaction ends, in their order; empty where no statement is needed.

    Transaction-scoped advisory locks on PostgreSQL, keyed by a 64-bit hash (a collision only makes
    two recipients wait for each other), in one statement (its target list runs left to right). On
    SQLite the IMMEDIATE transaction already holds the database's write lock. A booking's lock_timeout
    applies: a wait too long is its "busy, try again".
    """
    if connection.vendor != "postgresql":
        return "", []
    locks = ", ".join(["pg_advisory_xact_lock(hashtextextended(%s, 0))"] * len(recipients))
    return f"SELECT {locks}", [f"openrdv.message:{channel}:{recipient}" for channel, recipient in recipients]


def _recipient_digest(channel: str, recipient: str) -> str:
    """Names a recipient in an alert's dedupe key without storing it in clear there."""
    key = f"{settings.SECRET_KEY}:message-cap".encode()
    return hmac.new(key, f"{channel}:{recipient}".encode(), hashlib.sha256).hexdigest()[:32]
