"""Manage links are not stored in clear: the token is derived from a stored id and SECRET_KEY."""

import hashlib

import pytest
from django.db import connection

from clinic_instance.models import Appointment
from clinic_instance.patient_messages import manage_url
from tests.factories import make_appointment, paris

START = "2027-03-02T09:00:00+01:00"
PAUL = {"first_name": "Paul", "last_name": "Petit", "birth_date": "1980-05-17", "phone": "06 12 34 56 78"}


def appointment_table_dump() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT row_to_json(a)::text FROM clinic_instance_appointment a")
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.fixture
def token(client, alice, consultation, now):
    response = client.post(f"/book/{alice.pk}/{consultation.pk}/", {**PAUL, "start": START})
    assert response.status_code == 302
    return response["Location"].removeprefix("/appointment/").removesuffix("/?booked=1")


def test_a_dump_of_the_appointments_holds_no_usable_token(token):
    assert len(token) == 54
    dump = appointment_table_dump()
    assert token not in dump and token[22:] not in dump
    assert hashlib.sha256(token.encode()).hexdigest() not in dump


def test_the_confirmation_link_and_a_later_message_link_open_the_manage_page(client, token, settings):
    assert client.get(f"/appointment/{token}/").status_code == 200
    later = Appointment.objects.get()  # days later, a reminder renders the link again from the row
    assert manage_url(later).endswith(f"/appointment/{token}/")
    assert client.get(f"/api/v1/appointments/manage/{token}/").status_code == 200


def test_links_survive_a_secret_key_rotation_with_the_old_key_as_fallback(client, token, settings):
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 40
    assert client.get(f"/appointment/{token}/").status_code == 200
    settings.SECRET_KEY_FALLBACKS = []
    assert client.get(f"/appointment/{token}/").status_code == 404


def test_wrong_tokens_are_404_alike(client, token):
    link_id, mac = token[:22], token[22:]
    wrong = [
        link_id + ("A" if mac[0] != "A" else "B") + mac[1:],  # a right id, a wrong MAC
        "A" * 22 + mac,  # an unknown id
        link_id + link_id[:32],  # the stored id alone, padded
        "x" * 43,  # an old-style token that never existed
    ]
    for bad in wrong:
        assert client.get(f"/appointment/{bad}/").status_code == 404
        assert client.get(f"/api/v1/appointments/manage/{bad}/").status_code == 404


def test_a_link_sent_before_tokens_were_derived_keeps_working(client, alice, consultation, now):
    # Migration 0013 kept the SHA-256 digest of each existing token.
    old_token = "k" * 43
    make_appointment(
        alice, consultation, paris(2027, 3, 2, 9), legacy_token_digest=hashlib.sha256(old_token.encode()).hexdigest()
    )
    assert client.get(f"/appointment/{old_token}/").status_code == 200
    assert client.get(f"/appointment/{'j' * 43}/").status_code == 404
