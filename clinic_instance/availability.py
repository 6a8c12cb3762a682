"""Read side of the agenda: load what the slot engine needs in a handful of queries."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Prefetch, QuerySet

from .agenda_times import agenda_times, weekly_range_rows
from .models import Appointment, Clinic, Practitioner, VisitReason, WaitlistOffer
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


def held_slots(
    practitioner: Practitioner, start: datetime, end: datetime, now: datetime, *, ignore_offer_id: int | None = None
) -> list[Interval]:
    """Times within [start, end) held for a waiting patient by a live waiting-list offer."""
    held = _held(practitioner, start, end, now, ignore_offer_id=ignore_offer_id)
    return [Interval(s, e) for s, e in held.values_list("start", "end")]


def _held(
    practitioner: Practitioner, start: datetime, end: datetime, now: datetime, *, ignore_offer_id: int | None
) -> QuerySet[WaitlistOffer]:
    held = WaitlistOffer.objects.filter(
        practitioner=practitioner,
        status=WaitlistOffer.Status.OFFERED,
        hold_until__gt=now,
        start__lt=end,
        end__gt=start,
    )
    return held.exclude(pk=ignore_offer_id) if ignore_offer_id else held


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
    """Whether an appointment (with the clinic's buffer) or a waiting-list hold already uses [start, end)."""
    buffer = (clinic or Clinic.load()).buffer
    booked = overlapping_appointments(
        practitioner, start - buffer, end + buffer, ignore_appointment_id=ignore_appointment_id
    ).exists()
    return booked or bool(held_slots(practitioner, start, end, now, ignore_offer_id=ignore_offer_id))


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
