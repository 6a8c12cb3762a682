"""Phone verification codes and the SMS-pumping guards (issue 6), from the domain to the page and the API."""

import re
import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import override_settings
from django.utils import translation

from clinic_instance import phone_verification
from clinic_instance.dispatch import dispatch_due
from clinic_instance.models import Appointment, Clinic, OutgoingMessage, PhoneVerification, StaffMember
from clinic_instance.phone_verification import TooManyCodes, VerificationError
from tests.factories import make_appointment, make_patient

PHONE = "+33612345678"
START = "2027-03-02T09:00:00+01:00"
PAUL = {"first_name": "Paul", "last_name": "Petit", "birth_date": "1980-05-17", "phone": "06 12 34 56 78", "email": ""}


@pytest.fixture(autouse=True)
def in_english(client):
    """The messages are checked in English (the clinic's default language is French)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def verifying(clinic):
    clinic.phone_verification = True
    clinic.save()
    return clinic


def sent_code(phone: str = PHONE) -> str:
    body = OutgoingMessage.objects.filter(kind="verification", recipient=phone).latest("pk").body
    return re.search(r"\b(\d{6})\b", body).group(1)


def send(phone: str = PHONE, now=None, request=None):
    address = request.META["REMOTE_ADDR"] if request is not None else None
    return phone_verification.send_code(phone=phone, address=address, now=now, language="fr")


def test_the_production_default_is_on_and_the_test_settings_turn_it_off():
    with override_settings(OPENRDV_PHONE_VERIFICATION=True):
        assert Clinic().phone_verification is True
    assert Clinic().phone_verification is False


def test_a_code_is_queued_as_an_sms_and_proves_the_phone_once(verifying, now):
    issued = send(now=now)
    message = OutgoingMessage.objects.get(kind="verification")
    assert message.recipient == PHONE and message.channel == "sms" and message.patient is None
    assert "Cabinet des Lilas" in message.body and "10 minutes" in message.body
    row = PhoneVerification.objects.get()
    assert issued.token not in (row.token_digest, row.code_digest) and sent_code() not in row.code_digest
    verification = phone_verification.check_code(token=issued.token, code=sent_code(), phone=PHONE, now=now)
    assert verification.verified_at == now
    phone_verification.consume(verification, phone=PHONE, now=now)
    with pytest.raises(VerificationError) as reused:
        phone_verification.check_code(token=issued.token, code=sent_code(), phone=PHONE, now=now)
    assert reused.value.code == "verification_unknown"
    with pytest.raises(VerificationError):
        phone_verification.consume(verification, phone=PHONE, now=now)


def test_an_expired_code_is_refused(verifying, now):
    issued = send(now=now)
    with pytest.raises(VerificationError) as expired:
        phone_verification.check_code(
            token=issued.token, code=sent_code(), phone=PHONE, now=now + timedelta(minutes=10, seconds=1)
        )
    assert expired.value.code == "verification_expired"


def test_five_wrong_codes_end_the_attempt_even_for_the_right_code(verifying, now):
    issued = send(now=now)
    right = sent_code()
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    for left in (4, 3, 2, 1):
        with pytest.raises(VerificationError, match=f"{left} tries left"):
            phone_verification.check_code(token=issued.token, code=wrong, phone=PHONE, now=now)
    with pytest.raises(VerificationError) as locked:
        phone_verification.check_code(token=issued.token, code=wrong, phone=PHONE, now=now)
    assert locked.value.code == "verification_locked"
    with pytest.raises(VerificationError) as still:
        phone_verification.check_code(token=issued.token, code=right, phone=PHONE, now=now)
    assert still.value.code == "verification_locked"


def test_a_code_belongs_to_its_attempt_and_its_number(verifying, now):
    first, second = send(now=now), send(now=now)
    code_of_first = OutgoingMessage.objects.filter(kind="verification").order_by("pk")[0].body
    code_of_first = re.search(r"\b(\d{6})\b", code_of_first).group(1)
    with pytest.raises(VerificationError):
        phone_verification.check_code(token=first.token, code=code_of_first, phone="+33698765432", now=now)
    if code_of_first != sent_code():  # one chance in a million that both codes are equal
        with pytest.raises(VerificationError):
            phone_verification.check_code(token=second.token, code=code_of_first, phone=PHONE, now=now)
    with pytest.raises(VerificationError):
        phone_verification.check_code(token="forged" * 8, code=code_of_first, phone=PHONE, now=now)


def test_the_fourth_code_to_one_number_within_the_hour_is_refused(verifying, now):
    for _ in range(3):
        send(now=now)
    with pytest.raises(TooManyCodes) as refused:
        send(now=now + timedelta(minutes=30))
    assert refused.value.code == "too_many_codes_for_number" and refused.value.retry_after == 30 * 60 + 1
    assert OutgoingMessage.objects.filter(kind="verification").count() == 3
    send(now=now + timedelta(hours=1, seconds=1))  # the hour has passed
    send(phone="+33698765432", now=now)  # other numbers are not affected


@override_settings(VERIFICATION_CODES_PER_ADDRESS_PER_HOUR=2)
def test_codes_per_address_are_limited(verifying, now, rf):
    request = rf.post("/", REMOTE_ADDR="203.0.113.9")
    send("+33611111111", now, request)
    send("+33622222222", now, request)
    with pytest.raises(TooManyCodes) as refused:
        send("+33633333333", now, request)
    assert refused.value.code == "too_many_codes_for_address"
    send("+33633333333", now, rf.post("/", REMOTE_ADDR="203.0.113.10"))
    assert "203.0.113" not in str(list(PhoneVerification.objects.values_list("address_digest", flat=True)))


def test_the_daily_cap_refuses_codes_and_alerts_the_administrators_once(verifying, now, django_user_model):
    verifying.verification_daily_cap = 2
    verifying.email = "accueil@lilas.example"
    verifying.save()
    admin = django_user_model.objects.create_user("admin", email="admin@lilas.example")
    StaffMember.objects.create(user=admin, role="admin")
    send("+33611111111", now)
    send("+33622222222", now)
    for phone in ("+33633333333", "+33644444444"):
        with pytest.raises(TooManyCodes) as refused:
            send(phone, now)
        assert refused.value.code == "daily_cap_reached"
    alerts = OutgoingMessage.objects.filter(kind="alert")
    assert sorted(alerts.values_list("recipient", flat=True)) == ["accueil@lilas.example", "admin@lilas.example"]
    assert "200" not in alerts[0].subject and "2" in alerts[0].subject
    with time_machine.travel(now + timedelta(days=1), tick=False):
        send("+33655555555", now + timedelta(days=1))  # a new day


@pytest.mark.parametrize(
    "phone",
    [
        "+447911123456",  # a British mobile
        "+15005550006",  # North America
        "+33899123456",  # French premium rate
        "+33145678901",  # a Paris landline
        "+3361234",  # malformed
    ],
)
def test_numbers_that_must_not_be_texted_are_refused_before_anything_is_queued(verifying, now, phone):
    with pytest.raises(VerificationError) as refused:
        send(phone, now)
    assert refused.value.code == "destination_refused" and refused.value.field == "phone"
    assert not PhoneVerification.objects.exists() and not OutgoingMessage.objects.exists()


def test_overseas_mobiles_get_codes(verifying, now):
    send("+590690123456", now)  # Guadeloupe
    send("+262692123456", now)  # Réunion


def test_an_opted_out_number_gets_no_code(verifying, now):
    from clinic_instance.sms.opt_outs import opt_out

    opt_out(PHONE)
    with pytest.raises(VerificationError) as refused:
        send(now=now)
    assert refused.value.code == "opted_out"


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_for_one_number_send_three_codes(alice):
    Clinic.objects.filter(pk=1).update(phone_verification=True)
    results, barrier = [], threading.Barrier(6)

    def ask():
        barrier.wait()
        try:
            send(now=__import__("django.utils.timezone").utils.timezone.now())
            results.append("sent")
        except TooManyCodes:
            results.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["refused"] * 3 + ["sent"] * 3
    assert OutgoingMessage.objects.filter(kind="verification").count() == 3


def test_codes_go_out_during_quiet_hours_and_expired_ones_do_not(verifying, settings, tmp_path):
    settings.SMS_BACKEND = "clinic_instance.sms.file.SmsBackend"
    settings.SMS_FILE_PATH = str(tmp_path)
    from tests.factories import paris

    night = paris(2027, 3, 1, 23, 30)
    with time_machine.travel(night, tick=False):
        send(now=night)
        assert dispatch_due(now=night) == 1
        send(now=night)
    later = night + timedelta(minutes=11)
    with time_machine.travel(later, tick=False):
        assert dispatch_due(now=later) == 0
    late = OutgoingMessage.objects.filter(kind="verification").latest("pk")
    assert late.status == "cancelled" and late.last_error == "verification code expired"


def test_old_attempts_and_their_sms_are_purged(verifying, now):
    send(now=now)
    assert phone_verification.purge_expired(now + timedelta(hours=23)) == 0
    assert phone_verification.purge_expired(now + timedelta(days=1, seconds=1)) == 1
    assert not OutgoingMessage.objects.filter(kind="verification").exists()  # the number went with it


def test_a_sent_code_is_not_kept_in_the_outbox(verifying, now, settings, tmp_path):
    settings.SMS_BACKEND = "clinic_instance.sms.file.SmsBackend"
    settings.SMS_FILE_PATH = str(tmp_path)
    send(now=now)
    assert dispatch_due(now=now) == 1
    assert OutgoingMessage.objects.get(kind="verification").body == "-"


def test_a_clinic_that_books_without_codes_sends_none(client, alice, now):
    response = client.post("/api/v1/phone-verifications/", {"phone": PHONE}, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "verification_not_required"
    assert not OutgoingMessage.objects.exists()


def test_an_ipv6_subscriber_counts_as_its_whole_64(verifying, now, rf, settings):
    settings.VERIFICATION_CODES_PER_ADDRESS_PER_HOUR = 2
    send("+33611111111", now, rf.post("/", REMOTE_ADDR="2001:db8:1:2::1"))
    send("+33622222222", now, rf.post("/", REMOTE_ADDR="2001:db8:1:2:ffff::9"))
    with pytest.raises(TooManyCodes):
        send("+33633333333", now, rf.post("/", REMOTE_ADDR="2001:db8:1:2:abcd::5"))
    send("+33633333333", now, rf.post("/", REMOTE_ADDR="2001:db8:1:3::1"))  # another subscriber


# The booking page.


def details_url(practitioner, reason) -> str:
    return f"/book/{practitioner.pk}/{reason.pk}/"


def test_the_booking_page_asks_for_the_code_then_books(client, verifying, alice, consultation, now):
    asked = client.post(details_url(alice, consultation), {**PAUL, "start": START})
    assert asked.status_code == 200 and not Appointment.objects.exists()
    page = asked.content.decode()
    assert "06 12 34 56 78" in page and 'autocomplete="one-time-code"' in page
    token = re.search(r'name="verification_token" value="([^"]+)"', page).group(1)
    assert 'name="last_name" value="Petit"' in page and f'value="{START}"' in page
    posted = {**PAUL, "start": START, "verification_token": token}
    wrong = client.post(
        details_url(alice, consultation), {**posted, "code": "000000" if sent_code() != "000000" else "1"}
    )
    assert wrong.status_code == 400 and "4 tries left" in wrong.content.decode()
    booked = client.post(details_url(alice, consultation), {**posted, "code": sent_code()})
    appointment = Appointment.objects.get()
    assert booked["Location"] == f"/appointment/{appointment.manage_token}/?booked=1"
    again = client.post(details_url(alice, consultation), {**posted, "start": "2027-03-02T10:00:00+01:00"})
    assert again.status_code == 400 and "ask for a new one" in again.content.decode()
    assert Appointment.objects.count() == 1


def test_a_slot_taken_after_the_code_keeps_the_verified_attempt(client, verifying, alice, consultation, now):
    page = client.post(details_url(alice, consultation), {**PAUL, "start": START}).content.decode()
    token = re.search(r'name="verification_token" value="([^"]+)"', page).group(1)
    make_appointment(
        alice, consultation, __import__("tests.factories").factories.paris(2027, 3, 2, 9), make_patient("Zoé")
    )
    posted = {**PAUL, "start": START, "verification_token": token, "code": sent_code()}
    taken = client.post(details_url(alice, consultation), posted)
    assert taken.status_code == 409 and f'value="{token}"' in taken.content.decode()
    client.post(
        details_url(alice, consultation), {**PAUL, "start": "2027-03-02T09:20:00+01:00", "verification_token": token}
    )
    assert Appointment.objects.filter(patient__first_name="Paul").count() == 1
    assert OutgoingMessage.objects.filter(kind="verification").count() == 1


def test_the_page_says_when_no_code_can_be_sent(client, verifying, alice, consultation, now):
    abroad = "+44 7400 123456"  # a mobile, accepted by the form, but outside SMS_ALLOWED_REGIONS
    refused = client.post(details_url(alice, consultation), {**PAUL, "phone": abroad, "start": START})
    assert refused.status_code == 400 and "French mobile number" in refused.content.decode()
    for _ in range(3):
        client.post(details_url(alice, consultation), {**PAUL, "start": START})
    fourth = client.post(details_url(alice, consultation), {**PAUL, "start": START})
    assert fourth.status_code == 429 and "wait an hour" in fourth.content.decode()


def test_a_clinic_that_does_not_verify_books_at_once(client, alice, consultation, now):
    assert client.post(details_url(alice, consultation), {**PAUL, "start": START}).status_code == 302


# The API.


def test_the_api_books_with_a_code_and_refuses_without_or_reused(client, verifying, alice, consultation, now):
    body = {
        "practitioner": alice.pk,
        "visit_reason": consultation.pk,
        "start": START,
        "patient": {**PAUL},
    }
    missing = client.post("/api/v1/appointments/", body, content_type="application/json")
    assert missing.status_code == 400 and missing.json()["code"] == "verification_required"
    issued = client.post("/api/v1/phone-verifications/", {"phone": "06 12 34 56 78"}, content_type="application/json")
    assert issued.status_code == 201 and issued.json()["phone"] == PHONE
    token = issued.json()["token"]
    wrong = client.post(
        "/api/v1/appointments/",
        {**body, "verification": {"token": token, "code": "12345"}},
        content_type="application/json",
    )
    assert wrong.status_code == 400 and "code" in wrong.json()["verification"]
    right = {**body, "verification": {"token": token, "code": sent_code()}}
    assert client.post("/api/v1/appointments/", right, content_type="application/json").status_code == 201
    replay = client.post(
        "/api/v1/appointments/", {**right, "start": "2027-03-02T10:00:00+01:00"}, content_type="application/json"
    )
    assert replay.status_code == 400 and replay.json()["code"] == "verification_unknown"
    assert Appointment.objects.count() == 1


def test_an_idempotent_retry_returns_the_booking_its_code_made(client, verifying, alice, consultation, now):
    token = client.post("/api/v1/phone-verifications/", {"phone": PHONE}, content_type="application/json").json()[
        "token"
    ]
    body = {
        "practitioner": alice.pk,
        "visit_reason": consultation.pk,
        "start": START,
        "patient": {**PAUL},
        "verification": {"token": token, "code": sent_code()},
    }
    first = client.post("/api/v1/appointments/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k1")
    retry = client.post("/api/v1/appointments/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k1")
    assert first.json()["manage_token"] == retry.json()["manage_token"]
    other = client.post("/api/v1/appointments/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k2")
    assert other.status_code == 400 and other.json()["code"] == "verification_unknown"


@pytest.mark.parametrize(
    ("phone", "status", "field"),
    [("+447911123456", 400, "phone"), ("not a number", 400, "phone"), ("0" * 500, 400, "phone")],
)
def test_the_api_refuses_bad_numbers_with_the_field(client, verifying, now, phone, status, field):
    response = client.post("/api/v1/phone-verifications/", {"phone": phone}, content_type="application/json")
    assert response.status_code == status and field in response.json()
    assert not OutgoingMessage.objects.exists()


def test_the_api_answers_429_with_retry_after(client, verifying, now):
    for _ in range(3):
        client.post("/api/v1/phone-verifications/", {"phone": PHONE}, content_type="application/json")
    refused = client.post("/api/v1/phone-verifications/", {"phone": PHONE}, content_type="application/json")
    assert refused.status_code == 429 and int(refused["Retry-After"]) == 3601
    assert refused.json()["code"] == "too_many_codes_for_number"
