"""Signing in to the workspace: password, second factor, lockout, sessions — as attacks where it counts."""

import re
import time
from unittest import mock

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinic_instance import two_factor
from clinic_instance.models import AuditEntry, OutgoingMessage, StaffMember
from tests.workspace import PASSWORD, current_code, sign_in, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def sarah(clinic):
    return staff_user("sarah", "secretary")


def password_step(client, username="sarah", password=PASSWORD, **extra):
    return client.post("/workspace/login/", {"username": username, "password": password, **extra})


def signed_in(client) -> bool:
    response = client.get("/workspace/account/")
    return response.status_code == 200


def test_password_then_code_signs_in_on_a_new_session(client, sarah):
    client.get("/workspace/login/")
    before = client.session.session_key
    response = password_step(client)
    assert response.status_code == 302 and response["Location"] == "/workspace/login/code/"
    assert not signed_in(client)  # the password alone opens nothing
    response = client.post("/workspace/login/code/", {"code": current_code(sarah)})
    assert response.status_code == 302 and response["Location"] == "/workspace/"
    assert client.session.session_key != before
    assert signed_in(client)
    entry = AuditEntry.objects.get(action=AuditEntry.Action.LOGIN)
    assert entry.actor == sarah and entry.ip_address == "127.0.0.1"


def test_a_valid_code_with_a_wrong_password_is_refused(client, sarah):
    response = password_step(client, password="wrong password")
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    response = client.post("/workspace/login/code/", {"code": current_code(sarah)})
    assert response.status_code == 302 and response["Location"] == "/workspace/login/"
    assert not signed_in(client)


def test_a_wrong_code_is_refused_and_the_pending_step_expires(client, sarah):
    password_step(client)
    response = client.post("/workspace/login/code/", {"code": "000000" if current_code(sarah) != "000000" else "1"})
    assert response.status_code == 200 and response.context["form"].errors["code"]
    assert not signed_in(client)
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=11)):
        response = client.post("/workspace/login/code/", {"code": current_code(sarah)})
    assert response["Location"] == "/workspace/login/"


def test_a_recovery_code_works_once(client, sarah):
    codes = two_factor.replace_recovery_codes(sarah)
    password_step(client)
    assert client.post("/workspace/login/code/", {"code": codes[0].upper()}).status_code == 302
    assert signed_in(client)
    other = Client()
    password_step(other)
    response = other.post("/workspace/login/code/", {"code": codes[0]})
    assert response.status_code == 200 and not signed_in(other)


def test_repeated_failures_lock_the_account_even_with_the_right_password(client, sarah, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        password_step(client, password="guess")
    response = password_step(client)
    assert response.status_code == 429
    assert not signed_in(client)


def test_failed_codes_count_towards_the_lockout(client, sarah, settings):
    password_step(client)
    wrong = "999999" if current_code(sarah) != "999999" else "888888"
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post("/workspace/login/code/", {"code": wrong})
    assert client.post("/workspace/login/code/", {"code": wrong}).status_code == 429
    assert client.post("/workspace/login/code/", {"code": current_code(sarah)})["Location"] == "/workspace/login/"
    password_step(client)
    assert password_step(client).status_code == 429


def test_first_sign_in_sets_up_the_authenticator_and_shows_recovery_codes(client, clinic, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # a wrong code below would otherwise delay the right one
    newcomer = staff_user("nina", "secretary", authenticator=False)
    response = password_step(client, username="nina")
    assert response["Location"] == "/workspace/login/set-up/"
    page = client.get("/workspace/login/set-up/").content.decode()
    assert "<svg" in page and "otpauth" not in page.split("<svg")[0]
    device = TOTPDevice.objects.get(user=newcomer, confirmed=False)
    assert two_factor.secret_of(device) in page
    assert not signed_in(client)
    response = client.post("/workspace/login/set-up/", {"code": "12"})
    assert response.status_code == 200 and not signed_in(client)
    from django_otp.oath import totp

    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=6):06d}"
    response = client.post("/workspace/login/set-up/", {"code": code})
    codes = re.findall(r"<li>([a-z0-9]{10})</li>", response.content.decode())
    assert len(codes) == two_factor.RECOVERY_CODE_COUNT
    assert signed_in(client)
    assert TOTPDevice.objects.get(user=newcomer).confirmed


def test_without_required_two_factor_the_password_is_enough(client, clinic, settings):
    settings.STAFF_TWO_FACTOR_REQUIRED = False
    staff_user("nina", "secretary", authenticator=False)
    assert password_step(client, username="nina")["Location"] == "/workspace/"
    assert signed_in(client)


def test_accounts_without_a_staff_role_cannot_sign_in(client, clinic):
    get_user_model().objects.create_user("mallory", "", PASSWORD)
    response = password_step(client, username="mallory")
    assert response.status_code == 200 and not signed_in(client)


def test_next_is_followed_only_within_the_site(client, sarah):
    password_step(client, next="https://evil.example/")
    assert client.post("/workspace/login/code/", {"code": current_code(sarah)})["Location"] == "/workspace/"
    client.post("/workspace/logout/")
    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=60)):  # a code is accepted once
        password_step(client, next="/workspace/account/")
        response = client.post("/workspace/login/code/", {"code": current_code(sarah)})
    assert response["Location"] == "/workspace/account/"


def test_a_password_change_ends_the_other_sessions_only(client, sarah):
    other = Client()
    sign_in(client, sarah)
    sign_in(other, sarah)
    response = client.post(
        "/workspace/account/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "another fine passphrase",
            "new_password2": "another fine passphrase",
        },
    )
    assert response.status_code == 302
    assert signed_in(client)
    assert not signed_in(other)


@pytest.mark.parametrize("change", ["/workspace/account/recovery-codes/", "/workspace/account/sign-out-elsewhere/"])
def test_a_second_factor_change_ends_the_other_sessions(client, sarah, change):
    other = Client()
    sign_in(client, sarah)
    sign_in(other, sarah)
    assert client.post(change, {"password": PASSWORD}).status_code in (200, 302)
    assert signed_in(client)
    assert not signed_in(other)


def test_replacing_the_authenticator_needs_the_password_and_a_code_from_the_new_app(client, sarah):
    other = Client()
    sign_in(client, sarah)
    sign_in(other, sarah)
    assert client.post("/workspace/account/authenticator/", {"password": "wrong"}).status_code == 400
    assert client.post("/workspace/account/authenticator/", {"password": PASSWORD}).status_code == 200
    assert signed_in(other)  # nothing changed yet
    old = TOTPDevice.objects.get(user=sarah, confirmed=True)
    new = TOTPDevice.objects.get(user=sarah, confirmed=False)
    from django_otp.oath import totp

    code = f"{totp(new.bin_key, step=new.step, t0=new.t0, digits=6):06d}"
    assert client.post("/workspace/account/authenticator/", {"code": code}).status_code == 200
    assert list(TOTPDevice.objects.filter(user=sarah).values_list("pk", flat=True)) == [new.pk]
    assert not TOTPDevice.objects.filter(pk=old.pk).exists()
    assert signed_in(client) and not signed_in(other)


def test_an_idle_session_ends_and_background_polls_do_not_keep_it_alive(client, sarah, settings):
    sign_in(client, sarah)
    idle = settings.STAFF_IDLE_TIMEOUT
    start = timezone.now()
    with time_machine.travel(start + idle / 2):
        assert client.get("/workspace/account/", headers={"X-Workspace-Background": "1"}).status_code == 200
    with time_machine.travel(start + idle + timezone.timedelta(seconds=5)):
        response = client.get("/workspace/account/")
    assert response.status_code == 302 and response["Location"].startswith("/workspace/login/")


def test_activity_keeps_the_session(client, sarah, settings):
    sign_in(client, sarah)
    idle = settings.STAFF_IDLE_TIMEOUT
    start = timezone.now()
    with time_machine.travel(start + idle * 0.9):
        assert signed_in(client)
    with time_machine.travel(start + idle * 1.5):
        assert signed_in(client)


def test_a_deactivated_account_is_signed_out(client, sarah):
    sign_in(client, sarah)
    get_user_model().objects.filter(pk=sarah.pk).update(is_active=False)
    assert not signed_in(client)


def test_logout_is_post_only_and_csrf_protected(sarah):
    client = Client(enforce_csrf_checks=True)
    sign_in(client, sarah)
    assert client.get("/workspace/logout/").status_code == 405
    assert client.post("/workspace/logout/").status_code == 403
    assert signed_in(client)


def test_the_admin_takes_the_workspace_sign_in(client, clinic):
    anne = staff_user("anne", "admin")
    get_user_model().objects.filter(pk=anne.pk).update(is_staff=True, is_superuser=True)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert client.get(response["Location"])["Location"].startswith("/workspace/login/")
    client.force_login(anne)  # a session that skipped the second factor
    assert client.get("/admin/")["Location"].startswith("/workspace/login/")
    sign_in(client, anne)
    assert client.get("/admin/").status_code == 200


def test_anonymous_visitors_are_sent_to_the_login_page(client, clinic):
    for path in ["/workspace/", "/workspace/account/", "/workspace/staff/"]:
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/workspace/login/?next=")


def test_roles_are_database_constraints(sarah):
    from django.db import IntegrityError, transaction

    with transaction.atomic(), pytest.raises(IntegrityError):
        StaffMember.objects.filter(user=sarah).update(role="superuser")


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/workspace/account/recovery-codes/", "password"),
        ("/workspace/account/authenticator/", "password"),
        ("/workspace/account/password/", "old_password"),
    ],
)
def test_a_stolen_session_cannot_guess_the_password_on_the_account_pages(client, sarah, settings, path, field):
    sign_in(client, sarah)
    extra = {"new_password1": "another fine passphrase", "new_password2": "another fine passphrase"}
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post(path, {field: "guess", **extra}).status_code in (200, 400)
    assert client.post(path, {field: "guess", **extra}).status_code == 429
    assert not signed_in(client)  # the session ended with the lockout
    assert password_step(client).status_code == 429  # and the right password waits for the cool-off


@pytest.mark.django_db(transaction=True)
def test_one_code_sent_twice_at_once_signs_in_once(clinic):
    """django-otp's match_token locks the devices (select_for_update) while it verifies."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    sarah = staff_user("sarah", "secretary")
    code = current_code(sarah)
    original = TOTPDevice.verify_token

    def slow_verify_token(device, token):
        time.sleep(0.3)  # every request has read the device before any has spent the code
        return original(device, token)

    def verify():
        try:
            return two_factor.verify(sarah, code) is not None
        finally:
            connection.close()

    with mock.patch.object(TOTPDevice, "verify_token", slow_verify_token), ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda _: verify(), range(3)))
    assert results.count(True) == 1


def test_a_guesser_locks_only_their_own_address_and_the_administrators_are_told(clinic, sarah, settings):
    admin = staff_user("anne", "admin")
    attacker, colleague = Client(REMOTE_ADDR="203.0.113.66"), Client(REMOTE_ADDR="198.51.100.20")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        password_step(attacker, password="guess")
    assert password_step(attacker).status_code == 429  # locked at the guesser's address
    assert password_step(colleague).status_code == 302  # sarah still signs in from the clinic
    password_step(attacker, password="guess")  # further tries while locked alert no one again
    alerts = OutgoingMessage.objects.filter(kind="alert", recipient=admin.email)
    assert len(alerts) == 1  # once per lockout, to each administrator (and the clinic's address, if any)
    assert "sarah" in alerts[0].body and "203.0.113.66" in alerts[0].body
