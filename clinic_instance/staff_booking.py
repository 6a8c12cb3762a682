"""Staff writes to the agenda: book by phone, move, cancel for the clinic, status, private note.

Staff are trusted with more than patients online: they may book a visit reason
that is not bookable online, any free time (not only the offered slots), at
short notice or far ahead, and outside the practitioner's usual hours after a
warning (`force=True`, recorded as `forced`). What nobody may do is book over
another appointment (SlotTaken) or in the past.

Writes that occupy time run inside booking.locked_agenda (the same lock as the
patients' bookings). Every write sets `updated_at`, which the live agenda polls.

Status changes (TRANSITIONS): booked → arrived → done; booked or arrived →
no-show; booked → done (seen without checking in); arrived → booked and
no-show → booked undo a mistake. Done and cancelled are final. A patient can
arrive from the appointment's day on; done and no-show need the appointment
to have started.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils.translation import gettext as _

from config.operations import metrics

from . import booking, patient_messages
from .availability import available_slots, clinic_timezone, local_day_bounds, overlapping_appointments
from .booking import BookingError, SlotTaken
from .models import Appointment, Clinic, Patient, Practitioner, ScheduleException, VisitReason
from .patient_details import PatientDetails
from .public_holidays import public_holidays
from .slots import Interval, WorkingRange
from .wakeups import wake_offerer_on_commit

NOTE_MAX_LENGTH = 2000
REASON_MAX_LENGTH = 300
STAFF_HORIZON_DAYS = 730

Status = Appointment.Status
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.BOOKED: frozenset({Status.ARRIVED, Status.NO_SHOW, Status.DONE}),
    Status.ARRIVED: frozenset({Status.DONE, Status.NO_SHOW, Status.BOOKED}),
    Status.NO_SHOW: frozenset({Status.BOOKED}),
    Status.DONE: frozenset(),
    Status.CANCELLED: frozenset(),
}


@dataclass(frozen=True)
class StaffBooking:
    appointment: Appointment
    patient_created: bool


def staff_policy() -> Clinic:
    """The clinic's policy as it applies to staff: no minimum notice, two years ahead; the buffer stays."""
    clinic = Clinic.load()
    clinic.minimum_notice_minutes = 0
    clinic.booking_horizon_days = max(clinic.booking_horizon_days, STAFF_HORIZON_DAYS)
    return clinic


def staff_slots(*, practitioner: Practitioner, visit_reason: VisitReason, day: date, now: datetime) -> list[Interval]:
    """The free slots of one local day that staff may offer on the phone (past times excluded)."""
    return available_slots(
        practitioner=practitioner, visit_reason=visit_reason, day_from=day, day_to=day, now=now, clinic=staff_policy()
    )


def within_usual_hours(practitioner: Practitioner, visit_reason: VisitReason, start: datetime, end: datetime) -> bool:
    """Whether [start, end) lies in the practitioner's working time for this visit reason.

    Working time: the weekly ranges accepting the reason (not on a public holiday
    the clinic closes) and extra openings, less absences and blocked time.
    """
    clinic = Clinic.load()
    tz = clinic_timezone()
    first, last = start.astimezone(tz).date(), end.astimezone(tz).date()
    day_start, day_end = local_day_bounds(first, last, tz)
    exceptions = list(ScheduleException.objects.filter(practitioner=practitioner, start__lt=day_end, end__gt=day_start))
    if any(e.kind != ScheduleException.Kind.OPENING and e.start < end and e.end > start for e in exceptions):
        return False
    closed = public_holidays(first, last, clinic.holiday_region) if clinic.closed_on_public_holidays else frozenset()
    working = [Interval(e.start, e.end) for e in exceptions if e.kind == ScheduleException.Kind.OPENING]
    for weekly in practitioner.weekly_ranges.prefetch_related("visit_reasons"):
        rule = WorkingRange(
            weekday=weekly.weekday,
            start=weekly.start_time,
            end=weekly.end_time,
            valid_from=weekly.valid_from,
            valid_until=weekly.valid_until,
            visit_reason_ids=frozenset(reason.pk for reason in weekly.visit_reasons.all()),
        )
        day = first
        while day <= last:
            if day not in closed and rule.applies(day, visit_reason.pk):
                working.append(Interval(datetime.combine(day, rule.start, tz), datetime.combine(day, rule.end, tz)))
            day += timedelta(days=1)
    covered_until = start
    for interval in sorted(working):
        if interval.start > covered_until:
            break
        covered_until = max(covered_until, interval.end)
        if covered_until >= end:
            return True
    return False


def book_by_phone(
    *,
    practitioner: Practitioner,
    visit_reason: VisitReason,
    start: datetime,
    patient: Patient | PatientDetails,
    now: datetime,
    force: bool = False,
) -> StaffBooking:
    """Book `start` for a known patient, or for a new one created with the appointment.

    Raises BookingError (code `outside_hours` unless `force`), SlotTaken or AgendaBusy.
    """
    try:
        made = _book_by_phone(practitioner, visit_reason, start, patient, now, force)
    except (SlotTaken, booking.AgendaBusy) as refusal:
        metrics.booking_refused(channel="staff", reason=booking.refusal_reason(refusal))
        raise
    metrics.booking_made(channel="staff")
    return made


def _book_by_phone(practitioner, visit_reason, start, patient, now, force) -> StaffBooking:
    booking.check_offer(practitioner, visit_reason, Appointment.Source.PHONE)
    _check_not_past(start, now)
    if isinstance(patient, Patient) and patient.erased_at is not None:
        raise BookingError(_("This patient's record was erased."), field="patient", code="erased")
    end = start + visit_reason.duration
    with booking.locked_agenda(practitioner):
        _check_free(practitioner, start, end)
        forced = _check_hours(practitioner, visit_reason, start, end, force)
        created = isinstance(patient, PatientDetails)
        if created:
            patient = Patient.objects.create(
                first_name=patient.first_name,
                last_name=patient.last_name,
                birth_date=patient.birth_date,
                phone=patient.phone,
                email=patient.email,
            )
        appointment = Appointment.objects.create(
            practitioner=practitioner,
            visit_reason=visit_reason,
            patient=patient,
            start=start,
            end=end,
            source=Appointment.Source.PHONE,
            forced=forced,
        )
        patient_messages.queue_booking_messages(appointment, now=now, new_appointment=True)
    return StaffBooking(appointment, created)


def move_appointment(
    *,
    appointment: Appointment,
    start: datetime,
    now: datetime,
    practitioner: Practitioner | None = None,
    force: bool = False,
) -> Appointment:
    """Move a booked appointment to `start`, with `practitioner` if given (who must offer its visit reason).

    The caller has checked that the user may manage both agendas. No cancellation
    cutoff applies to staff. Raises BookingError, SlotTaken or AgendaBusy.
    """
    target = practitioner or appointment.practitioner
    _check_not_past(start, now)
    if target.pk != appointment.practitioner_id:
        booking.check_offer(target, appointment.visit_reason, Appointment.Source.PHONE)
    with booking.locked_agenda(target):
        # Locked after the agenda, like every writer: two moves of it wait for each other.
        current = Appointment.objects.select_for_update().select_related("visit_reason").get(pk=appointment.pk)
        if current.status != Status.BOOKED:
            raise BookingError(_("Only a booked appointment can be moved."), field="start", code="not_booked")
        end = start + current.visit_reason.duration
        _check_free(target, start, end, ignore=current.pk)
        current.forced = _check_hours(target, current.visit_reason, start, end, force)
        current.practitioner = target
        current.start = start
        current.end = end
        current.save(update_fields=["practitioner", "start", "end", "forced", "updated_at"])
        patient_messages.queue_change_messages(current, now=now)
        wake_offerer_on_commit()  # the old time is free
    return current


def cancel_by_clinic(*, appointment: Appointment, reason: str, now: datetime) -> Appointment:
    """Cancel for the clinic, at any time before or after the patients' cutoff; the reason is required."""
    reason = clean_text(reason, field="reason", max_length=REASON_MAX_LENGTH, required=True)
    return booking.cancel_appointment(
        appointment=appointment, now=now, by=Appointment.CancelledBy.CLINIC, reason=reason
    )


def statuses_now(appointment: Appointment, now: datetime) -> frozenset[str]:
    """The statuses the appointment may take at `now` (what the page offers; change_status explains refusals)."""
    allowed = set(TRANSITIONS[appointment.status])
    tz = clinic_timezone()
    if now.astimezone(tz).date() < appointment.start.astimezone(tz).date():
        allowed.discard(Status.ARRIVED)
    if now < appointment.start:
        allowed -= {Status.DONE, Status.NO_SHOW}
    return frozenset(allowed)


def change_status(*, appointment: Appointment, status: str, now: datetime) -> Appointment:
    """Move the appointment along TRANSITIONS; a concurrent change of status makes this one fail."""
    if status not in TRANSITIONS:
        raise BookingError(_("Unknown status."), field="status", code="invalid")
    if status not in TRANSITIONS[appointment.status]:
        raise BookingError(
            _("An appointment that is %(current)s cannot become %(new)s.")
            % {"current": appointment.get_status_display(), "new": Status(status).label},
            field="status",
            code="not_allowed",
        )
    tz = clinic_timezone()
    if status == Status.ARRIVED and now.astimezone(tz).date() < appointment.start.astimezone(tz).date():
        raise BookingError(_("The patient can only arrive on the day."), field="status", code="too_early")
    if status in (Status.DONE, Status.NO_SHOW) and now < appointment.start:
        raise BookingError(_("This appointment has not started yet."), field="status", code="too_early")
    updated = Appointment.objects.filter(pk=appointment.pk, status=appointment.status).update(
        status=status, updated_at=now
    )
    if not updated:
        raise BookingError(_("Someone else changed this appointment; please reload."), field="status", code="changed")
    appointment.refresh_from_db()
    return appointment


def set_note(*, appointment: Appointment, note: str, now: datetime) -> Appointment:
    """Replace the private note (staff only, never shown to the patient); an empty note clears it."""
    note = clean_text(note, field="note", max_length=NOTE_MAX_LENGTH, multiline=True)
    Appointment.objects.filter(pk=appointment.pk).update(staff_note=note, updated_at=now)
    appointment.refresh_from_db()
    return appointment


def clean_text(value: str, *, field: str, max_length: int, required: bool = False, multiline: bool = False) -> str:
    """Trimmed text, or BookingError naming `field`: too long, missing, or with control characters."""
    value = (value or "").strip()
    if required and not value:
        raise BookingError(_("This field is required."), field=field, code="required")
    if len(value) > max_length:
        raise BookingError(_("At most %(count)d characters.") % {"count": max_length}, field=field, code="max_length")
    allowed = "\n\r\t" if multiline else ""
    if any(ord(character) < 32 and character not in allowed for character in value):
        raise BookingError(_("This text contains characters that are not allowed."), field=field, code="invalid")
    return value


def _check_not_past(start: datetime, now: datetime) -> None:
    if start < now:
        raise BookingError(_("This time is in the past."), field="start", code="past")


def _check_free(practitioner: Practitioner, start: datetime, end: datetime, *, ignore: int | None = None) -> None:
    """Inside the agenda lock: no appointment may share any time with [start, end)."""
    if overlapping_appointments(practitioner, start, end, ignore_appointment_id=ignore).exists():
        raise SlotTaken()


def _check_hours(
    practitioner: Practitioner, visit_reason: VisitReason, start: datetime, end: datetime, force: bool
) -> bool:
    """Whether the appointment is forced outside the usual hours; refused unless `force`."""
    if within_usual_hours(practitioner, visit_reason, start, end):
        return False
    if not force:
        raise BookingError(
            _("This time is outside the practitioner's usual hours; confirm to book anyway."),
            field="start",
            code="outside_hours",
        )
    return True
