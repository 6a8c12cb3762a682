"""A secretary's agenda in a real browser: the calendar, changes made elsewhere appearing live, drag and drop.

Time is real here (the live server runs beside the test): the agenda shown is tomorrow's,
so a moved appointment is never in the past.
"""

import re
from datetime import time
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from clinic_instance.models import Appointment, StaffMember
from tests.factories import make_appointment, make_patient, make_practitioner, make_reason
from tests.workspace import browser_sign_in, staff_user

from .conftest import paris_in_days

pytestmark = pytest.mark.browser

LIVE_WAIT_MS = 12_000  # the page polls every 5 s


@pytest.fixture
def clinic_day(agenda):
    """Dr Alice Durand (8:00-20:00) and Dr Bob Martin (9:00-18:00), tomorrow: Paul at 9:00 and Léa at 10:00
    with Alice, Zoé at 9:30 with Bob. Sarah is the secretary of both."""
    alice, consultation = agenda.practitioner, agenda.reason
    bob = make_practitioner("Bob", "Martin", "Dermatologue", weekdays=range(7), ranges=((time(9), time(18)),))
    derm = make_reason(bob, "Dermatologie", 30)
    appointments = {
        "paul": make_appointment(alice, consultation, paris_in_days(1, 9)),
        "lea": make_appointment(
            alice, consultation, paris_in_days(1, 10), patient=make_patient("Léa", "Moreau", phone="+33611111111")
        ),
        "zoe": make_appointment(bob, derm, paris_in_days(1, 9, 30), patient=make_patient("Zoé", "Roux")),
    }
    sarah = staff_user("sarah", "secretary", agendas=[alice, bob])
    return {"alice": alice, "bob": bob, "consultation": consultation, "sarah": sarah, **appointments}


def open_day(page: Page, live_server, clinic_day) -> None:
    browser_sign_in(page, live_server, clinic_day["sarah"])
    day = paris_in_days(1, 0).date().isoformat()
    page.goto(f"{live_server.url}/workspace/agenda/?date={day}")
    expect(page.locator("#agenda-calendar .ec-event", has_text="PETIT Paul")).to_be_visible()


def test_the_day_view_shows_both_practitioners_and_changes_made_elsewhere_appear(page: Page, live_server, clinic_day):
    polls = []
    page.on("request", lambda request: "/agenda/events/" in request.url and polls.append(request.headers))
    open_day(page, live_server, clinic_day)
    calendar = page.locator("#agenda-calendar")
    # One column per practitioner, the appointments in them, coloured by visit reason.
    expect(calendar.get_by_text("Dr Alice Durand")).to_be_visible()
    expect(calendar.get_by_text("Dr Bob Martin")).to_be_visible()
    expect(calendar.locator(".ec-event", has_text="ROUX Zoé · Dermatologie")).to_be_visible()
    expect(calendar.locator(".ec-event", has_text="MOREAU Léa")).to_be_visible()
    paul = calendar.locator(".ec-event", has_text="PETIT Paul")
    expect(paul).to_contain_text("09:00")
    # The plain list is there too.
    expect(page.locator("#agenda-list")).to_contain_text("PETIT Paul")

    # Another secretary books Hugo with Bob and marks Paul arrived: no reload here.
    make_appointment(
        clinic_day["bob"],
        Appointment.objects.get(pk=clinic_day["zoe"].pk).visit_reason,
        paris_in_days(1, 14),
        patient=make_patient("Hugo", "Lenoir", phone="+33622222222"),
    )
    arrived = Appointment.objects.get(pk=clinic_day["paul"].pk)
    arrived.status = Appointment.Status.ARRIVED
    arrived.save()

    expect(calendar.locator(".ec-event", has_text="LENOIR Hugo")).to_be_visible(timeout=LIVE_WAIT_MS)
    expect(page.locator("#agenda-list")).to_contain_text("LENOIR Hugo", timeout=LIVE_WAIT_MS)
    expect(calendar.locator(".ec-event.agenda-status-arrived", has_text="PETIT Paul")).to_be_visible()
    expect(page.locator(f"#agenda-list tr[data-appointment='{arrived.pk}']")).to_contain_text("arrived")

    # ... and deletes Léa's appointment.
    Appointment.objects.filter(pk=clinic_day["lea"].pk).delete()
    expect(calendar.locator(".ec-event", has_text="MOREAU Léa")).to_have_count(0, timeout=LIVE_WAIT_MS)
    expect(page.locator("#agenda-list")).not_to_contain_text("MOREAU Léa")
    # The polls said they were background requests (they do not keep an idle session alive).
    assert polls and all(headers.get("x-workspace-background") == "1" for headers in polls)


def test_the_week_view_shows_one_practitioner_day_by_day(page: Page, live_server, clinic_day):
    make_appointment(
        clinic_day["alice"],
        clinic_day["consultation"],
        paris_in_days(2, 15),
        patient=make_patient("Nina", "Durand", phone="+33633333333"),
    )
    browser_sign_in(page, live_server, clinic_day["sarah"])
    day = paris_in_days(1, 0).date().isoformat()
    page.goto(f"{live_server.url}/workspace/agenda/week/?practitioner={clinic_day['alice'].pk}&date={day}")
    calendar = page.locator("#agenda-calendar")
    expect(calendar.locator(".ec-event", has_text="PETIT Paul")).to_contain_text("09:00")
    expect(calendar.locator(".ec-event", has_text="DURAND Nina")).to_contain_text("15:00")
    expect(calendar.locator(".ec-event", has_text="ROUX")).to_have_count(0)  # Bob's
    expect(page.locator("#agenda-list")).to_contain_text("DURAND Nina")


def test_clicking_an_appointment_opens_its_page(page: Page, live_server, clinic_day):
    open_day(page, live_server, clinic_day)
    page.locator("#agenda-calendar .ec-event", has_text="ROUX Zoé").click()
    expect(page).to_have_url(f"{live_server.url}/workspace/appointments/{clinic_day['zoe'].pk}/")


def drag_by_minutes(page: Page, event, minutes: int, duration_minutes: int = 20) -> None:
    """Drag an event down by `minutes` with the mouse (its height gives the pixels per minute)."""
    box = event.bounding_box()
    per_minute = box["height"] / duration_minutes
    x, y = box["x"] + box["width"] / 2, box["y"] + 5
    page.mouse.move(x, y)
    page.mouse.down()
    steps = 12
    for step in range(1, steps + 1):
        page.mouse.move(x, y + minutes * per_minute * step / steps)
    page.mouse.up()


# A browser far from the clinic: the calendar still shows and sends the clinic's times.
@pytest.mark.browser_context_args(timezone_id="America/New_York")
def test_dragging_an_appointment_moves_it_and_a_taken_time_is_refused(page: Page, live_server, clinic_day):
    open_day(page, live_server, clinic_day)
    calendar = page.locator("#agenda-calendar")
    paul = Appointment.objects.get(pk=clinic_day["paul"].pk)

    drag_by_minutes(page, calendar.locator(".ec-event", has_text="PETIT Paul"), 120)

    expect(page.locator("#agenda-status")).to_have_text("Appointment moved.")
    paul.refresh_from_db()
    assert paul.start == paris_in_days(1, 11) and paul.end == paris_in_days(1, 11, 20)
    assert paul.practitioner_id == clinic_day["alice"].pk
    expect(page.locator(f"#agenda-list tr[data-appointment='{paul.pk}']")).to_contain_text("11:00–11:20")

    # Léa is at 10:00: dropping Paul there is refused and the calendar puts him back.
    drag_by_minutes(page, calendar.locator(".ec-event", has_text="PETIT Paul"), -60)
    expect(page.locator("#agenda-status.error")).to_be_visible()
    paul.refresh_from_db()
    assert paul.start == paris_in_days(1, 11)
    expect(calendar.locator(".ec-event", has_text="PETIT Paul")).to_contain_text("11:00")


@pytest.mark.browser_context_args(timezone_id="Asia/Tokyo")
def test_selecting_a_free_time_opens_the_booking_page_for_that_column(page: Page, live_server, clinic_day):
    open_day(page, live_server, clinic_day)
    page.evaluate("() => window.scrollBy(0, 400)")  # 15:00 into the viewport
    zoe = page.locator("#agenda-calendar .ec-event", has_text="ROUX Zoé").bounding_box()
    per_minute = zoe["height"] / 30
    x, y = zoe["x"] + zoe["width"] / 2, zoe["y"] + (15 * 60 - (9 * 60 + 30)) * per_minute + 3  # 15:00
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 6):
        page.mouse.move(x, y + 20 * per_minute * step / 5)
    page.mouse.up()
    start = paris_in_days(1, 15).isoformat()
    expect(page).to_have_url(re.compile(re.escape(f"/workspace/book/?practitioner={clinic_day['bob'].pk}&start=")))
    assert parse_qs(urlsplit(page.url).query)["start"] == [start]


def test_a_secretary_sees_only_her_practitioners_columns(page: Page, live_server, clinic_day):
    carol = make_practitioner("Carol", "Petit", "Kinésithérapeute", weekdays=range(7))
    make_appointment(carol, make_reason(carol, "Kiné", 30), paris_in_days(1, 9), patient=make_patient("Ines", "Secret"))
    StaffMember.objects.get(user=clinic_day["sarah"]).agendas.remove(clinic_day["bob"])
    open_day(page, live_server, clinic_day)
    calendar = page.locator("#agenda-calendar")
    expect(calendar.get_by_text("Dr Alice Durand")).to_be_visible()
    expect(calendar.get_by_text("Dr Bob Martin")).to_have_count(0)
    expect(page.get_by_text("SECRET Ines")).to_have_count(0)
    expect(page.get_by_text("Dr Carol Petit")).to_have_count(0)
    response = page.goto(f"{live_server.url}/workspace/agenda/?p={carol.pk}")
    assert response.status == 404


def test_the_print_page_prints_and_works_without_the_calendar(page: Page, live_server, clinic_day):
    browser_sign_in(page, live_server, clinic_day["sarah"])
    day = paris_in_days(1, 0).date().isoformat()
    page.goto(f"{live_server.url}/workspace/agenda/print/?practitioner={clinic_day['alice'].pk}&date={day}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Dr Alice Durand")
    expect(page.locator("table")).to_contain_text("PETIT Paul")
    page.evaluate("() => { window.printed = 0; window.print = () => { window.printed += 1; }; }")
    page.get_by_role("button", name="Print").click()
    assert page.evaluate("window.printed") == 1
