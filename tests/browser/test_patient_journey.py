"""A patient books, cancels (and books again) and moves (after confirming) an appointment in a real browser (Chromium through Playwright).

The live server runs in a thread beside the test, on the real PostgreSQL; the clinic is
built with tests/factories.py (see the `agenda` fixture in conftest.py) and time is real.
"""

import re
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import Page, expect

from clinic_instance.availability import clinic_timezone
from clinic_instance.manage_links import appointment_or_404
from clinic_instance.models import Appointment, Patient
from tests.factories import make_appointment

from .conftest import CLINIC_PHONE, paris_in_days

pytestmark = pytest.mark.browser

PAUL = {
    "First name": "Paul",
    "Last name": "Petit",
    "Birth date": "1980-05-17",
    "Mobile phone": "06 12 34 56 78",
    "E-mail": "paul@example.org",
}


# --- Steps a patient takes -------------------------------------------------------------


def open_first_slot(page: Page, live_server) -> str:
    """Home → "Book" → "Consultation" → first free slot; returns the slot's start as sent in the URL."""
    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Book an appointment")
    page.get_by_role("link", name="Book", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dr Alice Durand")
    page.get_by_role("link", name="Consultation").click()
    expect(page.get_by_role("heading", name="Choose a time")).to_be_visible()
    first_slot = page.locator("a.slot").first
    expect(first_slot).to_be_visible()
    first_slot.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your details")
    start = page.locator("input[name=start]").input_value()
    assert start, "the details page carries no slot"
    return start


def fill_details(page: Page, **overrides: str) -> None:
    for label, value in {**PAUL, **overrides}.items():
        page.get_by_label(label).fill(value)


def confirm(page: Page) -> None:
    page.get_by_role("button", name="Confirm the appointment").click()


def expect_booked(page: Page) -> Appointment:
    """The confirmation page, and the appointment it is about."""
    expect(page.get_by_role("status")).to_have_text("Your appointment is booked.")
    token = re.search(r"/appointment/([^/]+)/", page.url).group(1)
    return appointment_or_404(token)


def manage_url(live_server, appointment: Appointment) -> str:
    return f"{live_server.url}/appointment/{appointment.manage_token}/"


# --- The journeys ------------------------------------------------------------------------


def test_a_patient_books_an_appointment_from_the_home_page_and_gets_a_calendar_file(page, live_server, agenda):
    start = open_first_slot(page, live_server)
    fill_details(page)
    confirm(page)

    appointment = expect_booked(page)
    assert appointment.status == Appointment.Status.BOOKED
    assert appointment.start == datetime.fromisoformat(start)
    assert appointment.practitioner == agenda.practitioner
    assert appointment.visit_reason == agenda.reason
    assert appointment.patient.phone == "+33612345678"
    assert (appointment.patient.first_name, appointment.patient.last_name) == ("Paul", "Petit")
    assert appointment.patient.birth_date == date(1980, 5, 17)
    assert appointment.patient.email == "paul@example.org"

    # The manage link is shown in full, for the patient to keep.
    link = page.locator("a.manage-url")
    expect(link).to_have_text(manage_url(live_server, appointment))
    expect(link).to_have_attribute("href", manage_url(live_server, appointment))
    expect(page.locator("dd.when")).to_contain_text(f"{appointment.start.astimezone(clinic_timezone()):%H:%M}")

    # The .ics link downloads a calendar file for this appointment.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Add to my calendar (.ics)").click()
    download = download_info.value
    assert download.suggested_filename == "appointment.ics"
    ics = download.path().read_text()
    assert "BEGIN:VCALENDAR" in ics
    assert "BEGIN:VEVENT" in ics
    (event,) = Calendar.from_ical(ics).walk("VEVENT")
    assert event.decoded("dtstart") == appointment.start
    assert str(event["url"]) == manage_url(live_server, appointment)
    response = page.request.get(f"{manage_url(live_server, appointment)}calendar.ics")
    assert response.ok
    assert response.headers["content-type"].startswith("text/calendar")


def test_a_patient_cancels_from_the_manage_link(page, live_server, agenda):
    appointment = make_appointment(agenda.practitioner, agenda.reason, paris_in_days(3, 10))

    page.goto(manage_url(live_server, appointment))
    expect(page.locator("dd.status")).to_have_text("booked")
    page.get_by_role("button", name="Cancel the appointment").click()
    # One confirmation step, and "Back" changes nothing.
    expect(page.locator("p.confirm-question")).to_contain_text("Cancel your appointment of")
    page.get_by_role("link", name="Back").click()
    expect(page.locator("dd.status")).to_have_text("booked")
    page.get_by_role("button", name="Cancel the appointment").click()
    page.get_by_role("button", name="Yes, cancel it").click()

    expect(page.get_by_role("status")).to_have_text("Your appointment is cancelled.")
    expect(page.locator("dd.status")).to_have_text("cancelled")
    expect(page.get_by_role("button", name="Cancel the appointment")).to_have_count(0)
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    assert appointment.cancelled_by == Appointment.CancelledBy.PATIENT

    # The page offers to book again, with the same practitioner and visit reason.
    page.get_by_role("link", name="Book another appointment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dr Alice Durand")
    page.locator("a.slot").first.click()
    fill_details(page)
    confirm(page)
    again = expect_booked(page)
    assert again.pk != appointment.pk and again.visit_reason == agenda.reason


def test_a_patient_moves_the_appointment_to_another_slot(page, live_server, agenda):
    old_start = paris_in_days(3, 10)
    appointment = make_appointment(agenda.practitioner, agenda.reason, old_start)

    page.goto(manage_url(live_server, appointment))
    page.get_by_role("link", name="Move").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Move your appointment")
    other_slot = page.locator(f"button.slot:not([value='{old_start.isoformat()}'])").first
    expect(other_slot).to_be_visible()
    new_start = datetime.fromisoformat(other_slot.get_attribute("value"))
    assert new_start != old_start
    # No time inside the clinic's cutoff is offered: the patient could not change it again.
    first_offered = datetime.fromisoformat(page.locator("button.slot").first.get_attribute("value"))
    assert first_offered >= timezone.now() + agenda.clinic.cancellation_cutoff
    other_slot.click()

    # Choosing a time only asks; the appointment moves once confirmed.
    expect(page.locator("p.confirm-question")).to_contain_text(
        f"Move your appointment from {old_start:%A} {old_start.day} {old_start:%B %Y, %H:%M} to"
    )
    appointment.refresh_from_db()
    assert appointment.start == old_start
    page.get_by_role("button", name="Confirm the move").click()

    expect(page.get_by_role("status")).to_have_text("Your appointment has been moved.")
    expect(page.locator("dd.when")).to_contain_text(f"{new_start:%H:%M}")
    appointment.refresh_from_db()
    assert appointment.start == new_start
    assert appointment.end == new_start + agenda.reason.duration
    assert appointment.status == Appointment.Status.BOOKED


def test_a_patient_whose_slot_was_just_taken_is_offered_the_nearest_free_slots(page, live_server, agenda):
    taken = datetime.fromisoformat(open_first_slot(page, live_server))
    fill_details(page)
    # Behind the patient's back, someone else (the phone desk) takes that very time.
    make_appointment(agenda.practitioner, agenda.reason, taken, source=Appointment.Source.PHONE)
    confirm(page)

    expect(page.get_by_role("alert")).to_contain_text("This slot has just been taken.")
    alternatives = page.locator("fieldset.alternatives input[type=radio][name=start]")
    expect(alternatives.first).to_be_visible()
    expect(alternatives.first).to_be_checked()
    values = [datetime.fromisoformat(value) for value in alternatives.evaluate_all("els => els.map(e => e.value)")]
    assert taken not in values
    assert values == sorted(values)
    # What the patient typed is still there.
    for label, value in PAUL.items():
        expect(page.get_by_label(label)).to_have_value(value)
    assert not Appointment.objects.filter(source=Appointment.Source.ONLINE).exists()

    confirm(page)
    appointment = expect_booked(page)
    assert appointment.start == values[0]
    assert appointment.patient.phone == "+33612345678"


def test_a_patient_who_types_a_bad_phone_and_a_future_birth_date_is_told_next_to_the_fields(page, live_server, agenda):
    open_first_slot(page, live_server)
    next_year = timezone.localdate() + timedelta(days=365)
    fill_details(page, **{"Mobile phone": "12", "Birth date": next_year.isoformat()})
    confirm(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("Your details")
    phone_field = page.locator("div.field", has=page.locator("#id_phone"))
    birth_field = page.locator("div.field", has=page.locator("#id_birth_date"))
    expect(phone_field).to_have_class(re.compile(r"\binvalid\b"))
    expect(phone_field.locator("p.error")).to_have_text(
        "Enter a valid phone number, e.g. 06 12 34 56 78 or +33 6 12 34 56 78."
    )
    expect(birth_field).to_have_class(re.compile(r"\binvalid\b"))
    expect(birth_field.locator("p.error")).to_have_text("A birth date cannot be in the future.")
    # The other fields are fine and keep what was typed.
    expect(page.locator("div.field.invalid")).to_have_count(2)
    expect(page.get_by_label("Last name")).to_have_value("Petit")
    assert not Appointment.objects.exists()
    assert not Patient.objects.exists()


def test_a_patient_cannot_cancel_online_after_the_cutoff_and_is_told_to_call(page, live_server, agenda):
    assert agenda.clinic.cancellation_cutoff_hours == 24
    appointment = make_appointment(
        agenda.practitioner, agenda.reason, timezone.now().replace(microsecond=0) + timedelta(hours=2)
    )

    page.goto(manage_url(live_server, appointment))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your appointment")
    expect(page.locator("dd.status")).to_have_text("booked")
    expect(page.get_by_role("button", name="Cancel the appointment")).to_have_count(0)
    expect(page.get_by_role("link", name="Move", exact=True)).to_have_count(0)
    note = page.locator("p.note")
    expect(note).to_contain_text("It is too late to cancel or move this appointment online. Please call the clinic.")
    expect(note.get_by_role("link", name="01 23 45 67 89")).to_have_attribute("href", f"tel:{CLINIC_PHONE}")
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED


def test_the_patient_pages_make_no_request_to_a_third_party(page, live_server, agenda):
    appointment = make_appointment(agenda.practitioner, agenda.reason, paris_in_days(3, 10))
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))

    open_first_slot(page, live_server)  # home, practitioner page (with the week of slots), details page
    page.goto(manage_url(live_server, appointment))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your appointment")
    page.wait_for_load_state("networkidle")

    ours = urlsplit(live_server.url).netloc
    assert any(url.endswith(".css") for url in requested), "the stylesheet was not even requested"
    assert [url for url in requested if urlsplit(url).netloc != ours] == []


@pytest.mark.browser_context_args(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
def test_a_patient_books_on_a_phone_sized_screen(page, live_server, agenda):
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Book", exact=True).click()
    page.get_by_role("link", name="Consultation").click()
    first_slot = page.locator("a.slot").first
    expect(first_slot).to_be_visible()
    # Nothing wider than the phone: no sideways scrolling to reach the slots.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    box = first_slot.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    first_slot.tap()  # Playwright checks the slot is the element actually hit

    expect(page.get_by_role("heading", level=1)).to_have_text("Your details")
    fill_details(page)
    confirm(page)
    appointment = expect_booked(page)
    assert appointment.status == Appointment.Status.BOOKED


@pytest.mark.browser_context_args(java_script_enabled=False)
def test_a_patient_books_with_javascript_disabled(page, live_server, agenda):
    start = open_first_slot(page, live_server)
    fill_details(page)
    confirm(page)
    appointment = expect_booked(page)
    assert appointment.start == datetime.fromisoformat(start)
    assert appointment.patient.phone == "+33612345678"


@pytest.mark.browser_context_args(locale="fr-FR")
def test_a_french_speaking_patient_gets_the_home_page_in_french(page, live_server, agenda):
    page.goto(live_server.url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", level=1)).to_have_text("Prendre rendez-vous")
