"""The slot engine: free appointment slots from schedules, exceptions and bookings.

`free_slots` is a pure function, so that it can be tested exhaustively (see the
hypothesis tests) and measured on its own (bench/slots_engine.py). Working ranges are
local wall-clock times in the clinic's zone; everything else is absolute time.

Slots fill each free gap from its start, back to back, so that a gap after a
longer appointment is still used. Starts are computed in absolute time, which
means no slot can start at a wall time that does not exist (the spring-forward
hour); on the autumn day whose wall-clock hour repeats, starts in the second
pass of that hour are left out so that no wall time is offered twice.
"""

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MAX_DAYS = 62
GRID = timedelta(minutes=5)


class SlotRangeError(ValueError):
    """The requested range of days is inverted or too long to compute."""


@dataclass(frozen=True, slots=True)
class WorkingRange:
    weekday: int
    start: time
    end: time
    valid_from: date | None = None
    valid_until: date | None = None
    visit_reason_ids: frozenset[int] = frozenset()  # empty: every reason

    def applies(self, day: date, visit_reason_id: int) -> bool:
        return (
            day.weekday() == self.weekday
            and (self.valid_from is None or self.valid_from <= day)
            and (self.valid_until is None or day <= self.valid_until)
            and (not self.visit_reason_ids or visit_reason_id in self.visit_reason_ids)
        )


@dataclass(frozen=True, slots=True, order=True)
class Interval:
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class Policy:
    minimum_notice: timedelta
    booking_horizon: timedelta
    buffer: timedelta = timedelta(0)


def check_day_range(day_from: date, day_to: date) -> None:
    if day_to < day_from:
        raise SlotRangeError("The end of the range is before its start.")
    if (day_to - day_from).days + 1 > MAX_DAYS:
        raise SlotRangeError(f"A range covers at most {MAX_DAYS} days.")


def free_slots(
    *,
    day_from: date,
    day_to: date,
    duration: timedelta,
    visit_reason_id: int,
    tz: ZoneInfo,
    now: datetime,
    policy: Policy,
    weekly_ranges: Iterable[WorkingRange],
    openings: Iterable[Interval] = (),
    absences: Iterable[Interval] = (),
    busy: Iterable[Interval] = (),
    closed_days: frozenset[date] = frozenset(),
) -> list[Interval]:
    """Every free slot of `duration` starting on local days `day_from`..`day_to`.

    `busy` are existing appointments, kept apart by `policy.buffer`; `closed_days`
    (public holidays) suspend the weekly ranges but not extra `openings`.
    Returns intervals in UTC, sorted. Raises SlotRangeError for a bad range.
    """
    check_day_range(day_from, day_to)
    if duration <= timedelta(0):
        raise ValueError("A slot lasts a positive time.")

    earliest = now + policy.minimum_notice
    latest = now + policy.booking_horizon
    ranges = [r for r in weekly_ranges]
    opening_list = sorted(openings)
    blocked = _merge(
        [Interval(a.start, a.end) for a in absences]
        + [Interval(b.start - policy.buffer, b.end + policy.buffer) for b in busy]
    )
    blocked_ends = [b.end for b in blocked]

    slots: list[Interval] = []
    day = day_from
    while day <= day_to:
        day_start = datetime.combine(day, time(0), tz)
        day_end = datetime.combine(day + timedelta(days=1), time(0), tz)
        if day_end > earliest and day_start <= latest:
            working = _working_intervals(
                day, day_start, day_end, ranges, opening_list, visit_reason_id, closed_days, tz
            )
            repeats_an_hour = day_start.utcoffset() != day_end.utcoffset()
            for piece in _subtract(working, blocked, blocked_ends):
                _fill(piece, duration, earliest, latest, tz if repeats_an_hour else None, slots)
        day += timedelta(days=1)
    return slots


def _working_intervals(
    day: date,
    day_start: datetime,
    day_end: datetime,
    ranges: list[WorkingRange],
    openings: list[Interval],
    visit_reason_id: int,
    closed_days: frozenset[date],
    tz: ZoneInfo,
) -> list[Interval]:
    intervals = []
    if day not in closed_days:
        for working_range in ranges:
            if working_range.applies(day, visit_reason_id):
                start = datetime.combine(day, working_range.start, tz)
                end = datetime.combine(day, working_range.end, tz)
                if start < end:
                    intervals.append(Interval(start, end))
    for opening in openings:
        if opening.start < day_end and opening.end > day_start:
            intervals.append(Interval(max(opening.start, day_start), min(opening.end, day_end)))
    return _merge(intervals)


def _merge(intervals: list[Interval]) -> list[Interval]:
    """Sort and join overlapping or touching intervals, normalized to UTC."""
    merged: list[Interval] = []
    for interval in sorted(Interval(i.start.astimezone(UTC), i.end.astimezone(UTC)) for i in intervals):
        if interval.end <= interval.start:
            continue
        if merged and interval.start <= merged[-1].end:
            if interval.end > merged[-1].end:
                merged[-1] = Interval(merged[-1].start, interval.end)
        else:
            merged.append(interval)
    return merged


def _subtract(working: list[Interval], blocked: list[Interval], blocked_ends: list[datetime]) -> list[Interval]:
    pieces = []
    for interval in working:
        cursor = interval.start
        index = bisect_right(blocked_ends, cursor)
        while index < len(blocked) and blocked[index].start < interval.end:
            if blocked[index].start > cursor:
                pieces.append(Interval(cursor, blocked[index].start))
            cursor = max(cursor, blocked[index].end)
            index += 1
        if cursor < interval.end:
            pieces.append(Interval(cursor, interval.end))
    return pieces


def _fill(
    piece: Interval,
    duration: timedelta,
    earliest: datetime,
    latest: datetime,
    repeated_hour_tz: ZoneInfo | None,
    slots: list[Interval],
) -> None:
    start = _round_up(piece.start)
    if start < earliest:
        # Keep the gap's own grid, so that slots do not shift as time passes.
        steps = -(-(earliest - start) // duration)
        start += steps * duration
    while start + duration <= piece.end and start <= latest:
        if repeated_hour_tz is None or not start.astimezone(repeated_hour_tz).fold:
            slots.append(Interval(start, start + duration))
        start += duration


def _round_up(moment: datetime) -> datetime:
    remainder = (moment - datetime.min.replace(tzinfo=UTC)) % GRID
    return moment + (GRID - remainder) if remainder else moment
