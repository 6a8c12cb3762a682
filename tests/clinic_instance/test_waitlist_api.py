"""The waiting list's public API: join, see and leave an entry, answer an offer, and the attacks on it."""

import json
import re
from datetime import timedelta

import pytest
import time_machine

from clinic_instance import booking, waitlist
from clinic_instance.manage_links import appointment_or_404
from clinic_instance.models import Appointment, OutgoingMessage, Patient, WaitlistEntry, WaitlistOffer
from tests.factories import make_appointment, make_patient, make_practitioner, make_reason, paris, patient_json

TUESDAY_9 = paris(2027, 3, 2, 9)
JOIN = "/api/v1/waitlist/"


def post(client, url, body=None):
    return client.post(url, json.dumps(body or {}), content_type="application/json")


def join_body(practitioner, reason, patient=None, **change) -> dict:
    return {
        "practitioner": practitioner.pk,
        "visit_reason": reason.pk,
        "weekdays": [1],
        "earliest": "09:00",
        "latest": "09:00",
        "until": "2027-03-02",
        "patient": patient_json(**(patient or {})),
        **change,
    }


@pytest.fixture(autouse=True)
def in_english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def joined(client, alice, consultation, now):
    response = post(client, JOIN, join_body(alice, consultation))
    assert response.status_code == 201, response.content
    return response.json()


@pytest.fixture
def tuesday_taken(alice, consultation):
    return make_appointment(alice, consultation, TUESDAY_9, make_patient("Zoé", phone="+33611111111"))


def free_tuesday(appointment, now) -> None:
    booking.cancel_appointment(appointment=appointment, now=now, by=Appointment.CancelledBy.CLINIC)


@pytest.fixture
def offer(tuesday_taken, joined, now) -> WaitlistOffer:
    """Tuesday 09:00 freed up and held for Paul, who waits for it."""
    free_tuesday(tuesday_taken, now)
    assert waitlist.offer_free_slots(now) == 1
    return WaitlistOffer.objects.get()


# Joining.


def test_joining_returns_the_entry_and_its_token(client, alice, consultation, joined):
    entry = WaitlistEntry.objects.get()
    assert joined == {
        "token": entry.token,
        "status": "waiting",
        "practitioner": {"id": alice.pk, "name": "Dr Alice Durand"},
        "visit_reason": {"id": consultation.pk, "name": "Consultation"},
        "weekdays": [1],
        "earliest": "09:00",
        "latest": "09:00",
        "until": "2027-03-02",
        "joined_at": "2027-03-01T08:00:00+01:00",
        "offer": None,
    }
    assert (entry.weekdays, entry.patient.phone) == (0b10, "+33612345678")


def test_joining_again_needs_a_proven_phone_then_updates_the_entry_and_keeps_its_token(
    client, clinic, alice, consultation, joined
):
    change = {"weekdays": [0, 2, 4], "earliest": "08:30", "latest": "17:00", "until": "2027-03-20"}
    # Knowing someone's name, birth date and phone must not hand out their entry's link.
    unproven = post(client, JOIN, join_body(alice, consultation, **change))
    assert unproven.status_code == 400 and unproven.json()["code"] == "already_waiting"
    assert joined["token"] not in unproven.content.decode() and WaitlistEntry.objects.get().weekdays == 0b10
    clinic.phone_verification = True
    clinic.save()
    token = post(client, "/api/v1/phone-verifications/", {"phone": "+33612345678"}).json()["token"]
    code = re.search(r"\b(\d{6})\b", OutgoingMessage.objects.get(kind="verification").body).group(1)
    again = post(
        client, JOIN, {**join_body(alice, consultation, **change), "verification": {"token": token, "code": code}}
    )
    assert again.status_code == 201, again.content
    body = again.json()
    assert body["token"] == joined["token"]
    assert (body["weekdays"], body["earliest"], body["latest"], body["until"]) == (
        [0, 2, 4],
        "08:30",
        "17:00",
        "2027-03-20",
    )
    assert WaitlistEntry.objects.get().weekdays == 0b10101


def test_a_fourth_list_is_refused_with_a_code(client, alice, consultation, bob, now):
    for practitioner, reason in [(alice, consultation), (alice, make_reason(alice, "Motif 1")), (bob, None)]:
        reason = reason or make_reason(practitioner, "Motif 2")
        assert post(client, JOIN, join_body(practitioner, reason)).status_code == 201
    response = post(client, JOIN, join_body(bob, make_reason(bob, "Motif 4")))
    assert response.status_code == 400
    assert response.json()["code"] == "too_many_entries"
    assert WaitlistEntry.objects.count() == 3


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"weekdays": []}, "weekdays"),
        ({"weekdays": [7]}, "weekdays"),
        ({"weekdays": [-1]}, "weekdays"),
        ({"weekdays": [1, 1]}, "weekdays"),
        ({"weekdays": list(range(8))}, "weekdays"),
        ({"weekdays": ["1; DROP TABLE clinic_instance_waitlistentry"]}, "weekdays"),
        ({"weekdays": "monday"}, "weekdays"),
        ({"earliest": "10:00", "latest": "09:00"}, "latest"),
        ({"earliest": "25:00"}, "earliest"),
        ({"earliest": "9h"}, "earliest"),
        ({"until": "2027-02-28"}, "until"),  # yesterday
        ({"until": "2028-03-01"}, "until"),  # beyond the clinic's booking horizon
        ({"until": "01/03/2027"}, "until"),
        ({"practitioner": 999999}, "practitioner"),
        ({"visit_reason": 999999}, "visit_reason"),
        ({"practitioner": "1 OR 1=1"}, "practitioner"),
        ({"verification": {"token": "t", "code": "12 34 56"}}, "verification"),
    ],
)
def test_bad_requests_are_400_with_the_field_and_nothing_kept(client, alice, consultation, now, change, field):
    response = post(client, JOIN, {**join_body(alice, consultation), **change})
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not WaitlistEntry.objects.exists() and not Patient.objects.exists()


@pytest.mark.parametrize(
    ("patient", "field"),
    [
        ({"first_name": "x" * 101}, "first_name"),
        ({"last_name": "x" * 5000}, "last_name"),
        ({"last_name": "Petit\x00"}, "last_name"),
        ({"first_name": "   "}, "first_name"),
        ({"phone": "'; DROP TABLE clinic_instance_patient; --"}, "phone"),
        ({"email": "not-an-email"}, "email"),
        ({"birth_date": "2099-01-01"}, "birth_date"),
    ],
)
def test_bad_patient_details_are_400_with_the_field_and_nothing_kept(client, alice, consultation, now, patient, field):
    response = post(client, JOIN, join_body(alice, consultation, patient))
    assert response.status_code == 400, response.content
    assert field in response.json()["patient"]
    assert not WaitlistEntry.objects.exists() and not Patient.objects.exists()


def test_a_practitioner_or_reason_not_bookable_online_is_400_with_the_field(client, alice, consultation, bob, now):
    by_phone_only = make_reason(alice, "Urgence", 15, online_bookable=False)
    retired = make_practitioner("Claire", "Roux", is_active=False)
    cases = [
        (join_body(bob, consultation), "visit_reason"),  # not one of Bob's reasons
        (join_body(alice, by_phone_only), "visit_reason"),
        (join_body(retired, make_reason(retired)), "practitioner"),
    ]
    for body, field in cases:
        response = post(client, JOIN, body)
        assert response.status_code == 400, response.content
        assert field in response.json()
    assert not WaitlistEntry.objects.exists()


def test_injection_strings_are_stored_verbatim_and_harmless(client, alice, consultation, now):
    name = "Robert'); DROP TABLE clinic_instance_waitlistentry;--"
    response = post(client, JOIN, join_body(alice, consultation, {"last_name": name}))
    assert response.status_code == 201
    assert WaitlistEntry.objects.get().patient.last_name == name


def sent_code() -> str:
    body = OutgoingMessage.objects.filter(kind="verification").latest("pk").body
    return re.search(r"\b(\d{6})\b", body).group(1)


def test_joining_needs_the_code_when_the_clinic_verifies(client, clinic, alice, consultation, now):
    clinic.phone_verification = True
    clinic.save()
    body = join_body(alice, consultation)
    missing = post(client, JOIN, body)
    assert missing.status_code == 400
    assert missing.json()["code"] == "verification_required" and "verification" in missing.json()
    issued = post(client, "/api/v1/phone-verifications/", {"phone": "06 12 34 56 78"})
    assert issued.status_code == 201
    token = issued.json()["token"]
    wrong_code = f"{(int(sent_code()) + 1) % 1_000_000:06d}"
    wrong = post(client, JOIN, {**body, "verification": {"token": token, "code": wrong_code}})
    assert wrong.status_code == 400 and "verification" in wrong.json()
    assert not WaitlistEntry.objects.exists()
    right = post(client, JOIN, {**body, "verification": {"token": token, "code": sent_code()}})
    assert right.status_code == 201, right.content
    assert WaitlistEntry.objects.count() == 1
    replay = post(client, JOIN, {**body, "weekdays": [2], "verification": {"token": token, "code": sent_code()}})
    assert replay.status_code == 400 and replay.json()["code"] == "verification_unknown"


# The entry.


def test_the_entry_shows_the_time_held_for_the_patient_and_no_patient_data(client, offer):
    response = client.get(f"/api/v1/waitlist/{offer.entry.token}/")
    assert response.status_code == 200
    body = response.json()
    assert body["offer"] == {
        "token": offer.token,
        "start": "2027-03-02T09:00:00+01:00",
        "end": "2027-03-02T09:20:00+01:00",
        "hold_until": "2027-03-01T08:30:00+01:00",
    }
    text = json.dumps(body)
    for secret in ("Paul", "Petit", "+33612345678", "1980-05-17", "paul@example.org"):
        assert secret not in text


def test_leaving_gives_the_held_time_to_the_next_and_can_be_repeated(client, offer):
    url = f"/api/v1/waitlist/{offer.entry.token}/leave/"
    left = client.post(url)
    assert left.status_code == 200
    assert (left.json()["status"], left.json()["offer"]) == ("left", None)
    offer.refresh_from_db()
    assert offer.status == "declined"
    again = client.post(url)
    assert again.status_code == 200 and again.json() == left.json()
    assert client.get(f"/api/v1/waitlist/{offer.entry.token}/").json()["status"] == "left"


# The offer.


def test_the_offer_gives_its_time_in_the_clinics_zone(client, offer, alice, consultation):
    response = client.get(f"/api/v1/waitlist/offers/{offer.token}/")
    assert response.status_code == 200
    assert response.json() == {
        "start": "2027-03-02T09:00:00+01:00",
        "end": "2027-03-02T09:20:00+01:00",
        "hold_until": "2027-03-01T08:30:00+01:00",
        "status": "offered",
        "held": True,
        "open": True,
        "practitioner": {"id": alice.pk, "name": "Dr Alice Durand"},
        "visit_reason": {"id": consultation.pk, "name": "Consultation"},
    }


def test_accepting_books_the_time_and_closes_the_offer(client, offer):
    response = client.post(f"/api/v1/waitlist/offers/{offer.token}/accept/")
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"start", "end", "status", "manage_token"}
    appointment = appointment_or_404(body["manage_token"])
    assert (appointment.start, appointment.status, appointment.patient.first_name) == (TUESDAY_9, "booked", "Paul")
    offer.refresh_from_db()
    assert (offer.status, offer.appointment, offer.entry.status) == ("accepted", appointment, "booked")
    shown = client.get(f"/api/v1/waitlist/offers/{offer.token}/").json()
    assert (shown["status"], shown["held"], shown["open"]) == ("accepted", False, False)
    again = client.post(f"/api/v1/waitlist/offers/{offer.token}/accept/")
    assert again.status_code == 400
    assert again.json() == {"detail": "This offer is no longer open.", "code": "offer_closed"}
    assert Appointment.objects.filter(status="booked").count() == 1


def test_declining_keeps_the_place_on_the_list(client, offer):
    response = client.post(f"/api/v1/waitlist/offers/{offer.token}/decline/")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["held"], response.json()["open"]) == ("declined", False, False)
    assert client.get(f"/api/v1/waitlist/{offer.entry.token}/").json()["status"] == "waiting"
    assert client.post(f"/api/v1/waitlist/offers/{offer.token}/accept/").json()["code"] == "offer_closed"
    assert not Appointment.objects.filter(status="booked").exists()


def test_a_time_booked_by_someone_else_meanwhile_is_409_and_the_patient_stays(client, offer, alice, consultation):
    make_appointment(alice, consultation, TUESDAY_9, make_patient("Eve", phone="+33622222222"))
    response = client.post(f"/api/v1/waitlist/offers/{offer.token}/accept/")
    assert response.status_code == 409
    assert response.json()["code"] == "slot_taken" and "someone else" in response.json()["detail"]
    offer.refresh_from_db()
    assert (offer.status, offer.entry.status) == ("taken", "waiting")


def test_an_ended_hold_books_while_the_time_is_free_but_not_once_another_patient_holds_it(
    client, alice, consultation, tuesday_taken, now
):
    paul = post(client, JOIN, join_body(alice, consultation)).json()
    marie = {"first_name": "Marie", "phone": "06 98 76 54 32", "email": ""}
    assert post(client, JOIN, join_body(alice, consultation, marie)).status_code == 201
    free_tuesday(tuesday_taken, now)
    waitlist.offer_free_slots(now)
    offer = WaitlistOffer.objects.get(entry__token=paul["token"])
    later = now + timedelta(minutes=31)
    with time_machine.travel(later, tick=False):
        waitlist.offer_free_slots(later)  # Paul's hold ends; Marie's begins
        shown = client.get(f"/api/v1/waitlist/offers/{offer.token}/").json()
        assert (shown["status"], shown["held"], shown["open"]) == ("expired", False, True)
        response = client.post(f"/api/v1/waitlist/offers/{offer.token}/accept/")
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "slot_taken"
    marie_offer = WaitlistOffer.objects.get(entry__patient__first_name="Marie")
    assert marie_offer.status == "offered" and not Appointment.objects.filter(status="booked").exists()


def test_an_ended_hold_still_books_when_nobody_else_waits(client, offer, now):
    later = now + timedelta(minutes=31)
    with time_machine.travel(later, tick=False):
        waitlist.offer_free_slots(later)
        response = client.post(f"/api/v1/waitlist/offers/{offer.token}/accept/")
    assert response.status_code == 201, response.content


def test_the_visit_reasons_patient_rules_apply_when_joining(client, alice, now):
    follow_up = make_reason(alice, "Suivi", 20, patients="known")
    response = post(client, JOIN, join_body(alice, follow_up))
    assert response.status_code == 400 and response.json()["code"] == "known_patients_only"
    assert not WaitlistEntry.objects.exists()


def test_a_booking_rule_refusing_the_patient_at_accept_is_400_and_frees_the_hold(client, offer, alice, now):
    alice.accepts_new_patients = False  # changed after the patient joined
    alice.save()
    response = client.post(f"/api/v1/waitlist/offers/{offer.token}/accept/")
    assert response.status_code == 400
    assert set(response.json()) == {"detail", "code"} and response.json()["code"] == "no_new_patients"
    assert not Appointment.objects.filter(status="booked").exists()
    offer.refresh_from_db()
    assert offer.status == "expired" and offer.hold_until == now  # the time goes to the next patient


# The tokens.


def test_wrong_tokens_are_404_alike_and_change_nothing(client, offer, alice, consultation):
    appointment = make_appointment(alice, consultation, paris(2027, 3, 3, 9))
    well_formed = [
        "/api/v1/waitlist/" + "x" * 43 + "/",
        "/api/v1/waitlist/offers/" + "x" * 43 + "/",
        f"/api/v1/waitlist/{offer.token}/",  # an offer's key does not open the entry
        f"/api/v1/waitlist/offers/{offer.entry.token}/",  # nor the other way round
        f"/api/v1/waitlist/{appointment.manage_token}/",  # nor does a manage link
    ]
    answers = [client.get(url) for url in well_formed]
    assert [answer.status_code for answer in answers] == [404] * len(well_formed)
    assert len({answer.content for answer in answers}) == 1
    assert client.get(f"/api/v1/appointments/manage/{offer.entry.token}/").status_code == 404
    malformed = ["/api/v1/waitlist/short/", "/api/v1/waitlist/offers/%00/", "/api/v1/waitlist/offers/../../admin/"]
    assert [client.get(url).status_code for url in malformed] == [404] * len(malformed)
    actions = [
        f"/api/v1/waitlist/{offer.token}/leave/",
        f"/api/v1/waitlist/offers/{offer.entry.token}/accept/",
        f"/api/v1/waitlist/offers/{offer.entry.token}/decline/",
        "/api/v1/waitlist/offers/" + "y" * 43 + "/accept/",
    ]
    assert [client.post(url).status_code for url in actions] == [404] * len(actions)
    offer.refresh_from_db()
    assert (offer.status, offer.entry.status) == ("offered", "waiting")


def test_answers_need_a_post(client, offer):
    for url in (
        f"/api/v1/waitlist/offers/{offer.token}/accept/",
        f"/api/v1/waitlist/offers/{offer.token}/decline/",
        f"/api/v1/waitlist/{offer.entry.token}/leave/",
    ):
        assert client.get(url).status_code == 405
    assert client.delete(f"/api/v1/waitlist/{offer.entry.token}/").status_code == 405
    offer.refresh_from_db()
    assert (offer.status, offer.entry.status) == ("offered", "waiting")


def test_token_answers_are_not_cached(client, offer):
    for url in (f"/api/v1/waitlist/{offer.entry.token}/", f"/api/v1/waitlist/offers/{offer.token}/"):
        assert "no-cache" in client.get(url)["Cache-Control"]


def test_the_openapi_schema_describes_the_waiting_list(client, db):
    response = client.get("/api/schema/", headers={"Accept": "application/json"})
    assert response.status_code == 200
    schema = json.loads(response.content)
    paths = schema["paths"]
    assert "post" in paths["/api/v1/waitlist/"]
    assert "get" in paths["/api/v1/waitlist/{token}/"]
    assert "post" in paths["/api/v1/waitlist/{token}/leave/"]
    assert "get" in paths["/api/v1/waitlist/offers/{token}/"]
    assert {"201", "400", "404", "409", "503"} <= set(
        paths["/api/v1/waitlist/offers/{token}/accept/"]["post"]["responses"]
    )
    assert "post" in paths["/api/v1/waitlist/offers/{token}/decline/"]
