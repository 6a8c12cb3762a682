"""A patient proves their phone with a code sent by SMS, and waits on the waiting list for a time to free up,
in a real browser (Chromium through Playwright).

The codes and the offer links are read from the outbox (OutgoingMessage), where the patient's phone would
get them. Time is real: the wanted time is picked relative to today (conftest.paris_in_days).
"""

import re
from datetime import datetime, time

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from clinic_instance import booking, waitlist
from clinic_instance.models import Appointment, Clinic, OutgoingMessage, PhoneVerification, WaitlistEntry, WaitlistOffer
from tests.factories import PARIS, make_appointment, make_patient

from .conftest import Agenda, paris_in_days
from .test_patient_journey import expect_booked, fill_details

pytestmark = pytest.mark.browser

WEEKDAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


# --- Phone verification ------------------------------------------------------------------


@pytest.fixture
def verifying(agenda) -> Agenda:
    Clinic.objects.filter(pk=agenda.clinic.pk).update(phone_verification=True)
    return agenda


def choose_first_slot(page: Page, live_server, agenda: Agenda) -> datetime:
    """The practitioner's page, with the visit reason chosen → first free slot → the details page."""
    page.goto(f"{live_server.url}/book/{agenda.practitioner.pk}/?reason={agenda.reason.pk}")
    page.locator("a.slot").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your details")
    return datetime.fromisoformat(page.locator("input[name=start]").input_value())


def confirm(page: Page) -> None:
    page.get_by_role("button", name="Confirm the appointment").click()


def expect_code_page(page: Page) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your phone")
    expect(page.locator("p.summary")).to_contain_text("Dr Alice Durand · Consultation")
    expect(page.locator("form.verify")).to_contain_text("We have sent a 6-digit code by SMS to 06 12 34 56 78.")


def sent_code() -> str:
    body = OutgoingMessage.objects.filter(kind="verification").latest("pk").body
    return re.search(r"\b(\d{6})\b", body).group(1)


def type_code(page: Page, code: str) -> None:
    page.get_by_label("Code received by SMS").fill(code)
    confirm(page)


def another_code(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def test_a_patient_types_a_wrong_code_then_the_right_one_and_the_booking_is_confirmed(page, live_server, verifying):
    start = choose_first_slot(page, live_server, verifying)
    fill_details(page)
    confirm(page)

    expect_code_page(page)
    assert not Appointment.objects.exists()
    code = sent_code()
    message = OutgoingMessage.objects.get(kind="verification")
    assert (message.channel, message.recipient) == ("sms", "+33612345678")

    type_code(page, another_code(code))
    expect_code_page(page)
    expect(page.get_by_role("alert")).to_have_text("This code is not right (4 tries left).")
    expect(page.get_by_label("Code received by SMS")).to_have_value("")
    assert not Appointment.objects.exists()

    type_code(page, code)
    appointment = expect_booked(page)
    assert appointment.status == Appointment.Status.BOOKED
    assert appointment.start == start
    assert appointment.patient.phone == "+33612345678"
    assert PhoneVerification.objects.get().used_at is not None


def test_a_patient_asks_for_a_new_code_and_the_old_one_no_longer_works(page, live_server, verifying):
    choose_first_slot(page, live_server, verifying)
    fill_details(page)
    confirm(page)
    expect_code_page(page)
    old_code = sent_code()
    old_token = page.locator("input[name=verification_token]").input_value()

    page.get_by_role("button", name="send a new code").click()
    expect(page.locator("input[name=verification_token]")).not_to_have_value(old_token)
    expect(page.get_by_role("status")).to_contain_text("A new code has been sent to 06 12 34 56 78")
    expect_code_page(page)
    assert OutgoingMessage.objects.filter(kind="verification").count() == 2
    new_code = sent_code()

    if new_code != old_code:  # one chance in a million that both codes are the same
        type_code(page, old_code)
        expect(page.get_by_role("alert")).to_have_text("This code is not right (4 tries left).")
        assert not Appointment.objects.exists()

    type_code(page, new_code)
    appointment = expect_booked(page)
    assert appointment.status == Appointment.Status.BOOKED
    assert PhoneVerification.objects.filter(used_at__isnull=False).count() == 1


# --- The waiting list --------------------------------------------------------------------


@pytest.fixture
def wanted(agenda) -> datetime:
    """The time Paul wants, in two days at 10:00, which Zoé has already booked."""
    # No quiet hours: offers are made whatever the hour the test runs at.
    Clinic.objects.filter(pk=agenda.clinic.pk).update(quiet_hours_start=time(0), quiet_hours_end=time(0))
    start = paris_in_days(2, 10)
    make_appointment(agenda.practitioner, agenda.reason, start, make_patient("Zoé", "Zola", phone="+33611111111"))
    return start


def join_the_waiting_list(page: Page, live_server, agenda: Agenda, wanted: datetime) -> WaitlistEntry:
    """Practitioner's page → "Join the waiting list" → that day only, starting 9:45-10:15, until that day."""
    page.goto(f"{live_server.url}/book/{agenda.practitioner.pk}/?reason={agenda.reason.pk}")
    page.get_by_role("link", name="Join the waiting list").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Join the waiting list")
    expect(page.locator("p.summary")).to_have_text("Dr Alice Durand · Consultation")
    for number, name in enumerate(WEEKDAY_NAMES):
        page.get_by_role("checkbox", name=name).set_checked(number == wanted.weekday())
    page.get_by_label("From").fill("09:45")
    page.get_by_label(re.compile(r"^Until")).fill("10:15")  # not "Waiting until"
    page.get_by_label("Waiting until").fill(wanted.date().isoformat())
    fill_details(page)
    page.get_by_role("button", name="Join the waiting list").click()

    expect(page.get_by_role("status")).to_have_text("You are on the waiting list.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your place on the waiting list")
    token = re.search(r"/waitlist/([^/]+)/", page.url).group(1)
    return WaitlistEntry.objects.select_related("patient").get(token=token)


def free_the_wanted_time(wanted: datetime) -> WaitlistOffer:
    """The clinic cancels Zoé's appointment, and the offerer's sweep offers the time to Paul."""
    taken = Appointment.objects.get(start=wanted, status=Appointment.Status.BOOKED)
    booking.cancel_appointment(appointment=taken, now=timezone.now(), by="clinic")
    assert waitlist.offer_free_slots(timezone.now()) == 1
    return WaitlistOffer.objects.get()


def open_the_offer_link(page: Page, live_server) -> None:
    """The link in the SMS; its host is OPENRDV_BASE_URL's, so only its path is opened on the live server."""
    body = OutgoingMessage.objects.filter(kind="waitlist_offer", channel="sms").latest("pk").body
    page.goto(live_server.url + re.search(r"/waitlist/offer/[^/\s]+/", body).group(0))
    expect(page.get_by_role("heading", level=1)).to_have_text("A time has freed up")


def test_a_patient_on_the_waiting_list_books_the_time_that_freed_up(page, live_server, agenda, wanted):
    entry = join_the_waiting_list(page, live_server, agenda, wanted)
    assert entry.patient.phone == "+33612345678"
    assert (entry.earliest_time, entry.latest_time, entry.until) == (time(9, 45), time(10, 15), wanted.date())
    assert entry.weekdays == 1 << wanted.weekday()

    offer = free_the_wanted_time(wanted)
    assert offer.entry == entry
    assert offer.start == wanted
    open_the_offer_link(page, live_server)
    expect(page.locator("dd.when")).to_contain_text(f"{WEEKDAY_NAMES[wanted.weekday()]} {wanted.day} ")
    expect(page.locator("dd.when")).to_contain_text("10:00")
    expect(page.locator("p.note")).to_have_text(
        f"This time is held for you until {offer.hold_until.astimezone(PARIS):%H:%M}."
    )
    page.get_by_role("button", name="Book this time").click()

    appointment = expect_booked(page)
    assert appointment.start == wanted
    assert appointment.patient == entry.patient
    assert appointment.status == Appointment.Status.BOOKED
    entry.refresh_from_db()
    offer.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.BOOKED
    assert (offer.status, offer.appointment) == (WaitlistOffer.Status.ACCEPTED, appointment)


def test_a_patient_who_declines_the_offered_time_stays_on_the_waiting_list(page, live_server, agenda, wanted):
    entry = join_the_waiting_list(page, live_server, agenda, wanted)
    offer = free_the_wanted_time(wanted)
    open_the_offer_link(page, live_server)
    page.get_by_role("button", name="Not this one, keep me on the list").click()

    expect(page.get_by_role("status")).to_have_text(
        "You have let this time go. You stay on the waiting list for another time."
    )
    expect(page.get_by_role("button", name="Book this time")).to_have_count(0)
    offer.refresh_from_db()
    entry.refresh_from_db()
    assert offer.status == WaitlistOffer.Status.DECLINED
    assert entry.status == WaitlistEntry.Status.WAITING
    assert not Appointment.objects.filter(start=wanted, status=Appointment.Status.BOOKED).exists()

    page.get_by_role("link", name="Your place on the waiting list").click()
    expect(page.locator("dd.status")).to_have_text("waiting")
    expect(page.get_by_role("link", name="A time is held for you: see it")).to_have_count(0)


def test_a_patient_leaves_the_waiting_list_from_the_entry_page(page, live_server, agenda, wanted):
    entry = join_the_waiting_list(page, live_server, agenda, wanted)
    expect(page.locator("dd.days")).to_have_text(WEEKDAY_NAMES[wanted.weekday()])
    expect(page.locator("dl.appointment")).to_contain_text("starting between 09:45 and 10:15")
    entry_url = f"{live_server.url}/waitlist/{entry.token}/"
    expect(page.locator("a.manage-url")).to_have_attribute("href", entry_url)

    page.get_by_role("button", name="Leave the waiting list").click()
    expect(page.get_by_role("status")).to_have_text("You have left the waiting list.")
    expect(page.locator("dd.status")).to_have_text("left the list")
    expect(page.get_by_role("button", name="Leave the waiting list")).to_have_count(0)
    expect(page.get_by_role("link", name="See the free times, or join the waiting list again")).to_be_visible()
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.LEFT
    # The time that frees up afterwards is offered to nobody.
    taken = Appointment.objects.get(start=wanted, status=Appointment.Status.BOOKED)
    booking.cancel_appointment(appointment=taken, now=timezone.now(), by="clinic")
    assert waitlist.offer_free_slots(timezone.now()) == 0
