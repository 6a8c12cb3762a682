"""A secretary enters an absence over booked appointments in a real browser, and the clinic's decision sticks.

Time is real here (the live server runs beside the test): the absence is tomorrow's.
"""

import pytest
from playwright.sync_api import Page, expect

from clinic_instance.models import Appointment, ScheduleException
from tests.factories import make_appointment, make_patient
from tests.workspace import browser_sign_in, staff_user

from .conftest import paris_in_days

pytestmark = pytest.mark.browser


@pytest.fixture
def tomorrow(agenda):
    """Dr Alice Durand sees Paul at 9:00 and Léa at 10:00 tomorrow; Sarah is her secretary."""
    alice, consultation = agenda.practitioner, agenda.reason
    return {
        "alice": alice,
        "paul": make_appointment(alice, consultation, paris_in_days(1, 9)),
        "lea": make_appointment(
            alice, consultation, paris_in_days(1, 10), patient=make_patient("Léa", "Moreau", phone="+33611111111")
        ),
        "sarah": staff_user("sarah", "secretary", agendas=[alice]),
        "day": paris_in_days(1, 0).date().isoformat(),
    }


def fill_absence(page: Page, live_server, tomorrow) -> None:
    browser_sign_in(page, live_server, tomorrow["sarah"])
    page.goto(f"{live_server.url}/workspace/absences/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Absences and blocked time")
    page.get_by_label("Practitioner").select_option(label="Dr Alice Durand")
    page.get_by_label("Kind").select_option("absence")
    page.get_by_label("From (date)").fill(tomorrow["day"])
    page.get_by_label("Until (date)").fill(tomorrow["day"])
    page.get_by_role("button", name="Continue").click()


def test_a_secretary_cancels_the_appointments_inside_an_absence(page: Page, live_server, tomorrow):
    fill_absence(page, live_server, tomorrow)

    expect(page.get_by_role("heading", level=1)).to_have_text("Appointments during this absence")
    affected = page.locator("#affected")
    expect(affected).to_contain_text("PETIT Paul")
    expect(affected).to_contain_text("MOREAU Léa")
    expect(affected).to_contain_text("06 11 11 11 11")
    assert not ScheduleException.objects.exists()  # nothing saved before the decision

    page.get_by_label("Reason given to the patients").fill("Le Dr Durand est absent")
    page.get_by_role("button", name="Create and cancel these 2 appointments").click()

    expect(page.get_by_role("status")).to_contain_text("2 appointments were cancelled.")
    to_warn = page.locator("#patients-to-warn")
    expect(to_warn).to_contain_text("PETIT Paul")
    expect(to_warn).to_contain_text("MOREAU Léa")
    expect(to_warn.get_by_text("Cancelled by the clinic")).to_have_count(2)

    absence = ScheduleException.objects.get()
    assert absence.practitioner == tomorrow["alice"] and absence.kind == "absence"
    for name in ("paul", "lea"):
        appointment = Appointment.objects.get(pk=tomorrow[name].pk)
        assert appointment.status == Appointment.Status.CANCELLED
        assert appointment.cancelled_by == Appointment.CancelledBy.CLINIC
        assert appointment.cancellation_reason == "Le Dr Durand est absent"


def test_a_secretary_keeps_the_appointments_to_move_them_one_by_one(page: Page, live_server, tomorrow):
    fill_absence(page, live_server, tomorrow)
    page.get_by_role("button", name="Create and keep them").click()

    to_warn = page.locator("#patients-to-warn")
    expect(to_warn.get_by_text("Still booked: move it")).to_have_count(2)
    link = to_warn.get_by_role("link").first
    expect(link).to_have_attribute("href", f"/workspace/appointments/{tomorrow['paul'].pk}/")
    assert set(Appointment.objects.values_list("status", flat=True)) == {Appointment.Status.BOOKED}
