"""The appointment's calendar file: one event for the e-mail's attachment and the manage page's download."""

from datetime import UTC, timedelta

import pytest
import time_machine
from icalendar import Calendar

from clinic_instance.models import Appointment, OutgoingMessage
from tests.factories import paris

from .conftest import NOW

PAUL = {
    "first_name": "Paul",
    "last_name": "Petit",
    "birth_date": "1980-05-17",
    "phone": "06 12 34 56 78",
    "email": "paul@example.org",
}
# As the booking page sends it: a fixed UTC offset, the datetime that used to become TZID="UTC+01:00".
START = "2027-03-02T09:00:00+01:00"


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.OPENRDV_BASE_URL = "https://rdv.lilas.example"


def e_mailed(kind: str) -> Calendar:
    (message,) = OutgoingMessage.objects.filter(kind=kind, channel="email").order_by("-pk")[:1]
    return Calendar.from_ical(message.attachment)


def downloaded(client, appointment: Appointment) -> Calendar:
    response = client.get(f"/appointment/{appointment.manage_token}/calendar.ics", HTTP_HOST="127.0.0.1:8001")
    assert response.status_code == 200
    return Calendar.from_ical(response.content)


def the_event(calendar: Calendar):
    (event,) = calendar.walk("VEVENT")
    return event


def assert_valid_times(calendar: Calendar, appointment: Appointment) -> None:
    """Every TZID has its VTIMEZONE, and the instant is the appointment's start in UTC."""
    text = calendar.to_ical().decode()
    zones = {str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")}
    for component in calendar.walk("VEVENT"):
        for name in ("DTSTART", "DTEND", "DTSTAMP"):
            tzid = component[name].params.get("TZID")
            assert tzid is None or tzid in zones, f"{name} has TZID={tzid} without a VTIMEZONE"
    assert "UTC+01:00" not in text
    event = the_event(calendar)
    assert event.decoded("dtstart") == appointment.start
    assert event.decoded("dtstart").utcoffset() == timedelta(0)
    assert event.decoded("dtend") == appointment.end


def test_the_e_mailed_and_the_downloaded_files_are_one_valid_event(client, alice, consultation, now):
    assert client.post(f"/book/{alice.pk}/{consultation.pk}/", {**PAUL, "start": START}).status_code == 302
    appointment = Appointment.objects.get()
    assert appointment.start == paris(2027, 3, 2, 9, 0)

    mailed, download = e_mailed("confirmation"), downloaded(client, appointment)
    assert_valid_times(mailed, appointment)
    assert_valid_times(download, appointment)
    assert "DTSTART:20270302T080000Z" in mailed.to_ical().decode()
    uid = str(the_event(mailed)["UID"])
    # From the appointment's id and the instance's public host: not the request's host, not the manage token.
    assert uid == f"appointment-{appointment.pk}@rdv.lilas.example"
    assert str(the_event(download)["UID"]) == uid
    assert appointment.manage_token not in uid
    assert the_event(mailed)["SEQUENCE"] == the_event(download)["SEQUENCE"] == 0


def test_a_move_raises_the_sequence_and_a_cancellation_cancels_the_same_event(client, alice, consultation, now):
    client.post(f"/book/{alice.pk}/{consultation.pk}/", {**PAUL, "start": START})
    appointment = Appointment.objects.get()
    uid = str(the_event(downloaded(client, appointment))["UID"])

    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        moved = client.post(f"/appointment/{appointment.manage_token}/move/", {"start": "2027-03-03T10:00:00+01:00"})
        assert moved.status_code == 302
        appointment.refresh_from_db()
        changed, download = e_mailed("change"), downloaded(client, appointment)
        assert_valid_times(changed, appointment)
        assert_valid_times(download, appointment)
        assert appointment.start == paris(2027, 3, 3, 10, 0).astimezone(UTC)
        assert {str(the_event(changed)["UID"]), str(the_event(download)["UID"])} == {uid}
        assert the_event(changed)["SEQUENCE"] == the_event(download)["SEQUENCE"] > 0
        moved_sequence = the_event(changed)["SEQUENCE"]

    with time_machine.travel(NOW + timedelta(minutes=10), tick=False):
        assert client.post(f"/appointment/{appointment.manage_token}/cancel/").status_code == 302
        cancelled = e_mailed("cancellation")
        assert str(cancelled["METHOD"]) == "CANCEL"
        assert str(the_event(cancelled)["UID"]) == uid
        assert str(the_event(cancelled)["STATUS"]) == "CANCELLED"
        assert the_event(cancelled)["SEQUENCE"] > moved_sequence
