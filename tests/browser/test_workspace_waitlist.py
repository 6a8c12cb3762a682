"""A secretary opens the waiting list from the workspace menu, sees the queue and its held offer, takes a patient off."""

from datetime import time

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from clinic_instance import waitlist
from clinic_instance.models import AuditEntry, WaitlistEntry
from clinic_instance.patient_details import PatientDetails
from clinic_instance.waitlist import Preferences
from tests.factories import make_practitioner, make_reason
from tests.workspace import browser_sign_in, staff_user

from .conftest import paris_in_days

pytestmark = pytest.mark.browser


def waiting(first_name: str, phone: str, practitioner, reason) -> WaitlistEntry:
    patient = PatientDetails(
        first_name=first_name, last_name="Petit", birth_date=paris_in_days(-15000, 0).date(), phone=phone, email=""
    )
    every_day = Preferences(weekdays=0b1111111, earliest=time(8), latest=time(19), until=paris_in_days(20, 0).date())
    return waitlist.join(
        practitioner=practitioner,
        visit_reason=reason,
        patient=patient,
        preferences=every_day,
        now=timezone.now(),
        address=None,
    )


def test_a_secretary_works_the_waiting_list_of_her_agenda(page: Page, live_server, agenda):
    paul = waiting("Paul", "+33612345678", agenda.practitioner, agenda.reason)
    marie = waiting("Marie", "+33698765432", agenda.practitioner, agenda.reason)
    bob = make_practitioner("Bob", "Martin", "Dermatologue")
    waiting("Zoé", "+33611111111", bob, make_reason(bob, "Dermatologie", 30))
    browser_sign_in(page, live_server, staff_user("sarah", "secretary", agendas=[agenda.practitioner]))

    page.goto(f"{live_server.url}/workspace/")
    page.get_by_role("link", name="Waiting list").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Waiting list")
    rows = page.locator("table.waiting-list tbody tr")
    expect(rows).to_have_count(2)  # Dr Martin's queue is not hers
    expect(rows.nth(0)).to_contain_text("PETIT Paul")
    expect(rows.nth(0)).to_contain_text("06 12 34 56 78")
    expect(rows.nth(1)).to_contain_text("PETIT Marie")
    expect(rows.nth(1).locator("td").nth(2)).to_have_text("2")

    rows.nth(0).get_by_role("button", name="Take off the list").click()
    expect(page.get_by_role("status")).to_have_text("The patient was taken off the waiting list.")
    expect(rows).to_have_count(1)
    expect(rows.nth(0)).to_contain_text("PETIT Marie")
    expect(rows.nth(0).locator("td").nth(2)).to_have_text("1")
    paul.refresh_from_db()
    assert paul.status == "left" and WaitlistEntry.objects.get(pk=marie.pk).status == "waiting"
    assert AuditEntry.objects.filter(actor_label="sarah", action="delete", patient_id=paul.patient_id).count() == 1

    page.get_by_role("link", name="PETIT Marie").click()
    expect(page).to_have_url(f"{live_server.url}/workspace/patients/{marie.patient_id}/")
