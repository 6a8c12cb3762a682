"""The waiting list's patient pages, through Django's test client (the journey is in tests/browser)."""

import re
from datetime import timedelta

import pytest

from clinic_instance import booking, waitlist
from clinic_instance.models import Appointment, OutgoingMessage, WaitlistEntry, WaitlistOffer
from tests.factories import make_appointment, make_patient, paris

TUESDAY_9 = paris(2027, 3, 2, 9)
FORM = {
    "weekdays": ["1"],
    "earliest": "09:00",
    "latest": "09:00",
    "until": "2027-03-02",
    "first_name": "Paul",
    "last_name": "Petit",
    "birth_date": "1980-05-17",
    "phone": "06 12 34 56 78",
    "email": "paul@example.org",
}


@pytest.fixture(autouse=True)
def in_english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def join_url(practitioner, reason) -> str:
    return f"/book/{practitioner.pk}/{reason.pk}/waitlist/"


def test_the_practitioner_page_links_to_the_waiting_list(client, alice, consultation, now):
    page = client.get(f"/book/{alice.pk}/?reason={consultation.pk}").content.decode()
    assert join_url(alice, consultation) in page


def test_joining_leads_to_the_entry_page_which_can_leave(client, alice, consultation, now):
    assert client.get(join_url(alice, consultation)).status_code == 200
    response = client.post(join_url(alice, consultation), FORM)
    entry = WaitlistEntry.objects.get()
    assert response["Location"] == f"/waitlist/{entry.token}/?joined=1"
    assert (entry.weekdays, entry.patient.phone) == (0b10, "+33612345678")
    page = client.get(response["Location"]).content.decode()
    assert "You are on the waiting list" in page and "Tuesday" in page and f"/waitlist/{entry.token}/" in page
    assert client.get(f"/waitlist/{entry.token}/leave/").status_code == 405
    client.post(f"/waitlist/{entry.token}/leave/")
    entry.refresh_from_db()
    assert entry.status == "left"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"weekdays": []}, "weekdays"),
        ({"weekdays": ["9"]}, "weekdays"),
        ({"until": "2020-01-01"}, "until"),
        ({"latest": "08:00"}, "latest"),
        ({"first_name": "x" * 500}, "first_name"),
        ({"phone": "'; DROP TABLE patient; --"}, "phone"),
        ({"last_name": "Petit\x00"}, "last_name"),
    ],
)
def test_bad_input_is_refused_with_the_field_and_nothing_kept(client, alice, consultation, now, change, field):
    response = client.post(join_url(alice, consultation), {**FORM, **change})
    assert response.status_code == 400 and field in response.context["form"].errors
    assert not WaitlistEntry.objects.exists()


def test_joining_needs_the_code_when_the_clinic_verifies(client, clinic, alice, consultation, now):
    clinic.phone_verification = True
    clinic.save()
    asked = client.post(join_url(alice, consultation), FORM)
    assert asked.status_code == 200 and not WaitlistEntry.objects.exists()
    page = asked.content.decode()
    token = re.search(r'name="verification_token" value="([^"]+)"', page).group(1)
    assert 'name="weekdays" value="1"' in page
    code = re.search(r"\b(\d{6})\b", OutgoingMessage.objects.get(kind="verification").body).group(1)
    joined = client.post(join_url(alice, consultation), {**FORM, "verification_token": token, "code": code})
    assert joined.status_code == 302 and WaitlistEntry.objects.count() == 1


@pytest.fixture
def offer(alice, consultation, now, client):
    booked = make_appointment(alice, consultation, TUESDAY_9, make_patient("Zoé", phone="+33611111111"))
    client.post(join_url(alice, consultation), FORM)
    booking.cancel_appointment(appointment=booked, now=now, by="clinic")
    assert waitlist.offer_free_slots(now) == 1
    return WaitlistOffer.objects.get()


def test_the_offer_page_books_the_held_time(client, offer):
    page = client.get(f"/waitlist/offer/{offer.token}/").content.decode()
    assert "held for you until 08:30" in page and "Book this time" in page
    response = client.post(f"/waitlist/offer/{offer.token}/", {"answer": "accept"})
    appointment = Appointment.objects.get(status="booked")
    assert response["Location"] == f"/appointment/{appointment.manage_token}/?booked=1"
    assert appointment.patient.first_name == "Paul"
    closed = client.get(f"/waitlist/offer/{offer.token}/").content.decode()
    assert "no longer open" in closed


def test_declining_keeps_the_place(client, offer):
    client.post(f"/waitlist/offer/{offer.token}/", {"answer": "decline"})
    offer.refresh_from_db()
    assert offer.status == "declined" and offer.entry.status == "waiting"
    assert "You stay on the waiting list" in client.get(f"/waitlist/offer/{offer.token}/").content.decode()


def test_an_offer_taken_meanwhile_answers_409(client, offer, alice, consultation, now):
    make_appointment(alice, consultation, TUESDAY_9, make_patient("Eve", phone="+33622222222"))
    response = client.post(f"/waitlist/offer/{offer.token}/", {"answer": "accept"})
    assert response.status_code == 409 and "someone else" in response.content.decode()


def test_wrong_tokens_are_404_alike(client, offer):
    wrong = [
        "/waitlist/offer/" + "x" * 43 + "/",
        "/waitlist/" + "x" * 43 + "/",
        f"/waitlist/{offer.token}/",  # an offer's key does not open the entry
        f"/waitlist/offer/{offer.entry.token}/",  # nor the other way round
        "/waitlist/offer/short/",
    ]
    assert [client.get(url).status_code for url in wrong] == [404] * 5
    assert client.get(f"/waitlist/{offer.entry.token}/").status_code == 200
    assert client.post("/waitlist/" + "y" * 43 + "/leave/").status_code == 404


def test_offer_pages_are_not_cached(client, offer):
    assert "no-cache" in client.get(f"/waitlist/offer/{offer.token}/")["Cache-Control"]
    assert timedelta(minutes=30) == offer.hold_until - offer.created_at


def test_after_leaving_the_offer_page_does_not_say_the_patient_stays(client, offer):
    client.post(f"/waitlist/{offer.entry.token}/leave/")
    page = client.get(f"/waitlist/offer/{offer.token}/").content.decode()
    assert "no longer open" in page and "You stay on the waiting list" not in page


def test_an_offer_message_of_a_closed_offer_is_not_sent(client, offer, now, settings, tmp_path):
    from clinic_instance.dispatch import dispatch_due

    settings.SMS_BACKEND = "clinic_instance.sms.file.SmsBackend"
    settings.SMS_FILE_PATH = str(tmp_path)
    client.post(f"/waitlist/offer/{offer.token}/", {"answer": "decline"})
    dispatch_due(now=now)
    sms = OutgoingMessage.objects.get(kind="waitlist_offer", channel="sms")
    assert (sms.status, sms.last_error) == ("cancelled", "waiting-list offer closed")
