"""The public API contract: paths, fields, status codes, and the attacks on it."""

import json

import pytest

from clinic_instance.manage_links import appointment_or_404
from clinic_instance.models import Appointment, Patient
from tests.factories import make_appointment, make_reason, paris, patient_json

TUESDAY_9 = "2027-03-02T09:00:00+01:00"


def post(client, url, body, **headers):
    return client.post(url, json.dumps(body), content_type="application/json", headers=headers)


def booking_body(practitioner, reason, start=TUESDAY_9, **patient):
    return {
        "practitioner": practitioner.pk,
        "visit_reason": reason.pk,
        "start": start,
        "patient": patient_json(**patient),
    }


@pytest.fixture
def booked(client, alice, consultation, now):
    response = post(client, "/api/v1/appointments/", booking_body(alice, consultation))
    assert response.status_code == 201, response.content
    return response.json()


def test_practitioners_list_only_online_bookable_reasons(client, alice, consultation, bob, now):
    make_reason(alice, "Urgence", 15, online_bookable=False)
    make_reason(alice, "Ancien motif", 15, is_active=False)
    make_reason(bob, "Suivi", 30, patients="known")
    response = client.get("/api/v1/practitioners/")
    assert response.status_code == 200
    by_name = {p["name"]: p for p in response.json()}
    assert by_name["Dr Alice Durand"] == {
        "id": alice.pk,
        "name": "Dr Alice Durand",
        "specialty": "Médecin généraliste",
        "visit_reasons": [{"id": consultation.pk, "name": "Consultation", "duration_minutes": 20, "patients": "all"}],
    }
    assert by_name["Dr Bob Martin"]["visit_reasons"][0]["patients"] == "known"


def test_slots_are_given_in_local_time_with_their_offset(client, alice, consultation, now):
    response = client.get(
        f"/api/v1/slots/?practitioner={alice.pk}&visit_reason={consultation.pk}&from=2027-03-02&to=2027-03-02"
    )
    assert response.status_code == 200
    slots = response.json()["slots"]
    assert slots[0] == {"start": "2027-03-02T09:00:00+01:00", "end": "2027-03-02T09:20:00+01:00"}
    assert len(slots) == 9 + 12  # 3 h and 4 h of 20-minute slots


def test_slots_after_the_clock_change_carry_the_summer_offset(client, alice, consultation, now):
    response = client.get(
        f"/api/v1/slots/?practitioner={alice.pk}&visit_reason={consultation.pk}&from=2027-03-30&to=2027-03-30"
    )
    assert response.json()["slots"][0]["start"] == "2027-03-30T09:00:00+02:00"


@pytest.mark.parametrize(("day", "open_"), [("2027-03-29", False), ("2027-05-06", False), ("2027-05-07", True)])
def test_slots_skip_french_public_holidays(client, alice, consultation, now, day, open_):
    # Easter Monday and Ascension Day 2027 are closed; the Friday after Ascension is not.
    response = client.get(f"/api/v1/slots/?practitioner={alice.pk}&visit_reason={consultation.pk}&from={day}&to={day}")
    assert bool(response.json()["slots"]) is open_


@pytest.mark.parametrize(
    "query",
    [
        "practitioner=999999&visit_reason={reason}&from=2027-03-02&to=2027-03-03",
        "practitioner={alice}&visit_reason=999999&from=2027-03-02&to=2027-03-03",
        "practitioner={bob}&visit_reason={reason}&from=2027-03-02&to=2027-03-03",
    ],
)
def test_slots_of_unknown_or_unrelated_ids_are_404(client, alice, bob, consultation, now, query):
    url = "/api/v1/slots/?" + query.format(alice=alice.pk, bob=bob.pk, reason=consultation.pk)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2027-03-05&to=2027-03-02", "to"),
        ("from=2027-03-02&to=9999-12-31", "to"),
        ("from=2027-03-02&to=2027-05-10", "to"),
        ("from=yesterday&to=2027-03-02", "from"),
        ("to=2027-03-02", "from"),
    ],
)
def test_bad_or_oversized_slot_ranges_are_400_with_the_field(client, alice, consultation, now, query, field):
    response = client.get(f"/api/v1/slots/?practitioner={alice.pk}&visit_reason={consultation.pk}&{query}")
    assert response.status_code == 400
    assert field in response.json()


def test_a_non_numeric_practitioner_is_400(client, now, clinic):
    response = client.get("/api/v1/slots/?practitioner=1%27%20OR%201=1&visit_reason=1&from=2027-03-02&to=2027-03-02")
    assert response.status_code == 400
    assert "practitioner" in response.json()


def test_booking_returns_the_contract_fields(booked):
    assert set(booked) == {"start", "end", "status", "manage_token"}
    assert booked["start"] == TUESDAY_9
    assert booked["end"] == "2027-03-02T09:20:00+01:00"
    assert booked["status"] == "booked"
    appointment = appointment_or_404(booked["manage_token"])
    assert appointment.patient.phone == "+33612345678"


def test_a_booked_slot_disappears_from_the_list(client, alice, consultation, booked):
    response = client.get(
        f"/api/v1/slots/?practitioner={alice.pk}&visit_reason={consultation.pk}&from=2027-03-02&to=2027-03-02"
    )
    assert TUESDAY_9 not in [slot["start"] for slot in response.json()["slots"]]


def test_booking_a_taken_slot_is_409_with_the_nearest_free_slots(client, alice, consultation, booked):
    response = post(client, "/api/v1/appointments/", booking_body(alice, consultation, first_name="Zoé"))
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "slot_taken"
    assert body["nearest_slots"][0]["start"] == "2027-03-02T09:20:00+01:00"
    assert Appointment.objects.count() == 1
    assert not Patient.objects.filter(first_name="Zoé").exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"start": "2027-02-26T09:00:00+01:00"}, "start"),  # the past
        ({"start": "2027-03-02T09:07:00+01:00"}, "start"),  # not a slot start
        ({"start": "2027-03-02T03:00:00+01:00"}, "start"),  # outside working hours
        ({"start": "2027-03-02T09:00:00"}, "start"),  # no offset
        ({"start": "not a date"}, "start"),
        ({"practitioner": 999999}, "practitioner"),
        ({"visit_reason": 999999}, "visit_reason"),
        ({"practitioner": "1; DROP TABLE clinic_instance_appointment"}, "practitioner"),
    ],
)
def test_bad_bookings_are_400_with_the_failing_field(client, alice, consultation, now, change, field):
    response = post(client, "/api/v1/appointments/", {**booking_body(alice, consultation), **change})
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert Appointment.objects.count() == 0


def test_a_reason_of_another_practitioner_is_400(client, alice, bob, consultation, now):
    response = post(client, "/api/v1/appointments/", booking_body(bob, consultation))
    assert response.status_code == 400
    assert "visit_reason" in response.json()


@pytest.mark.parametrize(
    ("patient", "field"),
    [
        ({"phone": "12"}, "phone"),
        ({"phone": "+33 1 23"}, "phone"),
        ({"first_name": ""}, "first_name"),
        ({"last_name": "   "}, "last_name"),
        ({"first_name": "x" * 101}, "first_name"),
        ({"last_name": "Petit\x00"}, "last_name"),
        ({"email": "a@" + "b" * 300 + ".fr"}, "email"),
        ({"email": "not-an-email"}, "email"),
        ({"birth_date": "2099-01-01"}, "birth_date"),
        ({"birth_date": "1850-01-01"}, "birth_date"),
        ({"birth_date": "17/05/1980"}, "birth_date"),
    ],
)
def test_bad_patient_details_are_400_with_the_field(client, alice, consultation, now, patient, field):
    response = post(client, "/api/v1/appointments/", booking_body(alice, consultation, **patient))
    assert response.status_code == 400, response.content
    assert field in response.json()["patient"]
    assert Appointment.objects.count() == 0


def test_a_missing_patient_is_400(client, alice, consultation, now):
    body = booking_body(alice, consultation)
    del body["patient"]
    response = post(client, "/api/v1/appointments/", body)
    assert response.status_code == 400
    assert "patient" in response.json()


def test_an_oversized_body_is_refused_without_a_500(client, alice, consultation, now):
    response = post(client, "/api/v1/appointments/", booking_body(alice, consultation, first_name="é" * 200_000))
    assert response.status_code in (400, 413)


def test_a_body_over_the_upload_limit_is_400_and_books_nothing(client, alice, consultation, now):
    response = post(client, "/api/v1/appointments/", booking_body(alice, consultation, email="a" * 1_000_000))
    assert response.status_code == 400
    assert Appointment.objects.count() == 0


def test_injection_strings_are_stored_verbatim_and_harmless(client, alice, consultation, now):
    name = "Robert'); DROP TABLE clinic_instance_patient;--"
    response = post(client, "/api/v1/appointments/", booking_body(alice, consultation, last_name=name))
    assert response.status_code == 201
    assert Patient.objects.get().last_name == name


def test_html_in_names_is_escaped_on_the_pages(client, alice, consultation, now):
    response = post(client, "/api/v1/appointments/", booking_body(alice, consultation, first_name="<script>x</script>"))
    page = client.get(f"/appointment/{response.json()['manage_token']}/")
    assert b"<script>x</script>" not in page.content


def test_the_same_idempotency_key_books_once(client, alice, consultation, now):
    body = booking_body(alice, consultation)
    first = post(client, "/api/v1/appointments/", body, **{"Idempotency-Key": "abc-123"})
    second = post(client, "/api/v1/appointments/", body, **{"Idempotency-Key": "abc-123"})
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json() == second.json()
    assert Appointment.objects.count() == 1


def test_an_idempotency_key_reused_with_another_body_is_refused(client, alice, consultation, now):
    post(client, "/api/v1/appointments/", booking_body(alice, consultation), **{"Idempotency-Key": "abc"})
    other = booking_body(alice, consultation, start="2027-03-02T10:00:00+01:00")
    response = post(client, "/api/v1/appointments/", other, **{"Idempotency-Key": "abc"})
    assert response.status_code == 400
    assert response.json()["code"] == "idempotency_key_reused"
    assert Appointment.objects.count() == 1


def test_an_oversized_idempotency_key_is_400(client, alice, consultation, now):
    response = post(
        client, "/api/v1/appointments/", booking_body(alice, consultation), **{"Idempotency-Key": "k" * 256}
    )
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()


def test_the_manage_link_shows_minimal_details_and_no_patient_data(client, booked):
    response = client.get(f"/api/v1/appointments/manage/{booked['manage_token']}/")
    assert response.status_code == 200
    body = response.json()
    assert body["start"] == TUESDAY_9
    assert body["practitioner"] == "Dr Alice Durand"
    assert body["can_change"] is True
    assert "patient_first_name" not in body  # the link may be forwarded; its holder knows their own name
    text = json.dumps(body)
    for secret in ("Paul", "Petit", "+33612345678", "1980-05-17", "paul@example.org"):
        assert secret not in text


@pytest.mark.parametrize("token", ["wrong", "x" * 43, "../../admin", "%00"])
def test_a_wrong_manage_token_is_404(client, booked, token):
    assert client.get(f"/api/v1/appointments/manage/{token}/").status_code == 404
    assert client.post(f"/api/v1/appointments/manage/{token}/cancel/").status_code == 404
    assert Appointment.objects.get().status == "booked"


def test_cancel_by_manage_link(client, booked, alice, consultation):
    response = client.post(f"/api/v1/appointments/manage/{booked['manage_token']}/cancel/")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert post(client, "/api/v1/appointments/", booking_body(alice, consultation)).status_code == 201


def test_cancel_after_the_cutoff_is_refused_with_a_clear_message(client, alice, consultation, now):
    appointment = make_appointment(alice, consultation, paris(2027, 3, 1, 17, 0))
    response = client.post(
        f"/api/v1/appointments/manage/{appointment.manage_token}/cancel/", headers={"Accept-Language": "en"}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "cutoff_passed"
    assert "too late" in response.json()["detail"]
    appointment.refresh_from_db()
    assert appointment.status == "booked"


def test_reschedule_by_manage_link(client, booked):
    url = f"/api/v1/appointments/manage/{booked['manage_token']}/reschedule/"
    response = post(client, url, {"start": "2027-03-03T14:00:00+01:00"})
    assert response.status_code == 200, response.content
    assert response.json()["start"] == "2027-03-03T14:00:00+01:00"


def test_reschedule_onto_a_taken_slot_is_409(client, booked, alice, consultation):
    make_appointment(alice, consultation, paris(2027, 3, 3, 14, 0))
    url = f"/api/v1/appointments/manage/{booked['manage_token']}/reschedule/"
    assert post(client, url, {"start": "2027-03-03T14:00:00+01:00"}).status_code == 409
    assert appointment_or_404(booked["manage_token"]).start == paris(2027, 3, 2, 9, 0)


def test_reschedule_into_the_past_is_400(client, booked):
    url = f"/api/v1/appointments/manage/{booked['manage_token']}/reschedule/"
    response = post(client, url, {"start": "2027-02-01T09:00:00+01:00"})
    assert response.status_code == 400
    assert "start" in response.json()


def test_the_openapi_schema_describes_the_public_api(client, db):
    response = client.get("/api/schema/", headers={"Accept": "application/json"})
    assert response.status_code == 200
    schema = json.loads(response.content) if response.content.startswith(b"{") else None
    text = response.content.decode()
    for path in (
        "/api/v1/practitioners/",
        "/api/v1/slots/",
        "/api/v1/appointments/",
        "/api/v1/appointments/manage/{token}/cancel/",
        "/api/v1/appointments/manage/{token}/reschedule/",
    ):
        assert path in text
    if schema:
        assert "409" in schema["paths"]["/api/v1/appointments/"]["post"]["responses"]


def test_slots_take_a_bounded_number_of_queries(client, alice, consultation, now, django_assert_max_num_queries):
    for day in range(2, 6):
        make_appointment(alice, consultation, paris(2027, 3, day, 9, 0), status="booked")
        make_appointment(alice, consultation, paris(2027, 3, day, 10, 0), status="booked")
    with django_assert_max_num_queries(8):
        response = client.get(
            f"/api/v1/slots/?practitioner={alice.pk}&visit_reason={consultation.pk}&from=2027-03-01&to=2027-03-28"
        )
    assert response.status_code == 200


def test_the_api_sends_no_cookie(client, alice, consultation, now):
    response = client.get("/api/v1/practitioners/")
    assert not response.cookies
