"""The patient pages' edge cases, through Django's test client (the journeys are in tests/browser)."""

import pytest

from clinic_instance.models import Appointment
from tests.factories import make_appointment, make_reason, paris

START = "2027-03-02T09:00:00+01:00"
PAUL = {
    "first_name": "Paul",
    "last_name": "Petit",
    "birth_date": "1980-05-17",
    "phone": "06 12 34 56 78",
    "email": "",
}


def details_url(practitioner, reason) -> str:
    return f"/book/{practitioner.pk}/{reason.pk}/"


def test_the_practitioner_page_opens_on_the_first_week_with_a_free_slot(client, alice, consultation, now):
    page = client.get(f"/book/{alice.pk}/?reason={consultation.pk}").content.decode()
    assert "?start=2027-03-01T09%3A00%3A00%2B01%3A00" in page


def test_a_week_in_the_past_shows_this_week(client, alice, consultation, now):
    page = client.get(f"/book/{alice.pk}/?reason={consultation.pk}&week=2020-01-06").content.decode()
    assert "2027-03-01T09" in page


@pytest.mark.parametrize("week", ["garbage", "2027-13-45", "9" * 50])
def test_a_malformed_week_falls_back_to_this_week(client, alice, consultation, now, week):
    assert client.get(f"/book/{alice.pk}/?reason={consultation.pk}&week={week}").status_code == 200


def test_unknown_practitioners_and_foreign_reasons_are_404(client, alice, bob, consultation, now):
    assert client.get("/book/999999/").status_code == 404
    assert client.get(f"/book/{bob.pk}/?reason={consultation.pk}").status_code == 404
    assert client.get(f"{details_url(bob, consultation)}?start={START}").status_code == 404
    phone_only = make_reason(alice, "Urgence", online_bookable=False)
    assert client.get(f"/book/{alice.pk}/?reason={phone_only.pk}").status_code == 404


@pytest.mark.parametrize("start", ["", "garbage", "2027-03-02T09:00:00", "x" * 500])
def test_the_details_page_without_a_valid_slot_goes_back_to_the_slots(client, alice, consultation, now, start):
    response = client.get(details_url(alice, consultation), {"start": start})
    assert response.status_code == 302
    assert response["Location"].endswith(f"/book/{alice.pk}/?reason={consultation.pk}")


def test_booking_through_the_page_redirects_to_the_manage_page(client, alice, consultation, now):
    response = client.post(details_url(alice, consultation), {**PAUL, "start": START})
    appointment = Appointment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/appointment/{appointment.manage_token}/?booked=1"
    assert appointment.source == "online"


def test_a_taken_slot_offers_the_nearest_ones_and_keeps_the_details(client, alice, consultation, now):
    make_appointment(alice, consultation, paris(2027, 3, 2, 9, 0))
    response = client.post(
        details_url(alice, consultation), {**PAUL, "start": START}, headers={"Accept-Language": "en"}
    )
    page = response.content.decode()
    assert response.status_code == 409
    assert "This slot has just been taken." in page
    assert 'value="2027-03-02T09:20:00+01:00"' in page
    assert 'value="Petit"' in page
    assert Appointment.objects.count() == 1


def test_a_tampered_slot_is_refused_with_a_message(client, alice, consultation, now):
    response = client.post(details_url(alice, consultation), {**PAUL, "start": "2027-03-02T03:00:00+01:00"})
    assert response.status_code == 400
    assert Appointment.objects.count() == 0


def test_bad_details_are_400_and_book_nothing(client, alice, consultation, now):
    response = client.post(details_url(alice, consultation), {**PAUL, "phone": "12", "start": START})
    assert response.status_code == 400
    assert Appointment.objects.count() == 0


def test_the_manage_pages_of_a_wrong_token_are_404(client, db):
    token = "A" * 43
    for url in (f"/appointment/{token}/", f"/appointment/{token}/move/", f"/appointment/{token}/calendar.ics"):
        assert client.get(url).status_code == 404
    assert client.post(f"/appointment/{token}/cancel/").status_code == 404


def test_cancel_after_the_cutoff_is_refused_on_the_page(client, alice, consultation, now):
    appointment = make_appointment(alice, consultation, paris(2027, 3, 1, 17, 0))
    response = client.post(f"/appointment/{appointment.manage_token}/cancel/")
    assert response.status_code == 400
    appointment.refresh_from_db()
    assert appointment.status == "booked"


def test_move_to_a_taken_slot_is_409_and_keeps_the_appointment(client, alice, consultation, now):
    appointment = make_appointment(alice, consultation, paris(2027, 3, 3, 9, 0))
    make_appointment(alice, consultation, paris(2027, 3, 3, 10, 0))
    response = client.post(f"/appointment/{appointment.manage_token}/move/", {"start": "2027-03-03T10:00:00+01:00"})
    assert response.status_code == 409
    appointment.refresh_from_db()
    assert appointment.start == paris(2027, 3, 3, 9, 0)


def test_the_calendar_file_describes_the_appointment_without_the_patient(client, alice, consultation, now):
    appointment = make_appointment(alice, consultation, paris(2027, 3, 3, 9, 0))
    response = client.get(f"/appointment/{appointment.manage_token}/calendar.ics")
    body = response.content.decode()
    assert response["Content-Type"].startswith("text/calendar")
    assert "DTSTART:20270303T080000Z" in body
    assert appointment.manage_token in body
    assert "Petit" not in body and "+33612345678" not in body


def test_the_clinic_phone_is_shown_the_french_way(client, clinic, db):
    clinic.phone = "+33299000000"
    clinic.save()
    page = client.get("/").content.decode()
    assert 'href="tel:+33299000000"' in page
    assert "02 99 00 00 00" in page


def test_pages_forbid_loading_anything_from_another_host(client, alice, consultation, now):
    policy = client.get(f"/book/{alice.pk}/?reason={consultation.pk}")["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy


def test_manage_pages_are_private_and_not_indexed(client, alice, consultation, now):
    appointment = make_appointment(alice, consultation, paris(2027, 3, 3, 9, 0))
    response = client.get(f"/appointment/{appointment.manage_token}/")
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert '<meta name="robots" content="noindex">' in response.content.decode()
    api = client.get(f"/api/v1/appointments/manage/{appointment.manage_token}/")
    assert "no-store" in api["Cache-Control"]
