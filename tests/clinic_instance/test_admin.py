"""Clinic staff configure the practice in the Django admin."""

import pytest
from django.contrib.auth import get_user_model

from clinic_instance.models import Appointment
from tests.factories import make_appointment, make_patient, paris
from tests.workspace import sign_in, staff_user

MODELS = ["clinic", "practitioner", "visitreason", "scheduleexception", "patient", "appointment", "staffmember"]


@pytest.fixture
def staff_client(client, alice, consultation):
    admin = staff_user("secretary", "admin")
    get_user_model().objects.filter(pk=admin.pk).update(is_staff=True, is_superuser=True)
    sign_in(client, admin)
    return client


@pytest.mark.parametrize("model", MODELS)
def test_every_model_has_a_working_list_and_form(staff_client, model):
    assert staff_client.get(f"/admin/clinic_instance/{model}/").status_code == 200
    if model != "clinic":
        assert staff_client.get(f"/admin/clinic_instance/{model}/add/").status_code == 200


def test_the_practitioner_form_edits_schedules_inline(staff_client, alice):
    page = staff_client.get(f"/admin/clinic_instance/practitioner/{alice.pk}/change/").content.decode()
    assert "weekly_ranges-TOTAL_FORMS" in page
    assert "exceptions-TOTAL_FORMS" in page


def test_the_admin_refuses_anonymous_visitors(client, db):
    response = client.get("/admin/clinic_instance/patient/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_an_appointment_added_in_the_admin_gets_its_end_from_the_reason(staff_client, alice, consultation):
    patient = make_patient()
    response = staff_client.post(
        "/admin/clinic_instance/appointment/add/",
        {"practitioner": alice.pk, "visit_reason": consultation.pk, "patient": patient.pk,
         "start_0": "2027-03-02", "start_1": "09:00:00", "status": "booked", "source": "phone"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    appointment = Appointment.objects.get()
    assert appointment.end - appointment.start == consultation.duration


def test_an_overlap_added_in_the_admin_is_a_form_error_not_a_crash(staff_client, alice, consultation):
    make_appointment(alice, consultation, paris(2027, 3, 2, 9, 0))
    response = staff_client.post(
        "/admin/clinic_instance/appointment/add/",
        {"practitioner": alice.pk, "visit_reason": consultation.pk, "patient": make_patient(first_name="Zoé").pk,
         "start_0": "2027-03-02", "start_1": "09:10:00", "status": "booked", "source": "phone"},
        headers={"Accept-Language": "en"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "already has an appointment at this time" in response.content.decode()
    assert Appointment.objects.count() == 1


def test_cancelling_in_the_admin_records_when_and_by_whom(staff_client, alice, consultation):
    appointment = make_appointment(alice, consultation, paris(2027, 3, 2, 9, 0))
    response = staff_client.post(
        f"/admin/clinic_instance/appointment/{appointment.pk}/change/",
        {"practitioner": alice.pk, "visit_reason": consultation.pk, "patient": appointment.patient.pk,
         "start_0": "2027-03-02", "start_1": "09:00:00", "status": "cancelled", "source": "phone"},
    )  # fmt: skip
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert (appointment.status, appointment.cancelled_by) == ("cancelled", "clinic")
    assert appointment.cancelled_at is not None


def test_directory_registrations_are_listed_read_only_with_what_waits(staff_client, alice):
    from clinic_instance.models import DirectoryRegistration, OutboxMessage

    registration = DirectoryRegistration.objects.create(base_url="https://annuaire.example", name="Annuaire")
    OutboxMessage.objects.create(registration=registration, ref="p-1", version=1, document={})
    page = staff_client.get("/admin/clinic_instance/directoryregistration/").content.decode()
    assert "https://annuaire.example" in page and '<td class="field-waiting">1</td>' in page
    assert staff_client.get("/admin/clinic_instance/directoryregistration/add/").status_code == 403


def test_the_practitioner_form_says_how_they_appear_in_directories(staff_client, alice):
    page = staff_client.get(f"/admin/clinic_instance/practitioner/{alice.pk}/change/").content.decode()
    assert 'name="specialty_code"' in page and 'value="dermatologie"' in page and 'name="languages"' in page
