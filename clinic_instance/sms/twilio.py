"""Send through Twilio's Programmable Messaging with the official client.

Configured by TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and either
TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM_NUMBER. With OPENRDV_BASE_URL set,
Twilio reports delivery to the status webhook (clinic_instance.twilio_webhooks).
TWILIO_API_BASE_URL points the client at another host (tests: tests/twilio_server.py).

How Twilio's answers are classified (see classify_twilio_error):

=================================  =========  =================================================
HTTP status / Twilio error code    class      why
=================================  =========  =================================================
429, or code 20429                 retryable  rate limited
5xx                                retryable  Twilio's side; the message was not created
401, or code 20003                 retryable  wrong or rotated credentials: once the settings
                                              are fixed, queued messages go (attempts are bounded)
code 21611                         retryable  the sender's queue at Twilio is full
code 21610                         opted out  the recipient answered STOP (OptedOutSmsError)
any other 4xx (21211 invalid       permanent  the same request would get the same answer
number, 21408 region not enabled,
21612 unreachable, 21614 not a
mobile, 21617 text too long…)
=================================  =========  =================================================

Network errors: a connection that could not be opened is retryable; an answer
that never came (read timeout, connection dropped after sending) raises
UncertainSmsError, because Twilio may have accepted the message.
"""

from urllib.parse import urlencode

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client
from urllib3.exceptions import MaxRetryError, NewConnectionError

from .base import BaseSmsBackend, SentSms
from .errors import OptedOutSmsError, PermanentSmsError, RetryableSmsError, SmsError, UncertainSmsError

TIMEOUT_SECONDS = 10.0  # per request: a worker must not hang on Twilio while its lease runs out
RETRYABLE_CODES = {20429: "too many requests", 20003: "authentication failed", 21611: "sender queue full"}
OPTED_OUT_CODE = 21610


class SmsBackend(BaseSmsBackend):
    def __init__(self) -> None:
        if not (settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN):
            raise ImproperlyConfigured("The twilio SMS backend needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN.")
        if settings.TWILIO_MESSAGING_SERVICE_SID:
            self.sender = {"messaging_service_sid": settings.TWILIO_MESSAGING_SERVICE_SID}
        elif settings.TWILIO_FROM_NUMBER:
            self.sender = {"from_": settings.TWILIO_FROM_NUMBER}
        else:
            raise ImproperlyConfigured("Set TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM_NUMBER.")
        self.status_callback = status_callback_url()
        self.client = Client(
            settings.TWILIO_ACCOUNT_SID,
            settings.TWILIO_AUTH_TOKEN,
            http_client=TwilioHttpClient(timeout=TIMEOUT_SECONDS),
        )
        if settings.TWILIO_API_BASE_URL:
            # Every Messages URL is built from the Api domain's base_url (twilio.base.domain.Domain).
            self.client.api.base_url = settings.TWILIO_API_BASE_URL

    def deliver(self, to: str, body: str, *, reference: str) -> SentSms:
        options = {**self.sender}
        if self.status_callback:
            # Our reference rides in the URL (Twilio signs it): a report that comes before
            # the worker has stored Twilio's id still finds its message.
            options["status_callback"] = f"{self.status_callback}?{urlencode({'ref': reference})}"
        try:
            message = self.client.messages.create(to=to, body=body, **options)
        except (TwilioRestException, TwilioServiceException) as error:
            # Not chained: Twilio's own message may quote the number.
            raise classify_twilio_error(error.status, error.code) from None
        except requests.RequestException as error:
            raise classify_network_error(error) from error
        return SentSms(provider_id=message.sid, status=str(message.status or ""))


def status_callback_url() -> str:
    """The public URL of the delivery-status webhook, or "" without OPENRDV_BASE_URL (no callbacks)."""
    if not settings.OPENRDV_BASE_URL:
        return ""
    return settings.OPENRDV_BASE_URL.rstrip("/") + reverse("sms:twilio-status")


def classify_twilio_error(status: int, code: int | None) -> SmsError:
    """The error to raise for Twilio's answer (the table in this module's docstring)."""
    reason = f"Twilio error {code} (HTTP {status})"
    if code == OPTED_OUT_CODE:
        return OptedOutSmsError(reason)
    if status == 429 or status == 401 or status >= 500 or code in RETRYABLE_CODES:
        return RetryableSmsError(reason)
    return PermanentSmsError(reason)


def classify_network_error(error: requests.RequestException) -> SmsError:
    """Retryable if the request cannot have left this machine, uncertain otherwise."""
    reason = f"Twilio unreachable ({type(error).__name__})"
    if isinstance(error, requests.ConnectTimeout | requests.exceptions.SSLError):
        return RetryableSmsError(reason)
    cause = error.args[0] if error.args else None
    if isinstance(cause, MaxRetryError) and isinstance(cause.reason, NewConnectionError):
        return RetryableSmsError(reason)
    return UncertainSmsError(f"no answer from Twilio after sending ({type(error).__name__})")
