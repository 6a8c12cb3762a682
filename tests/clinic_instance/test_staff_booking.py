"""Staff writes without HTTP: book by phone, move, cancel, status, note (issue 5)."""

from datetime import date, timedelta

import pytest
import time_machine

from clinic_instance import booking
from clinic_instance.booking import BookingError, SlotTaken
from clinic_instance.models import Appointment, Patient
from clinic_instance.patient_details import PatientDetails
from clinic_instance.staff_booking import (
    book_by_phone,
    cancel_by_clinic,
    change_status,
    move_appointment,
    set_note,
    staff_slots,
    within_usual_hours,
)
from tests.factories import make_absence, make_appointment, make_patient, make_practitioner, make_reason, paris

NEW_PATIENT = PatientDetails("Lucie", "Bernard", date(1992, 4, 3), "+33622222222", "lucie@example.org")


@pytest.fixture
def paul(db):
    return make_patient()


def test_a_phone_booking_of_an_offered_slot(alice, consultation, paul, now):
    result = book_by_phone(
        practitioner=alice, visit_reason=consultation, start=paris(2027, 3, 1, 9, 0), patient=paul, now=now
    )
    appointment = result.appointment
    assert not result.patient_created
    assert (appointment.patient, appointment.source, appointment.forced) == (paul, "phone", False)
    assert appointment.end == paris(2027, 3, 1, 9, 20)


def test_staff_may_book_any_free_time_and_a_reason_not_bookable_online(alice, paul, now):
    private = make_reason(alice, "Certificat", 15, online_bookable=False)
    result = book_by_phone(
        practitioner=alice, visit_reason=private, start=paris(2027, 3, 1, 9, 7), patient=paul, now=now
    )
    assert result.appointment.visit_reason == private


def test_a_new_patient_is_created_with_the_appointment(alice, consultation, now):
    result = book_by_phone(
        practitioner=alice, visit_reason=consultation, start=paris(2027, 3, 1, 9, 0), patient=NEW_PATIENT, now=now
    )
    assert result.patient_created
    assert Patient.objects.get().last_name == "Bernard"


def test_a_taken_time_is_refused_even_when_forced_and_no_patient_is_created(alice, consultation, paul, now):
    make_appointment(alice, consultation, paris(2027, 3, 1, 9, 0), patient=paul)
    with pytest.raises(SlotTaken):
        book_by_phone(
            practitioner=alice,
            visit_reason=consultation,
            start=paris(2027, 3, 1, 9, 10),
            patient=NEW_PATIENT,
            now=now,
            force=True,
        )
    assert Patient.objects.count() == 1


def test_outside_the_usual_hours_staff_must_force(alice, consultation, paul, now):
    evening = paris(2027, 3, 1, 19, 0)
    with pytest.raises(BookingError) as refused:
        book_by_phone(practitioner=alice, visit_reason=consultation, start=evening, patient=paul, now=now)
    assert (refused.value.code, refused.value.field) == ("outside_hours", "start")
    assert not Appointment.objects.exists()
    result = book_by_phone(
        practitioner=alice, visit_reason=consultation, start=evening, patient=paul, now=now, force=True
    )
    assert result.appointment.forced


def test_an_appointment_overlapping_the_end_of_the_hours_or_an_absence_is_outside_them(alice, consultation, now):
    assert within_usual_hours(alice, consultation, paris(2027, 3, 1, 11, 40), paris(2027, 3, 1, 12, 0))
    assert not within_usual_hours(alice, consultation, paris(2027, 3, 1, 11, 50), paris(2027, 3, 1, 12, 10))
    make_absence(alice, paris(2027, 3, 2, 0, 0), paris(2027, 3, 3, 0, 0))
    assert not within_usual_hours(alice, consultation, paris(2027, 3, 2, 9, 0), paris(2027, 3, 2, 9, 20))
    assert not within_usual_hours(alice, consultation, paris(2027, 3, 6, 9, 0), paris(2027, 3, 6, 9, 20))  # Saturday
    assert not within_usual_hours(alice, consultation, paris(2027, 5, 1, 9, 0), paris(2027, 5, 1, 9, 20))  # holiday


def test_the_past_is_refused(alice, consultation, paul, now):
    with pytest.raises(BookingError) as refused:
        book_by_phone(
            practitioner=alice,
            visit_reason=consultation,
            start=now - timedelta(minutes=1),
            patient=paul,
            now=now,
            force=True,
        )
    assert refused.value.code == "past"


def test_an_erased_patient_cannot_be_booked(alice, consultation, now):
    erased = make_patient(erased_at=now)
    with pytest.raises(BookingError) as refused:
        book_by_phone(
            practitioner=alice, visit_reason=consultation, start=paris(2027, 3, 1, 9, 0), patient=erased, now=now
        )
    assert refused.value.field == "patient"


def test_staff_slots_ignore_the_minimum_notice_but_not_the_past(alice, consultation, now, clinic):
    clinic.minimum_notice_minutes = 24 * 60
    clinic.save()
    with time_machine.travel(paris(2027, 3, 1, 10, 5), tick=False):
        slots = staff_slots(
            practitioner=alice, visit_reason=consultation, day=date(2027, 3, 1), now=paris(2027, 3, 1, 10, 5)
        )
    assert slots[0].start == paris(2027, 3, 1, 10, 20)


def test_staff_move_past_the_cutoff_to_another_practitioner(alice, bob, consultation, paul, now):
    consultation.practitioners.add(bob)
    appointment = make_appointment(alice, consultation, paris(2027, 3, 1, 9, 0), patient=paul)
    before = appointment.updated_at
    with time_machine.travel(now + timedelta(minutes=5), tick=False):
        moved = move_appointment(
            appointment=appointment, start=paris(2027, 3, 1, 10, 0), practitioner=bob, now=now + timedelta(minutes=5)
        )
    assert (moved.practitioner, moved.start, moved.end) == (bob, paris(2027, 3, 1, 10, 0), paris(2027, 3, 1, 10, 20))
    moved.refresh_from_db()
    assert moved.practitioner == bob and moved.updated_at > before


def test_a_patient_cannot_reschedule_what_staff_moved_to_another_practitioner(alice, bob, consultation, paul, now):
    """The patient's page still holds the old appointment: its reschedule must not land on Bob's agenda unchecked."""
    consultation.practitioners.add(bob)
    seen_by_patient = make_appointment(alice, consultation, paris(2027, 3, 3, 9, 0), patient=paul)
    move_appointment(appointment=seen_by_patient, start=paris(2027, 3, 3, 10, 0), practitioner=bob, now=now)
    with pytest.raises(BookingError) as refused:
        booking.reschedule_appointment(appointment=seen_by_patient, start=paris(2027, 3, 3, 11, 0), now=now)
    assert refused.value.code == "not_booked"
    current = Appointment.objects.get(pk=seen_by_patient.pk)
    assert (current.practitioner, current.start) == (bob, paris(2027, 3, 3, 10, 0))


def test_a_move_to_a_practitioner_without_the_visit_reason_is_refused(alice, bob, consultation, paul, now):
    appointment = make_appointment(alice, consultation, paris(2027, 3, 1, 9, 0), patient=paul)
    with pytest.raises(BookingError) as refused:
        move_appointment(appointment=appointment, start=paris(2027, 3, 1, 10, 0), practitioner=bob, now=now)
    assert refused.value.field == "visit_reason"


def test_a_move_never_overlaps_and_may_overlap_itself(alice, consultation, paul, now):
    appointment = make_appointment(alice, consultation, paris(2027, 3, 1, 9, 0), patient=paul)
    make_appointment(alice, consultation, paris(2027, 3, 1, 10, 0))
    with pytest.raises(SlotTaken):
        move_appointment(appointment=appointment, start=paris(2027, 3, 1, 9, 50), now=now)
    moved = move_appointment(appointment=appointment, start=paris(2027, 3, 1, 9, 10), now=now)
    assert moved.start == paris(2027, 3, 1, 9, 10)
    with pytest.raises(BookingError) as refused:
        move_appointment(appointment=appointment, start=paris(2027, 3, 1, 20, 0), now=now)
    assert refused.value.code == "outside_hours"
    assert move_appointment(appointment=appointment, start=paris(2027, 3, 1, 20, 0), now=now, force=True).forced


def test_the_clinic_cancels_with_a_reason(alice, consultation, paul, now):
    appointment = make_appointment(alice, consultation, paris(2027, 3, 1, 9, 0), patient=paul)
    for reason, code in (("", "required"), ("   ", "required"), ("x" * 301, "max_length"), ("a\x00b", "invalid")):
        with pytest.raises(BookingError) as refused:
            cancel_by_clinic(appointment=appointment, reason=reason, now=now)
        assert (refused.value.field, refused.value.code) == ("reason", code)
    cancelled = cancel_by_clinic(appointment=appointment, reason="Dr Durand is ill", now=now)
    assert (cancelled.status, cancelled.cancelled_by, cancelled.cancellation_reason) == (
        "cancelled",
        "clinic",
        "Dr Durand is ill",
    )
    assert cancelled.updated_at == now


def test_status_changes_follow_the_transitions(alice, consultation, paul, now):
    appointment = make_appointment(alice, consultation, paris(2027, 3, 1, 9, 0), patient=paul)
    with pytest.raises(BookingError) as refused:
        change_status(appointment=appointment, status="no_show", now=now)
    assert refused.value.code == "too_early"
    assert change_status(appointment=appointment, status="arrived", now=now).status == "arrived"
    later = paris(2027, 3, 1, 9, 30)
    assert change_status(appointment=appointment, status="done", now=later).status == "done"
    for status in ("booked", "no_show", "arrived", "cancelled", "bogus"):
        with pytest.raises(BookingError):
            change_status(appointment=appointment, status=status, now=later)
    assert appointment.updated_at == later


def test_a_no_show_can_be_undone(alice, consultation, paul, now):
    appointment = make_appointment(alice, consultation, paris(2027, 3, 1, 9, 0), patient=paul)
    later = paris(2027, 3, 1, 10, 0)
    assert change_status(appointment=appointment, status="no_show", now=later).status == "no_show"
    assert change_status(appointment=appointment, status="booked", now=later).status == "booked"


def test_a_patient_arrives_on_the_day_only(alice, consultation, paul, now):
    appointment = make_appointment(alice, consultation, paris(2027, 3, 2, 9, 0), patient=paul)
    with pytest.raises(BookingError):
        change_status(appointment=appointment, status="arrived", now=now)


def test_a_status_changed_meanwhile_is_not_overwritten(alice, consultation, paul, now):
    appointment = make_appointment(alice, consultation, paris(2027, 3, 1, 9, 0), patient=paul)
    Appointment.objects.filter(pk=appointment.pk).update(status="arrived")  # another secretary
    with pytest.raises(BookingError) as refused:
        change_status(appointment=appointment, status="no_show", now=paris(2027, 3, 1, 10, 0))
    assert refused.value.code == "changed"


def test_the_private_note_is_bounded(alice, consultation, paul, now):
    appointment = make_appointment(alice, consultation, paris(2027, 3, 1, 9, 0), patient=paul)
    with pytest.raises(BookingError) as refused:
        set_note(appointment=appointment, note="x" * 2001, now=now)
    assert refused.value.field == "note"
    appointment.refresh_from_db()
    assert appointment.staff_note == ""
    assert set_note(appointment=appointment, note="Line one\nline two", now=now).staff_note == "Line one\nline two"


def test_an_inactive_practitioner_takes_no_phone_booking(clinic, paul, now):
    carol = make_practitioner("Carol", "Petit", is_active=False)
    reason = make_reason(carol, "Kiné", 30)
    with pytest.raises(BookingError) as refused:
        book_by_phone(practitioner=carol, visit_reason=reason, start=paris(2027, 3, 1, 9, 0), patient=paul, now=now)
    assert refused.value.field == "practitioner"
