"""Who sees which agenda: object-level checks, as attacks (issue 5, first part)."""

import importlib

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.http import Http404

from clinic_instance.models import StaffMember
from clinic_instance.staff_access import appointment_for, is_administrator, visible_appointments, visible_practitioners
from tests.factories import make_appointment, make_practitioner, make_reason, paris


def account(name: str, role: str | None = None, practitioner=None, agendas=()):
    user = get_user_model().objects.create_user(name, f"{name}@tilleuls.example", "a-long-enough-password")
    if role:
        member = StaffMember.objects.create(user=user, role=role, practitioner=practitioner)
        member.agendas.set(agendas)
    return user


@pytest.fixture
def agendas(alice, bob, consultation):
    """Alice's and Bob's appointments, and Carol, a third practitioner nobody is assigned to."""
    carol = make_practitioner("Carol", "Petit")
    return {
        "alice": make_appointment(alice, consultation, paris(2027, 3, 2, 9, 0)),
        "bob": make_appointment(bob, make_reason(bob, "Dermatologie", 30), paris(2027, 3, 2, 9, 0)),
        "carol": make_appointment(carol, make_reason(carol, "Kiné", 30), paris(2027, 3, 2, 9, 0)),
    }


def test_a_secretary_sees_only_her_practitioners(agendas, alice, bob):
    sarah = account("sarah", "secretary", agendas=[alice])
    assert list(visible_practitioners(sarah)) == [alice]
    assert list(visible_appointments(sarah)) == [agendas["alice"]]
    assert appointment_for(sarah, agendas["alice"].pk) == agendas["alice"]
    with pytest.raises(Http404):  # Bob's appointment, by its real id
        appointment_for(sarah, agendas["bob"].pk)
    with pytest.raises(Http404):  # and an id that does not exist: the same answer
        appointment_for(sarah, 999_999)


def test_a_practitioner_sees_his_own_agenda_and_those_he_is_granted(agendas, alice, bob):
    doctor_bob = account("bob", "practitioner", practitioner=bob)
    assert list(visible_appointments(doctor_bob)) == [agendas["bob"]]
    doctor_bob.staff_member.agendas.add(alice)
    assert {a.practitioner for a in visible_appointments(doctor_bob)} == {alice, bob}


def test_administrators_see_everything_and_others_nothing(agendas):
    assert visible_appointments(account("anne", "admin")).count() == 3
    assert is_administrator(get_user_model().objects.get(username="anne"))
    nobody = account("mallory")  # an account without a staff role
    assert not visible_appointments(nobody).exists() and not is_administrator(nobody)
    sarah = account("sarah", "secretary", agendas=[])
    sarah.is_active = False
    sarah.save()
    assert not visible_practitioners(sarah).exists()


def test_the_database_refuses_a_practitioner_role_without_an_agenda_or_an_unknown_role(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        StaffMember.objects.create(user=account("x"), role="practitioner")
    with pytest.raises(IntegrityError), transaction.atomic():
        StaffMember.objects.create(user=account("y"), role="superuser")


def test_passwords_are_hashed_with_argon2_outside_the_tests():
    base = importlib.import_module("config.settings.base")
    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    from django.contrib.auth.hashers import Argon2PasswordHasher, make_password

    assert make_password("a-long-enough-password", hasher=Argon2PasswordHasher()).startswith("argon2$")
