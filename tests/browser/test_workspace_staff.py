"""Staff management in a real browser: an administrator invites a secretary, who joins; passwords change (issue 5)."""

import re
from base64 import b32decode

import pytest
from django_otp.oath import totp
from playwright.sync_api import Browser, Page, expect

from clinic_instance.models import StaffMember
from tests.workspace import PASSWORD, browser_sign_in, staff_user

pytestmark = pytest.mark.browser


def code_for(secret: str) -> str:
    return f"{totp(b32decode(secret + '=' * (-len(secret) % 8)), step=30, t0=0, digits=6):06d}"


def test_an_administrator_invites_a_secretary_who_joins_with_her_authenticator(
    page: Page, browser: Browser, live_server, agenda, inbox, settings
):
    settings.OPENRDV_BASE_URL = live_server.url
    anne = staff_user("anne", "admin")
    browser_sign_in(page, live_server, anne)
    page.goto(live_server.url + "/workspace/staff/")
    page.get_by_role("link", name="Invite someone").click()
    page.get_by_label("E-mail").fill("nina@tilleuls.example")
    page.get_by_label("Role").select_option("secretary")
    page.get_by_label(agenda.practitioner.name).check()
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_text("Invitation sent to nina@tilleuls.example.")).to_be_visible()
    expect(page.get_by_role("cell", name="nina@tilleuls.example")).to_be_visible()

    link = re.search(r"http://\S+/workspace/invitation/\S+/", inbox.messages[-1].get_payload(decode=True).decode())[0]
    nina = browser.new_page(locale="en-US")
    try:
        nina.goto(link)
        nina.set_default_timeout(10_000)
        nina.get_by_label("Username").fill("nina")
        nina.locator("input[name=password1]").fill(PASSWORD)
        nina.locator("input[name=password2]").fill(PASSWORD)
        nina.get_by_role("button", name="Create my account").click()
        secret = nina.get_by_test_id("totp-secret").inner_text()
        nina.get_by_label("Code shown by the app").fill(code_for(secret))
        nina.get_by_role("button", name="Confirm").click()
        nina.get_by_role("link", name="I have kept them — continue").click()
        expect(nina).to_have_url(live_server.url + "/workspace/agenda/")
        member = StaffMember.objects.get(user__username="nina")
        assert member.role == "secretary" and list(member.agendas.all()) == [agenda.practitioner]

        # The administrator deactivates her: her open session ends at its next request.
        page.goto(live_server.url + "/workspace/staff/")
        page.get_by_role("row", name=re.compile("nina")).get_by_role("link", name="Edit").click()
        page.get_by_label("Active").uncheck()
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_text("Access of nina updated.")).to_be_visible()
        nina.reload()
        expect(nina.get_by_role("heading", name="Staff sign-in")).to_be_visible()
    finally:
        nina.close()


def test_a_secretary_changes_her_password_and_her_other_sessions_end(page: Page, browser: Browser, live_server, agenda):
    sarah = staff_user("sarah", "secretary", agendas=[agenda.practitioner])
    other = browser.new_page(locale="en-US")
    try:
        browser_sign_in(other, live_server, sarah)
        browser_sign_in(page, live_server, sarah)
        page.goto(live_server.url + "/workspace/account/")
        page.get_by_role("link", name="Change your password").click()
        page.locator("input[name=old_password]").fill(PASSWORD)
        page.locator("input[name=new_password1]").fill("another fine passphrase")
        page.locator("input[name=new_password2]").fill("another fine passphrase")
        page.get_by_role("button", name="Change the password").click()
        expect(page.get_by_text("Your password is changed. Your other sessions are signed out.")).to_be_visible()
        other.goto(live_server.url + "/workspace/agenda/")
        expect(other.get_by_role("heading", name="Staff sign-in")).to_be_visible()
    finally:
        other.close()
