"""What a practitioner's agenda holds, read by hand: the exceptions, bookings and holds over a range in one
statement, and the weekly ranges with their reasons in another.

Every booking runs this under the agenda's lock, and every slot page runs it too. As three ORM
querysets (one a UNION) it cost about 3 ms of Python per call on the benchmark machine, more than
the slot engine itself; as one hand-written statement it costs a fraction of that and one round
trip. The statement is plain SQL that PostgreSQL and SQLite both run; the only difference between
them is how an instant is passed and read back, which Django's own operations convert.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.db import connection
from django.utils.dateparse import parse_datetime

from .models import Appointment, ScheduleException, WaitlistOffer, WeeklyRange
from .models.practice import LONGEST_VISIT
from .slots import Interval

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
