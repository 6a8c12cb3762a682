"""A practitioner's private iCalendar feed (calendar_feed.py): its secret, its content, who manages it."""

import hashlib
import re
from datetime import UTC, timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.test import Client
from icalendar import Calendar

from clinic_instance.models import AuditEntry, CalendarFeed, ScheduleException
from tests.factories import make_absence, make_appointment, make_patient, make_reason, paris
from tests.workspace import sign_in, staff_user


@pytest.fixture
def english(client, now):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def doctor_bob(bob):
    return staff_user("bob", "practitioner", practitioner=bob)


@pytest.fixture
def client_of_bob(english, doctor_bob):
    sign_in(english, doctor_bob)
    return english


@pytest.fixture
def dermatology(bob):
    return make_reason(bob, "Dermatologie", 30, instructions="Venir sans maquillage")


def settings_url(practitioner, action="") -> str:
    return f"/workspace/practitioners/{practitioner.pk}/calendar-feed/" + (f"{action}/" if action else "")


def create_feed(client, practitioner) -> str:
    """Create the feed through its page; returns the feed's path as shown, once."""
    response = client.post(settings_url(practitioner, "create"))
    assert response.status_code == 200
    return urlsplit(re.search(r'value="(https?://[^"]+\.ics)"', response.content.decode()).group(1)).path


def calendar_app() -> Client:
    """A calendar server reading the feed: no session, English."""
    return Client(headers={"accept-language": "en"})


def events(response) -> list:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return Calendar.from_ical(response.content).walk("VEVENT")


# --- The secret ------------------------------------------------------------------------------


def test_the_address_is_shown_once_and_only_its_digest_is_stored(client_of_bob, bob):
    path = create_feed(client_of_bob, bob)
    token = path.removeprefix("/calendar/").removesuffix(".ics")
    assert len(token) >= 43
    feed = CalendarFeed.objects.get()
    assert feed.token_digest == hashlib.sha256(token.encode()).hexdigest()
    # Nowhere in the database: not the feed, not the trail, not the session.
    for row in CalendarFeed.objects.values() or []:
        assert token not in str(row)
    assert all(token not in str(entry) for entry in AuditEntry.objects.values())
    assert all(token not in str(session.get_decoded()) for session in Session.objects.all())
    page = client_of_bob.get(settings_url(bob)).content.decode()
    assert token not in page and "Revoke the feed" in page


def test_revoking_or_replacing_the_address_ends_the_old_one(client_of_bob, bob):
    first = create_feed(client_of_bob, bob)
    assert calendar_app().get(first).status_code == 200
    second = create_feed(client_of_bob, bob)
    assert calendar_app().get(first).status_code == 404
    assert calendar_app().get(second).status_code == 200
    assert client_of_bob.post(settings_url(bob, "revoke")).status_code == 302
    assert not CalendarFeed.objects.exists()
    assert calendar_app().get(second).status_code == 404


@pytest.mark.parametrize("token", ["nope", "a" * 43, "x" * 5000, "%00", "' OR 1=1 --"])
def test_an_unknown_token_is_not_found(client_of_bob, bob, token):
    create_feed(client_of_bob, bob)
    assert calendar_app().get(f"/calendar/{token}.ics").status_code == 404


# --- What the feed says ------------------------------------------------------------------------


def test_the_feed_holds_appointments_and_absences_without_patient_data(client_of_bob, bob, dermatology, now):
    paul = make_appointment(bob, dermatology, paris(2027, 3, 2, 9, 0))
    make_appointment(
        bob, dermatology, paris(2027, 3, 2, 10, 0), make_patient("Léa"), status="cancelled", cancelled_at=now
    )
    make_appointment(bob, dermatology, paris(2027, 1, 10, 9, 0), make_patient("Jean"), status="done")  # 50 days ago
    make_appointment(bob, dermatology, paris(2027, 10, 1, 9, 0), make_patient("Zoé"))  # 214 days ahead
    ScheduleException.objects.create(
        practitioner=bob, kind="block", start=paris(2027, 3, 3, 12), end=paris(2027, 3, 3, 14), note="Réunion secrète"
    )
    paul.staff_note = "Note privée"
    paul.save()
    path = create_feed(client_of_bob, bob)
    response = calendar_app().get(path)
    body = response.content.decode()
    found = events(response)
    assert [str(e["summary"]) for e in found] == ["Appointment", "Blocked time"]
    assert found[0]["dtstart"].dt == paris(2027, 3, 2, 9, 0).astimezone(UTC)
    assert found[0]["dtstart"].dt.tzinfo is not None
    assert found[0]["dtend"].dt == paris(2027, 3, 2, 9, 30)
    assert "dtstamp" in found[0]
    for secret in ("Paul", "Petit", "Léa", "Dermatologie", "maquillage", "Réunion", "Note privée", "+336"):
        assert secret not in body, secret
    assert response["Cache-Control"] == "private, max-age=300"
    assert CalendarFeed.objects.get().last_read_at == now
    assert not AuditEntry.objects.filter(action="view").exists()  # no patient data read


def test_each_appointment_keeps_its_uid_from_one_read_to_the_next(client_of_bob, bob, dermatology, now):
    make_appointment(bob, dermatology, paris(2027, 3, 2, 9, 0))
    path = create_feed(client_of_bob, bob)
    first = [str(e["uid"]) for e in events(calendar_app().get(path))]
    with time_machine.travel(now + timedelta(minutes=15), tick=False):
        second = [str(e["uid"]) for e in events(calendar_app().get(path))]
    assert first == second and len(first) == 1


def test_patient_names_only_when_turned_on_and_every_read_is_then_audited(client_of_bob, bob, dermatology, now):
    make_appointment(bob, dermatology, paris(2027, 3, 2, 9, 0))
    path = create_feed(client_of_bob, bob)
    page = client_of_bob.get(settings_url(bob)).content.decode()
    assert "the names go to your calendar provider" in page
    client_of_bob.post(settings_url(bob, "names"), {"include_patient_names": "on"})
    assert CalendarFeed.objects.get().include_patient_names
    response = calendar_app().get(path)
    assert [str(e["summary"]) for e in events(response)] == ["Paul Petit"]
    assert "Dermatologie" not in response.content.decode()
    calendar_app().get(path)
    reads = AuditEntry.objects.filter(action="view", object_type="agenda")
    assert reads.count() == 2
    assert {(r.practitioner_id, r.detail, r.patient_id) for r in reads} == {(bob.pk, "calendar feed", None)}
    client_of_bob.post(settings_url(bob, "names"), {})
    assert [str(e["summary"]) for e in events(calendar_app().get(path))] == ["Appointment"]


def test_another_practitioners_appointments_are_not_in_the_feed(client_of_bob, alice, bob, consultation):
    make_appointment(alice, consultation, paris(2027, 3, 2, 9, 0))
    make_absence(alice, paris(2027, 3, 4), paris(2027, 3, 5))
    path = create_feed(client_of_bob, bob)
    assert events(calendar_app().get(path)) == []


# --- Who manages it ---------------------------------------------------------------------------


def test_only_the_practitioner_himself_or_an_administrator_manages_the_feed(english, alice, bob):
    bobs_secretary = staff_user("sarah", "secretary", agendas=[bob])
    sign_in(english, bobs_secretary)
    assert english.get(settings_url(bob)).status_code == 403
    for action in ("create", "revoke", "names"):
        assert english.post(settings_url(bob, action)).status_code == 403, action
    assert not CalendarFeed.objects.exists()

    doctor_alice = staff_user("alice", "practitioner", practitioner=alice, agendas=[bob])  # granted Bob's agenda
    sign_in(english, doctor_alice)
    assert english.get(settings_url(bob)).status_code == 403
    assert english.get(settings_url(alice)).status_code == 200

    sign_in(english, staff_user("charlie", "secretary", agendas=[alice]))  # does not see Bob at all
    assert english.get(settings_url(bob)).status_code == 404
    assert english.post(settings_url(bob, "create")).status_code == 404

    sign_in(english, staff_user("anne", "admin"))
    assert english.post(settings_url(bob, "create")).status_code == 200
    assert CalendarFeed.objects.filter(practitioner=bob).exists()


def test_feed_changes_sent_as_get_are_refused(client_of_bob, bob):
    for action in ("create", "revoke", "names"):
        assert client_of_bob.get(settings_url(bob, action)).status_code == 405, action
    assert not CalendarFeed.objects.exists()


def test_the_feed_itself_refuses_writes(client_of_bob, bob):
    path = create_feed(client_of_bob, bob)
    assert calendar_app().post(path).status_code == 405


def test_anonymous_visitors_cannot_manage_a_feed(bob, now):
    anonymous = Client()
    response = anonymous.post(settings_url(bob, "create"))
    assert response.status_code == 302 and "login" in response["Location"]
    assert not CalendarFeed.objects.exists()
