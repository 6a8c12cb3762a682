"""SMS backends: console, file, and Twilio's real client against a local stand-in (tests/twilio_server.py)."""

import io
import json

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import include, path

from clinic_instance.sms import (
    OptedOutSmsError,
    PermanentSmsError,
    RefusedDestination,
    RetryableSmsError,
    UncertainSmsError,
    check_destination,
    get_backend,
    send_sms,
)
from clinic_instance.sms import twilio as twilio_backend
from tests.twilio_server import FROM_NUMBER, TwilioServer

MOBILE = "+33612345678"

# The status callback URL is reversed; this urlconf works whether or not clinic_instance/urls.py includes sms/.
urlpatterns = [path("sms/", include("clinic_instance.sms.urls"))]
pytestmark = pytest.mark.urls(__name__)


@pytest.fixture
def twilio(settings):
    with TwilioServer() as server:
        server.configure(settings)
        settings.OPENRDV_BASE_URL = ""
        yield server


def test_the_console_backend_prints_the_message_for_the_developer(settings, capsys):
    settings.SMS_BACKEND = "clinic_instance.sms.console.SmsBackend"
    sent = send_sms(MOBILE, "Rendez-vous lundi à 9h", reference="message-1")
    printed = capsys.readouterr().out
    assert MOBILE in printed and "Rendez-vous lundi à 9h" in printed and "message-1" in printed
    assert sent.provider_id.startswith("console-") and sent.status == "sent"


def test_the_console_backend_writes_to_the_stream_it_is_given():
    stream = io.StringIO()
    get_backend("clinic_instance.sms.console.SmsBackend", stream=stream).send(MOBILE, "Bonjour", reference="m-2")
    assert "Bonjour" in stream.getvalue()


def test_the_file_backend_appends_one_json_line_per_message(settings, tmp_path):
    settings.SMS_BACKEND = "clinic_instance.sms.file.SmsBackend"
    settings.SMS_FILE_PATH = str(tmp_path / "sms")
    backend = get_backend()
    first = backend.send(MOBILE, "Premier", reference="message-1")
    second = get_backend().send("+262692123456", "Deuxième\nligne", reference="message-2")

    lines = (tmp_path / "sms" / "messages.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert [(r["to"], r["body"], r["reference"]) for r in records] == [
        (MOBILE, "Premier", "message-1"),
        ("+262692123456", "Deuxième\nligne", "message-2"),
    ]
    assert [r["provider_id"] for r in records] == [first.provider_id, second.provider_id]
    assert first.provider_id != second.provider_id


def test_every_backend_refuses_a_landline_before_sending(settings, tmp_path):
    settings.SMS_FILE_PATH = str(tmp_path)
    backend = get_backend("clinic_instance.sms.file.SmsBackend")
    with pytest.raises(RefusedDestination):
        backend.send("+33123456789", "Bonjour", reference="message-1")
    assert not (tmp_path / "messages.jsonl").exists()


def test_twilio_receives_the_number_the_text_and_the_sender(twilio):
    sent = send_sms(MOBILE, "Rappel : rendez-vous demain à 9h", reference="message-7")

    [request] = twilio.requests
    assert request.path == f"/2010-04-01/Accounts/{twilio.account_sid}/Messages.json"
    assert request.auth == (twilio.account_sid, twilio.auth_token)
    assert request.form["To"] == MOBILE
    assert request.form["Body"] == "Rappel : rendez-vous demain à 9h"
    assert request.form["From"] == FROM_NUMBER
    assert "StatusCallback" not in request.form  # no public URL configured
    assert (sent.provider_id, sent.status) == (request.sid, "queued")


def test_twilio_is_given_the_status_webhook_and_the_messaging_service(twilio, settings):
    settings.OPENRDV_BASE_URL = "https://rdv.example.org"
    settings.TWILIO_MESSAGING_SERVICE_SID = "MG" + "1" * 32
    send_sms(MOBILE, "Bonjour", reference="message-8")

    [request] = twilio.requests
    # Our reference rides in the signed URL: a report that beats the worker still finds its message.
    assert request.form["StatusCallback"] == "https://rdv.example.org/sms/twilio/status/?ref=message-8"
    assert request.form["MessagingServiceSid"] == "MG" + "1" * 32
    assert "From" not in request.form


@pytest.mark.parametrize("status", [429, 500, 503])
def test_rate_limits_and_server_errors_are_retryable_and_it_recovers(twilio, status):
    backend = get_backend()
    twilio.answer_next(2, status=status)
    for _ in range(2):
        with pytest.raises(RetryableSmsError) as raised:
            backend.send(MOBILE, "Bonjour", reference="message-9")
        assert str(status) in str(raised.value)
    sent = backend.send(MOBILE, "Bonjour", reference="message-9")
    assert [request.sid for request in twilio.created] == [sent.provider_id]


def test_an_invalid_number_is_permanent_and_its_reason_does_not_quote_the_number(twilio):
    twilio.answer_next(1, status=400, code=21211, message=f"The 'To' number {MOBILE} is not a valid phone number.")
    with pytest.raises(PermanentSmsError) as raised:
        send_sms(MOBILE, "Bonjour", reference="message-10")
    assert not isinstance(raised.value, RetryableSmsError | UncertainSmsError)
    assert "21211" in str(raised.value)
    assert MOBILE not in str(raised.value) and raised.value.__cause__ is None


def test_a_number_that_unsubscribed_at_twilio_is_reported_as_opted_out(twilio):
    twilio.answer_next(1, status=400, code=21610, message="Attempt to send to unsubscribed recipient")
    with pytest.raises(OptedOutSmsError):
        send_sms(MOBILE, "Bonjour", reference="message-11")


def test_wrong_credentials_are_retryable_so_fixing_the_settings_lets_messages_go(twilio, settings):
    settings.TWILIO_AUTH_TOKEN = "rotated"
    with pytest.raises(RetryableSmsError, match="20003"):
        send_sms(MOBILE, "Bonjour", reference="message-12")
    assert twilio.created == []


def test_a_refused_connection_is_retryable(settings):
    with TwilioServer() as stopped:
        stopped.configure(settings)
    with pytest.raises(RetryableSmsError, match="unreachable"):
        send_sms(MOBILE, "Bonjour", reference="message-13")


def test_an_answer_that_never_comes_is_uncertain_not_retryable(twilio, monkeypatch):
    monkeypatch.setattr(twilio_backend, "TIMEOUT_SECONDS", 0.3)
    twilio.answer_next(1, status=201, delay=1.5)  # Twilio accepted it, but too late for us to know
    with pytest.raises(UncertainSmsError) as raised:
        send_sms(MOBILE, "Bonjour", reference="message-14")
    assert isinstance(raised.value, PermanentSmsError) and not isinstance(raised.value, RetryableSmsError)


def test_the_twilio_backend_refuses_to_start_unconfigured(settings):
    settings.TWILIO_ACCOUNT_SID = settings.TWILIO_AUTH_TOKEN = ""
    with pytest.raises(ImproperlyConfigured):
        get_backend("clinic_instance.sms.twilio.SmsBackend")


def test_twilio_is_never_asked_to_reach_a_premium_number(twilio):
    with pytest.raises(RefusedDestination):
        send_sms("+33899123456", "Bonjour", reference="message-15")
    assert twilio.requests == []


@pytest.mark.parametrize(
    "phone",
    [MOBILE, "+262692123456", "+590690123456"],
    ids=["France mobile", "Réunion mobile", "Guadeloupe mobile"],
)
def test_french_mobiles_at_home_and_overseas_are_accepted(phone):
    check_destination(phone)


@pytest.mark.parametrize(
    ("phone", "reason"),
    [
        ("+33123456789", "FIXED_LINE"),
        ("+33899123456", "PREMIUM_RATE"),
        ("+33812345678", "PREMIUM_RATE"),
        ("+33801234567", "TOLL_FREE"),
        ("+33912345678", "VOIP"),
        ("+12025550123", "region US"),
        ("+447400123456", "region GB"),
        ("06 12 34 56 78", "malformed"),
        ("+33 6 12 34 56 78", "E.164"),
        ("+3361234", "not a valid"),
        ("", "malformed"),
    ],
)
def test_other_destinations_are_refused_without_quoting_the_number(phone, reason):
    with pytest.raises(RefusedDestination, match=reason) as raised:
        check_destination(phone)
    assert isinstance(raised.value, PermanentSmsError)
    digits = phone.replace(" ", "").lstrip("+")
    assert not digits or digits not in str(raised.value)
