"""Administrators invite staff by e-mail and set their roles; nobody else can."""

import re

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinic_instance.models import StaffInvite, StaffMember
from clinic_instance.models.staff import token_digest
from tests.workspace import PASSWORD, sign_in, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def anne(clinic):
    return staff_user("anne", "admin")


@pytest.fixture
def admin_client(client, anne):
    sign_in(client, anne)
    return client


def invite_link(inbox) -> str:
    body = inbox.messages[-1].get_payload(decode=True).decode()
    return re.search(r"https?://\S+/workspace/invitation/\S+/", body).group(0)


def test_an_invited_secretary_creates_her_account_and_sets_up_her_authenticator(admin_client, inbox, alice, settings):
    settings.OPENRDV_BASE_URL = "https://rdv.tilleuls.example"
    response = admin_client.post(
        "/workspace/staff/invite/", {"email": "sarah@tilleuls.example", "role": "secretary", "agendas": [alice.pk]}
    )
    assert response.status_code == 302
    assert inbox.messages[-1]["To"] == "sarah@tilleuls.example"
    link = invite_link(inbox)
    assert link.startswith("https://rdv.tilleuls.example/workspace/invitation/")
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert not StaffInvite.objects.filter(token_digest=token).exists()  # only its digest is stored

    newcomer = Client()
    path = link.removeprefix("https://rdv.tilleuls.example")
    assert newcomer.get(path).status_code == 200
    weak = newcomer.post(path, {"username": "sarah", "password1": "123", "password2": "123"})
    assert weak.status_code == 200 and weak.context["form"].errors["password1"]
    response = newcomer.post(path, {"username": "sarah", "password1": PASSWORD, "password2": PASSWORD})
    assert response["Location"] == "/workspace/login/set-up/"
    newcomer.get("/workspace/login/set-up/")
    device = TOTPDevice.objects.get(user__username="sarah", confirmed=False)
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=6):06d}"
    assert newcomer.post("/workspace/login/set-up/", {"code": code}).status_code == 200
    member = StaffMember.objects.get(user__username="sarah")
    assert member.role == "secretary" and list(member.agendas.all()) == [alice]
    assert newcomer.get("/workspace/account/").status_code == 200
    # The link works once.
    assert Client().get(path).status_code == 404


def test_expired_and_withdrawn_invitations_cannot_be_used(admin_client, inbox):
    admin_client.post("/workspace/staff/invite/", {"email": "a@tilleuls.example", "role": "admin"})
    expired_path = "/workspace/invitation/" + invite_link(inbox).rstrip("/").rsplit("/", 1)[1] + "/"
    admin_client.post("/workspace/staff/invite/", {"email": "b@tilleuls.example", "role": "admin"})
    withdrawn_path = "/workspace/invitation/" + invite_link(inbox).rstrip("/").rsplit("/", 1)[1] + "/"
    withdrawn = StaffInvite.objects.get(email="b@tilleuls.example")
    assert admin_client.post(f"/workspace/staff/invitations/{withdrawn.pk}/revoke/").status_code == 302
    assert Client().get(withdrawn_path).status_code == 404
    with time_machine.travel(timezone.now() + timezone.timedelta(days=8)):
        assert Client().get(expired_path).status_code == 404
    assert Client().get("/workspace/invitation/" + "x" * 43 + "/").status_code == 404


def test_a_practitioner_invitation_names_the_practitioner(admin_client, inbox):
    response = admin_client.post("/workspace/staff/invite/", {"email": "a@tilleuls.example", "role": "practitioner"})
    assert response.status_code == 200 and response.context["form"].errors["practitioner"]
    assert not inbox.messages


def test_the_last_administrator_cannot_demote_herself(admin_client, anne):
    member = anne.staff_member
    response = admin_client.post(f"/workspace/staff/{member.pk}/", {"role": "secretary", "active": "on"})
    assert response.status_code == 200
    assert StaffMember.objects.get(pk=member.pk).role == "admin"


def test_an_administrator_changes_a_role_and_deactivates_an_account(admin_client, alice):
    sarah = staff_user("sarah", "secretary")
    sarahs = Client()
    sign_in(sarahs, sarah)
    member = sarah.staff_member
    assert (
        admin_client.post(f"/workspace/staff/{member.pk}/", {"role": "secretary", "agendas": [alice.pk]}).status_code
        == 302
    )
    assert not get_user_model().objects.get(pk=sarah.pk).is_active
    assert list(StaffMember.objects.get(pk=member.pk).agendas.all()) == [alice]
    assert sarahs.get("/workspace/account/").status_code == 302
    admin_client.post(f"/workspace/staff/{member.pk}/", {"role": "admin", "active": "on"})
    promoted = get_user_model().objects.get(pk=sarah.pk)
    assert promoted.is_active and promoted.is_staff and not promoted.is_superuser
    assert promoted.has_perm("clinic_instance.change_practitioner")
    assert not promoted.has_perm("clinic_instance.view_patient") and not promoted.has_perm("auth.change_user")
    admin_client.post(f"/workspace/staff/{member.pk}/", {"role": "secretary", "active": "on"})
    demoted = get_user_model().objects.get(pk=sarah.pk)
    assert not demoted.is_staff and not demoted.has_perm("clinic_instance.change_practitioner")


@pytest.mark.parametrize("role", ["secretary", "practitioner"])
def test_only_administrators_manage_staff(client, clinic, alice, role):
    user = staff_user("someone", role, practitioner=alice if role == "practitioner" else None)
    sign_in(client, user)
    member = user.staff_member
    assert client.get("/workspace/staff/").status_code == 403
    assert client.get("/workspace/staff/invite/").status_code == 403
    response = client.post(f"/workspace/staff/{member.pk}/", {"role": "admin", "active": "on"})
    assert response.status_code == 403
    assert StaffMember.objects.get(pk=member.pk).role == role


def test_staff_pages_refuse_get_for_changes_and_posts_without_csrf(anne):
    client = Client(enforce_csrf_checks=True)
    sign_in(client, anne)
    invite = StaffInvite.objects.create(email="x@tilleuls.example", role="admin", token_digest="d" * 64,
                                        expires_at=timezone.now() + timezone.timedelta(days=1))  # fmt: skip
    assert client.get(f"/workspace/staff/invitations/{invite.pk}/revoke/").status_code == 405
    assert client.post(f"/workspace/staff/invitations/{invite.pk}/revoke/").status_code == 403
    assert client.post("/workspace/staff/invite/", {"email": "y@tilleuls.example", "role": "admin"}).status_code == 403
    assert StaffInvite.objects.get(pk=invite.pk).revoked_at is None


def test_the_first_administrator_is_invited_from_the_command_line(clinic, inbox, settings):
    from io import StringIO

    from django.core.management import call_command

    settings.OPENRDV_BASE_URL = "https://rdv.tilleuls.example"
    out = StringIO()
    call_command("invite_staff", "anne@tilleuls.example", stdout=out)
    link = out.getvalue().strip()
    assert link.startswith("https://rdv.tilleuls.example/workspace/invitation/")
    assert link in inbox.messages[-1].get_payload(decode=True).decode()
    assert StaffInvite.objects.get().role == "admin"
    newcomer = Client()
    path = link.removeprefix("https://rdv.tilleuls.example")
    newcomer.post(path, {"username": "anne", "password1": PASSWORD, "password2": PASSWORD})
    anne = get_user_model().objects.get(username="anne")
    assert anne.is_staff and not anne.is_superuser and anne.staff_member.role == "admin"
    assert anne.has_perm("clinic_instance.change_clinic")


def test_a_practitioner_has_one_account_however_many_invitations(admin_client, inbox, alice):
    StaffInvite.objects.create(email="one@tilleuls.example", role="practitioner", practitioner=alice,
                               token_digest=token_digest("first-token"),
                               expires_at=timezone.now() + timezone.timedelta(days=1))  # fmt: skip
    StaffInvite.objects.create(email="two@tilleuls.example", role="practitioner", practitioner=alice,
                               token_digest=token_digest("second-token"),
                               expires_at=timezone.now() + timezone.timedelta(days=1))  # fmt: skip
    first = Client().post("/workspace/invitation/first-token/", {"username": "alice", "password1": PASSWORD,
                                                                 "password2": PASSWORD})  # fmt: skip
    assert first.status_code == 302
    second = Client().post("/workspace/invitation/second-token/", {"username": "alice2", "password1": PASSWORD,
                                                                   "password2": PASSWORD})  # fmt: skip
    assert second.status_code == 404
    assert not get_user_model().objects.filter(username="alice2").exists()
    # And the invitation form says so before anything is sent.
    response = admin_client.post(
        "/workspace/staff/invite/",
        {"email": "three@tilleuls.example", "role": "practitioner", "practitioner": alice.pk},
    )
    assert response.status_code == 200 and response.context["form"].errors["practitioner"]


def test_an_invitation_the_mail_server_refuses_is_not_kept(admin_client, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens there
    response = admin_client.post("/workspace/staff/invite/", {"email": "x@tilleuls.example", "role": "secretary"})
    assert response.status_code == 503 and response.context["form"].non_field_errors()
    assert not StaffInvite.objects.exists()
