"""Read side of the workspace agenda: what a day or a week of one or more practitioners holds.

One call loads appointments, absences, blocked time, extra openings and working hours for
any number of practitioners in a constant number of queries (three), so the multi-practitioner
day view costs the same for 1 or 20 columns. Times are local to the clinic (DST included).
"""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import BooleanField, Count, ExpressionWrapper, Max, Q, Sum
from django.utils.translation import gettext as _

from .availability import clinic_timezone, local_day_bounds
from .models import Appointment, Clinic, Practitioner, ScheduleException, WeeklyRange
from .public_holidays import public_holidays

# White text reads on each of these at 4.5:1 or more (WCAG AA); a visit reason keeps its
# colour for as long as it exists, since there is no colour field to choose one.
PALETTE = (
    "#1f5fa8",  # blue
    "#2e7d32",  # green
    "#b3261e",  # red
    "#6a3d9a",  # purple
    "#00695c",  # teal
    "#ad1457",  # raspberry
    "#8a4b00",  # ochre
    "#455a64",  # slate
    "#5d4037",  # brown
    "#283593",  # indigo
    "#33691e",  # olive
    "#6d4c41",  # umber
)

LONGEST_RANGE = timedelta(days=7)  # a week view; the events API refuses longer ranges

# What a day's list shows: never the note's text, only whether there is one.
APPOINTMENT_FIELDS = (
    "id", "practitioner_id", "patient_id", "visit_reason_id", "start", "end", "status", "source", "forced",
    "patient__first_name", "patient__last_name", "patient__birth_date", "patient__phone", "patient__erased_at",
    "visit_reason__name",
)  # fmt: skip


def reason_colour(reason_id: int) -> str:
    return PALETTE[reason_id % len(PALETTE)]


@dataclass(frozen=True, slots=True)
class AgendaAppointment:
    id: int
    practitioner_id: int
    patient_id: int
    start: datetime  # local
    end: datetime  # local
    patient_name: str
    patient_birth_date: date | None
    patient_phone: str
    reason_id: int
    reason_name: str
    colour: str
    status: str
    status_label: str
    source: str
    forced: bool
    has_note: bool

    @property
    def pk(self) -> int:
        """audit.record_appointments_read takes these as it takes appointments."""
        return self.id

    @property
    def is_online(self) -> bool:
        return self.source == Appointment.Source.ONLINE


@dataclass(frozen=True, slots=True)
class AgendaException:
    """An absence, blocked time or extra opening, cut to one local day."""

    id: int
    practitioner_id: int
    kind: str
    kind_label: str
    start: datetime  # local, within the day
    end: datetime
    whole_day: bool

    @property
    def label(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M}"


@dataclass(frozen=True, slots=True)
class WorkingHours:
    start: datetime  # local
    end: datetime

    @property
    def label(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M}"


@dataclass
class AgendaDay:
    day: date
    appointments: list[AgendaAppointment] = field(default_factory=list)
    exceptions: list[AgendaException] = field(default_factory=list)
    hours: list[WorkingHours] = field(default_factory=list)
    public_holiday: bool = False

    @property
    def hours_label(self) -> str:
        return ", ".join(hours.label for hours in self.hours)


@dataclass
class PractitionerAgenda:
    practitioner: Practitioner
    days: list[AgendaDay]

    @property
    def appointment_count(self) -> int:
        return sum(len(day.appointments) for day in self.days)


@dataclass
class Agenda:
    first: date
    last: date
    columns: list[PractitionerAgenda]

    @property
    def appointments(self) -> list[AgendaAppointment]:
        return [a for column in self.columns for day in column.days for a in day.appointments]


def load_agenda(
    practitioners: Sequence[Practitioner],
    first: date,
    last: date,
    *,
    include_cancelled: bool = False,
    clinic: Clinic | None = None,
) -> Agenda:
    """The local days `first`..`last` of these practitioners, in the order given.

    Three queries whatever the number of practitioners and appointments, four
    without `clinic`. The caller has already checked the user may see each practitioner.
    """
    clinic = clinic or Clinic.load()
    tz = clinic_timezone()
    range_start, range_end = local_day_bounds(first, last, tz)
    ids = [p.pk for p in practitioners]
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    holidays = public_holidays(first, last, clinic.holiday_region) if clinic.closed_on_public_holidays else frozenset()
    grid = {pid: {day: AgendaDay(day=day, public_holiday=day in holidays) for day in days} for pid in ids}

    for appointment in _appointments(ids, range_start, range_end, include_cancelled, tz):
        grid[appointment.practitioner_id][appointment.start.date()].appointments.append(appointment)

    exceptions = ScheduleException.objects.filter(
        practitioner_id__in=ids, start__lt=range_end, end__gt=range_start
    ).only("id", "practitioner_id", "kind", "start", "end")
    for exception in exceptions:
        for piece in _cut_by_day(exception, first, last, tz):
            grid[exception.practitioner_id][piece.start.date()].exceptions.append(piece)

    weekly = WeeklyRange.objects.filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=last),
        Q(valid_until__isnull=True) | Q(valid_until__gte=first),
        practitioner_id__in=ids,
    ).only("practitioner_id", "weekday", "start_time", "end_time", "valid_from", "valid_until")
    for weekly_range in weekly:
        for day in days:
            agenda_day = grid[weekly_range.practitioner_id][day]
            if _works_on(weekly_range, day) and not agenda_day.public_holiday:
                agenda_day.hours.append(
                    WorkingHours(
                        start=datetime.combine(day, weekly_range.start_time, tz),
                        end=datetime.combine(day, weekly_range.end_time, tz),
                    )
                )

    for by_day in grid.values():
        for agenda_day in by_day.values():
            agenda_day.exceptions.sort(key=lambda e: e.start)
            agenda_day.hours.sort(key=lambda h: h.start)
    columns = [PractitionerAgenda(practitioner=p, days=list(grid[p.pk].values())) for p in practitioners]
    return Agenda(first=first, last=last, columns=columns)


def agenda_version(practitioner_ids: Sequence[int], first: date, last: date) -> str:
    """A short fingerprint of everything load_agenda shows for this range: it changes with any
    write to an appointment or schedule exception in the range (every write sets updated_at)
    and with any deletion (the counts and id sums). Two aggregate queries.

    Renamed patients show on the next change; renamed visit reasons and edited weekly
    hours (they have no updated_at) on the next page load.
    """
    range_start, range_end = local_day_bounds(first, last, clinic_timezone())
    ids = sorted(set(practitioner_ids))
    appointments = Appointment.objects.filter(
        practitioner_id__in=ids, start__gte=range_start, start__lt=range_end
    ).aggregate(count=Count("id"), ids=Sum("id"), updated=Max("updated_at"), patients=Max("patient__updated_at"))
    exceptions = ScheduleException.objects.filter(
        practitioner_id__in=ids, start__lt=range_end, end__gt=range_start
    ).aggregate(count=Count("id"), ids=Sum("id"), updated=Max("updated_at"))
    parts = [first, last, ids, *appointments.values(), *exceptions.values()]
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def patient_display_name(first_name: str, last_name: str, erased: bool) -> str:
    if erased:
        return _("Erased patient")
    return f"{last_name.upper()} {first_name}"


def _appointments(
    ids: list[int], range_start: datetime, range_end: datetime, include_cancelled: bool, tz: ZoneInfo
) -> list[AgendaAppointment]:
    """Rows, not model instances: building 600 appointments with their patient and visit
    reason as models took half of the day view's time."""
    found = Appointment.objects.filter(practitioner_id__in=ids, start__gte=range_start, start__lt=range_end)
    if not include_cancelled:
        found = found.exclude(status=Appointment.Status.CANCELLED)
    rows = (
        found.annotate(has_note=ExpressionWrapper(~Q(staff_note=""), output_field=BooleanField()))
        .order_by("start", "id")
        .values_list(*APPOINTMENT_FIELDS, "has_note")
    )
    labels = {value: str(label) for value, label in Appointment.Status.choices}
    appointments = []
    for (
        pk, practitioner_id, patient_id, reason_id, start, end, status, source, forced,
        first_name, last_name, birth_date, phone, erased_at, reason_name, has_note,
    ) in rows:  # fmt: skip
        erased = erased_at is not None
        appointments.append(
            AgendaAppointment(
                id=pk,
                practitioner_id=practitioner_id,
                patient_id=patient_id,
                start=start.astimezone(tz),
                end=end.astimezone(tz),
                patient_name=patient_display_name(first_name, last_name, erased),
                patient_birth_date=None if erased else birth_date,
                patient_phone="" if erased else phone,
                reason_id=reason_id,
                reason_name=reason_name,
                colour=reason_colour(reason_id),
                status=status,
                status_label=labels.get(status, status),
                source=source,
                forced=forced,
                has_note=has_note,
            )
        )
    return appointments


def _cut_by_day(exception: ScheduleException, first: date, last: date, tz: ZoneInfo) -> list[AgendaException]:
    """An exception over several days becomes one piece per local day of the range."""
    pieces = []
    start, end = exception.start.astimezone(tz), exception.end.astimezone(tz)
    day = max(start.date(), first)
    while day <= last:
        day_start, day_end = local_day_bounds(day, day, tz)
        if day_start >= end:
            break
        piece_start, piece_end = max(start, day_start), min(end, day_end)
        if piece_start < piece_end:
            pieces.append(
                AgendaException(
                    id=exception.pk,
                    practitioner_id=exception.practitioner_id,
                    kind=exception.kind,
                    kind_label=exception.get_kind_display(),
                    start=piece_start.astimezone(tz),
                    end=piece_end.astimezone(tz),
                    whole_day=piece_start == day_start and piece_end == day_end,
                )
            )
        day += timedelta(days=1)
    return pieces


def _works_on(weekly_range: WeeklyRange, day: date) -> bool:
    return (
        weekly_range.weekday == day.weekday()
        and (weekly_range.valid_from is None or weekly_range.valid_from <= day)
        and (weekly_range.valid_until is None or day <= weekly_range.valid_until)
    )


def day_time_window(agenda: Agenda, default: tuple[time, time] = (time(8), time(19))) -> tuple[time, time]:
    """The hours a calendar should show: the usual day, widened to every appointment and working range."""
    earliest, latest = default
    for column in agenda.columns:
        for day in column.days:
            spans = [(a.start, a.end) for a in day.appointments] + [(h.start, h.end) for h in day.hours]
            for start, end in spans:
                earliest = min(earliest, start.time().replace(minute=0, second=0))
                latest = time(23, 59) if end.date() > day.day else max(latest, end.time())
    return earliest, latest
