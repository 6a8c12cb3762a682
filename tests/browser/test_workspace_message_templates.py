"""An administrator rewords the French SMS reminder in a real browser and sees the preview before saving."""

import pytest
from playwright.sync_api import Page, expect

from clinic_instance.models import MessageTemplate
from tests.workspace import browser_sign_in, staff_user

pytestmark = pytest.mark.browser


def test_an_administrator_edits_the_french_sms_reminder_and_sees_the_preview(page: Page, live_server, agenda):
    browser_sign_in(page, live_server, staff_user("anne", "admin"))
    page.goto(f"{live_server.url}/workspace/messages/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Messages to patients")
    page.locator("tr", has_text="Reminder").get_by_role("link").nth(0).click()  # SMS · French

    expect(page.get_by_role("heading", level=1)).to_have_text("Reminder · SMS · French")
    expect(page.locator("#preview-body")).to_contain_text("lundi 1 mars 2027")

    page.get_by_label("Text").fill(
        "{{ clinic }} : n'oubliez pas votre RDV du {{ date }} à {{ time }}. {{ manage_url }}"
    )
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#preview-body")).to_contain_text(
        "Cabinet des Lilas : n'oubliez pas votre RDV du lundi 1 mars 2027 à 09:20. http"
    )
    assert not MessageTemplate.objects.exists()

    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("The text is saved.")
    assert MessageTemplate.objects.get(kind="reminder", channel="sms", language="fr").body.startswith("{{ clinic }} :")

    page.get_by_label("Text").fill("{{ patient.phone }}")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".error").first).to_contain_text("Unknown variable")
