"""The pure slot engine, including the daylight-saving days of Europe/Paris."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from clinic_instance.slots import MAX_DAYS, Interval, Policy, SlotRangeError, WorkingRange, free_slots
from tests.factories import PARIS, paris

OPEN = Policy(minimum_notice=timedelta(0), booking_horizon=timedelta(days=365))
LONG_AGO = datetime(2027, 1, 1, tzinfo=UTC)
MONDAY = date(2027, 3, 1)


def every_day(*ranges: tuple[time, time], **fields) -> list[WorkingRange]:
    return [WorkingRange(day, start, end, **fields) for day in range(7) for start, end in ranges]


def local_starts(slots: list[Interval]) -> list[str]:
    return [slot.start.astimezone(PARIS).strftime("%H:%M%z") for slot in slots]


def slots_on(day: date, minutes: int = 30, *, ranges=None, now=LONG_AGO, policy=OPEN, **inputs) -> list[Interval]:
    return free_slots(
        day_from=day,
        day_to=day,
        duration=timedelta(minutes=minutes),
        visit_reason_id=1,
        tz=PARIS,
        now=now,
        policy=policy,
        weekly_ranges=ranges if ranges is not None else every_day((time(9), time(11))),
        **inputs,
    )


def test_it_fills_each_working_range_back_to_back_and_respects_the_break():
    ranges = every_day((time(9), time(10)), (time(14), time(15)))
    assert local_starts(slots_on(MONDAY, ranges=ranges)) == ["09:00+0100", "09:30+0100", "14:00+0100", "14:30+0100"]


def test_a_slot_never_runs_past_the_end_of_its_range():
    assert local_starts(slots_on(MONDAY, 45)) == ["09:00+0100", "09:45+0100"]


def test_it_returns_utc_intervals_of_the_visit_length():
    slot = slots_on(MONDAY)[0]
    assert slot.start == datetime(2027, 3, 1, 8, 0, tzinfo=UTC)
    assert slot.end - slot.start == timedelta(minutes=30)


def test_it_skips_booked_time_and_uses_the_gap_after_a_longer_appointment():
    busy = [Interval(paris(2027, 3, 1, 9, 0), paris(2027, 3, 1, 9, 45))]
    assert local_starts(slots_on(MONDAY, busy=busy)) == ["09:45+0100", "10:15+0100"]


def test_it_keeps_the_buffer_between_appointments():
    busy = [Interval(paris(2027, 3, 1, 9, 30), paris(2027, 3, 1, 10, 0))]
    policy = Policy(timedelta(0), timedelta(days=365), buffer=timedelta(minutes=10))
    # 09:00-09:30 would end less than 10 minutes before 09:30; the gap starts at 10:10.
    assert local_starts(slots_on(MONDAY, 20, busy=busy, policy=policy)) == ["09:00+0100", "10:10+0100", "10:30+0100"]


def test_an_absence_removes_the_time_it_covers():
    absences = [Interval(paris(2027, 3, 1, 9, 15), paris(2027, 3, 1, 10, 0))]
    assert local_starts(slots_on(MONDAY, absences=absences)) == ["10:00+0100", "10:30+0100"]


def test_an_absence_over_several_days_empties_them():
    absences = [Interval(paris(2027, 3, 1), paris(2027, 3, 3))]
    slots = free_slots(
        day_from=MONDAY, day_to=date(2027, 3, 3), duration=timedelta(minutes=30), visit_reason_id=1, tz=PARIS,
        now=LONG_AGO, policy=OPEN, weekly_ranges=every_day((time(9), time(10))), absences=absences,
    )  # fmt: skip
    assert {slot.start.astimezone(PARIS).date() for slot in slots} == {date(2027, 3, 3)}


def test_an_extra_opening_adds_time_even_on_a_closed_day():
    openings = [Interval(paris(2027, 3, 1, 18, 0), paris(2027, 3, 1, 19, 0))]
    closed = frozenset({MONDAY})
    assert local_starts(slots_on(MONDAY, openings=openings, closed_days=closed)) == ["18:00+0100", "18:30+0100"]


def test_a_public_holiday_suspends_the_weekly_ranges():
    assert slots_on(MONDAY, closed_days=frozenset({MONDAY})) == []


def test_it_offers_nothing_sooner_than_the_minimum_notice_and_keeps_the_grid():
    now = paris(2027, 3, 1, 9, 10)
    policy = Policy(minimum_notice=timedelta(minutes=30), booking_horizon=timedelta(days=30))
    # 09:40 is the earliest allowed start; the grid of the range gives 10:00, not 09:40.
    assert local_starts(slots_on(MONDAY, now=now, policy=policy)) == ["10:00+0100", "10:30+0100"]


def test_it_offers_nothing_beyond_the_booking_horizon():
    now = paris(2027, 2, 27, 9, 0)
    policy = Policy(minimum_notice=timedelta(0), booking_horizon=timedelta(days=2, minutes=30))
    assert local_starts(slots_on(MONDAY, now=now, policy=policy)) == ["09:00+0100", "09:30+0100"]


def test_a_range_restricted_to_some_visit_reasons_serves_only_them():
    ranges = every_day((time(9), time(10)), visit_reason_ids=frozenset({2}))
    assert slots_on(MONDAY, ranges=ranges) == []


def test_a_range_applies_only_inside_its_validity_dates():
    ranges = every_day((time(9), time(10)), valid_from=date(2027, 3, 2), valid_until=date(2027, 3, 2))
    assert slots_on(MONDAY, ranges=ranges) == []
    assert len(slots_on(date(2027, 3, 2), ranges=ranges)) == 2


def test_overlapping_ranges_do_not_offer_a_time_twice():
    ranges = every_day((time(9), time(10)), (time(9, 30), time(10, 30)))
    assert local_starts(slots_on(MONDAY, ranges=ranges)) == ["09:00+0100", "09:30+0100", "10:00+0100"]


def test_spring_forward_offers_no_slot_in_the_missing_hour():
    # 2027-03-28: at 02:00 CET, clocks jump to 03:00 CEST.
    slots = slots_on(date(2027, 3, 28), ranges=every_day((time(1), time(4))))
    assert local_starts(slots) == ["01:00+0100", "01:30+0100", "03:00+0200", "03:30+0200"]


def test_fall_back_offers_no_wall_clock_time_twice():
    # 2027-10-31: at 03:00 CEST, clocks go back to 02:00 CET; 02:00-03:00 happens twice.
    slots = slots_on(date(2027, 10, 31), ranges=every_day((time(1), time(4))))
    starts = [slot.start.astimezone(PARIS).strftime("%H:%M") for slot in slots]
    assert len(starts) == len(set(starts))
    assert starts == ["01:00", "01:30", "02:00", "02:30", "03:00", "03:30"]
    assert all(slot.end - slot.start == timedelta(minutes=30) for slot in slots)


def test_a_working_day_around_the_change_keeps_its_local_hours():
    for day in (date(2027, 3, 28), date(2027, 10, 31)):
        slots = slots_on(day, ranges=every_day((time(9), time(10))))
        assert [slot.start.astimezone(PARIS).strftime("%H:%M") for slot in slots] == ["09:00", "09:30"]


def test_it_refuses_an_inverted_range():
    with pytest.raises(SlotRangeError):
        free_slots(
            day_from=MONDAY, day_to=MONDAY - timedelta(days=1), duration=timedelta(minutes=30), visit_reason_id=1,
            tz=PARIS, now=LONG_AGO, policy=OPEN, weekly_ranges=[],
        )  # fmt: skip


def test_it_refuses_a_huge_range_without_looping():
    with pytest.raises(SlotRangeError):
        free_slots(
            day_from=MONDAY, day_to=MONDAY + timedelta(days=365 * 1000), duration=timedelta(minutes=30),
            visit_reason_id=1, tz=PARIS, now=LONG_AGO, policy=OPEN, weekly_ranges=every_day((time(0), time(23))),
        )  # fmt: skip


def test_the_longest_allowed_range_is_accepted():
    slots = free_slots(
        day_from=MONDAY, day_to=MONDAY + timedelta(days=MAX_DAYS - 1), duration=timedelta(minutes=30),
        visit_reason_id=1, tz=PARIS, now=LONG_AGO, policy=OPEN, weekly_ranges=every_day((time(9), time(10))),
    )  # fmt: skip
    assert len(slots) == MAX_DAYS * 2
