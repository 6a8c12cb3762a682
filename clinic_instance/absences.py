"""Absences and blocked time: which appointments they cover, and creating them with the clinic's decision.

An absence (holiday, illness) or blocked time (a meeting) takes the time off
the slots offered from the moment it is saved. The appointments already inside
it are the staff's to handle: cancelled by the clinic with a reason, or kept to
be moved one by one. Either way the workspace lists the patients to warn (a
later issue sends the messages).

Creation holds the practitioner's agenda lock (booking.py's: one lock for
every writer of an agenda), so no booking can slip into the range between the
check of the appointments and the save.
"""

from collections.abc import Collection
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from . import audit, patient_messages
from .availability import clinic_timezone
from .booking import BookingError, cancel_appointment, locked_agenda
from .models import Appointment, AuditEntry, Practitioner, ScheduleException
from .staff_access import visible_practitioners
from .wakeups import wake_offerer_on_commit

LONGEST_ABSENCE = timedelta(days=366)
# The patient is expected (booked) or already in the waiting room (arrived).
COVERED_STATUSES = (Appointment.Status.BOOKED, Appointment.Status.ARRIVED)


class AbsenceError(Exception):
    """An absence that cannot be created as asked; `field` names the culprit (start, end, note, reason)."""

    def __init__(self, message: str, field: str | None = None, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


class AffectedAppointmentsChanged(AbsenceError):
    """The appointments inside the range changed since the staff member saw them."""

    def __init__(self):
        super().__init__(
            _("The appointments during this time changed in the meantime; please check them again."),
            code="affected_changed",
        )


def affected_appointments(practitioner: Practitioner, start: datetime, end: datetime) -> list[Appointment]:
    """The booked or arrived appointments that share some time with [start, end), with their patients."""
    return list(
        Appointment.objects.filter(practitioner=practitioner, start__lt=end, end__gt=start, status__in=COVERED_STATUSES)
        .select_related("patient")
        .order_by("start")
    )


def patients_to_warn(absence: ScheduleException) -> list[Appointment]:
    """What the absence's page lists: appointments still inside it, and those the clinic cancelled there."""
    return list(
        Appointment.objects.filter(
            practitioner_id=absence.practitioner_id, start__lt=absence.end, end__gt=absence.start
        )
        .filter(
            Q(status__in=COVERED_STATUSES)
            | Q(status=Appointment.Status.CANCELLED, cancelled_by=Appointment.CancelledBy.CLINIC)
        )
        .select_related("patient")
        .order_by("start")
    )


def visible_absences(user: AbstractBaseUser) -> QuerySet[ScheduleException]:
    return ScheduleException.objects.filter(practitioner__in=visible_practitioners(user)).select_related("practitioner")


def absence_for(user: AbstractBaseUser, absence_id: int) -> ScheduleException:
    """The absence if this user manages its practitioner; 404 otherwise (whether or not it exists)."""
    found = visible_absences(user).filter(pk=absence_id).first()
    if found is None:
        raise Http404
    return found


def check_absence(*, kind: str, start: datetime, end: datetime, note: str, now: datetime) -> None:
    """Refuse a range that is backwards, too long, or already over.

    An absence may start earlier today (a practitioner off sick since this
    morning is entered during the morning), not on an earlier day.
    """
    if kind not in ScheduleException.Kind.values:
        raise AbsenceError(_("Choose a kind of absence."), field="kind")
    if end <= start:
        raise AbsenceError(_("The end must be after the start."), field="end", code="order")
    if end - start > LONGEST_ABSENCE:
        raise AbsenceError(_("An absence lasts at most a year; enter longer ones in parts."), field="end", code="long")
    tz = clinic_timezone()
    if start.astimezone(tz).date() < now.astimezone(tz).date():
        raise AbsenceError(_("This time is in the past."), field="start", code="past")
    if len(note) > ScheduleException._meta.get_field("note").max_length:
        raise AbsenceError(_("The note is too long."), field="note", code="long")


def create_absence(
    practitioner: Practitioner,
    kind: str,
    start: datetime,
    end: datetime,
    note: str,
    *,
    cancel_affected: bool,
    reason: str,
    now: datetime,
    request: HttpRequest | None = None,
    expected: Collection[int] | None = None,
) -> tuple[ScheduleException, list[Appointment]]:
    """Create the absence; with `cancel_affected`, cancel the booked appointments inside it.

    Returns the absence and the appointments cancelled. `expected`, the ids of
    the affected appointments the staff member was shown, makes the call fail
    with AffectedAppointmentsChanged if they differ once the agenda is locked.
    Raises AbsenceError or AgendaBusy; on any error nothing is saved.
    """
    check_absence(kind=kind, start=start, end=end, note=note, now=now)
    if cancel_affected and not reason.strip():
        raise AbsenceError(_("Give the patients a reason for the cancellation."), field="reason", code="required")
    cancelled = []
    with locked_agenda(practitioner):
        affected = affected_appointments(practitioner, start, end) if kind != ScheduleException.Kind.OPENING else []
        if expected is not None and {a.pk for a in affected} != set(expected):
            raise AffectedAppointmentsChanged()
        absence = ScheduleException.objects.create(
            practitioner=practitioner, kind=kind, start=start, end=end, note=note
        )
        audit.record(
            request,
            AuditEntry.Action.CREATE,
            AuditEntry.ObjectType.ABSENCE,
            object_id=absence.pk,
            practitioner_id=practitioner.pk,
            detail=f"{kind} {_summary(start, end)}",
        )
        if cancel_affected:
            # Patients in the waiting room (arrived) are seen, not cancelled.
            for appointment in affected:
                if appointment.status != Appointment.Status.BOOKED:
                    continue
                try:
                    cancel_appointment(
                        appointment=appointment, now=now, by=Appointment.CancelledBy.CLINIC, reason=reason.strip()
                    )
                except BookingError:  # the patient cancelled it meanwhile: nothing left to do
                    continue
                audit.record_appointment(request, AuditEntry.Action.CANCEL, appointment, detail=f"absence {absence.pk}")
                patient_messages.queue_absence_messages(appointment, now=now)
                cancelled.append(appointment)
    return absence, cancelled


def delete_absence(absence: ScheduleException, *, request: HttpRequest | None = None) -> None:
    """Give the time back to the agenda; appointments cancelled for the absence stay cancelled."""
    with transaction.atomic():
        audit.record(
            request,
            AuditEntry.Action.DELETE,
            AuditEntry.ObjectType.ABSENCE,
            object_id=absence.pk,
            practitioner_id=absence.practitioner_id,
            detail=f"{absence.kind} {_summary(absence.start, absence.end)}",
        )
        absence.delete()
        wake_offerer_on_commit()  # the time is free again


def _summary(start: datetime, end: datetime) -> str:
    tz = clinic_timezone()
    return f"{start.astimezone(tz):%Y-%m-%d %H:%M} → {end.astimezone(tz):%Y-%m-%d %H:%M}"
