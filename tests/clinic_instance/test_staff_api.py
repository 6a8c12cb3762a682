"""The staff API (/api/v1/staff/): the workspace's operations, checks and audit, as attacks too (issue 5)."""

import json

import pytest
from django.test import Client

from clinic_instance.models import Appointment, AuditEntry, Patient, StaffMember
from tests.factories import make_appointment, make_patient, make_reason, paris
from tests.workspace import sign_in, staff_user

API = "/api/v1/staff/"
INJECTION = "'; DROP TABLE clinic_instance_patient; -- <script>alert(1)</script>"


@pytest.fixture
def sarah(alice):
    return staff_user("sarah", "secretary", agendas=[alice])


@pytest.fixture
def api(client, sarah, now):
    sign_in(client, sarah)
    return client


@pytest.fixture
def paul(db):
    return make_patient()


@pytest.fixture
def appointment(alice, consultation, paul, now):
    return make_appointment(alice, consultation, paris(2027, 3, 1, 9, 0), patient=paul)


@pytest.fixture
def bobs(bob, now):
    return make_appointment(bob, make_reason(bob, "Dermatologie", 30), paris(2027, 3, 1, 9, 0))


def post(client, path: str, body: dict):
    return client.post(API + path, json.dumps(body), content_type="application/json")


def booking(alice, consultation, **fields) -> dict:
    return {"practitioner": alice.pk, "visit_reason": consultation.pk, "start": "2027-03-01T09:20:00+01:00", **fields}


def test_the_practitioners_are_the_visible_ones(api, alice, bob, consultation):
    practitioners = api.get(API + "practitioners/").json()
    assert [p["id"] for p in practitioners] == [alice.pk]
    assert practitioners[0]["visit_reasons"][0]["name"] == "Consultation"


def test_the_list_filters_by_practitioner_and_days_and_audits_each_read(api, alice, appointment, bobs):
    response = api.get(API + "appointments/", {"from": "2027-03-01", "to": "2027-03-01"})
    assert response.status_code == 200
    assert [a["id"] for a in response.json()] == [appointment.pk]
    assert response.json()[0]["patient"]["last_name"] == "Petit"
    assert list(AuditEntry.objects.values_list("action", "object_id")) == [("view", appointment.pk)]
    assert api.get(API + "appointments/", {"from": "2027-03-02", "to": "2027-03-02"}).json() == []
    assert api.get(API + "appointments/", {"from": "2027-03-01", "to": "2027-06-01"}).status_code == 400
    assert api.get(API + "appointments/", {"from": "2027-03-01"}).status_code == 400


def test_bobs_agenda_is_not_found_in_the_list_filter(api, bob, bobs):
    assert (
        api.get(API + "appointments/", {"from": "2027-03-01", "to": "2027-03-01", "practitioner": bob.pk}).status_code
        == 404
    )


def test_booking_by_phone_for_a_known_patient(api, alice, consultation, paul):
    response = post(api, "appointments/", booking(alice, consultation, patient=paul.pk))
    assert response.status_code == 201
    body = response.json()
    assert (body["start"], body["source"], body["patient"]["id"]) == ("2027-03-01T09:20:00+01:00", "phone", paul.pk)
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.object_id, entry.detail) == ("create", body["id"], "2027-03-01 09:20")


def test_booking_a_new_patient_flags_likely_duplicates_first(api, alice, consultation, paul):
    new = {"first_name": "Paul", "last_name": "Pettit", "birth_date": "1980-05-17", "phone": "06 99 99 99 99"}
    refused = post(api, "appointments/", booking(alice, consultation, new_patient=new))
    assert refused.status_code == 400
    assert refused.json()["code"] == "possible_duplicates"
    assert [p["id"] for p in refused.json()["possible_duplicates"]] == [paul.pk]
    assert Patient.objects.count() == 1
    # The look-alike shown is a read of Paul's record.
    assert list(AuditEntry.objects.values_list("action", "patient_id", "detail")) == [
        ("view", paul.pk, "search result")
    ]
    created = post(api, "appointments/", booking(alice, consultation, new_patient=new, create_anyway=True))
    assert created.status_code == 201 and created.json()["patient"]["phone"] == "+33699999999"
    assert sorted(AuditEntry.objects.exclude(detail="search result").values_list("object_type", flat=True)) == [
        "appointment",
        "patient",
    ]


def test_outside_the_usual_hours_needs_force_and_the_past_is_refused(api, alice, consultation, paul):
    evening = booking(alice, consultation, patient=paul.pk, start="2027-03-01T19:00:00+01:00")
    refused = post(api, "appointments/", evening)
    assert refused.status_code == 400 and refused.json()["code"] == "outside_hours" and "start" in refused.json()
    assert post(api, "appointments/", {**evening, "force": True}).json()["forced"] is True
    past = post(
        api,
        "appointments/",
        booking(alice, consultation, patient=paul.pk, start="2027-03-01T07:00:00+01:00", force=True),
    )
    assert past.status_code == 400 and past.json()["code"] == "past"


def test_a_taken_slot_is_409(api, alice, consultation, paul, appointment):
    response = post(
        api, "appointments/", booking(alice, consultation, patient=paul.pk, start="2027-03-01T09:10:00+01:00")
    )
    assert response.status_code == 409 and response.json()["code"] == "slot_taken"


def test_booking_bobs_agenda_is_not_found(api, bob, paul):
    reason = make_reason(bob, "Dermatologie", 30)
    assert post(api, "appointments/", booking(bob, reason, patient=paul.pk)).status_code == 404
    assert not Appointment.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"new_patient": {"first_name": "x" * 101, "last_name": "B", "birth_date": "1990-01-01", "phone": "0622222222"}}, "new_patient"),
        ({"new_patient": {"first_name": INJECTION, "last_name": "B", "birth_date": "1990-01-01", "phone": INJECTION}}, "new_patient"),
        ({"patient": 1, "start": "2027-03-01T09:20:00"}, "start"),
        ({"patient": "1 OR 1=1"}, "patient"),
        ({}, "patient"),
    ],
)  # fmt: skip
def test_bad_bookings_are_refused_naming_the_field(api, alice, consultation, body, field):
    response = post(api, "appointments/", booking(alice, consultation, **body))
    assert response.status_code == 400
    assert field in response.json()
    assert not Appointment.objects.exists() and not Patient.objects.exists()


def test_retrieve_move_cancel_status_and_note(api, alice, appointment):
    assert api.get(API + f"appointments/{appointment.pk}/").json()["id"] == appointment.pk
    moved = post(api, f"appointments/{appointment.pk}/move/", {"start": "2027-03-01T10:00:00+01:00"})
    assert moved.status_code == 200 and moved.json()["start"] == "2027-03-01T10:00:00+01:00"
    assert post(api, f"appointments/{appointment.pk}/note/", {"note": "Bring the X-rays"}).json()["staff_note"]
    assert post(api, f"appointments/{appointment.pk}/status/", {"status": "arrived"}).json()["status"] == "arrived"
    assert post(api, f"appointments/{appointment.pk}/status/", {"status": "booked"}).status_code == 200
    cancelled = post(api, f"appointments/{appointment.pk}/cancel/", {"reason": "Dr Durand is ill"})
    assert cancelled.json()["status"] == "cancelled"
    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["view", "move", "note", "status", "status", "cancel"]
    details = " ".join(AuditEntry.objects.values_list("detail", flat=True))
    assert "X-rays" not in details and "ill" not in details and "Consultation" not in details


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("note", {"note": "x" * 2001}, "note"),
        ("cancel", {"reason": "x" * 301}, "reason"),
        ("cancel", {"reason": ""}, "reason"),
        ("status", {"status": INJECTION}, "status"),
        ("move", {"start": INJECTION}, "start"),
        ("move", {"start": "2027-02-28T10:00:00+01:00"}, "start"),
    ],
)
def test_bad_changes_are_refused_naming_the_field_and_nothing_is_written(api, appointment, path, body, field):
    before = Appointment.objects.values().get(pk=appointment.pk)
    response = post(api, f"appointments/{appointment.pk}/{path}/", body)
    assert response.status_code == 400 and field in response.json()
    assert Appointment.objects.values().get(pk=appointment.pk) == before
    assert not AuditEntry.objects.exists()


CHANGES = [("move", {"start": "2027-03-01T10:00:00+01:00"}), ("cancel", {"reason": "x"}),
           ("status", {"status": "arrived"}), ("note", {"note": "x"})]  # fmt: skip


def test_bobs_appointment_is_not_found_by_id(api, bobs):
    before = Appointment.objects.values().get(pk=bobs.pk)
    for appointment_id in (bobs.pk, 987654):
        assert api.get(API + f"appointments/{appointment_id}/").status_code == 404
        for path, body in CHANGES:
            assert post(api, f"appointments/{appointment_id}/{path}/", body).status_code == 404
    assert Appointment.objects.values().get(pk=bobs.pk) == before
    assert not AuditEntry.objects.exists()


def test_a_move_to_bobs_agenda_is_not_found(api, bob, consultation, appointment):
    consultation.practitioners.add(bob)
    body = {"start": "2027-03-01T10:00:00+01:00", "practitioner": bob.pk}
    assert post(api, f"appointments/{appointment.pk}/move/", body).status_code == 404


@pytest.mark.parametrize(("path", "body"), CHANGES)
def test_a_state_change_sent_as_get_is_405(api, appointment, path, body):
    assert api.get(API + f"appointments/{appointment.pk}/{path}/", body).status_code == 405
    assert Appointment.objects.get().status == "booked"


def test_a_cross_site_post_without_the_csrf_token_is_403(sarah, alice, consultation, paul, appointment, now):
    browser = Client(enforce_csrf_checks=True)
    sign_in(browser, sarah)
    assert post(browser, "appointments/", booking(alice, consultation, patient=paul.pk)).status_code == 403
    for path, body in CHANGES:
        assert post(browser, f"appointments/{appointment.pk}/{path}/", body).status_code == 403
    assert Appointment.objects.count() == 1 and Appointment.objects.get().status == "booked"
    assert browser.get(API + "practitioners/").status_code == 200  # reads need no token


def test_anonymous_and_unverified_callers_get_401(client, alice, sarah, appointment, now, settings):
    paths = ["practitioners/", "appointments/?from=2027-03-01&to=2027-03-01", f"appointments/{appointment.pk}/",
             "patients/?q=petit", f"patients/{appointment.patient_id}/", "members/"]  # fmt: skip
    for path in paths:
        response = client.get(API + path)
        assert response.status_code == 401 and response.headers["WWW-Authenticate"]
    for path, body in CHANGES:
        assert post(client, f"appointments/{appointment.pk}/{path}/", body).status_code == 401
    settings.STAFF_TWO_FACTOR_REQUIRED = True
    client.force_login(sarah)  # password only, no second factor
    assert client.get(API + "practitioners/").status_code == 401


def test_patients_search_and_retrieve(api, paul):
    results = api.get(API + "patients/", {"q": "Petti 17/05/1980"}).json()
    assert [(r["patient"]["id"], r["possible_duplicate"]) for r in results] == [(paul.pk, False)]
    assert api.get(API + f"patients/{paul.pk}/").json()["phone"] == "+33612345678"
    # The search result and the record, both reads of Paul's identity.
    assert list(AuditEntry.objects.order_by("id").values_list("action", "patient_id", "detail")) == [
        ("view", paul.pk, "search result"),
        ("view", paul.pk, ""),
    ]
    assert api.get(API + "patients/987654/").status_code == 404


def test_a_practitioner_promoting_himself_to_administrator_is_403(client, alice, now):
    doctor = staff_user("alice", "practitioner", practitioner=alice)
    sign_in(client, doctor)
    member = StaffMember.objects.get(user=doctor)
    response = client.patch(
        API + f"members/{member.pk}/", json.dumps({"role": "admin"}), content_type="application/json"
    )
    assert response.status_code == 403
    assert client.get(API + "members/").status_code == 403
    member.refresh_from_db()
    assert member.role == "practitioner" and not doctor.is_superuser


def test_an_administrator_changes_roles_and_agendas(client, alice, bob, sarah, now):
    boss = staff_user("boss", "admin")
    sign_in(client, boss)
    members = client.get(API + "members/").json()
    assert {m["username"] for m in members} == {"boss", "sarah"}
    member = StaffMember.objects.get(user=sarah)
    response = client.patch(
        API + f"members/{member.pk}/", json.dumps({"agendas": [alice.pk, bob.pk]}), content_type="application/json"
    )
    assert response.status_code == 200 and sorted(response.json()["agendas"]) == sorted([alice.pk, bob.pk])
    assert response.json()["role"] == "secretary"
    assert AuditEntry.objects.get().action == "staff"
    own = StaffMember.objects.get(user=boss)
    last_admin = client.patch(
        API + f"members/{own.pk}/", json.dumps({"role": "secretary"}), content_type="application/json"
    )
    assert last_admin.status_code == 400 and "role" in last_admin.json()
    assert client.patch(API + "members/987654/", "{}", content_type="application/json").status_code == 404


def test_the_openapi_schema_describes_the_staff_api(client, db):
    schema = client.get("/api/schema/", headers={"Accept": "application/json"}).content.decode()
    for path in ("/api/v1/staff/appointments/", "/api/v1/staff/appointments/{appointment_id}/move/",
                 "/api/v1/staff/patients/", "/api/v1/staff/members/{member_id}/"):  # fmt: skip
        assert path in schema
    assert "staffSession" in schema


def test_staff_may_book_a_new_patient_with_a_landline(api, alice, consultation):
    # Patients must give a mobile (their SMS go there); staff may record the number the clinic calls.
    new = {"first_name": "Jeanne", "last_name": "Fixe", "birth_date": "1940-02-03", "phone": "02 99 12 34 56"}
    created = post(api, "appointments/", booking(alice, consultation, new_patient=new))
    assert created.status_code == 201 and created.json()["patient"]["phone"] == "+33299123456"
