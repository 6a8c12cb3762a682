"""A patient's "mobile phone" must be able to receive their SMS: a landline is refused on every patient form
and API; valid foreign mobiles are accepted (where SMS may go is sms.numbers.check_destination's policy); staff
may record a landline (they call it)."""

import json

import pytest

from clinic_instance.models import Appointment, Patient, WaitlistEntry
from tests.factories import patient_json

START = "2027-03-02T09:00:00+01:00"
LANDLINES = ["02 99 12 34 56", "+33 1 45 67 89 01", "08 00 12 34 56"]  # Rennes, Paris, toll-free
MOBILES = [
    ("06 12 34 56 78", "+33612345678"),
    ("+32 470 12 34 56", "+32470123456"),  # Belgian
    ("+44 7400 123456", "+447400123456"),  # British
    ("+590 690 00 12 34", "+590690001234"),  # Guadeloupe
]
REFUSED_EN = "Enter a mobile phone number: SMS cannot be sent to a landline."
REFUSED_FR = "Saisissez un numéro de mobile : les SMS ne peuvent pas être envoyés vers un fixe."


def page_form(phone: str) -> dict:
    return {**patient_json(phone=phone), "start": START}


def post_json(client, url, body, language="en"):
    return client.post(url, json.dumps(body), content_type="application/json", headers={"Accept-Language": language})


def booking_body(practitioner, reason, phone):
    return {
        "practitioner": practitioner.pk,
        "visit_reason": reason.pk,
        "start": START,
        "patient": patient_json(phone=phone),
    }


@pytest.mark.parametrize("landline", LANDLINES)
def test_the_booking_page_refuses_a_landline_in_the_mobile_field(client, alice, consultation, now, landline):
    response = client.post(
        f"/book/{alice.pk}/{consultation.pk}/", page_form(landline), headers={"Accept-Language": "en"}
    )
    assert response.status_code != 302
    assert response.context["form"].errors["phone"] == [REFUSED_EN]
    assert not Appointment.objects.exists()


def test_the_refusal_is_in_french_too(client, alice, consultation, now):
    response = client.post(
        f"/book/{alice.pk}/{consultation.pk}/", page_form(LANDLINES[0]), headers={"Accept-Language": "fr"}
    )
    assert REFUSED_FR in response.content.decode()


@pytest.mark.parametrize(("typed", "stored"), MOBILES)
def test_the_booking_page_accepts_french_and_foreign_mobiles(client, alice, consultation, now, typed, stored):
    response = client.post(f"/book/{alice.pk}/{consultation.pk}/", page_form(typed))
    assert response.status_code == 302
    assert Patient.objects.get().phone == stored


@pytest.mark.parametrize("landline", LANDLINES)
def test_the_api_refuses_a_landline_naming_the_phone_field(client, alice, consultation, now, landline):
    response = post_json(client, "/api/v1/appointments/", booking_body(alice, consultation, landline))
    assert response.status_code == 400
    assert response.json()["patient"]["phone"] == [REFUSED_EN]
    assert not Appointment.objects.exists()


@pytest.mark.parametrize(("typed", "stored"), MOBILES)
def test_the_api_accepts_french_and_foreign_mobiles(client, alice, consultation, now, typed, stored):
    response = post_json(client, "/api/v1/appointments/", booking_body(alice, consultation, typed))
    assert response.status_code == 201, response.content
    assert Patient.objects.get().phone == stored


def test_the_phone_verification_api_refuses_a_landline_in_french(client, clinic, now):
    clinic.phone_verification = True
    clinic.save()
    response = post_json(client, "/api/v1/phone-verifications/", {"phone": LANDLINES[0]}, language="fr")
    assert response.status_code == 400
    assert response.json()["phone"] == [REFUSED_FR]


def test_the_waiting_list_refuses_a_landline(client, alice, consultation, now):
    form = {
        "weekdays": ["1"],
        "earliest": "09:00",
        "latest": "09:00",
        "until": "2027-03-02",
        **patient_json(phone=LANDLINES[0]),
    }
    response = client.post(f"/book/{alice.pk}/{consultation.pk}/waitlist/", form, headers={"Accept-Language": "en"})
    assert response.context["form"].errors["phone"] == [REFUSED_EN]
    body = {
        "practitioner": alice.pk,
        "visit_reason": consultation.pk,
        "weekdays": [1],
        "earliest": "09:00",
        "latest": "09:00",
        "until": "2027-03-02",
        "patient": patient_json(phone=LANDLINES[0]),
    }
    response = post_json(client, "/api/v1/waitlist/", body)
    assert response.status_code == 400 and response.json()["patient"]["phone"] == [REFUSED_EN]
    assert not WaitlistEntry.objects.exists()
