"""An administrator merges a duplicate patient record, then finds the merge in the audit trail (Chromium)."""

from datetime import date

import pytest
from playwright.sync_api import Page, expect

from clinic_instance.models import Appointment, Patient
from tests.factories import make_appointment, make_patient
from tests.workspace import browser_sign_in, staff_user

from .conftest import paris_in_days

pytestmark = pytest.mark.browser


def test_an_administrator_merges_a_duplicate_and_finds_it_in_the_audit_trail(page: Page, live_server, agenda):
    paul = make_patient("Paul", "Petit", email="")
    twin = make_patient("Paul", "Peti", birth_date=date(1980, 5, 17), phone="+33699999999", email="paul@example.org")
    make_appointment(agenda.practitioner, agenda.reason, paris_in_days(1, 10), paul)
    moved = make_appointment(agenda.practitioner, agenda.reason, paris_in_days(2, 10), twin)
    browser_sign_in(page, live_server, staff_user("anne", "admin"))

    # The patients page finds Paul; his record flags the duplicate.
    page.goto(live_server.url + "/workspace/patients/")
    page.get_by_label("Name, birth date or phone").fill("petit 17/05/1980")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="PETIT Paul").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("PETIT Paul")
    duplicates = page.locator("section.duplicates")
    expect(duplicates).to_contain_text("PETI Paul")

    # Merge, after the confirmation page shows both records.
    duplicates.get_by_role("link", name="Merge into this record").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Merge two records")
    expect(page.locator(".merge-duplicate")).to_contain_text("06 99 99 99 99")
    page.get_by_role("button", name="Merge the duplicate into this record").click()
    expect(page.get_by_role("status")).to_contain_text("The duplicate was merged into this record.")
    expect(page.locator(".patient-contact").first).to_contain_text("paul@example.org")
    expect(page.locator("section.duplicates")).to_have_count(0)
    expect(page.locator(f'a[href="/workspace/appointments/{moved.pk}/"]')).to_be_visible()
    assert not Patient.objects.filter(pk=twin.pk).exists()
    assert Appointment.objects.get(pk=moved.pk).patient_id == paul.pk

    # The audit trail, filtered by Paul's id, shows the merge by anne.
    page.get_by_role("link", name="Audit trail").click()
    page.get_by_label("Patient id").fill(str(paul.pk))
    page.get_by_label("Action").select_option("merge")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("table.audit-entries tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("anne")
    expect(rows.first).to_contain_text("merged")
    expect(rows.first).to_contain_text(f"patient {twin.pk} merged into {paul.pk}")
    assert f"patient={paul.pk}" in page.url
