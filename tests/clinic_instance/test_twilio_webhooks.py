"""Twilio's webhooks: delivery reports and STOP / START, trusted only with Twilio's signature."""

import pytest
from django.urls import include, path
from django.utils import timezone
from twilio.request_validator import RequestValidator

from clinic_instance.models import OutgoingMessage, SmsOptOut
from clinic_instance.sms import is_opted_out

TOKEN = "webhook-test-token"
BASE_URL = "https://rdv.example.org"  # the public address; the test client calls itself "testserver"
STATUS, INBOUND = "/sms/twilio/status/", "/sms/twilio/inbound/"
PATIENT_PHONE = "+33612345678"

# This urlconf works whether or not clinic_instance/urls.py includes sms/.
urlpatterns = [path("sms/", include("clinic_instance.sms.urls"))]
pytestmark = [pytest.mark.urls(__name__), pytest.mark.django_db]


@pytest.fixture(autouse=True)
def twilio_settings(settings):
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.OPENRDV_BASE_URL = BASE_URL


def signed_post(client, path, params, *, token=TOKEN, url=None):
    signature = RequestValidator(token).compute_signature(url or BASE_URL + path, params)
    return client.post(path, params, headers={"X-Twilio-Signature": signature})


def make_sms(number=1, *, status=OutgoingMessage.Status.SENT, recipient=PATIENT_PHONE, channel="sms", **fields):
    return OutgoingMessage.objects.create(
        channel=channel,
        kind=OutgoingMessage.Kind.REMINDER,
        recipient=recipient,
        body="Rappel : rendez-vous demain",
        dedupe_key=f"test-{number}",
        status=status,
        sent_at=timezone.now() if status == OutgoingMessage.Status.SENT else None,
        **fields,
    )


def report(sid, status, **extra):
    return {"MessageSid": sid, "MessageStatus": status, "AccountSid": "AC" + "0" * 32, "To": PATIENT_PHONE, **extra}


def test_a_signed_delivery_report_updates_the_message(client):
    message = make_sms(provider_id="SM1", delivery_status="queued")
    response = signed_post(client, STATUS, report("SM1", "delivered"))
    assert response.status_code == 200
    message.refresh_from_db()
    assert (message.delivery_status, message.status, message.last_error) == ("delivered", "sent", "")


def test_a_report_that_beats_the_worker_finds_its_message_by_the_signed_reference(client):
    message = make_sms(status=OutgoingMessage.Status.UNKNOWN)  # the worker has not stored Twilio's id
    other = make_sms(2, provider_id="SM9", delivery_status="queued")
    path = f"{STATUS}?ref=message-{message.pk}"
    assert signed_post(client, path, report("SM1", "delivered")).status_code == 200
    message.refresh_from_db()
    assert (message.provider_id, message.delivery_status) == ("SM1", "delivered")
    # The reference only finds a message without an id of its own, and only under Twilio's signature.
    signed_post(client, f"{STATUS}?ref=message-{other.pk}", report("SM2", "delivered"))
    forged = client.post(
        f"{STATUS}?ref=message-{other.pk}",
        report("SM2", "delivered"),
        headers={
            "X-Twilio-Signature": RequestValidator(TOKEN).compute_signature(BASE_URL + path, report("SM2", "delivered"))
        },
    )
    assert forged.status_code == 403
    other.refresh_from_db()
    assert (other.provider_id, other.delivery_status) == ("SM9", "queued")


def test_an_undelivered_report_records_twilios_error_code(client):
    message = make_sms(provider_id="SM1", delivery_status="sent")
    signed_post(client, STATUS, report("SM1", "undelivered", ErrorCode="30003"))
    message.refresh_from_db()
    assert message.delivery_status == "undelivered" and "30003" in message.last_error


def test_without_a_public_base_url_the_signature_covers_the_requests_own_address(client, settings):
    settings.OPENRDV_BASE_URL = ""
    message = make_sms(provider_id="SM1")
    signed_post(client, STATUS, report("SM1", "delivered"), url="http://testserver" + STATUS)
    message.refresh_from_db()
    assert message.delivery_status == "delivered"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Twilio-Signature": ""},
        {"X-Twilio-Signature": RequestValidator("another-token").compute_signature(BASE_URL + STATUS, {})},
    ],
    ids=["missing", "empty", "forged"],
)
def test_an_unsigned_or_forged_report_is_refused_without_touching_the_database(
    client, headers, django_assert_num_queries
):
    message = make_sms(provider_id="SM1")
    with django_assert_num_queries(0):
        response = client.post(STATUS, report("SM1", "failed", ErrorCode="30003"), headers=headers)
    assert response.status_code == 403
    message.refresh_from_db()
    assert message.delivery_status == "" and message.last_error == ""


def test_a_signature_is_bound_to_its_parameters_and_its_address(client):
    message = make_sms(provider_id="SM1")
    signature = RequestValidator(TOKEN).compute_signature(BASE_URL + STATUS, report("SM1", "delivered"))
    tampered = client.post(STATUS, report("SM1", "failed"), headers={"X-Twilio-Signature": signature})
    other_address = signed_post(client, STATUS, report("SM1", "failed"), url="http://testserver" + STATUS)
    assert tampered.status_code == other_address.status_code == 403
    message.refresh_from_db()
    assert message.delivery_status == ""


def test_without_an_auth_token_nothing_is_trusted(client, settings):
    settings.TWILIO_AUTH_TOKEN = ""
    message = make_sms(provider_id="SM1")
    assert signed_post(client, STATUS, report("SM1", "delivered"), token="").status_code == 403
    message.refresh_from_db()
    assert message.delivery_status == ""


def test_a_report_for_an_unknown_message_is_acknowledged_and_changes_nothing(client):
    message = make_sms(provider_id="SM1", delivery_status="sent")
    assert signed_post(client, STATUS, report("SM-unknown", "failed", ErrorCode="30005")).status_code == 200
    message.refresh_from_db()
    assert (message.delivery_status, message.last_error) == ("sent", "")


def test_replayed_or_late_reports_are_harmless(client):
    message = make_sms(provider_id="SM1", delivery_status="queued")
    for _ in range(2):
        assert signed_post(client, STATUS, report("SM1", "delivered")).status_code == 200
    assert signed_post(client, STATUS, report("SM1", "sent")).status_code == 200  # arrived out of order
    assert signed_post(client, STATUS, report("SM1", "undelivered", ErrorCode="30003")).status_code == 200
    message.refresh_from_db()
    assert (message.delivery_status, message.last_error) == ("delivered", "")


def test_the_webhooks_only_accept_post(client):
    assert client.get(STATUS).status_code == 405
    assert client.get(INBOUND).status_code == 405


def inbound(body, phone=PATIENT_PHONE):
    return {"MessageSid": "SM-in", "AccountSid": "AC" + "0" * 32, "From": phone, "To": "+33700000000", "Body": body}


@pytest.mark.parametrize("body", ["STOP", "stop", " Stop. ", "ARRÊT", "arret", "Arrêt !", "STOPALL", "UNSUBSCRIBE"])
def test_stop_opts_the_number_out_and_cancels_its_waiting_sms(client, body):
    waiting = make_sms(1, status=OutgoingMessage.Status.PENDING)
    already_sent = make_sms(2, provider_id="SM2")
    e_mail = make_sms(3, status=OutgoingMessage.Status.PENDING, channel="email", recipient="paul@example.org")
    someone_else = make_sms(4, status=OutgoingMessage.Status.PENDING, recipient="+33698765432")

    response = signed_post(client, INBOUND, inbound(body))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    assert b"<Response" in response.content and b"<Message" not in response.content
    assert is_opted_out(PATIENT_PHONE) and not is_opted_out("+33698765432")
    statuses = {m.pk: m.status for m in OutgoingMessage.objects.all()}
    assert statuses == {
        waiting.pk: "cancelled",
        already_sent.pk: "sent",
        e_mail.pk: "pending",
        someone_else.pk: "pending",
    }


def test_stop_twice_is_one_opt_out(client):
    signed_post(client, INBOUND, inbound("STOP"))
    assert signed_post(client, INBOUND, inbound("ARRET")).status_code == 200
    assert SmsOptOut.objects.filter(phone=PATIENT_PHONE).count() == 1


@pytest.mark.parametrize("body", ["START", "unstop"])
def test_start_opts_the_number_back_in(client, body):
    signed_post(client, INBOUND, inbound("STOP"))
    assert signed_post(client, INBOUND, inbound(body)).status_code == 200
    assert not is_opted_out(PATIENT_PHONE)


def test_a_sentence_containing_stop_is_not_a_keyword(client):
    waiting = make_sms(status=OutgoingMessage.Status.PENDING)
    signed_post(client, INBOUND, inbound("Je ne peux pas venir, stop"))
    assert not is_opted_out(PATIENT_PHONE)
    waiting.refresh_from_db()
    assert waiting.status == "pending"


def test_a_forged_stop_is_refused(client, django_assert_num_queries):
    waiting = make_sms(status=OutgoingMessage.Status.PENDING)
    with django_assert_num_queries(0):
        response = signed_post(client, INBOUND, inbound("STOP"), token="another-token")
    assert response.status_code == 403
    assert not is_opted_out(PATIENT_PHONE)
    waiting.refresh_from_db()
    assert waiting.status == "pending"
