"""What every SMS backend promises (like django.core.mail.backends.base).

A backend sends one text and either returns what the provider said or raises
one of the errors in .errors: PermanentSmsError (never retry) or
RetryableSmsError (retry later, with backoff).
"""

from dataclasses import dataclass

from .numbers import check_destination


@dataclass(frozen=True)
class SentSms:
    """The provider accepted the message: its id (for delivery callbacks) and first status."""

    provider_id: str
    status: str


class BaseSmsBackend:
    """Subclasses implement deliver(); send() refuses destinations no backend may reach.

    The same checks in development and production: a number the file backend
    accepts is one Twilio would be asked to reach.
    """

    def send(self, to: str, body: str, *, reference: str) -> SentSms:
        """Send `body` to the E.164 number `to`; `reference` is the caller's id (e.g. "message-42")."""
        check_destination(to)
        return self.deliver(to, body, reference=reference)

    def deliver(self, to: str, body: str, *, reference: str) -> SentSms:
        raise NotImplementedError
