"""The booking services, without HTTP."""

from datetime import date, timedelta

import pytest
from django.db import IntegrityError, transaction

from clinic_instance import booking
from clinic_instance.models import Appointment, Patient
from clinic_instance.patient_details import PatientDetails
from tests.factories import make_appointment, make_patient, make_practitioner, make_reason, paris

PAUL = PatientDetails("Paul", "Petit", date(1980, 5, 17), "+33612345678", "paul@example.org")
TUESDAY_9 = paris(2027, 3, 2, 9, 0)


def book(practitioner, reason, start, now, **kwargs):
    return booking.book_appointment(
        practitioner=practitioner,
        visit_reason=reason,
        start=start,
        patient=kwargs.pop("patient", PAUL),
        now=now,
        **kwargs,
    )


def test_it_books_a_free_slot_in_utc(alice, consultation, now):
    result = book(alice, consultation, TUESDAY_9, now)
    appointment = result.appointment
    assert result.created
    assert appointment.start == TUESDAY_9
    assert appointment.end == TUESDAY_9 + timedelta(minutes=20)
    assert appointment.status == "booked"
    assert len(appointment.manage_token) >= 43  # 256 bits, base64
    assert appointment.patient.phone == "+33612345678"


def test_it_refuses_a_taken_slot_and_writes_nothing(alice, consultation, now):
    book(alice, consultation, TUESDAY_9, now)
    with pytest.raises(booking.SlotTaken):
        book(
            alice, consultation, TUESDAY_9, now, patient=PatientDetails("Zoé", "Roux", date(1990, 1, 1), "+33600000001")
        )
    assert Appointment.objects.count() == 1
    assert not Patient.objects.filter(last_name="Roux").exists()


def test_a_start_overlapping_a_booking_is_taken_not_merely_invalid(alice, consultation, now):
    book(alice, consultation, TUESDAY_9, now)
    with pytest.raises(booking.SlotTaken):
        book(alice, consultation, TUESDAY_9 + timedelta(minutes=10), now)


def test_a_time_outside_working_hours_is_not_a_slot(alice, consultation, now):
    with pytest.raises(booking.BookingError) as error:
        book(alice, consultation, paris(2027, 3, 2, 12, 50), now)
    assert (error.value.field, error.value.code) == ("start", "not_a_slot")


def test_a_time_off_the_grid_is_not_a_slot(alice, consultation, now):
    with pytest.raises(booking.BookingError) as error:
        book(alice, consultation, TUESDAY_9 + timedelta(minutes=7), now)
    assert error.value.code == "not_a_slot"


def test_it_refuses_the_past(alice, consultation, now):
    with pytest.raises(booking.BookingError) as error:
        book(alice, consultation, paris(2027, 2, 26, 9, 0), now)
    assert (error.value.field, error.value.code) == ("start", "past")


def test_it_refuses_a_reason_the_practitioner_does_not_offer(alice, bob, consultation, now):
    with pytest.raises(booking.BookingError) as error:
        book(bob, consultation, TUESDAY_9, now)
    assert error.value.field == "visit_reason"


def test_it_refuses_online_a_reason_that_is_booked_by_phone_only(alice, now):
    reason = make_reason(alice, "Urgence", 20, online_bookable=False)
    with pytest.raises(booking.BookingError) as error:
        book(alice, reason, TUESDAY_9, now)
    assert error.value.code == "not_online"
    assert book(alice, reason, TUESDAY_9, now, source="phone").created


def test_known_patients_only_needs_a_previous_visit_with_this_practitioner(alice, consultation, now):
    follow_up = make_reason(alice, "Suivi", 20, patients="known")
    with pytest.raises(booking.BookingError) as error:
        book(alice, follow_up, TUESDAY_9, now)
    assert error.value.code == "known_patients_only"
    make_appointment(alice, consultation, paris(2027, 2, 1, 9, 0), make_patient(), status="done")
    assert book(alice, follow_up, TUESDAY_9, now).created


def test_new_patients_only_refuses_a_patient_already_followed(alice, consultation, now):
    first_visit = make_reason(alice, "Première consultation", 30, patients="new")
    make_appointment(alice, consultation, paris(2027, 2, 1, 9, 0), make_patient(), status="done")
    with pytest.raises(booking.BookingError) as error:
        book(alice, first_visit, TUESDAY_9, now)
    assert error.value.code == "new_patients_only"


def test_a_practitioner_not_taking_new_patients_still_sees_known_ones(clinic, now):
    carol = make_practitioner("Carol", "Blanc", accepts_new_patients=False)
    reason = make_reason(carol)
    with pytest.raises(booking.BookingError) as error:
        book(carol, reason, TUESDAY_9, now)
    assert error.value.code == "no_new_patients"
    make_appointment(carol, reason, paris(2027, 2, 1, 9, 0), make_patient(), status="done")
    assert book(carol, reason, TUESDAY_9, now).created


def test_the_same_idempotency_key_books_once(alice, consultation, now):
    first = book(alice, consultation, TUESDAY_9, now, idempotency_key="k-1", request_fingerprint="f")
    again = book(alice, consultation, TUESDAY_9, now, idempotency_key="k-1", request_fingerprint="f")
    assert first.created and not again.created
    assert again.appointment.pk == first.appointment.pk
    assert Appointment.objects.count() == 1


def test_an_idempotency_key_reused_for_another_request_is_refused(alice, consultation, now):
    book(alice, consultation, TUESDAY_9, now, idempotency_key="k-1", request_fingerprint="f")
    with pytest.raises(booking.IdempotencyKeyReused):
        book(alice, consultation, TUESDAY_9 + timedelta(hours=1), now, idempotency_key="k-1", request_fingerprint="g")


def test_an_existing_patient_is_reused_only_on_an_exact_match(alice, consultation, now):
    book(alice, consultation, TUESDAY_9, now)
    book(alice, consultation, TUESDAY_9 + timedelta(hours=1), now)
    assert Patient.objects.count() == 1
    other_phone = PatientDetails("Paul", "Petit", date(1980, 5, 17), "+33699999999")
    book(alice, consultation, TUESDAY_9 + timedelta(hours=2), now, patient=other_phone)
    assert Patient.objects.count() == 2
    assert Patient.objects.get(phone="+33612345678").email == "paul@example.org"


def test_cancel_frees_the_slot(alice, consultation, now):
    appointment = book(alice, consultation, TUESDAY_9, now).appointment
    booking.cancel_appointment(appointment=appointment, now=now)
    appointment.refresh_from_db()
    assert (appointment.status, appointment.cancelled_by) == ("cancelled", "patient")
    assert book(alice, consultation, TUESDAY_9, now).created


def test_a_patient_cannot_cancel_after_the_cutoff_but_the_clinic_can(alice, consultation, now):
    appointment = make_appointment(alice, consultation, paris(2027, 3, 1, 16, 0))
    with pytest.raises(booking.CutoffPassed):
        booking.cancel_appointment(appointment=appointment, now=now)
    booking.cancel_appointment(appointment=appointment, now=now, by="clinic", reason="Absence")
    appointment.refresh_from_db()
    assert appointment.status == "cancelled"


def test_cancelling_twice_is_refused(alice, consultation, now):
    appointment = book(alice, consultation, TUESDAY_9, now).appointment
    booking.cancel_appointment(appointment=appointment, now=now)
    with pytest.raises(booking.BookingError):
        booking.cancel_appointment(appointment=appointment, now=now)


def test_reschedule_moves_to_a_free_slot_and_frees_the_old_one(alice, consultation, now):
    appointment = book(alice, consultation, TUESDAY_9, now).appointment
    token = appointment.manage_token
    moved = booking.reschedule_appointment(appointment=appointment, start=TUESDAY_9 + timedelta(hours=1), now=now)
    assert (moved.start, moved.manage_token) == (TUESDAY_9 + timedelta(hours=1), token)
    assert book(alice, consultation, TUESDAY_9, now).created


def test_reschedule_can_shift_within_its_own_time(alice, consultation, now):
    appointment = book(alice, consultation, TUESDAY_9, now).appointment
    moved = booking.reschedule_appointment(appointment=appointment, start=TUESDAY_9 + timedelta(minutes=20), now=now)
    assert moved.start == TUESDAY_9 + timedelta(minutes=20)


def test_reschedule_onto_a_taken_slot_is_refused(alice, consultation, now):
    appointment = book(alice, consultation, TUESDAY_9, now).appointment
    make_appointment(alice, consultation, TUESDAY_9 + timedelta(hours=1))
    with pytest.raises(booking.SlotTaken):
        booking.reschedule_appointment(appointment=appointment, start=TUESDAY_9 + timedelta(hours=1), now=now)
    appointment.refresh_from_db()
    assert appointment.start == TUESDAY_9


def test_reschedule_after_the_cutoff_is_refused(alice, consultation, now):
    appointment = make_appointment(alice, consultation, paris(2027, 3, 1, 16, 0))
    with pytest.raises(booking.CutoffPassed):
        booking.reschedule_appointment(appointment=appointment, start=TUESDAY_9, now=now)


def test_the_database_refuses_overlapping_appointments_of_one_practitioner(alice, consultation):
    make_appointment(alice, consultation, TUESDAY_9)
    with pytest.raises(IntegrityError, match="appointment_no_overlap"), transaction.atomic():
        make_appointment(alice, consultation, TUESDAY_9 + timedelta(minutes=10))


def test_the_database_allows_overlaps_with_cancelled_appointments_and_other_practitioners(
    alice, bob, consultation, now
):
    make_appointment(alice, consultation, TUESDAY_9, status="cancelled", cancelled_at=now)
    make_appointment(alice, consultation, TUESDAY_9)
    make_appointment(bob, make_reason(bob), TUESDAY_9)
    assert Appointment.objects.count() == 3


def test_back_to_back_appointments_do_not_overlap(alice, consultation):
    make_appointment(alice, consultation, TUESDAY_9)
    make_appointment(alice, consultation, TUESDAY_9 + timedelta(minutes=20))


@pytest.mark.django_db(transaction=True)
def test_an_agenda_locked_by_another_writer_is_busy_after_the_lock_timeout(alice, consultation, now):
    """The real lock and its timeout: another connection holds the practitioner's row; the booking gives up
    after AGENDA_LOCK_TIMEOUT instead of waiting for ever, and writes nothing."""
    import time

    import psycopg
    from django.db import connection

    settings = connection.settings_dict
    dsn = f"host={settings['HOST']} port={settings['PORT']} user={settings['USER']} dbname={settings['NAME']}"
    with psycopg.connect(dsn) as other:
        other.execute("SELECT 1 FROM clinic_instance_practitioner WHERE id = %s FOR UPDATE", [alice.pk])
        began = time.monotonic()
        with pytest.raises(booking.AgendaBusy):
            book(alice, consultation, TUESDAY_9, now)
        waited = time.monotonic() - began
    assert booking.AGENDA_LOCK_TIMEOUT.total_seconds() - 0.5 <= waited < booking.AGENDA_LOCK_TIMEOUT.total_seconds() + 2
    assert not Appointment.objects.exists()
    assert book(alice, consultation, TUESDAY_9, now).created  # the lock released, the agenda takes bookings again


def test_a_busy_agenda_lock_becomes_agenda_busy(alice, consultation, now, monkeypatch):
    from django.db import OperationalError

    def locked(practitioner):
        raise OperationalError("canceling statement due to lock timeout")

    monkeypatch.setattr(booking, "_lock_agenda", locked)
    with pytest.raises(booking.AgendaBusy):
        book(alice, consultation, TUESDAY_9, now)
