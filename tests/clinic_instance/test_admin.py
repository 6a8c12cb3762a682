"""Clinic staff configure the practice in the Django admin."""

import pytest
from django.contrib.auth import get_user_model

MODELS = ["clinic", "practitioner", "visitreason", "scheduleexception", "patient", "appointment"]


@pytest.fixture
def staff_client(client, alice, consultation):
    admin = get_user_model().objects.create_superuser("secretary", "", "a-long-enough-password")
    client.force_login(admin)
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
