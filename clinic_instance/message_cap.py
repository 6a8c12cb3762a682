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


def status_for_new_message(*, channel: str, recipient: str, kind: str, clinic: Clinic, now: datetime) -> str:
    """PENDING while `recipient` is under the clinic's cap on `channel`, else CAPPED.

    The caller must be inside transaction.atomic() and insert the row (or not) before it ends: the
    recipient stays locked until then, so concurrent queuings to one recipient count one after the
    other and cannot all pass.
    """
    return statuses_for_new_messages(channel=channel, recipient=recipient, kinds=[kind], clinic=clinic, now=now)[0]


def statuses_for_new_messages(
    *, channel: str, recipient: str, kinds: list[str], clinic: Clinic, now: datetime
) -> list[str]:
    """The statuses of new rows of `kinds` to `recipient` on `channel`, in order, counted as one batch.

    One lock and one count for the batch (a booking queues a confirmation and its reminders together):
    the n-th counted row is PENDING while the recent rows plus the n-1 before it are under the cap.
    The caller must insert the rows inside the same transaction, as for status_for_new_message.
    """
    counted = [kind not in UNCAPPED_KINDS for kind in kinds]
    if not any(counted):
        return [Status.PENDING] * len(kinds)
    _lock_recipient(channel, recipient)
    recent = (
        OutgoingMessage.objects.filter(channel=channel, recipient=recipient, created_at__gt=now - WINDOW)
        .exclude(status__in=NOT_COUNTED)
        .exclude(kind__in=UNCAPPED_KINDS)
        .count()
    )
    statuses = []
    for is_counted in counted:
        if not is_counted:
            statuses.append(Status.PENDING)
            continue
        statuses.append(Status.PENDING if recent < clinic.messages_per_recipient_per_day else Status.CAPPED)
        if statuses[-1] == Status.PENDING:
            recent += 1
    return statuses


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


def _lock_recipient(channel: str, recipient: str) -> None:
    """Serialise the queuing of messages to one recipient until the transaction ends.

    A transaction-scoped advisory lock on PostgreSQL, keyed by a 64-bit hash (a collision only makes
    two recipients wait for each other). On SQLite the IMMEDIATE transaction already holds the
    database's write lock. A booking's lock_timeout applies: a wait too long is its "busy, try again".
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"openrdv.message:{channel}:{recipient}"]
            )


def _recipient_digest(channel: str, recipient: str) -> str:
    """Names a recipient in an alert's dedupe key without storing it in clear there."""
    key = f"{settings.SECRET_KEY}:message-cap".encode()
    return hmac.new(key, f"{channel}:{recipient}".encode(), hashlib.sha256).hexdigest()[:32]
