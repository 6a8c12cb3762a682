"""Read side of the agenda: load what the slot engine needs in a handful of queries."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import Prefetch, QuerySet
from django.utils.dateparse import parse_datetime

from .models import Appointment, Clinic, Practitioner, ScheduleException, VisitReason, WaitlistOffer, WeeklyRange
from .models.practice import LONGEST_VISIT
from .public_holidays import public_holidays
from .slots import Interval, Policy, WorkingRange, check_day_range, free_slots


def clinic_timezone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_day_bounds(first: date, last: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    return datetime.combine(first, time(0), tz), datetime.combine(last + timedelta(days=1), time(0), tz)


def local_datetime(day: date, at: time, tz: ZoneInfo) -> datetime | None:
    """The instant of a local wall-clock time, or None when the clocks skip it (spring forward).

    An ambiguous time (autumn) is its first occurrence.
    """
    moment = datetime.combine(day, at, tz)
    if moment.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != datetime.combine(day, at):
        return None
    return moment


def bookable_practitioners() -> QuerySet[Practitioner]:
    """Active practitioners, each with `bookable_reasons`: the reasons patients may book online."""
    reasons = VisitReason.objects.filter(is_active=True, online_bookable=True).order_by("name")
    return Practitioner.objects.filter(is_active=True).prefetch_related(
        Prefetch("visit_reasons", queryset=reasons, to_attr="bookable_reasons")
    )


def available_slots(
    *,
    practitioner: Practitioner,
    visit_reason: VisitReason,
    day_from: date,
    day_to: date,
    now: datetime,
    clinic: Clinic | None = None,
    ignore_appointment_id: int | None = None,
    ignore_offer_id: int | None = None,
) -> list[Interval]:
    """Free slots of `practitioner` for `visit_reason` on local days `day_from`..`day_to`.

    Raises slots.SlotRangeError (before any query) for a bad or oversized range.
    `ignore_appointment_id` lets a reschedule treat the appointment's own time as free;
    a slot held for a waiting patient is busy, except for the offer `ignore_offer_id`.
    """
    check_day_range(day_from, day_to)
    clinic = clinic or Clinic.load()
    tz = clinic_timezone()
    range_start, range_end = local_day_bounds(day_from, day_to, tz)
    margin = clinic.buffer
    weekly_ranges = working_ranges(practitioner)
    on_agenda = agenda_times(
        practitioner.pk,
        range_start,
        range_end,
        now=now,
        margin=margin,
        ignore_appointment_id=ignore_appointment_id,
        ignore_offer_id=ignore_offer_id,
    )
    closed_days = (
        public_holidays(day_from, day_to, clinic.holiday_region) if clinic.closed_on_public_holidays else frozenset()
    )
    return free_slots(
        day_from=day_from,
        day_to=day_to,
        duration=visit_reason.duration,
        visit_reason_id=visit_reason.pk,
        tz=tz,
        now=now,
        policy=Policy(clinic.minimum_notice, clinic.booking_horizon, clinic.buffer),
        weekly_ranges=weekly_ranges,
        openings=on_agenda.openings,
        absences=on_agenda.absences,
        busy=on_agenda.busy,
        closed_days=closed_days,
    )


def working_ranges(practitioner: Practitioner) -> list[WorkingRange]:
    """The practitioner's weekly ranges with the reasons each accepts, in one query (a row per range and
    reason; a range that accepts every reason comes once, with None)."""
    rows = weekly_range_rows(practitioner.pk)
    ranges: dict[int, tuple[tuple, set[int]]] = {}
    for pk, *schedule, reason_id in rows:
        reasons = ranges.setdefault(pk, (tuple(schedule), set()))[1]
        if reason_id is not None:
            reasons.add(reason_id)
    return [
        WorkingRange(
            weekday=weekday,
            start=start,
            end=end,
            valid_from=valid_from,
            valid_until=valid_until,
            visit_reason_ids=frozenset(reasons),
        )
        for (weekday, start, end, valid_from, valid_until), reasons in ranges.values()
    ]


def time_is_taken(
    practitioner: Practitioner,
    start: datetime,
    end: datetime,
    now: datetime,
    *,
    clinic: Clinic | None = None,
    ignore_appointment_id: int | None = None,
    ignore_offer_id: int | None = None,
) -> bool:
    """Whether an appointment (with the clinic's buffer) or a waiting-list hold already uses [start, end):
    the same read as available_slots', so that "taken" and "free" never disagree."""
    on_agenda = agenda_times(
        practitioner.pk,
        start,
        end,
        now=now,
        margin=(clinic or Clinic.load()).buffer,
        ignore_appointment_id=ignore_appointment_id,
        ignore_offer_id=ignore_offer_id,
    )
    return bool(on_agenda.busy)


def overlapping_appointments(
    practitioner: Practitioner, start: datetime, end: datetime, *, ignore_appointment_id: int | None = None
) -> QuerySet[Appointment]:
    """The practitioner's appointments (not cancelled) that share some time with [start, end)."""
    return (
        Appointment.objects.filter(practitioner=practitioner, start__lt=end, end__gt=start)
        .exclude(status=Appointment.Status.CANCELLED)
        .exclude(pk=ignore_appointment_id)
    )


def first_free_slot(
    *,
    practitioner: Practitioner,
    visit_reason: VisitReason,
    now: datetime,
    after: date | None = None,
    not_before: datetime | None = None,
) -> Interval | None:
    """The earliest free slot within the booking horizon, searched a month at a time; none starting before
    `not_before` (a move's earliest start)."""
    clinic = Clinic.load()
    tz = clinic_timezone()
    day = max(after or now.astimezone(tz).date(), (not_before or now).astimezone(tz).date())
    last_day = (now + clinic.booking_horizon).astimezone(tz).date()
    while day <= last_day:
        chunk_end = min(day + timedelta(days=30), last_day)
        slots = available_slots(
            practitioner=practitioner, visit_reason=visit_reason, day_from=day, day_to=chunk_end, now=now, clinic=clinic
        )
        slots = [slot for slot in slots if not_before is None or slot.start >= not_before]
        if slots:
            return slots[0]
        day = chunk_end + timedelta(days=1)
    return None


def nearest_free_slots(
    *, practitioner: Practitioner, visit_reason: VisitReason, around: datetime, now: datetime, count: int = 3
) -> list[Interval]:
    """The free slots closest in time to `around`, within three days either side, sorted."""
    tz = clinic_timezone()
    day = around.astimezone(tz).date()
    slots = available_slots(
        practitioner=practitioner,
        visit_reason=visit_reason,
        day_from=day - timedelta(days=3),
        day_to=day + timedelta(days=3),
        now=now,
    )
    closest = sorted(slots, key=lambda slot: abs(slot.start - around))[:count]
    return sorted(closest)


# What is on an agenda, read by hand. Every booking runs these under the agenda's lock, and every slot
# page runs them too. As ORM querysets (three, one a UNION, and the ranges' join) they cost about 3 ms of
# Python per booking on the benchmark machine, more than the slot engine itself; as hand-written
# statements a fraction of that. The SQL is plain and runs on PostgreSQL and SQLite alike; only how an
# instant, a date or a time is passed and read back differs, which Django's own operations convert.

_BUSY = "busy"  # the kind of a row that is a booking or a hold, not a schedule exception


@dataclass
class AgendaTimes:
    openings: list[Interval] = field(default_factory=list)
    absences: list[Interval] = field(default_factory=list)  # absences and blocked time
    busy: list[Interval] = field(default_factory=list)  # appointments not cancelled and live waiting-list holds


def agenda_times(
    practitioner_id: int,
    range_start: datetime,
    range_end: datetime,
    *,
    now: datetime,
    margin: timedelta = timedelta(0),
    ignore_appointment_id: int | None = None,
    ignore_offer_id: int | None = None,
) -> AgendaTimes:
    """What is already on the agenda within [range_start, range_end).

    Appointments are read `margin` (the clinic's buffer) wider on both sides. A hold is a live
    offer (OFFERED, hold not expired at `now`). `ignore_appointment_id` (a move's own appointment)
    and `ignore_offer_id` (the offer being booked) are left out.
    """
    exceptions, appointments, offers = (
        model._meta.db_table for model in (ScheduleException, Appointment, WaitlistOffer)
    )
    to_db = connection.ops.adapt_datetimefield_value
    sql = [
        f'SELECT kind, start, "end" FROM {exceptions} WHERE practitioner_id = %s AND start < %s AND "end" > %s',  # noqa: S608 - our tables
        # The lower bound on start lets the agenda index skip the whole past.
        f"UNION ALL SELECT '{_BUSY}', start, \"end\" FROM {appointments} WHERE practitioner_id = %s"  # noqa: S608
        ' AND start < %s AND start > %s AND "end" > %s AND status <> %s',
    ]
    params: list[object] = [practitioner_id, to_db(range_end), to_db(range_start)]
    params += [
        practitioner_id,
        to_db(range_end + margin),
        to_db(range_start - margin - LONGEST_VISIT),
        to_db(range_start - margin),
        Appointment.Status.CANCELLED,
    ]
    if ignore_appointment_id:
        sql.append("AND id <> %s")
        params.append(ignore_appointment_id)
    sql.append(
        f"UNION ALL SELECT '{_BUSY}', start, \"end\" FROM {offers} WHERE practitioner_id = %s"  # noqa: S608
        ' AND status = %s AND hold_until > %s AND start < %s AND "end" > %s'
    )
    params += [practitioner_id, WaitlistOffer.Status.OFFERED, to_db(now), to_db(range_end), to_db(range_start)]
    if ignore_offer_id:
        sql.append("AND id <> %s")
        params.append(ignore_offer_id)
    times = AgendaTimes()
    with connection.cursor() as cursor:
        cursor.execute(" ".join(sql), params)
        rows = cursor.fetchall()
    lists = {ScheduleException.Kind.OPENING: times.openings, _BUSY: times.busy}
    for kind, start, end in rows:
        lists.get(kind, times.absences).append(Interval(_instant(start), _instant(end)))
    return times


def weekly_range_rows(practitioner_id: int) -> list[tuple[int, int, time, time, date | None, date | None, int | None]]:
    """The practitioner's weekly ranges, in creation order, a row per range and reason it is limited to
    (pk, weekday, start, end, valid from, valid until, reason id), one row with None for a range open to every
    reason. Read by hand for the same reason as agenda_times, under the same lock."""
    through = WeeklyRange.visit_reasons.through._meta
    range_column, reason_column = (through.get_field(name).column for name in ("weeklyrange", "visitreason"))
    sql = (
        "SELECT r.id, r.weekday, r.start_time, r.end_time, r.valid_from, r.valid_until,"  # noqa: S608 - our tables
        f" t.{reason_column} FROM {WeeklyRange._meta.db_table} r LEFT JOIN {through.db_table} t"
        f" ON t.{range_column} = r.id WHERE r.practitioner_id = %s ORDER BY r.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [practitioner_id])
        rows = cursor.fetchall()
    return [
        (pk, weekday, _time(start), _time(end), _date(valid_from), _date(valid_until), reason_id)
        for pk, weekday, start, end, valid_from, valid_until, reason_id in rows
    ]


def _time(value: time | str) -> time:
    return time.fromisoformat(value) if isinstance(value, str) else value  # SQLite gives text


def _date(value: date | str | None) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _instant(value: datetime | str) -> datetime:
    """An aware instant from what the database returned: PostgreSQL gives one, SQLite gives UTC as text."""
    if isinstance(value, str):
        parsed = parse_datetime(value)
        if parsed is None:  # pragma: no cover - Django writes every datetime it stores in this format
            raise ValueError(f"not a datetime: {value!r}")
        value = parsed
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
