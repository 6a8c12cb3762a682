"""Real simultaneous HTTP requests on one slot, against a live server on PostgreSQL.

The negative control switches the guards off (agenda lock and exclusion
constraint) and shows that the same requests then double-book: the race is real.
"""

import threading
import time as clock
from datetime import time, timedelta

import psycopg
import pytest
import requests
from django.db import connection
from django.utils import timezone

from clinic_instance import booking
from clinic_instance.models import Appointment
from tests.factories import make_clinic, make_practitioner, make_reason, patient_json

CLIENTS = 24


@pytest.fixture
def open_agenda(transactional_db):
    make_clinic()
    practitioner = make_practitioner("Alice", "Durand", weekdays=range(7), ranges=((time(0), time(23, 55)),))
    return practitioner, make_reason(practitioner, "Consultation", 20)


def a_free_slot(live_server, practitioner, reason) -> str:
    today = timezone.localdate()
    response = requests.get(
        f"{live_server.url}/api/v1/slots/",
        params={"practitioner": practitioner.pk, "visit_reason": reason.pk, "from": today, "to": today + timedelta(1)},
        timeout=10,
    )
    return response.json()["slots"][-1]["start"]


def fire_together(url: str, bodies: list[dict], headers: list[dict] | None = None) -> list[requests.Response]:
    barrier = threading.Barrier(len(bodies))
    responses: list = [None] * len(bodies)

    def client(index: int) -> None:
        with requests.Session() as session:
            barrier.wait()
            responses[index] = session.post(
                url, json=bodies[index], headers=(headers or [{}] * len(bodies))[index], timeout=30
            )

    threads = [threading.Thread(target=client, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return responses


def bodies_for(practitioner, reason, start: str) -> list[dict]:
    return [
        {
            "practitioner": practitioner.pk,
            "visit_reason": reason.pk,
            "start": start,
            "patient": patient_json(first_name=f"Patient{i}", phone=f"+336000000{i:02d}"),
        }
        for i in range(CLIENTS)
    ]


def test_simultaneous_bookings_of_one_slot_make_exactly_one_appointment(live_server, open_agenda):
    practitioner, reason = open_agenda
    start = a_free_slot(live_server, practitioner, reason)
    responses = fire_together(f"{live_server.url}/api/v1/appointments/", bodies_for(practitioner, reason, start))
    codes = sorted(response.status_code for response in responses)
    assert codes == [201] + [409] * (CLIENTS - 1)
    assert Appointment.objects.count() == 1


def test_simultaneous_retries_with_one_idempotency_key_make_one_appointment(live_server, open_agenda):
    practitioner, reason = open_agenda
    start = a_free_slot(live_server, practitioner, reason)
    body = bodies_for(practitioner, reason, start)[0]
    responses = fire_together(
        f"{live_server.url}/api/v1/appointments/", [body] * 10, [{"Idempotency-Key": "retry-42"}] * 10
    )
    assert [response.status_code for response in responses] == [201] * 10
    assert len({response.json()["manage_token"] for response in responses}) == 1
    assert Appointment.objects.count() == 1


def test_negative_control_without_the_guards_the_race_double_books(live_server, open_agenda, monkeypatch):
    practitioner, reason = open_agenda
    start = a_free_slot(live_server, practitioner, reason)
    constraint = next(c for c in Appointment._meta.constraints if c.name == "appointment_no_overlap")
    check_free = booking._check_free

    def slow_check_free(*args, **kwargs):
        check_free(*args, **kwargs)
        clock.sleep(0.3)  # widen the window between the check and the insert

    monkeypatch.setattr(booking, "_lock_agenda", lambda practitioner: None)
    monkeypatch.setattr(booking, "_check_free", slow_check_free)
    with connection.schema_editor() as editor:
        editor.remove_constraint(Appointment, constraint)
    try:
        responses = fire_together(f"{live_server.url}/api/v1/appointments/", bodies_for(practitioner, reason, start))
        created = [response for response in responses if response.status_code == 201]
        assert len(created) > 1
        assert Appointment.objects.count() == len(created)
    finally:
        Appointment.objects.all().delete()
        with connection.schema_editor() as editor:
            editor.add_constraint(Appointment, constraint)


def test_a_lock_held_too_long_answers_busy_not_an_error(live_server, open_agenda, monkeypatch):
    practitioner, reason = open_agenda
    start = a_free_slot(live_server, practitioner, reason)
    monkeypatch.setattr(booking, "AGENDA_LOCK_TIMEOUT", timedelta(milliseconds=300))
    holder = psycopg.connect(**_connection_kwargs(), autocommit=False)
    try:
        holder.execute("SELECT id FROM clinic_instance_practitioner WHERE id = %s FOR UPDATE", [practitioner.pk])
        response = requests.post(
            f"{live_server.url}/api/v1/appointments/", json=bodies_for(practitioner, reason, start)[0], timeout=30
        )
    finally:
        holder.rollback()
        holder.close()
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert response.json()["code"] == "busy"
    assert Appointment.objects.count() == 0


def _connection_kwargs() -> dict:
    settings = connection.settings_dict
    return {"dbname": settings["NAME"], "user": settings["USER"], "host": settings["HOST"], "port": settings["PORT"]}
