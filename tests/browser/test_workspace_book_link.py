"""A secretary finds "Book an appointment" in the menu and books with JavaScript off (issue 17, items 10 and 15)."""

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from clinic_instance.models import Appointment
from tests.factories import make_patient, make_reason
from tests.workspace import browser_sign_in, staff_user

from .conftest import paris_in_days

pytestmark = pytest.mark.browser
SCREENSHOTS = "/tmp/pages"


@pytest.fixture
def secretary(agenda):
    return staff_user("sarah", "secretary", agendas=[agenda.practitioner])


@pytest.mark.browser_context_args(java_script_enabled=False)
def test_a_secretary_reaches_the_book_page_from_the_menu_and_books_without_javascript(
    page: Page, live_server, agenda, secretary
):
    lefevre = make_patient("Hélène", "Lefèvre", birth_date=date(1975, 1, 2), phone="+33611111111")
    browser_sign_in(page, live_server, secretary)
    page.goto(f"{live_server.url}/workspace/")
    page.get_by_role("navigation", name="Workspace").get_by_role("link", name="Book an appointment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Book by phone")
    expect(page.get_by_role("link", name="Book an appointment")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("link", name="Agenda", exact=True)).not_to_have_attribute("aria-current", "page")

    tomorrow = timezone.now().astimezone(paris_in_days(0, 0).tzinfo).date() + timedelta(days=1)
    page.get_by_label("Practitioner").select_option(str(agenda.practitioner.pk))
    page.get_by_label("Visit reason").select_option(str(agenda.reason.pk))
    page.get_by_label("Day").fill(tomorrow.isoformat())
    page.get_by_role("button", name="Show free times").click()
    page.get_by_role("button", name="10:20").click()  # posts back: the time is chosen
    expect(page.get_by_label("Time")).to_have_value("10:20")

    page.get_by_label("Find the patient").fill("Lefevre")
    page.locator(".book-patient-search").get_by_role("button", name="Search").click()
    page.get_by_role("radio", name=re.compile("LEFÈVRE Hélène")).check()
    page.get_by_role("button", name="Book", exact=True).click()

    expect(page.get_by_text("The appointment is booked.")).to_be_visible()
    appointment = Appointment.objects.get()
    assert (appointment.patient, appointment.source) == (lefevre, "phone")
    assert appointment.start == paris_in_days(1, 10, 20)


@pytest.mark.browser_context_args(java_script_enabled=False)
def test_the_agenda_s_day_list_links_to_booking_with_the_practitioner_and_day(
    page: Page, live_server, agenda, secretary
):
    browser_sign_in(page, live_server, secretary)
    day = paris_in_days(2, 0).date()
    page.goto(f"{live_server.url}/workspace/agenda/?date={day.isoformat()}")
    page.locator("#agenda-list").get_by_role("link", name="Book an appointment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Book by phone")
    expect(page.get_by_label("Day")).to_have_value(day.isoformat())
    expect(page.get_by_label("Practitioner")).to_have_value(str(agenda.practitioner.pk))


@pytest.mark.browser_context_args(viewport={"width": 1280, "height": 900})
def test_the_staff_book_form_shows_long_visit_reasons_whole_at_desktop_width(
    page: Page, live_server, agenda, secretary
):
    make_reason(agenda.practitioner, "Consultation de suivi d'une maladie chronique avec bilan", minutes=40)
    browser_sign_in(page, live_server, secretary)
    page.goto(f"{live_server.url}/workspace/book/?practitioner={agenda.practitioner.pk}")
    select = page.get_by_label("Visit reason")
    width = select.evaluate("el => el.getBoundingClientRect().width")
    needed = select.evaluate(
        "el => { const c = document.createElement('canvas').getContext('2d');"
        " c.font = getComputedStyle(el).font;"
        " return Math.max(...[...el.options].map(o => c.measureText(o.text).width)); }"
    )
    page.screenshot(path=f"{SCREENSHOTS}/staff-book-1280.png", full_page=True)
    assert width >= needed, f"the visit reason list is {width}px wide, its longest choice {needed}px"
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280


def test_pages_load_their_icon_and_never_ask_for_a_missing_favicon(page: Page, live_server, agenda, secretary):
    answers: dict[str, int] = {}
    page.on("response", lambda response: answers.__setitem__(response.url, response.status))
    page.goto(f"{live_server.url}/")
    browser_sign_in(page, live_server, secretary)
    page.goto(f"{live_server.url}/workspace/book/")
    page.wait_for_load_state("networkidle")
    icon = page.locator("link[rel=icon]").get_attribute("href")
    assert page.request.get(live_server.url + icon).status == 200
    assert not [url for url, status in answers.items() if status == 404]
