"""Patient records through the staff API: corrections, merges, GDPR export and erasure, as attacks too."""

import json

import pytest
from django.test import Client

from clinic_instance.models import Appointment, AuditEntry, Patient
from tests.factories import make_appointment, make_patient, make_reason, paris
from tests.workspace import sign_in, staff_user

API = "/api/v1/staff/patients/"
INJECTION = "'; DROP TABLE clinic_instance_patient; -- <script>alert(1)</script>"


@pytest.fixture
def sarah(alice):
    """Alice's secretary, who does not manage Bob's agenda."""
    return staff_user("sarah", "secretary", agendas=[alice])


@pytest.fixture
def api(client, sarah, now):
    sign_in(client, sarah)
    return client


@pytest.fixture
def admin_api(client, now, db):
    sign_in(client, staff_user("boss", "admin"))
    return client


@pytest.fixture
def paul(db):
    return make_patient()


@pytest.fixture
def pauls_double(db):
    return make_patient("Paul", "Pettit", phone="+33699999999", email="")


def send(client, method: str, path: str, body: object):
    return getattr(client, method)(API + path, json.dumps(body), content_type="application/json")


def test_a_correction_saves_the_fields_sent_and_audits_their_names_only(api, paul):
    response = send(api, "patch", f"{paul.pk}/", {"last_name": "  Petit-Durand ", "phone": "06 99 99 99 99"})
    assert response.status_code == 200
    assert (response.json()["last_name"], response.json()["phone"]) == ("Petit-Durand", "+33699999999")
    paul.refresh_from_db()
    assert (paul.first_name, paul.last_name, paul.phone, paul.email) == (
        "Paul",
        "Petit-Durand",
        "+33699999999",
        "paul@example.org",
    )
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.patient_id, entry.detail) == ("update", paul.pk, "last_name, phone")


def test_an_unchanged_correction_changes_nothing_and_is_a_read(api, paul):
    assert send(api, "patch", f"{paul.pk}/", {}).status_code == 200  # the answer shows the record
    assert send(api, "patch", f"{paul.pk}/", {"first_name": "Paul"}).status_code == 200
    assert list(AuditEntry.objects.values_list("action", "patient_id")) == [("view", paul.pk), ("view", paul.pk)]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"first_name": "x" * 101}, "first_name"),
        ({"first_name": ""}, "first_name"),
        ({"last_name": "Petit\x07"}, "last_name"),
        ({"phone": INJECTION}, "phone"),
        ({"phone": "1" * 33}, "phone"),
        ({"email": INJECTION}, "email"),
        ({"email": "a" * 250 + "@example.org"}, "email"),
        ({"birth_date": "2030-01-01"}, "birth_date"),
        ({"birth_date": "1800-01-01"}, "birth_date"),
        ({"birth_date": INJECTION}, "birth_date"),
        ({"first_name": {"$gt": ""}}, "first_name"),
        ({"last_name": ["Petit", "Durand"]}, "last_name"),
    ],
)
def test_bad_corrections_are_refused_naming_the_field_and_nothing_is_written(api, paul, body, field):
    before = Patient.objects.values().get(pk=paul.pk)
    response = send(api, "patch", f"{paul.pk}/", body)
    assert response.status_code == 400 and field in response.json()
    assert Patient.objects.values().get(pk=paul.pk) == before
    assert not AuditEntry.objects.exists()


def test_a_body_that_is_not_an_object_is_400(api, paul):
    assert send(api, "patch", f"{paul.pk}/", ["first_name"]).status_code == 400


def test_erased_and_unknown_patients_are_not_found(api, paul, now):
    paul.erased_at = now
    paul.save()
    for patient_id in (paul.pk, 987654):
        assert send(api, "patch", f"{patient_id}/", {"first_name": "Eve"}).status_code == 404
        assert send(api, "post", f"{patient_id}/merge/", {"duplicate": 1}).status_code == 404
    assert Patient.objects.get().first_name == "Paul" and not AuditEntry.objects.exists()


def test_a_merge_moves_the_appointments_and_fills_blank_details(api, alice, consultation, paul, pauls_double):
    kept_visit = make_appointment(alice, consultation, paris(2027, 3, 2, 9, 0), patient=paul)
    double_visit = make_appointment(alice, consultation, paris(2027, 3, 3, 9, 0), patient=pauls_double)
    response = send(api, "post", f"{pauls_double.pk}/merge/", {"duplicate": paul.pk})
    assert response.status_code == 200
    assert (response.json()["id"], response.json()["email"]) == (pauls_double.pk, "paul@example.org")
    assert not Patient.objects.filter(pk=paul.pk).exists()
    assert set(Appointment.objects.values_list("patient_id", flat=True)) == {pauls_double.pk}
    assert {kept_visit.pk, double_visit.pk} == set(Appointment.objects.values_list("pk", flat=True))
    merges = AuditEntry.objects.filter(action="merge")
    assert set(merges.values_list("patient_id", flat=True)) == {paul.pk, pauls_double.pk}


def test_a_secretary_cannot_merge_records_with_appointments_outside_her_agendas(api, bob, paul, pauls_double):
    make_appointment(bob, make_reason(bob, "Dermatologie", 30), paris(2027, 3, 2, 9, 0), patient=paul)
    response = send(api, "post", f"{pauls_double.pk}/merge/", {"duplicate": paul.pk})
    assert response.status_code == 403
    assert Patient.objects.count() == 2 and Appointment.objects.get().patient_id == paul.pk
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("duplicate", ["1 OR 1=1", None, -1, 2**70])
def test_a_bad_duplicate_is_refused_naming_the_field(api, paul, pauls_double, duplicate):
    response = send(api, "post", f"{paul.pk}/merge/", {"duplicate": duplicate})
    assert response.status_code == 400 and "duplicate" in response.json()
    assert Patient.objects.count() == 2


def test_a_record_is_not_merged_into_itself(api, paul):
    response = send(api, "post", f"{paul.pk}/merge/", {"duplicate": paul.pk})
    assert response.status_code == 400 and "duplicate" in response.json()
    assert Patient.objects.filter(pk=paul.pk).exists()


def test_an_administrator_exports_a_patient_and_the_export_is_audited(admin_api, alice, consultation, paul):
    make_appointment(alice, consultation, paris(2027, 3, 2, 9, 0), patient=paul, staff_note="Allergic")
    response = admin_api.get(f"{API}{paul.pk}/export/")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store, private"
    body = response.json()
    assert body["format"] == "openrdv-patient-export/1"
    assert body["patient"]["last_name"] == "Petit" and body["appointments"][0]["staff_note"] == "Allergic"
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.patient_id, entry.actor_label) == ("export", paul.pk, "boss")


def test_an_administrator_erases_a_patient_keeping_anonymised_appointments(admin_api, alice, consultation, paul):
    visit = make_appointment(alice, consultation, paris(2027, 3, 2, 9, 0), patient=paul)
    assert admin_api.post(f"{API}{paul.pk}/erase/").status_code == 204
    paul.refresh_from_db()
    assert paul.erased_at is not None and paul.phone == "" and paul.last_name != "Petit"
    visit.refresh_from_db()
    assert (visit.status, visit.patient_id) == ("cancelled", paul.pk)
    assert AuditEntry.objects.filter(action="erase", patient_id=paul.pk).exists()
    assert admin_api.get(f"{API}{paul.pk}/").status_code == 404
    assert admin_api.post(f"{API}{paul.pk}/erase/").status_code == 404


def test_export_and_erasure_are_for_administrators_only(client, alice, paul, now):
    doctor = staff_user("alice", "practitioner", practitioner=alice)
    for user in (staff_user("sarah", "secretary", agendas=[alice]), doctor):
        sign_in(client, user)
        assert client.get(f"{API}{paul.pk}/export/").status_code == 403
        assert client.post(f"{API}{paul.pk}/erase/").status_code == 403
    paul.refresh_from_db()
    assert paul.erased_at is None and not AuditEntry.objects.exists()


def test_wrong_methods_are_405(admin_api, paul, pauls_double):
    assert admin_api.get(f"{API}{paul.pk}/erase/").status_code == 405
    assert admin_api.get(f"{API}{paul.pk}/merge/", {"duplicate": pauls_double.pk}).status_code == 405
    assert admin_api.post(f"{API}{paul.pk}/export/").status_code == 405
    assert send(admin_api, "put", f"{paul.pk}/", {"first_name": "Eve"}).status_code == 405
    assert admin_api.delete(f"{API}{paul.pk}/").status_code == 405
    assert Patient.objects.filter(erased_at__isnull=True).count() == 2


def test_a_cross_site_write_without_the_csrf_token_is_403(paul, pauls_double, now):
    browser = Client(enforce_csrf_checks=True)
    sign_in(browser, staff_user("boss", "admin"))
    assert send(browser, "patch", f"{paul.pk}/", {"first_name": "Eve"}).status_code == 403
    assert send(browser, "post", f"{paul.pk}/merge/", {"duplicate": pauls_double.pk}).status_code == 403
    assert browser.post(f"{API}{paul.pk}/erase/").status_code == 403
    assert Patient.objects.filter(erased_at__isnull=True, first_name="Paul").count() == 2
    assert browser.get(f"{API}{paul.pk}/export/").status_code == 200  # reads need no token


def test_anonymous_callers_get_401(client, paul, pauls_double, now):
    assert send(client, "patch", f"{paul.pk}/", {"first_name": "Eve"}).status_code == 401
    assert send(client, "post", f"{paul.pk}/merge/", {"duplicate": pauls_double.pk}).status_code == 401
    assert client.get(f"{API}{paul.pk}/export/").status_code == 401
    assert client.post(f"{API}{paul.pk}/erase/").status_code == 401
    assert Patient.objects.filter(erased_at__isnull=True, first_name="Paul").count() == 2
