"""Absences and blocked time through the staff API (/api/v1/staff/absences/): the page's two steps, as attacks too."""

import json

import pytest
from django.test import Client

from clinic_instance.models import Appointment, AuditEntry, ScheduleException
from tests.factories import make_absence, make_appointment, make_patient, make_reason, paris
from tests.workspace import sign_in, staff_user

API = "/api/v1/staff/absences/"
INJECTION = "'; DROP TABLE clinic_instance_scheduleexception; -- <script>alert(1)</script>"


@pytest.fixture
def sarah(alice):
    """Alice's secretary, who does not manage Bob's agenda."""
    return staff_user("sarah", "secretary", agendas=[alice])


@pytest.fixture
def api(client, sarah, now):
    sign_in(client, sarah)
    return client


@pytest.fixture
def paul_at_nine(alice, consultation, now):
    return make_appointment(alice, consultation, paris(2027, 3, 2, 9, 0), patient=make_patient())


@pytest.fixture
def bobs_absence(bob, now):
    return make_absence(bob, paris(2027, 3, 2, 0, 0), paris(2027, 3, 3, 0, 0))


def post(client, body: dict, path: str = ""):
    return client.post(API + path, json.dumps(body), content_type="application/json")


def tuesday(alice, **fields) -> dict:
    return {
        "practitioner": alice.pk,
        "kind": "absence",
        "start": "2027-03-02T00:00:00+01:00",
        "end": "2027-03-03T00:00:00+01:00",
        **fields,
    }


def test_an_absence_over_no_appointment_is_created_at_once_and_audited(api, alice):
    response = post(api, tuesday(alice, note="Congrès"))
    assert response.status_code == 201
    body = response.json()
    assert (body["kind"], body["start"], body["end"]) == (
        "absence",
        "2027-03-02T00:00:00+01:00",
        "2027-03-03T00:00:00+01:00",
    )
    assert body["appointments"] == [] and body["cancelled"] == []
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.object_type, entry.object_id) == ("create", "absence", body["id"])
    assert "Congrès" not in entry.detail


def test_over_appointments_it_lists_the_patients_first_and_creates_nothing(api, alice, paul_at_nine):
    response = post(api, tuesday(alice))
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "affected_appointments"
    assert body["affected"] == [
        {
            "id": paul_at_nine.pk,
            "start": "2027-03-02T09:00:00+01:00",
            "end": "2027-03-02T09:20:00+01:00",
            "status": "booked",
            "patient": {"id": paul_at_nine.patient_id, "first_name": "Paul", "last_name": "Petit", "phone": "+33612345678"},
        }
    ]  # fmt: skip
    assert not ScheduleException.objects.exists()
    # Showing who the patients are is a read of their appointments.
    assert list(AuditEntry.objects.values_list("action", "object_id", "detail")) == [
        ("view", paul_at_nine.pk, "absence preview")
    ]


def test_deciding_to_cancel_cancels_the_appointments_seen_with_the_reason(api, alice, paul_at_nine):
    body = tuesday(alice, decision="cancel", reason="Dr Durand is ill", seen=[paul_at_nine.pk])
    response = post(api, body)
    assert response.status_code == 201
    assert response.json()["cancelled"] == [paul_at_nine.pk]
    assert [a["status"] for a in response.json()["appointments"]] == ["cancelled"]
    paul_at_nine.refresh_from_db()
    assert (paul_at_nine.status, paul_at_nine.cancelled_by, paul_at_nine.cancellation_reason) == (
        "cancelled",
        "clinic",
        "Dr Durand is ill",
    )
    actions = set(AuditEntry.objects.values_list("action", "object_type"))
    assert {("create", "absence"), ("cancel", "appointment")} <= actions
    assert "ill" not in " ".join(AuditEntry.objects.values_list("detail", flat=True))


def test_deciding_to_keep_keeps_them_to_be_moved(api, alice, paul_at_nine):
    response = post(api, tuesday(alice, decision="keep", seen=[paul_at_nine.pk]))
    assert response.status_code == 201 and response.json()["cancelled"] == []
    assert [a["id"] for a in response.json()["appointments"]] == [paul_at_nine.pk]
    assert Appointment.objects.get().status == "booked"


def test_an_appointment_booked_since_the_list_is_never_cancelled_unseen(api, alice, consultation, paul_at_nine):
    late = make_appointment(alice, consultation, paris(2027, 3, 2, 10, 0), patient=make_patient("Léa"))
    response = post(api, tuesday(alice, decision="cancel", reason="Ill", seen=[paul_at_nine.pk]))
    assert response.status_code == 409 and response.json()["code"] == "affected_changed"
    assert [a["id"] for a in response.json()["affected"]] == [paul_at_nine.pk, late.pk]
    assert not ScheduleException.objects.exists()
    assert set(Appointment.objects.values_list("status", flat=True)) == {"booked"}
    # A decision without the list of appointments seen is a decision about none.
    assert post(api, tuesday(alice, decision="cancel", reason="Ill")).status_code == 409
    assert set(Appointment.objects.values_list("status", flat=True)) == {"booked"}


def test_an_extra_opening_covers_no_appointment(api, alice, paul_at_nine):
    response = post(api, tuesday(alice, kind="opening"))
    assert response.status_code == 201 and Appointment.objects.get().status == "booked"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"end": "2027-03-01T23:00:00+01:00"}, "end"),
        ({"start": "2027-02-28T09:00:00+01:00"}, "start"),
        ({"start": "2027-03-02T09:00:00"}, "start"),
        ({"end": "2028-06-01T00:00:00+02:00"}, "end"),
        ({"kind": INJECTION}, "kind"),
        ({"note": "x" * 201}, "note"),
        ({"note": "nul\x00byte"}, "note"),
        ({"decision": "cancel", "reason": ""}, "reason"),
        ({"decision": "cancel", "reason": "x" * 301}, "reason"),
        ({"decision": "destroy"}, "decision"),
        ({"seen": ["1 OR 1=1"]}, "seen"),
        ({"seen": list(range(1, 502))}, "seen"),
        ({"practitioner": "1 OR 1=1"}, "practitioner"),
        ({"practitioner": 2**70}, "practitioner"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(api, alice, paul_at_nine, fields, field):
    response = post(api, tuesday(alice, **fields))
    assert response.status_code == 400
    assert field in response.json()
    assert not ScheduleException.objects.exists() and not AuditEntry.objects.exists()
    assert Appointment.objects.get().status == "booked"


def test_the_list_shows_the_callers_agendas_from_now_filtered_by_days(api, alice, bob, bobs_absence):
    past = make_absence(alice, paris(2027, 2, 1, 0, 0), paris(2027, 2, 2, 0, 0))
    tuesday_off = make_absence(alice, paris(2027, 3, 2, 0, 0), paris(2027, 3, 3, 0, 0))
    april = make_absence(alice, paris(2027, 4, 5, 0, 0), paris(2027, 4, 6, 0, 0))
    response = api.get(API)
    assert response.status_code == 200
    assert [a["id"] for a in response.json()["results"]] == [tuesday_off.pk, april.pk]
    in_march = api.get(API, {"from": "2027-02-01", "to": "2027-03-31", "practitioner": alice.pk}).json()
    assert [a["id"] for a in in_march["results"]] == [past.pk, tuesday_off.pk]
    assert api.get(API, {"from": "2027-03-02", "to": "2027-03-01"}).status_code == 400
    assert api.get(API, {"from": "yesterday"}).status_code == 400
    assert api.get(API, {"practitioner": bob.pk}).status_code == 404


def test_an_absence_shows_the_patients_to_warn_and_audits_the_read(api, alice, paul_at_nine):
    absence = make_absence(alice, paris(2027, 3, 2, 0, 0), paris(2027, 3, 3, 0, 0))
    response = api.get(f"{API}{absence.pk}/")
    assert response.status_code == 200
    assert [a["patient"]["phone"] for a in response.json()["appointments"]] == ["+33612345678"]
    assert list(AuditEntry.objects.values_list("action", "object_id", "detail")) == [
        ("view", paul_at_nine.pk, "absence")
    ]


def test_deleting_gives_the_time_back_and_is_audited(api, alice):
    absence = make_absence(alice, paris(2027, 3, 2, 0, 0), paris(2027, 3, 3, 0, 0))
    assert api.delete(f"{API}{absence.pk}/").status_code == 204
    assert not ScheduleException.objects.exists()
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.object_type, entry.object_id) == ("delete", "absence", absence.pk)


def test_bobs_absences_are_not_found_by_id(api, bob, bobs_absence):
    for absence_id in (bobs_absence.pk, 987654):
        assert api.get(f"{API}{absence_id}/").status_code == 404
        assert api.delete(f"{API}{absence_id}/").status_code == 404
    assert ScheduleException.objects.filter(pk=bobs_absence.pk).exists()
    assert post(api, tuesday(bob)).status_code == 404
    assert ScheduleException.objects.count() == 1 and not AuditEntry.objects.exists()


def test_bobs_appointments_are_not_listed_through_an_absence_over_them(api, bob, alice, paul_at_nine):
    make_appointment(bob, make_reason(bob, "Dermatologie", 30), paris(2027, 3, 2, 9, 0))
    response = post(api, tuesday(alice))
    assert [a["id"] for a in response.json()["affected"]] == [paul_at_nine.pk]


def test_wrong_methods_are_405(api, alice):
    absence = make_absence(alice, paris(2027, 3, 2, 0, 0), paris(2027, 3, 3, 0, 0))
    assert api.put(API, "{}", content_type="application/json").status_code == 405
    assert api.delete(API).status_code == 405
    assert post(api, tuesday(alice), path=f"{absence.pk}/").status_code == 405
    assert api.patch(f"{API}{absence.pk}/", "{}", content_type="application/json").status_code == 405
    assert ScheduleException.objects.count() == 1


def test_a_cross_site_write_without_the_csrf_token_is_403(sarah, alice, now):
    absence = make_absence(alice, paris(2027, 3, 2, 0, 0), paris(2027, 3, 3, 0, 0))
    browser = Client(enforce_csrf_checks=True)
    sign_in(browser, sarah)
    assert (
        post(browser, tuesday(alice, start="2027-03-04T00:00:00+01:00", end="2027-03-05T00:00:00+01:00")).status_code
        == 403
    )
    assert browser.delete(f"{API}{absence.pk}/").status_code == 403
    assert ScheduleException.objects.count() == 1
    assert browser.get(API).status_code == 200


def test_anonymous_callers_get_401(client, alice, now):
    absence = make_absence(alice, paris(2027, 3, 2, 0, 0), paris(2027, 3, 3, 0, 0))
    assert client.get(API).status_code == 401
    assert client.get(f"{API}{absence.pk}/").status_code == 401
    assert client.delete(f"{API}{absence.pk}/").status_code == 401
    assert post(client, tuesday(alice)).status_code == 401
    assert ScheduleException.objects.count() == 1
