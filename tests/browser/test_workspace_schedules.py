"""Weekly schedules, visit reasons and the calendar feed in a real browser."""

import pytest
from icalendar import Calendar
from playwright.sync_api import Page, expect

from clinic_instance.models import CalendarFeed, VisitReason
from tests.factories import make_appointment
from tests.workspace import browser_sign_in, staff_user

from .conftest import paris_in_days

pytestmark = pytest.mark.browser


def test_a_secretary_edits_the_schedule_and_adds_a_visit_reason(page: Page, live_server, agenda):
    alice = agenda.practitioner
    browser_sign_in(page, live_server, staff_user("sarah", "secretary", agendas=[alice]))
    page.goto(f"{live_server.url}/workspace/practitioners/")
    page.get_by_role("link", name="Weekly schedule").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Weekly schedule of Dr Alice Durand")

    # A Monday range overlapping the saved 08:00-20:00 one is refused, naming the rows.
    page.get_by_label("Row 8: weekday").select_option(label="Monday")
    page.get_by_label("Row 8: start time").fill("07:00")
    page.get_by_label("Row 8: end time").fill("09:00")
    page.get_by_role("button", name="Save the schedule").click()
    expect(page.locator("#range-8")).to_contain_text("Row 8 overlaps row 1 on the same weekday.")
    assert alice.weekly_ranges.count() == 7

    page.get_by_label("Row 8: end time").fill("08:00")
    page.get_by_role("button", name="Save the schedule").click()
    expect(page.get_by_role("status")).to_contain_text("The schedule is saved.")
    assert alice.weekly_ranges.filter(weekday=0).count() == 2

    page.get_by_role("link", name="Visit reasons", exact=True).click()
    page.get_by_label("Name *", exact=True).fill("Vaccination")
    page.get_by_label("Duration (minutes)").fill("10")
    page.get_by_role("button", name="Add the visit reason").click()
    expect(page.get_by_role("status")).to_contain_text("Vaccination")
    expect(page.get_by_role("link", name="Vaccination")).to_be_visible()
    assert list(VisitReason.objects.get(name="Vaccination").practitioners.all()) == [alice]


def test_a_practitioner_subscribes_to_his_calendar_feed(page: Page, live_server, agenda):
    alice = agenda.practitioner
    make_appointment(alice, agenda.reason, paris_in_days(1, 9))
    browser_sign_in(page, live_server, staff_user("alice", "practitioner", practitioner=alice))
    page.goto(f"{live_server.url}/workspace/practitioners/")
    page.get_by_role("link", name="Calendar feed").click()
    page.get_by_role("button", name="Create the feed's address").click()
    url = page.locator("#feed-url").input_value()
    assert url.startswith(live_server.url + "/calendar/") and url.endswith(".ics")

    response = page.request.get(url)
    assert response.ok and response.headers["content-type"].startswith("text/calendar")
    events = Calendar.from_ical(response.body()).walk("VEVENT")
    assert len(events) == 1 and "Petit" not in response.text()

    page.goto(f"{live_server.url}/workspace/practitioners/{alice.pk}/calendar-feed/")
    expect(page.locator("#feed-url")).to_have_count(0)  # shown once only
    page.get_by_role("button", name="Revoke the feed").click()
    expect(page.get_by_role("status")).to_contain_text("revoked")
    assert not CalendarFeed.objects.exists()
    assert page.request.get(url).status == 404
