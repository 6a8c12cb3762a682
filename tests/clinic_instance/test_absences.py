"""Absences and blocked time (absences.py): what they cover, and the clinic's decision about it."""

from datetime import UTC, timedelta

import pytest
import time_machine

from clinic_instance.absences import (
    AbsenceError,
    AffectedAppointmentsChanged,
    affected_appointments,
    create_absence,
    delete_absence,
    patients_to_warn,
)
from clinic_instance.availability import available_slots
from clinic_instance.models import Appointment, AuditEntry, Practitioner, ScheduleException
from clinic_instance.workspace.schedule_forms import AbsenceForm
from tests.factories import make_appointment, make_patient, make_reason, paris


def absence(practitioner, start, end, *, kind="absence", cancel=False, reason="", now, **extra):
    return create_absence(practitioner, kind, start, end, "", cancel_affected=cancel, reason=reason, now=now, **extra)


# --- Which appointments an absence covers -------------------------------------------


def test_it_covers_the_appointments_that_share_some_time_with_it(alice, consultation, now):
    ends_at_nine = make_appointment(alice, consultation, paris(2027, 3, 2, 8, 40))
    at_nine_twenty = make_appointment(alice, consultation, paris(2027, 3, 2, 9, 20), make_patient("Léa"))
    at_ten = make_appointment(alice, consultation, paris(2027, 3, 2, 10, 0), make_patient("Zoé"))
    # Touching an edge is not overlapping: [9:00, 10:00) leaves 8:40-9:00 and 10:00-10:20 alone.
    assert affected_appointments(alice, paris(2027, 3, 2, 9, 0), paris(2027, 3, 2, 10, 0)) == [at_nine_twenty]
    # Straddling an edge is: [8:59, 10:01) catches all three.
    assert affected_appointments(alice, paris(2027, 3, 2, 8, 59), paris(2027, 3, 2, 10, 1)) == [
        ends_at_nine,
        at_nine_twenty,
        at_ten,
    ]


def test_it_covers_booked_and_arrived_appointments_only(alice, consultation, now):
    booked = make_appointment(alice, consultation, paris(2027, 3, 1, 9, 0))
    arrived = make_appointment(alice, consultation, paris(2027, 3, 1, 9, 20), status="arrived")
    make_appointment(alice, consultation, paris(2027, 3, 1, 9, 40), status="cancelled", cancelled_at=now)
    make_appointment(alice, consultation, paris(2027, 3, 1, 10, 0), status="no_show")
    assert affected_appointments(alice, paris(2027, 3, 1, 0, 0), paris(2027, 3, 2, 0, 0)) == [booked, arrived]


def test_it_covers_local_days_across_the_spring_clock_change(alice, consultation, now):
    # Sunday 28 March 2027 lasts 23 hours in Paris: 02:00 becomes 03:00.
    sunday_morning = make_appointment(alice, consultation, paris(2027, 3, 28, 3, 0))
    monday_midnight = make_appointment(alice, consultation, paris(2027, 3, 29, 0, 0), make_patient("Léa"))
    found = affected_appointments(alice, paris(2027, 3, 28, 0, 0), paris(2027, 3, 29, 0, 0))
    assert found == [sunday_morning]
    assert monday_midnight not in found


def test_the_whole_day_form_gives_the_local_day_across_the_clock_change(alice, now):
    form = AbsenceForm(
        {"practitioner": alice.pk, "kind": "absence", "start_date": "2027-03-28", "end_date": "2027-03-28"},
        practitioners=Practitioner.objects.all(),
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["start"] == paris(2027, 3, 28, 0, 0)
    assert form.cleaned_data["end"] == paris(2027, 3, 29, 0, 0)
    utc = {key: form.cleaned_data[key].astimezone(UTC) for key in ("start", "end")}
    assert utc["end"] - utc["start"] == timedelta(hours=23)


def test_the_form_refuses_a_time_the_clocks_skip(alice, now):
    form = AbsenceForm(
        {
            "practitioner": alice.pk,
            "kind": "block",
            "start_date": "2027-03-28",
            "start_time": "02:30",
            "end_date": "2027-03-28",
            "end_time": "04:00",
        },
        practitioners=Practitioner.objects.all(),
    )
    assert not form.is_valid()
    assert "start_time" in form.errors


# --- Creating one ------------------------------------------------------------------------


def test_an_absence_takes_its_time_off_the_slots(alice, consultation, now):
    def tuesday_slots():
        day = paris(2027, 3, 2).date()
        return available_slots(practitioner=alice, visit_reason=consultation, day_from=day, day_to=day, now=now)

    assert len(tuesday_slots()) == 21  # 9 in the morning, 12 in the afternoon
    block, cancelled = absence(alice, paris(2027, 3, 2, 9, 0), paris(2027, 3, 2, 12, 0), kind="block", now=now)
    assert cancelled == [] and block.kind == ScheduleException.Kind.BLOCK
    assert len(tuesday_slots()) == 12
    delete_absence(block)
    assert len(tuesday_slots()) == 21


def test_kept_appointments_stay_booked_and_are_listed_to_warn(alice, consultation, now):
    kept = make_appointment(alice, consultation, paris(2027, 3, 2, 10, 0))
    created, cancelled = absence(alice, paris(2027, 3, 2, 0, 0), paris(2027, 3, 3, 0, 0), now=now)
    kept.refresh_from_db()
    assert cancelled == [] and kept.status == Appointment.Status.BOOKED
    assert patients_to_warn(created) == [kept]


def test_cancelling_the_covered_appointments_gives_the_reason_and_writes_the_audit(alice, consultation, now):
    with time_machine.travel(now - timedelta(days=3), tick=False):
        first = make_appointment(alice, consultation, paris(2027, 3, 2, 10, 0))
        second = make_appointment(alice, consultation, paris(2027, 3, 2, 15, 0), make_patient("Léa"))
    arrived = make_appointment(alice, consultation, paris(2027, 3, 1, 9, 0), make_patient("Jean"), status="arrived")
    created, cancelled = absence(
        alice,
        paris(2027, 3, 1, 8, 0),
        paris(2027, 3, 3, 0, 0),
        cancel=True,
        reason="Le docteur est malade",
        now=now,
        expected=[arrived.pk, first.pk, second.pk],
    )
    assert {a.pk for a in cancelled} == {first.pk, second.pk}
    for appointment in (first, second):
        appointment.refresh_from_db()
        assert appointment.status == Appointment.Status.CANCELLED
        assert appointment.cancelled_by == Appointment.CancelledBy.CLINIC
        assert appointment.cancellation_reason == "Le docteur est malade"
        assert appointment.cancelled_at == now
        assert appointment.updated_at == now  # the live agenda sees the change
    arrived.refresh_from_db()
    assert arrived.status == Appointment.Status.ARRIVED  # in the waiting room: seen, not cancelled
    cancels = AuditEntry.objects.filter(action="cancel", object_type="appointment")
    assert sorted(cancels.values_list("object_id", flat=True)) == sorted([first.pk, second.pk])
    assert all("malade" not in entry.detail for entry in AuditEntry.objects.all())  # no free text in the trail
    creation = AuditEntry.objects.get(action="create", object_type="absence")
    assert creation.object_id == created.pk and creation.practitioner_id == alice.pk
    assert patients_to_warn(created) == [arrived, first, second]


def test_cancelling_needs_a_reason(alice, consultation, now):
    make_appointment(alice, consultation, paris(2027, 3, 2, 10, 0))
    with pytest.raises(AbsenceError) as refused:
        absence(alice, paris(2027, 3, 2, 9, 0), paris(2027, 3, 2, 12, 0), cancel=True, reason="  ", now=now)
    assert refused.value.field == "reason"
    assert not ScheduleException.objects.exists()


def test_an_appointment_booked_after_the_preview_stops_the_creation(alice, consultation, now):
    shown = make_appointment(alice, consultation, paris(2027, 3, 2, 10, 0))
    make_appointment(alice, consultation, paris(2027, 3, 2, 11, 0), make_patient("Léa"))  # booked meanwhile
    with pytest.raises(AffectedAppointmentsChanged):
        absence(
            alice,
            paris(2027, 3, 2, 9, 0),
            paris(2027, 3, 2, 12, 0),
            cancel=True,
            reason="x",
            now=now,
            expected=[shown.pk],
        )
    assert not ScheduleException.objects.exists()
    assert not Appointment.objects.filter(status="cancelled").exists()


def test_an_extra_opening_cancels_nothing(alice, consultation, now):
    inside = make_appointment(alice, consultation, paris(2027, 3, 6, 10, 0))  # a Saturday
    _opening, cancelled = absence(
        alice, paris(2027, 3, 6, 9, 0), paris(2027, 3, 6, 12, 0), kind="opening", cancel=True, reason="x", now=now
    )
    inside.refresh_from_db()
    assert cancelled == [] and inside.status == Appointment.Status.BOOKED


def test_other_practitioners_appointments_are_untouched(alice, bob, consultation, now):
    bobs = make_appointment(bob, make_reason(bob, "Dermatologie", 30), paris(2027, 3, 2, 10, 0))
    absence(alice, paris(2027, 3, 2, 0, 0), paris(2027, 3, 3, 0, 0), cancel=True, reason="x", now=now)
    bobs.refresh_from_db()
    assert bobs.status == Appointment.Status.BOOKED


# --- What is refused ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (paris(2027, 2, 28, 9, 0), paris(2027, 3, 2, 9, 0), "start"),  # began yesterday
        (paris(2027, 3, 2, 12, 0), paris(2027, 3, 2, 9, 0), "end"),  # backwards
        (paris(2027, 3, 2, 9, 0), paris(2027, 3, 2, 9, 0), "end"),  # empty
        (paris(2027, 3, 2, 9, 0), paris(2028, 3, 3, 9, 0), "end"),  # over a year
    ],
)
def test_it_refuses_a_bad_range_naming_the_field(alice, now, start, end, field):
    with pytest.raises(AbsenceError) as refused:
        absence(alice, start, end, now=now)
    assert refused.value.field == field
    assert not ScheduleException.objects.exists()


def test_an_absence_may_start_earlier_today(alice, now):
    created, _cancelled = absence(alice, paris(2027, 3, 1, 0, 0), paris(2027, 3, 2, 0, 0), now=now)
    assert created.pk


def test_it_refuses_an_oversized_note_and_an_unknown_kind(alice, now):
    with pytest.raises(AbsenceError) as refused:
        create_absence(
            alice, "absence", paris(2027, 3, 2), paris(2027, 3, 3), "x" * 201, cancel_affected=False, reason="", now=now
        )
    assert refused.value.field == "note"
    with pytest.raises(AbsenceError) as refused:
        create_absence(
            alice, "holiday", paris(2027, 3, 2), paris(2027, 3, 3), "", cancel_affected=False, reason="", now=now
        )
    assert refused.value.field == "kind"
