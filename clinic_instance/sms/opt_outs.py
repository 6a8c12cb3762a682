"""Numbers that answered STOP: no SMS goes to them until they answer START.

Keywords follow Twilio's defaults plus the French ARRET; a message is a keyword
only when it is that single word (case, accents, spaces and a final full stop
or exclamation mark aside).
"""

import unicodedata

from django.db import transaction

from clinic_instance.models import OutgoingMessage, SmsOptOut

STOP_KEYWORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "ARRET"})
START_KEYWORDS = frozenset({"START", "UNSTOP"})


def keyword(body: str) -> str:
    """The message as a keyword candidate: "  Arrêt. " → "ARRET"."""
    decomposed = unicodedata.normalize("NFKD", body.strip().strip(".!").strip())
    return "".join(char for char in decomposed if not unicodedata.combining(char)).upper()


def is_opted_out(phone: str) -> bool:
    """Whether `phone` answered STOP (and not START since)."""
    return SmsOptOut.objects.filter(phone=phone).exists()


def opt_out(phone: str) -> int:
    """Record the opt-out (idempotent) and cancel the number's waiting SMS; returns how many were cancelled.

    Only PENDING rows are cancelled: a claimed row belongs to a worker, which
    checks is_opted_out() before sending.
    """
    with transaction.atomic():
        SmsOptOut.objects.get_or_create(phone=phone)
        return OutgoingMessage.objects.filter(
            channel=OutgoingMessage.Channel.SMS, recipient=phone, status=OutgoingMessage.Status.PENDING
        ).update(status=OutgoingMessage.Status.CANCELLED, last_error="the recipient opted out (STOP)")


def opt_in(phone: str) -> None:
    """Forget the opt-out (idempotent). Messages cancelled meanwhile stay cancelled."""
    SmsOptOut.objects.filter(phone=phone).delete()
