"""A secretary books a patient by phone and marks a no-show, in a real browser (issue 5)."""

import re
from datetime import date, timedelta
from urllib.parse import urlencode

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from clinic_instance.models import Appointment
from tests.factories import make_appointment, make_patient
from tests.workspace import browser_sign_in, staff_user

from .conftest import paris_in_days

pytestmark = pytest.mark.browser


@pytest.fixture
def secretary(agenda):
    return staff_user("sarah", "secretary", agendas=[agenda.practitioner])


def test_a_secretary_books_a_known_patient_by_phone(page: Page, live_server, agenda, secretary):
    lefevre = make_patient("Hélène", "Lefèvre", birth_date=date(1975, 1, 2), phone="+33611111111")
    browser_sign_in(page, live_server, secretary)
    # The agenda links here when the secretary selects an empty time.
    start = paris_in_days(1, 10, 0)
    query = urlencode({"practitioner": agenda.practitioner.pk, "start": start.isoformat()})
    page.goto(f"{live_server.url}/workspace/book/?{query}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Book by phone")
    expect(page.get_by_label("Time")).to_have_value("10:00")

    page.get_by_role("button", name="10:20").click()  # a free time, picked without a reload
    expect(page.get_by_label("Time")).to_have_value("10:20")

    page.get_by_label("Find the patient").press_sequentially("Lefvre", delay=30)  # a typo
    choice = page.get_by_role("radio", name=re.compile("LEFÈVRE Hélène"))
    expect(choice).to_be_visible()
    choice.check()
    page.get_by_role("button", name="Book", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Appointment")
    expect(page.get_by_text("The appointment is booked.")).to_be_visible()
    appointment = Appointment.objects.get()
    assert (appointment.patient, appointment.source) == (lefevre, "phone")
    assert appointment.start == start + timedelta(minutes=20)
    assert page.url.endswith(f"/workspace/appointments/{appointment.pk}/")
    expect(page.get_by_role("link", name="LEFÈVRE Hélène")).to_have_attribute(
        "href", f"/workspace/patients/{lefevre.pk}/"
    )


def test_a_secretary_marks_a_no_show(page: Page, live_server, agenda, secretary):
    started = (timezone.now() - timedelta(hours=1)).replace(second=0, microsecond=0)
    appointment = make_appointment(agenda.practitioner, agenda.reason, started)
    browser_sign_in(page, live_server, secretary)
    page.goto(f"{live_server.url}/workspace/appointments/{appointment.pk}/")
    expect(page.locator(".status-badge")).to_have_text("booked")
    page.get_by_role("button", name="No-show").click()
    expect(page.get_by_text("The status is now: no-show.")).to_be_visible()
    expect(page.locator(".status-badge")).to_have_text("no-show")
    appointment.refresh_from_db()
    assert appointment.status == "no_show"
    expect(page.get_by_role("button", name="Back to booked")).to_be_visible()
