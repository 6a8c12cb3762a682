"""The errors a backend raises, which the dispatcher classifies: retry later, or never.

An error's text is a short technical reason that is safe to log and to store in
OutgoingMessage.last_error: it never contains the number or the message.
"""


class SmsError(Exception):
    """Sending failed; str(error) is safe to log (no phone number, no text)."""


class PermanentSmsError(SmsError):
    """Retrying cannot help: an invalid or refused number, an opted-out recipient, a rejected text."""


class RetryableSmsError(SmsError):
    """Nothing was sent and a later attempt may succeed: rate limits, provider errors, no connection."""


class UncertainSmsError(PermanentSmsError):
    """The request may have reached the provider (an answer timed out, a connection dropped mid-way).

    It is permanent so that a dispatcher which only knows the two classes never
    sends a second copy; one that knows it should mark the message UNKNOWN.
    """


class OptedOutSmsError(PermanentSmsError):
    """The provider says the recipient opted out (Twilio 21610): record an SmsOptOut, don't retry."""
