"""The one statement that reads what is already on an agenda (availability.agenda_times): each kind of row,
the range's edges, the buffer margin and the rows a move or an offer leaves out."""

from datetime import date, time, timedelta

import pytest
from django.db import DataError, transaction

from clinic_instance.availability import agenda_times
from clinic_instance.models import Appointment, ScheduleException, WaitlistEntry, WaitlistOffer
from clinic_instance.slots import Interval
from tests.factories import make_absence, make_appointment, make_patient, paris

DAY_START, DAY_END = paris(2027, 3, 2, 0, 0), paris(2027, 3, 3, 0, 0)


def hold(practitioner, reason, start, *, hold_until, status=WaitlistOffer.Status.OFFERED):
    entry = WaitlistEntry.objects.create(
        practitioner=practitioner,
        visit_reason=reason,
        patient=make_patient(phone="+33698765432"),
        earliest_time=time(8),
        latest_time=time(18),
        until=date(2027, 4, 1),
        created_at=start - timedelta(days=1),
    )
    return WaitlistOffer.objects.create(
        entry=entry,
        practitioner=practitioner,
        start=start,
        end=start + timedelta(minutes=20),
        hold_until=hold_until,
        status=status,
        created_at=start - timedelta(days=1),
    )


def read(practitioner, now, **options):
    return agenda_times(practitioner.pk, DAY_START, DAY_END, now=now, **options)


def test_each_kind_of_row_lands_in_its_list_as_an_aware_instant(alice, consultation, now):
    booked = make_appointment(alice, consultation, paris(2027, 3, 2, 9, 0))
    make_absence(alice, paris(2027, 3, 2, 10, 0), paris(2027, 3, 2, 11, 0))
    ScheduleException.objects.create(
        practitioner=alice, kind="block", start=paris(2027, 3, 2, 15, 0), end=paris(2027, 3, 2, 15, 30)
    )
    ScheduleException.objects.create(
        practitioner=alice, kind="opening", start=paris(2027, 3, 2, 19, 0), end=paris(2027, 3, 2, 20, 0)
    )
    offer = hold(alice, consultation, paris(2027, 3, 2, 16, 0), hold_until=now + timedelta(minutes=30))

    times = read(alice, now)

    assert times.openings == [Interval(paris(2027, 3, 2, 19, 0), paris(2027, 3, 2, 20, 0))]
    assert sorted(times.absences) == [
        Interval(paris(2027, 3, 2, 10, 0), paris(2027, 3, 2, 11, 0)),
        Interval(paris(2027, 3, 2, 15, 0), paris(2027, 3, 2, 15, 30)),
    ]
    assert sorted(times.busy) == [Interval(booked.start, booked.end), Interval(offer.start, offer.end)]
    assert all(moment.tzinfo is not None for interval in times.busy for moment in (interval.start, interval.end))


def test_only_live_rows_of_this_practitioner_inside_the_range_count(alice, bob, consultation, now):
    make_appointment(
        alice, consultation, paris(2027, 3, 2, 9, 0), status=Appointment.Status.CANCELLED, cancelled_at=now
    )
    no_show = make_appointment(alice, consultation, paris(2027, 3, 2, 9, 20), status=Appointment.Status.NO_SHOW)
    make_appointment(alice, consultation, paris(2027, 3, 3, 9, 0))  # the next day
    make_appointment(alice, consultation, paris(2027, 3, 1, 23, 40))  # ends at midnight sharp: outside
    bob_reason = consultation.__class__.objects.create(name="Bob's", duration_minutes=20)
    bob_reason.practitioners.add(bob)
    make_appointment(bob, bob_reason, paris(2027, 3, 2, 11, 0))
    hold(alice, consultation, paris(2027, 3, 2, 14, 0), hold_until=now - timedelta(seconds=1))  # expired hold
    hold(alice, consultation, paris(2027, 3, 2, 14, 20), hold_until=now + timedelta(hours=1), status="declined")

    assert read(alice, now).busy == [Interval(no_show.start, no_show.end)]


def test_the_buffer_widens_what_appointments_are_read(alice, consultation, now):
    evening = make_appointment(alice, consultation, paris(2027, 3, 1, 23, 50))  # ends 00:10: inside anyway
    late = make_appointment(alice, consultation, paris(2027, 3, 1, 23, 30))  # ends 23:50 the day before
    assert read(alice, now).busy == [Interval(evening.start, evening.end)]
    assert sorted(read(alice, now, margin=timedelta(minutes=15)).busy) == sorted(
        [Interval(evening.start, evening.end), Interval(late.start, late.end)]
    )


def test_a_move_leaves_out_its_own_appointment_and_a_booking_its_own_offer(alice, consultation, now):
    own = make_appointment(alice, consultation, paris(2027, 3, 2, 9, 0))
    other = make_appointment(alice, consultation, paris(2027, 3, 2, 9, 20))
    offer = hold(alice, consultation, paris(2027, 3, 2, 16, 0), hold_until=now + timedelta(minutes=30))

    assert read(alice, now, ignore_appointment_id=own.pk, ignore_offer_id=offer.pk).busy == [
        Interval(other.start, other.end)
    ]


@pytest.mark.parametrize("text", ["1; DROP TABLE clinic_instance_appointment; --", "1 OR 1=1"])
def test_ids_are_parameters_never_sql(alice, consultation, now, text):
    make_appointment(alice, consultation, paris(2027, 3, 2, 9, 0))
    try:
        with transaction.atomic():  # PostgreSQL refuses the text as an id; SQLite compares it and finds nothing
            assert agenda_times(text, DAY_START, DAY_END, now=now).busy == []  # type: ignore[arg-type]
    except DataError:
        pass
    assert Appointment.objects.count() == 1


def test_weekly_ranges_come_with_the_reasons_they_are_limited_to(alice, consultation):
    from clinic_instance.availability import weekly_range_rows
    from clinic_instance.models import WeeklyRange

    limited = WeeklyRange.objects.create(
        practitioner=alice, weekday=5, start_time=time(8, 30), end_time=time(12), valid_from=date(2027, 3, 6)
    )
    limited.visit_reasons.add(consultation)
    rows = weekly_range_rows(alice.pk)
    assert rows[-1] == (limited.pk, 5, time(8, 30), time(12), date(2027, 3, 6), None, consultation.pk)
    assert {row[6] for row in rows[:-1]} == {None}  # the factory's ranges accept every reason
    assert len(rows) == WeeklyRange.objects.filter(practitioner=alice).count()
