"""SMS to patients through pluggable backends, like django.core.mail's e-mail backends.

settings.SMS_BACKEND names the backend class:

- ``clinic_instance.sms.console.SmsBackend``: prints (development only),
- ``clinic_instance.sms.file.SmsBackend``: appends JSON lines under SMS_FILE_PATH,
- ``clinic_instance.sms.twilio.SmsBackend``: Twilio's official client.

Backends raise PermanentSmsError or RetryableSmsError; the outbox dispatcher
decides what to do with the row. Opt-outs are the dispatcher's to check
(is_opted_out): backends never touch the database.
"""

from django.conf import settings
from django.utils.module_loading import import_string

from .base import BaseSmsBackend, SentSms
from .errors import OptedOutSmsError, PermanentSmsError, RetryableSmsError, SmsError, UncertainSmsError
from .numbers import RefusedDestination, check_destination
from .opt_outs import is_opted_out

__all__ = [
    "BaseSmsBackend",
    "OptedOutSmsError",
    "PermanentSmsError",
    "RefusedDestination",
    "RetryableSmsError",
    "SentSms",
    "SmsError",
    "UncertainSmsError",
    "check_destination",
    "get_backend",
    "is_opted_out",
    "send_sms",
]


def get_backend(backend: str | None = None, **options) -> BaseSmsBackend:
    """An instance of `backend` (a dotted path), by default settings.SMS_BACKEND.

    Keep one for a batch: the twilio backend reuses its HTTP connections.
    """
    return import_string(backend or settings.SMS_BACKEND)(**options)


def send_sms(to: str, body: str, *, reference: str, backend: BaseSmsBackend | None = None) -> SentSms:
    """Send one SMS now. Callers outside the outbox dispatcher should queue an OutgoingMessage instead."""
    return (backend or get_backend()).send(to, body, reference=reference)
