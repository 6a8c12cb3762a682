"""A patient's record as each staff member sees it, and merging duplicates (issue 5)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory

from clinic_instance.models import Appointment, AuditEntry, Patient
from clinic_instance.patient_records import MergeError, can_merge, merge, patient_record
from tests.factories import make_appointment, make_patient, make_reason, paris
from tests.workspace import staff_user


@pytest.fixture
def paul(db):
    return make_patient("Paul", "Petit", email="")


@pytest.fixture
def history(now, alice, bob, consultation, paul):
    """Paul saw Alice last month (no-show) and last week, will see her tomorrow, and Bob next week."""
    dermatology = make_reason(bob, "Dermatologie", 30)
    return {
        "missed": make_appointment(alice, consultation, paris(2027, 2, 1, 9), paul, status="no_show"),
        "last_week": make_appointment(alice, consultation, paris(2027, 2, 22, 9), paul, status="done"),
        "tomorrow": make_appointment(alice, consultation, paris(2027, 3, 2, 9), paul),
        "bob": make_appointment(bob, dermatology, paris(2027, 3, 8, 10), paul),
    }


def as_request(user):
    request = RequestFactory().post("/", REMOTE_ADDR="192.0.2.7")
    request.user = user
    return request


def test_a_record_shows_only_the_appointments_of_the_users_agendas(history, alice, paul, now):
    sarah = staff_user("sarah", "secretary", agendas=[alice])
    record = patient_record(sarah, paul, now=now)
    assert record.upcoming == [history["tomorrow"]]
    assert record.past == [history["last_week"], history["missed"]]
    assert record.no_shows == 1
    anne = staff_user("anne", "admin")
    assert patient_record(anne, paul, now=now).upcoming == [history["tomorrow"], history["bob"]]


def test_a_practitioner_sees_nothing_of_another_practitioners_appointments(history, bob, paul, now):
    doctor_bob = staff_user("drbob", "practitioner", practitioner=bob)
    record = patient_record(doctor_bob, paul, now=now)
    assert record.upcoming == [history["bob"]] and record.past == [] and record.no_shows == 0


def test_merge_moves_appointments_fills_blanks_and_deletes_the_duplicate(history, alice, consultation, paul, now):
    twin = make_patient("Paul", "Petti", phone="+33699999999", email="paul.petit@example.org")
    moved = make_appointment(alice, consultation, paris(2027, 3, 3, 9), twin)
    anne = staff_user("anne", "admin")

    kept = merge(paul, twin, now=now, request=as_request(anne))

    assert not Patient.objects.filter(pk=twin.pk).exists()
    moved.refresh_from_db()
    assert moved.patient_id == paul.pk and moved.updated_at == now
    kept.refresh_from_db()
    assert kept.email == "paul.petit@example.org"  # was blank
    assert kept.phone == "+33612345678" and kept.last_name == "Petit"  # kept's own details win
    entries = AuditEntry.objects.filter(action="merge")
    assert {e.patient_id for e in entries} == {paul.pk, twin.pk}
    assert {e.actor_label for e in entries} == {"anne"}
    assert all("Petit" not in e.detail and "Paul" not in e.detail for e in entries)


def test_merge_refuses_a_patient_into_itself_and_erased_patients(paul, now):
    with pytest.raises(MergeError):
        merge(paul, paul, now=now)
    erased = make_patient("Old", "Record", phone="", erased_at=now)
    with pytest.raises(MergeError):
        merge(paul, erased, now=now)
    with pytest.raises(MergeError):
        merge(erased, paul, now=now)
    assert Patient.objects.filter(pk=erased.pk).exists()


def test_only_a_user_who_sees_every_appointment_of_both_may_merge(history, alice, paul, now):
    twin = make_patient("Paul", "Petti")
    sarah = staff_user("sarah", "secretary", agendas=[alice])
    assert not can_merge(sarah, paul, twin)  # Paul has an appointment with Bob
    with pytest.raises(PermissionDenied):
        merge(twin, paul, now=now, request=as_request(sarah))
    assert Patient.objects.filter(pk=twin.pk).exists()
    assert Appointment.objects.filter(patient=paul).count() == 4
    assert not AuditEntry.objects.filter(action="merge").exists()
    history["bob"].delete()
    assert can_merge(sarah, paul, twin)
