"""An administrator finds a failed SMS from the messages page, sends it again, and sees it leave the list."""

import pytest
from playwright.sync_api import Page, expect

from clinic_instance.models import AuditEntry, OutgoingMessage
from tests.factories import make_appointment
from tests.workspace import browser_sign_in, staff_user

from .conftest import paris_in_days

pytestmark = pytest.mark.browser


def test_an_administrator_sends_a_failed_reminder_again(page: Page, live_server, agenda):
    appointment = make_appointment(agenda.practitioner, agenda.reason, paris_in_days(3, 10))
    message = OutgoingMessage.objects.create(
        channel="sms", kind="reminder", recipient="+33612345678", body="Rappel : RDV dans 3 jours",
        appointment=appointment, patient=appointment.patient, appointment_start=appointment.start,
        dedupe_key="browser-reminder", status="failed", attempts=1, last_error="Twilio error 30006",
    )  # fmt: skip
    browser_sign_in(page, live_server, staff_user("anne", "admin"))

    page.goto(f"{live_server.url}/workspace/messages/")
    page.get_by_role("link", name="Messages that did not go out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Messages that did not go out")
    expect(page.locator("#outbox-counts")).to_have_text("1 failed, 0 interrupted, 0 waiting")

    row = page.locator(f"#message-{message.pk}")
    expect(row).to_contain_text("Reminder")
    expect(row).to_contain_text("+33 6 •• •• •• 78")
    expect(row).to_contain_text("Twilio error 30006")
    expect(row.get_by_role("link", name="Open")).to_have_attribute("href", f"/workspace/appointments/{appointment.pk}/")
    expect(page.locator("body")).not_to_contain_text("+33612345678")
    expect(page.locator("body")).not_to_contain_text("Rappel")

    row.get_by_role("button", name="Send again").click()
    expect(page.get_by_role("status")).to_contain_text(f"Message {message.pk} is back in the queue")
    expect(page.locator(f"#message-{message.pk}")).to_have_count(0)
    expect(page.locator("#outbox-counts")).to_have_text("0 failed, 0 interrupted, 1 waiting")
    assert OutgoingMessage.objects.get(pk=message.pk).status == "pending"
    assert AuditEntry.objects.filter(actor_label="anne", detail__endswith="failed → sent again").count() == 1
