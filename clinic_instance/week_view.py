"""One week of free slots for the booking pages, opening on the first free week."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from .availability import available_slots, clinic_timezone, first_free_slot
from .date_bounds import parse_day
from .models import Practitioner, VisitReason
from .slots import Interval


@dataclass(frozen=True)
class DaySlots:
    day: date
    starts: list[datetime]  # local, aware


@dataclass(frozen=True)
class WeekPage:
    monday: date
    days: list[DaySlots]
    previous_week: date | None  # None for the current week: nothing to book before it
    next_week: date
    next_free: datetime | None  # only when this week has no free slot


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def parse_week(raw: str | None, today: date) -> date:
    """The Monday of the week asked for in the query string, never before this week."""
    asked = parse_day(raw) or today  # a malformed or out-of-bounds week is this week
    return week_start(max(asked, today))


def week_of_slots(
    *,
    practitioner: Practitioner,
    visit_reason: VisitReason,
    asked_week: str | None,
    now: datetime,
    ignore_appointment_id: int | None = None,
    not_before: datetime | None = None,
) -> WeekPage:
    """The asked week's free slots; with no week asked, the first week that has one.

    A move passes `not_before` (booking.earliest_move): earlier slots are not shown at all.
    """
    tz = clinic_timezone()
    today = now.astimezone(tz).date()
    monday = parse_week(asked_week, today)

    def slots_of(week: date) -> list[Interval]:
        slots = available_slots(
            practitioner=practitioner,
            visit_reason=visit_reason,
            day_from=week,
            day_to=week + timedelta(days=6),
            now=now,
            ignore_appointment_id=ignore_appointment_id,
        )
        return [slot for slot in slots if not_before is None or slot.start >= not_before]

    slots = slots_of(monday)
    next_free = None
    if not slots:
        found = first_free_slot(
            practitioner=practitioner, visit_reason=visit_reason, now=now, after=monday, not_before=not_before
        )
        if found is not None and not asked_week:
            monday = week_start(found.start.astimezone(tz).date())
            slots = slots_of(monday)
        elif found is not None:
            next_free = found.start.astimezone(tz)
    return WeekPage(
        monday=monday,
        days=_days_of_week(monday, slots),
        previous_week=monday - timedelta(days=7) if monday > week_start(today) else None,
        next_week=monday + timedelta(days=7),
        next_free=next_free,
    )


def _days_of_week(monday: date, slots: list[Interval]) -> list[DaySlots]:
    tz = clinic_timezone()
    by_day: dict[date, list[datetime]] = {monday + timedelta(days=offset): [] for offset in range(7)}
    for slot in slots:
        local = slot.start.astimezone(tz)
        by_day.setdefault(local.date(), []).append(local)
    return [DaySlots(day, starts) for day, starts in sorted(by_day.items())]
