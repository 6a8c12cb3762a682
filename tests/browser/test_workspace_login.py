"""Staff sign in to the workspace in a real browser: first time with setting up the app, then with a code."""

from base64 import b32decode

import pytest
from django_otp.oath import totp
from playwright.sync_api import Page, expect

from tests.workspace import PASSWORD, current_code, staff_user

pytestmark = pytest.mark.browser


def code_for_secret(secret: str) -> str:
    key = b32decode(secret + "=" * (-len(secret) % 8))
    return f"{totp(key, step=30, t0=0, digits=6):06d}"


def sign_in_with_password(page: Page, live_server, username: str) -> None:
    page.goto(live_server.url + "/workspace/")
    expect(page.get_by_role("heading", name="Staff sign-in")).to_be_visible()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()


def test_a_new_secretary_sets_up_her_authenticator_then_signs_in_with_a_code(page: Page, live_server, agenda):
    staff_user("nina", "secretary", agendas=[agenda.practitioner], authenticator=False)
    sign_in_with_password(page, live_server, "nina")
    expect(page.get_by_role("heading", name="Set up your authenticator")).to_be_visible()
    expect(page.locator(".qr svg")).to_be_visible()
    secret = page.get_by_test_id("totp-secret").inner_text()
    page.get_by_label("Code shown by the app").fill(code_for_secret(secret))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_test_id("recovery-codes").locator("li")).to_have_count(10)
    page.get_by_role("link", name="I have kept them — continue").click()
    expect(page).to_have_url(live_server.url + "/workspace/agenda/")
    expect(page.get_by_role("link", name="nina")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Staff sign-in")).to_be_visible()
    page.goto(live_server.url + "/workspace/account/")
    expect(page.get_by_role("heading", name="Staff sign-in")).to_be_visible()


def test_a_secretary_signs_in_with_her_code_and_a_wrong_code_is_refused(page: Page, live_server, agenda):
    sarah = staff_user("sarah", "secretary", agendas=[agenda.practitioner])
    sign_in_with_password(page, live_server, "sarah")
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    page.get_by_label("Code").fill("12345")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("This code is not valid")).to_be_visible()
    page.wait_for_timeout(1100)  # django-otp refuses any code for 1 s after a wrong one (throttling)
    page.get_by_label("Code").fill(current_code(sarah))
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(live_server.url + "/workspace/agenda/")
