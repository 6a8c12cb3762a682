"""Reviewing the messages to patients that did not go out: what administrators see and may do.

The dispatcher (dispatch.py) leaves two kinds of rows for a person to decide on:
FAILED (the provider refused it, or retries ran out) and UNKNOWN (a worker died
while sending: the patient may have it, so it is never retried by itself); the
queue adds a third, CAPPED (held back because its recipient had the clinic's
daily share of messages, message_cap.py). An administrator may send any of them
again (for a CAPPED row, a decision to exceed the cap for it), or mark it as
handled (e.g. after phoning the patient).

Sending again only puts the row back in the outbox (PENDING, due now): the
normal dispatcher claims it, so quiet hours, opt-outs and stale reminders (a
moved or cancelled appointment, dispatch.reason_not_to_send) apply as usual.

Every action is one conditional UPDATE on the status the row was read in, in
the transaction that writes its audit entry: two administrators clicking at
once act once, the other gets NotActionable. Nothing here shows or logs a full
recipient or a text: screens get mask_recipient().
"""

from collections.abc import Collection
from datetime import datetime

import phonenumbers
from django.db import transaction
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from . import audit
from .models import AuditEntry, OutgoingMessage
from .models.messages import ERASED
from .wakeups import wake_dispatcher_on_commit

Status = OutgoingMessage.Status

DID_NOT_GO_OUT = (Status.FAILED, Status.UNKNOWN, Status.CAPPED)
"""What the review page lists by default: rows that will not be sent unless someone acts."""
RESENDABLE = frozenset(DID_NOT_GO_OUT)
HANDLEABLE = frozenset(DID_NOT_GO_OUT)  # e.g. the clinic phoned the patient
MASK = "••"
# What an action reads of a row: its status, and the ids its audit entry names.
ACTION_FIELDS = (
    "status",
    "kind",
    "channel",
    "last_error",
    "patient_id",
    "appointment__patient_id",
    "appointment__practitioner_id",
)


class NotActionable(Exception):
    """No such message, or it is no longer in a status the action applies to (someone acted first)."""


# ---------------------------------------------------------------- reading


def count_not_sent() -> int:
    """How many messages wait for a decision (the messages page shows it beside its link)."""
    return OutgoingMessage.objects.filter(status__in=DID_NOT_GO_OUT).count()


def outbox_counts() -> dict[str, int]:
    """How many messages are in each status, every status present (zeros included)."""
    counts = dict.fromkeys(Status.values, 0)
    counts.update(OutgoingMessage.objects.values_list("status").annotate(total=Count("pk")).order_by())
    return counts


def messages_to_review(*, statuses: Collection[str] = DID_NOT_GO_OUT, channel: str = "") -> QuerySet[OutgoingMessage]:
    """The messages in `statuses` (and `channel` if given), newest first, without their text."""
    messages = OutgoingMessage.objects.filter(status__in=list(statuses))
    if channel:
        messages = messages.filter(channel=channel)
    return messages.defer("body", "subject", "attachment").order_by("-created_at", "-pk")


def mask_recipient(recipient: str) -> str:
    """Enough of a number or address to recognise it, not enough to use it.

    "+33612345678" → "+33 6 •• •• •• 78", "jean@example.org" → "j•••@example.org".
    """
    if recipient == ERASED:
        return ERASED
    if "@" in recipient:
        local, _at, domain = recipient.rpartition("@")
        return f"{local[:1]}•••@{domain}"
    try:
        number = phonenumbers.parse(recipient, None)
    except phonenumbers.NumberParseException:
        return MASK
    country, _space, national = phonenumbers.format_number(
        number, phonenumbers.PhoneNumberFormat.INTERNATIONAL
    ).partition(" ")
    digits = sum(character.isdigit() for character in national)
    if digits < 6:
        return f"{country} {MASK}"
    shown, seen = [], 0
    for character in national:
        if character.isdigit():
            seen += 1
            character = character if seen == 1 or seen > digits - 2 else "•"
        shown.append(character)
    return f"{country} {''.join(shown)}"


# ---------------------------------------------------------------- acting


def resend(
    message_id: int, *, now: datetime, expected: str | None = None, request: HttpRequest | None = None
) -> OutgoingMessage:
    """Put a FAILED, UNKNOWN or CAPPED message back in the outbox, due `now`, and wake the dispatcher after commit.

    `expected` is the status the administrator saw (an UNKNOWN row is resent
    only by someone who was warned the patient may have it). The last error is
    kept until the next attempt replaces it. Raises NotActionable.
    """
    with transaction.atomic():
        message = _current(message_id, allowed=RESENDABLE, expected=expected)
        _transition(
            message, status=Status.PENDING, due_at=now, attempts=0,
            claimed_by="", claimed_until=None, provider_id="", delivery_status="",
        )  # fmt: skip
        _audit(request, AuditEntry.Action.UPDATE, message, f"{message.status} → sent again")
        wake_dispatcher_on_commit()
    return OutgoingMessage.objects.get(pk=message_id)


def mark_handled(
    message_id: int, *, expected: str | None = None, request: HttpRequest | None = None
) -> OutgoingMessage:
    """Close a FAILED, UNKNOWN or CAPPED message for good (CANCELLED): the clinic reached the patient, or chose not to.

    Raises NotActionable.
    """
    with transaction.atomic():
        message = _current(message_id, allowed=HANDLEABLE, expected=expected)
        note = f"marked as handled by staff; was: {message.last_error}" if message.last_error else "handled by staff"
        _transition(message, status=Status.CANCELLED, claimed_by="", claimed_until=None, last_error=note[:300])
        _audit(request, AuditEntry.Action.CANCEL, message, f"{message.status} → marked as handled")
    return OutgoingMessage.objects.get(pk=message_id)


def _current(message_id: int, *, allowed: Collection[str], expected: str | None) -> OutgoingMessage:
    """The row as it is now, if the action applies to it; the caller's update re-checks the status."""
    message = OutgoingMessage.objects.select_related("appointment").only(*ACTION_FIELDS).filter(pk=message_id).first()
    if message is None or message.status not in allowed or (expected is not None and message.status != expected):
        raise NotActionable(message_id)
    return message


def _transition(message: OutgoingMessage, **changes) -> None:
    """The guard: an UPDATE that matches only while the row is still in the status it was read in."""
    if not OutgoingMessage.objects.filter(pk=message.pk, status=message.status).update(**changes):
        raise NotActionable(message.pk)


def _audit(request: HttpRequest | None, action: str, message: OutgoingMessage, change: str) -> None:
    """An entry on the message's appointment (or patient): ids, kind, channel, statuses; never a recipient."""
    detail = f"message {message.pk} {message.kind}/{message.channel}: {change}"
    if message.appointment is not None:
        audit.record_appointment(request, action, message.appointment, detail=detail)
    elif message.patient_id is not None:
        audit.record(
            request, action, AuditEntry.ObjectType.PATIENT,
            object_id=message.patient_id, patient_id=message.patient_id, detail=detail,
        )  # fmt: skip
    else:
        audit.record(request, action, AuditEntry.ObjectType.CLINIC, detail=detail)
