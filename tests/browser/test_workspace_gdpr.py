"""GDPR in a real browser: an administrator exports a patient's data, erases the patient, sets retention (issue 5)."""

import json

import pytest
from playwright.sync_api import Page, expect

from clinic_instance.models import Clinic, Patient
from tests.factories import make_appointment, make_patient
from tests.workspace import browser_sign_in, staff_user

from .conftest import paris_in_days

pytestmark = pytest.mark.browser


def test_an_administrator_exports_then_erases_a_patient(page: Page, live_server, agenda):
    paul = make_patient("Paul", "Petit", phone="+33612345678", email="paul@example.org")
    make_appointment(agenda.practitioner, agenda.reason, paris_in_days(3, 10, 0), patient=paul)
    browser_sign_in(page, live_server, staff_user("anne", "admin"))
    page.goto(f"{live_server.url}/workspace/patients/{paul.pk}/")

    with page.expect_download() as download:
        page.get_by_role("link", name="Export (GDPR, JSON)").click()
    exported = json.loads(download.value.path().read_text())
    assert exported["patient"]["phone"] == "+33612345678" and len(exported["appointments"]) == 1

    page.get_by_role("link", name="Erase this patient").click()
    page.get_by_role("button", name="Erase this patient").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Patients")
    paul.refresh_from_db()
    assert paul.erased_at is not None and paul.phone == "" and paul.email == ""
    assert paul.appointments.get().status == "cancelled"  # kept, anonymised; the future one cancelled
    page.goto(f"{live_server.url}/workspace/patients/{paul.pk}/")
    expect(page.get_by_role("heading", name="Not Found")).to_be_visible()


def test_an_administrator_shortens_the_retention_period_and_purges(page: Page, live_server, agenda):
    browser_sign_in(page, live_server, staff_user("anne", "admin"))
    page.goto(live_server.url + "/workspace/")
    page.get_by_role("link", name="Data retention").click()
    page.get_by_label("Patient data kept (years)").fill("2")
    page.get_by_role("button", name="Save").click()
    assert Clinic.load().patient_retention_years == 2
    page.get_by_role("button", name="Purge now").click()
    expect(page.get_by_text("0 patients erased")).to_be_visible()
    assert not Patient.objects.filter(erased_at__isnull=False).exists()
