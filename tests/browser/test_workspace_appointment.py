"""The appointment page in a real browser: move by the form, a private note, cancel with a reason (issue 5)."""

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from clinic_instance.availability import clinic_timezone
from clinic_instance.models import Appointment, AuditEntry
from tests.factories import make_appointment, make_patient
from tests.workspace import browser_sign_in, staff_user

from .conftest import paris_in_days

pytestmark = pytest.mark.browser


def test_a_secretary_moves_notes_and_cancels_an_appointment(page: Page, live_server, agenda):
    sarah = staff_user("sarah", "secretary", agendas=[agenda.practitioner])
    appointment = make_appointment(agenda.practitioner, agenda.reason, paris_in_days(2, 9, 0), patient=make_patient())
    browser_sign_in(page, live_server, sarah)
    page.goto(f"{live_server.url}/workspace/appointments/{appointment.pk}/")

    new_start = paris_in_days(3, 11, 20)
    page.get_by_label("Day").fill(new_start.date().isoformat())
    page.get_by_label("Time").fill("11:20")
    page.get_by_role("button", name="Move", exact=True).click()
    expect(page.get_by_text("The appointment was moved.")).to_be_visible()
    appointment.refresh_from_db()
    assert appointment.start == new_start

    page.locator("textarea[name=note]").fill("Prefers afternoons; bring last X-ray.")
    page.get_by_role("button", name="Save the note").click()
    expect(page.get_by_text("The private note was saved.")).to_be_visible()
    expect(page.locator("textarea[name=note]")).to_have_value("Prefers afternoons; bring last X-ray.")
    appointment.refresh_from_db()
    assert appointment.staff_note == "Prefers afternoons; bring last X-ray."

    page.get_by_role("button", name="Cancel the appointment").click()  # no reason: refused, nothing lost
    expect(page.get_by_text("This field is required.")).to_be_visible()
    assert Appointment.objects.get(pk=appointment.pk).status == "booked"
    page.get_by_label("Reason (kept in the appointment, not sent to the patient yet)").fill("Doctor unwell")
    page.get_by_role("button", name="Cancel the appointment").click()
    expect(page.get_by_text("The appointment was cancelled.")).to_be_visible()
    expect(page.locator(".status-badge")).to_have_text("cancelled")
    appointment.refresh_from_db()
    assert (appointment.status, appointment.cancelled_by, appointment.cancellation_reason) == (
        "cancelled", "clinic", "Doctor unwell",
    )  # fmt: skip

    back = page.get_by_role("link", name="Back to the agenda")
    local_day = appointment.start.astimezone(clinic_timezone()).date()
    expect(back).to_have_attribute("href", f"/workspace/agenda/?p={agenda.practitioner.pk}&date={local_day}")
    # No clinical content in the trail: not the note, not the reason.
    details = " ".join(AuditEntry.objects.values_list("detail", flat=True))
    assert "X-ray" not in details and "unwell" not in details
    assert set(AuditEntry.objects.values_list("action", flat=True)) >= {"view", "move", "note", "cancel"}
    assert appointment.start - new_start == timedelta(0)
