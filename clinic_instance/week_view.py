"""Group free slots into the days of a week, for the booking pages."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from .availability import clinic_timezone
from .slots import Interval


@dataclass(frozen=True)
class DaySlots:
    day: date
    starts: list[datetime]  # local, aware


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def days_of_week(monday: date, slots: list[Interval]) -> list[DaySlots]:
    tz = clinic_timezone()
    by_day: dict[date, list[datetime]] = {monday + timedelta(days=offset): [] for offset in range(7)}
    for slot in slots:
        local = slot.start.astimezone(tz)
        by_day.setdefault(local.date(), []).append(local)
    return [DaySlots(day, starts) for day, starts in sorted(by_day.items())]


def parse_week(raw: str | None, today: date) -> date:
    """The Monday of the week asked for in the query string, never before this week."""
    try:
        asked = date.fromisoformat(raw) if raw else today
    except ValueError:
        asked = today
    return week_start(max(asked, today))
