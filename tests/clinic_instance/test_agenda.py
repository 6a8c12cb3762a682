"""The agenda read model: local times across daylight saving, exceptions, colours, constant queries."""

from datetime import UTC, date, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from clinic_instance.agenda import PALETTE, agenda_version, day_time_window, load_agenda, reason_colour
from clinic_instance.models import Appointment, ScheduleException, WeeklyRange
from tests.factories import make_absence, make_appointment, make_patient, make_practitioner, make_reason, paris


def contrast_with_white(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return 1.05 / (luminance + 0.05)


def test_every_colour_of_the_palette_keeps_white_text_readable():
    assert len(set(PALETTE)) == len(PALETTE)
    assert all(contrast_with_white(colour) >= 4.5 for colour in PALETTE)


def test_a_visit_reason_keeps_its_colour_and_neighbours_differ():
    assert reason_colour(7) == reason_colour(7) == reason_colour(7 + len(PALETTE))
    assert reason_colour(7) != reason_colour(8)


def test_a_day_lists_the_active_appointments_with_what_the_list_shows(alice, consultation):
    follow_up = make_reason(alice, "Suivi", 30)
    paul = make_patient()
    first = make_appointment(alice, consultation, paris(2027, 3, 2, 9, 0), patient=paul, source="phone", forced=True)
    make_appointment(alice, follow_up, paris(2027, 3, 2, 10, 0), staff_note="Rappeler", status="arrived")
    make_appointment(alice, consultation, paris(2027, 3, 2, 11, 0), status="cancelled", cancelled_at=paris(2027, 3, 1))
    make_appointment(alice, consultation, paris(2027, 3, 3, 9, 0))  # the next day

    agenda = load_agenda([alice], date(2027, 3, 2), date(2027, 3, 2))

    (day,) = agenda.columns[0].days
    assert [a.start.strftime("%H:%M") for a in day.appointments] == ["09:00", "10:00"]
    shown = day.appointments[0]
    assert shown.id == first.pk and shown.patient_name == "PETIT Paul" and shown.reason_name == "Consultation"
    assert shown.colour == reason_colour(consultation.pk) and shown.colour != day.appointments[1].colour
    assert (shown.status, shown.source, shown.forced, shown.has_note) == ("booked", "phone", True, False)
    assert (day.appointments[1].status, day.appointments[1].has_note) == ("arrived", True)
    assert [(h.start.time(), h.end.time()) for h in day.hours] == [(time(9), time(12)), (time(14), time(18))]
    with_cancelled = load_agenda([alice], date(2027, 3, 2), date(2027, 3, 2), include_cancelled=True)
    assert len(with_cancelled.appointments) == 3


def test_times_are_local_on_the_spring_daylight_saving_day(clinic):
    # Sunday 28 March 2027: at 02:00 Paris jumps to 03:00 (UTC+1 -> UTC+2).
    sunday = make_practitioner("Sam", "Dimanche", weekdays=[6], ranges=((time(1), time(4)), (time(8), time(12))))
    reason = make_reason(sunday, "Garde", 30)
    before = make_appointment(sunday, reason, paris(2027, 3, 28, 1, 0))
    after = make_appointment(sunday, reason, paris(2027, 3, 28, 3, 30))
    late = make_appointment(sunday, reason, paris(2027, 3, 28, 23, 30))  # still the 28th locally, the 28th in UTC too
    make_appointment(sunday, reason, paris(2027, 3, 29, 0, 30))  # the 29th locally, 22:30 UTC on the 28th

    agenda = load_agenda([sunday], date(2027, 3, 28), date(2027, 3, 28))

    (day,) = agenda.columns[0].days
    assert [a.id for a in day.appointments] == [before.pk, after.pk, late.pk]
    assert [a.start.utcoffset() for a in day.appointments] == [
        timedelta(hours=1),
        timedelta(hours=2),
        timedelta(hours=2),
    ]
    assert [a.start.strftime("%H:%M") for a in day.appointments] == ["01:00", "03:30", "23:30"]
    # The night range 01:00-04:00 lasts two hours that day.
    night = day.hours[0]
    assert (night.start.strftime("%H:%M"), night.end.strftime("%H:%M")) == ("01:00", "04:00")
    assert night.end.astimezone(UTC) - night.start.astimezone(UTC) == timedelta(hours=2)


def test_an_absence_over_several_days_is_cut_into_local_days(alice):
    make_absence(alice, paris(2027, 3, 2, 14, 0), paris(2027, 3, 4, 12, 0))
    ScheduleException.objects.create(
        practitioner=alice, kind="block", start=paris(2027, 3, 5, 10), end=paris(2027, 3, 5, 11)
    )
    ScheduleException.objects.create(
        practitioner=alice, kind="opening", start=paris(2027, 3, 6, 9), end=paris(2027, 3, 6, 12)
    )

    agenda = load_agenda([alice], date(2027, 3, 1), date(2027, 3, 7))

    pieces = {
        day.day.day: [(e.kind, e.start.strftime("%H:%M"), e.end.strftime("%H:%M"), e.whole_day) for e in day.exceptions]
        for day in agenda.columns[0].days
    }
    assert pieces[1] == []
    assert pieces[2] == [("absence", "14:00", "00:00", False)]
    assert pieces[3] == [("absence", "00:00", "00:00", True)]
    assert pieces[4] == [("absence", "00:00", "12:00", False)]
    assert pieces[5] == [("block", "10:00", "11:00", False)]
    assert pieces[6] == [("opening", "09:00", "12:00", False)]
    assert [bool(day.hours) for day in agenda.columns[0].days] == [True] * 5 + [False] * 2


def test_working_hours_follow_validity_dates_and_public_holidays(alice):
    WeeklyRange.objects.filter(practitioner=alice).update(valid_until=date(2027, 3, 2))
    WeeklyRange.objects.create(
        practitioner=alice, weekday=2, start_time=time(7), end_time=time(13), valid_from=date(2027, 3, 3)
    )

    week = load_agenda([alice], date(2027, 3, 1), date(2027, 3, 7))
    assert [[(h.start.hour, h.end.hour) for h in day.hours] for day in week.columns[0].days] == [
        [(9, 12), (14, 18)],
        [(9, 12), (14, 18)],
        [(7, 13)],
        [],
        [],
        [],
        [],
    ]
    # Easter Monday 2027 (29 March): the clinic is closed on public holidays.
    easter = load_agenda([alice], date(2027, 3, 29), date(2027, 3, 29)).columns[0].days[0]
    assert easter.public_holiday and easter.hours == []


def test_the_calendar_window_widens_to_early_and_late_appointments(alice, consultation):
    make_appointment(alice, consultation, paris(2027, 3, 2, 7, 40))
    make_appointment(alice, consultation, paris(2027, 3, 2, 19, 30))
    agenda = load_agenda([alice], date(2027, 3, 2), date(2027, 3, 2))
    assert day_time_window(agenda) == (time(7), time(19, 50))


def test_an_erased_patient_shows_no_identity(alice, consultation, now):
    patient = make_patient()
    make_appointment(alice, consultation, paris(2027, 3, 2, 9, 0), patient=patient)
    patient.__class__.objects.filter(pk=patient.pk).update(first_name="", last_name="", phone="", erased_at=now)
    with translation.override("en"):
        (shown,) = load_agenda([alice], date(2027, 3, 2), date(2027, 3, 2)).appointments
    assert shown.patient_name == "Erased patient" and shown.patient_phone == "" and shown.patient_birth_date is None


def fill(practitioners, day: date, per_practitioner: int):
    for practitioner in practitioners:
        reasons = [make_reason(practitioner, f"Motif {n}", 20) for n in range(3)]
        for n in range(per_practitioner):
            start = paris(day.year, day.month, day.day, 8) + timedelta(minutes=20 * n)
            make_appointment(practitioner, reasons[n % 3], start, patient=make_patient(phone=f"+3361234{n:04d}"))
        make_absence(practitioner, paris(day.year, day.month, day.day, 12), paris(day.year, day.month, day.day, 13))


def test_the_query_count_does_not_grow_with_practitioners_or_appointments(clinic, django_assert_num_queries):
    day = date(2027, 3, 2)
    practitioners = [make_practitioner(f"P{n}", f"Nom{n}") for n in range(10)]
    fill(practitioners[:1], day, 3)
    fill(practitioners[1:], day, 12)

    with CaptureQueriesContext(connection) as one:
        load_agenda(practitioners[:1], day, day, clinic=clinic)
    with django_assert_num_queries(len(one.captured_queries)):
        agenda = load_agenda(practitioners, day, day, clinic=clinic)
    assert len(one.captured_queries) == 3
    assert len(agenda.appointments) == 3 + 9 * 12
    with django_assert_num_queries(2):
        agenda_version([p.pk for p in practitioners], day, day)


@pytest.fixture
def day_of_alice(alice, consultation):
    return make_appointment(alice, consultation, paris(2027, 3, 2, 9, 0))


def test_the_version_changes_with_any_write_or_deletion_in_the_range(alice, consultation, day_of_alice):
    day = date(2027, 3, 2)
    version = agenda_version([alice.pk], day, day)
    assert agenda_version([alice.pk], day, day) == version

    day_of_alice.status = Appointment.Status.ARRIVED
    day_of_alice.save()
    after_update = agenda_version([alice.pk], day, day)
    assert after_update != version

    other = make_appointment(alice, consultation, paris(2027, 3, 2, 10, 0))
    after_insert = agenda_version([alice.pk], day, day)
    other.delete()
    assert agenda_version([alice.pk], day, day) not in (after_insert,)

    absence = make_absence(alice, paris(2027, 3, 2, 14), paris(2027, 3, 2, 15))
    with_absence = agenda_version([alice.pk], day, day)
    assert with_absence != after_update
    absence.delete()
    assert agenda_version([alice.pk], day, day) != with_absence
    # Another day's change leaves this day's version alone.
    before = agenda_version([alice.pk], day, day)
    make_appointment(alice, consultation, paris(2027, 3, 3, 9, 0))
    assert agenda_version([alice.pk], day, day) == before
