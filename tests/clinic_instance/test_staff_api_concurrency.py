"""Secretaries booking one slot by phone at the same instant, against a live server on PostgreSQL.

The negative control switches the guards off (agenda lock and exclusion
constraint) and shows that the same requests then double-book: the race is real.
"""

import threading
import time as clock
from datetime import time, timedelta

import pytest
import requests
from django.conf import settings
from django.db import connection
from django.utils import timezone

from clinic_instance import staff_booking
from clinic_instance.availability import clinic_timezone
from clinic_instance.models import Appointment
from tests.factories import make_clinic, make_patient, make_practitioner, make_reason
from tests.workspace import staff_user

CLIENTS = 12
CSRF_SECRET = "a" * 32  # Django accepts the unmasked secret as the token


def staff_session(user) -> requests.Session:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from clinic_instance.models import StaffMember
    from clinic_instance.workspace import sessions

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store["otp_device_id"] = TOTPDevice.objects.get(user=user).persistent_id
    store[sessions.GENERATION_KEY] = StaffMember.objects.get(user=user).session_generation
    store[sessions.LAST_ACTIVITY_KEY] = int(clock.time())
    store.create()
    session = requests.Session()
    session.cookies.set(settings.SESSION_COOKIE_NAME, store.session_key)
    session.cookies.set(settings.CSRF_COOKIE_NAME, CSRF_SECRET)
    session.headers["X-CSRFToken"] = CSRF_SECRET
    return session


@pytest.fixture
def desk(transactional_db):
    make_clinic()
    practitioner = make_practitioner("Alice", "Durand", weekdays=range(7), ranges=((time(0), time(23, 55)),))
    reason = make_reason(practitioner, "Consultation", 20)
    secretaries = [staff_user(f"secretary{i}", "secretary", agendas=[practitioner]) for i in range(CLIENTS)]
    patients = [make_patient(f"Patient{i}", phone=f"+336000000{i:02d}") for i in range(CLIENTS)]
    start = (timezone.now() + timedelta(hours=2)).astimezone(clinic_timezone()).replace(second=0, microsecond=0)
    bodies = [
        {"practitioner": practitioner.pk, "visit_reason": reason.pk, "start": start.isoformat(), "patient": p.pk, "force": True}
        for p in patients
    ]  # fmt: skip
    return [staff_session(user) for user in secretaries], bodies


def fire_together(url: str, sessions: list[requests.Session], bodies: list[dict]) -> list[requests.Response]:
    barrier = threading.Barrier(len(bodies))
    responses: list = [None] * len(bodies)

    def client(index: int) -> None:
        barrier.wait()
        responses[index] = sessions[index].post(url, json=bodies[index], timeout=30)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return responses


def test_simultaneous_phone_bookings_of_one_slot_make_exactly_one_appointment(live_server, desk):
    sessions, bodies = desk
    responses = fire_together(f"{live_server.url}/api/v1/staff/appointments/", sessions, bodies)
    codes = sorted(response.status_code for response in responses)
    assert codes == [201] + [409] * (CLIENTS - 1)
    assert Appointment.objects.count() == 1


def test_negative_control_without_the_guards_phone_bookings_double_book(live_server, desk, monkeypatch):
    from clinic_instance import booking

    sessions, bodies = desk
    constraint = next(c for c in Appointment._meta.constraints if c.name == "appointment_no_overlap")
    check_free = staff_booking._check_free

    def slow_check_free(*args, **kwargs):
        check_free(*args, **kwargs)
        clock.sleep(0.3)  # widen the window between the check and the insert

    monkeypatch.setattr(booking, "_lock_agenda", lambda practitioner: None)
    monkeypatch.setattr(staff_booking, "_check_free", slow_check_free)
    with connection.schema_editor() as editor:
        editor.remove_constraint(Appointment, constraint)
    try:
        responses = fire_together(f"{live_server.url}/api/v1/staff/appointments/", sessions, bodies)
        created = [response for response in responses if response.status_code == 201]
        assert len(created) > 1
    finally:
        Appointment.objects.all().delete()
        with connection.schema_editor() as editor:
            editor.add_constraint(Appointment, constraint)
