"""Clinic administrators configure the practice in the Django admin (patients and appointments: the workspace)."""

import pytest

from clinic_instance.staff_accounts import grant_admin_site
from tests.workspace import sign_in, staff_user

MODELS = ["clinic", "practitioner", "visitreason", "scheduleexception"]


@pytest.fixture
def staff_client(client, alice, consultation):
    """A clinic administrator, with the Django admin rights the workspace grants (not a superuser)."""
    admin = staff_user("anne", "admin")
    grant_admin_site(admin, "admin")
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


@pytest.mark.parametrize("model", ["patient", "appointment", "staffmember"])
def test_patients_appointments_and_staff_are_not_in_the_admin(staff_client, model):
    """The workspace holds them: checked against the user's agendas and audited."""
    assert staff_client.get(f"/admin/clinic_instance/{model}/").status_code == 404


def test_clinic_administrators_configure_the_practice_but_not_accounts_or_second_factors(staff_client):
    assert staff_client.get("/admin/auth/user/").status_code == 403
    assert staff_client.get("/admin/otp_totp/totpdevice/").status_code == 403
    assert staff_client.get("/admin/axes/accessattempt/").status_code == 403


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


def test_administrators_set_messages_verification_and_the_waiting_list_in_the_admin(staff_client, clinic):
    from clinic_instance.models import Clinic

    url = "/admin/clinic_instance/clinic/1/change/"
    form = staff_client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(
        {
            "reminder_offsets_hours": "[48]",
            "quiet_hours_start": "21:00",
            "quiet_hours_end": "07:30",
            "phone_verification": "on",
            "verification_daily_cap": "50",
            "waitlist_hold_minutes": "15",
            "sms_enabled": "on",
            "email_enabled": "on",
        }
    )
    data.pop("closed_on_public_holidays", None)
    data.pop("wheelchair_accessible", None)
    response = staff_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    clinic = Clinic.objects.get()
    assert (clinic.phone_verification, clinic.verification_daily_cap, clinic.waitlist_hold_minutes) == (True, 50, 15)
    assert clinic.reminder_offsets_hours == [48]
