"""Write side of the agenda: book, cancel and reschedule appointments.

Every write that changes who occupies a practitioner's time runs in one
transaction holding that practitioner's agenda lock (a row lock on PostgreSQL,
the database write lock on SQLite), re-checks that the time is free, then
writes. On PostgreSQL the exclusion constraint `appointment_no_overlap` is the
last guard. A lock that cannot be had within AGENDA_LOCK_TIMEOUT is AgendaBusy:
the caller should answer "busy, try again", never fail.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils.translation import gettext as _

from config.bulk_insert import insert_returning_pks
from config.operations import metrics

from . import patient_messages, phone_verification
from .availability import available_slots, clinic_timezone, time_is_taken
from .models import Appointment, Clinic, Patient, PhoneVerification, Practitioner, VisitReason
from .patient_details import PatientDetails
from .slots import SlotRangeError
from .wakeups import wake_offerer_on_commit

AGENDA_LOCK_TIMEOUT = timedelta(seconds=3)
_TERMINAL_STATUSES = (Appointment.Status.CANCELLED, Appointment.Status.NO_SHOW)


class BookingError(Exception):
    """A request that cannot be carried out as asked; `field` names the culprit."""

    def __init__(self, message: str, field: str | None = None, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


class SlotTaken(BookingError):
    """The time overlaps an appointment that already holds it."""

    def __init__(self, message: str | None = None):
        super().__init__(message or _("This slot has just been taken."), field="start", code="slot_taken")


class CutoffPassed(BookingError):
    def __init__(self, message: str):
        super().__init__(message, code="cutoff_passed")


class IdempotencyKeyReused(BookingError):
    def __init__(self):
        super().__init__(
            _("This Idempotency-Key was already used for a different request."), code="idempotency_key_reused"
        )


class AgendaBusy(Exception):
    """The agenda stayed locked by other writers for too long; retrying later is safe."""


def refusal_reason(refusal: "SlotTaken | AgendaBusy") -> str:
    """The metrics' name of a refused booking: the 409s and the 503s."""
    return "slot_taken" if isinstance(refusal, SlotTaken) else "agenda_busy"


@dataclass(frozen=True)
class BookingResult:
    appointment: Appointment
    created: bool


def book_appointment(
    *,
    practitioner: Practitioner,
    visit_reason: VisitReason,
    start: datetime,
    patient: PatientDetails,
    now: datetime,
    source: str = Appointment.Source.ONLINE,
    idempotency_key: str | None = None,
    request_fingerprint: str = "",
    verification: PhoneVerification | None = None,
    through_offer: int | None = None,
) -> BookingResult:
    """Book `start` for `patient`, or raise BookingError / SlotTaken / AgendaBusy.

    Idempotent per `idempotency_key`: the same key with the same fingerprint
    returns the first booking (created=False); with another fingerprint it is refused.
    An online booking needs a verified phone when the clinic asks for one
    (phone_verification.py), unless it comes `through_offer`: a waiting-list
    offer's link, sent to the patient, whose hold is theirs to book.
    """
    check_offer(practitioner, visit_reason, source)
    if start < now:
        raise BookingError(_("This time is in the past."), field="start", code="past")
    channel = "online" if source == Appointment.Source.ONLINE else "staff"
    try:
        result = _book(practitioner, visit_reason, start, patient, now, source, idempotency_key,
                       request_fingerprint, verification, through_offer)  # fmt: skip
    except (SlotTaken, AgendaBusy) as refusal:
        metrics.booking_refused(channel=channel, reason=refusal_reason(refusal))
        raise
    if result.created:
        metrics.booking_made(channel=channel)
    return result


def _book(practitioner, visit_reason, start, patient, now, source, idempotency_key, request_fingerprint,
          verification, through_offer) -> BookingResult:  # fmt: skip
    try:
        with transaction.atomic():
            _lock_agenda(practitioner)
            if idempotency_key:
                earlier = Appointment.objects.filter(idempotency_key=idempotency_key).first()
                if earlier is not None:
                    if earlier.request_fingerprint != request_fingerprint:
                        raise IdempotencyKeyReused()
                    return BookingResult(earlier, created=False)
            clinic = Clinic.load()  # read once, under the lock, for the checks and the messages
            if source == Appointment.Source.ONLINE and through_offer is None:
                # Spent first, so that its error comes first; a later refusal rolls the spending back.
                spend_verification_if_required(verification, phone=patient.phone, now=now, clinic=clinic)
            check_patient_rules(practitioner, visit_reason, patient, now)
            _check_free(practitioner, visit_reason, start, now, ignore_offer=through_offer, clinic=clinic)
            appointment = Appointment(
                practitioner=practitioner,
                visit_reason=visit_reason,
                patient=find_or_create_patient(patient, language=patient_messages.current_language()),
                start=start,
                end=start + visit_reason.duration,
                source=source,
                idempotency_key=idempotency_key or None,
                request_fingerprint=request_fingerprint,
            )
            insert_returning_pks([appointment])  # Appointment.objects.create() without the ORM's compiler
            patient_messages.queue_booking_messages(appointment, now=now, clinic=clinic, new_appointment=True)
    except IntegrityError as error:
        if idempotency_key:
            earlier = Appointment.objects.filter(idempotency_key=idempotency_key).first()
            if earlier is not None and earlier.request_fingerprint == request_fingerprint:
                return BookingResult(earlier, created=False)
        if "appointment_no_overlap" in str(error):
            raise SlotTaken() from error
        raise
    except OperationalError as error:
        raise _busy_or_reraise(error) from error
    return BookingResult(appointment, created=True)


def cancel_appointment(
    *, appointment: Appointment, now: datetime, by: str = Appointment.CancelledBy.PATIENT, reason: str = ""
) -> Appointment:
    """Cancel a booked appointment; patients cannot once the clinic's cutoff has passed."""
    if by == Appointment.CancelledBy.PATIENT:
        _check_cutoff(appointment, now, _("It is too late to cancel this appointment online; please call the clinic."))
    with transaction.atomic():
        updated = Appointment.objects.filter(pk=appointment.pk, status=Appointment.Status.BOOKED).update(
            status=Appointment.Status.CANCELLED,
            cancelled_at=now,
            cancelled_by=by,
            cancellation_reason=reason[:300],
            updated_at=now,
        )
        if not updated:
            raise BookingError(_("This appointment can no longer be cancelled."), code="not_booked")
        appointment.refresh_from_db()
        patient_messages.queue_cancellation_messages(appointment, now=now)
        wake_offerer_on_commit()  # time was freed: the waiting list may have someone for it
    return appointment


def reschedule_appointment(*, appointment: Appointment, start: datetime, now: datetime) -> Appointment:
    """Move a booked appointment to another free slot of the same practitioner and reason.

    The new time must start after the cancellation cutoff (`earliest_move`): a
    move inside it would leave the patient unable to change it again. Moving
    to the time it already has (a form sent twice) changes nothing.
    """
    _check_cutoff(appointment, now, _("It is too late to move this appointment online; please call the clinic."))
    check_move_time(start, now)
    with locked_agenda(appointment.practitioner):
        # The row too: staff may have moved it to another practitioner (another agenda's lock) meanwhile.
        current = Appointment.objects.select_for_update().select_related("visit_reason").get(pk=appointment.pk)
        if current.status != Appointment.Status.BOOKED or current.practitioner_id != appointment.practitioner_id:
            raise BookingError(_("This appointment can no longer be moved."), code="not_booked")
        if current.start == start:
            return current
        _check_free(appointment.practitioner, current.visit_reason, start, now, ignore=current.pk)
        current.start = start
        current.end = start + current.visit_reason.duration
        current.save(update_fields=["start", "end", "updated_at"])
        patient_messages.queue_change_messages(current, now=now)
        wake_offerer_on_commit()  # time was freed: the waiting list may have someone for it
    return current


def check_offer(practitioner: Practitioner, visit_reason: VisitReason, source: str) -> None:
    """Refuse an inactive practitioner, or a visit reason he does not offer (online: bookable online)."""
    if not practitioner.is_active:
        raise BookingError(_("This practitioner takes no bookings."), field="practitioner", code="inactive")
    offers = VisitReason.practitioners.through.objects.filter(visitreason=visit_reason, practitioner=practitioner)
    offered = visit_reason.is_active and offers.exists()
    if not offered:
        raise BookingError(
            _("This visit reason is not offered by this practitioner."), field="visit_reason", code="not_offered"
        )
    if source == Appointment.Source.ONLINE and not visit_reason.online_bookable:
        raise BookingError(
            _("This visit reason cannot be booked online; please call the clinic."),
            field="visit_reason",
            code="not_online",
        )


def check_patient_rules(
    practitioner: Practitioner, visit_reason: VisitReason, patient: PatientDetails, now: datetime
) -> None:
    """New/known patient rules: known means seen by this practitioner before."""
    needs_history = visit_reason.patients == VisitReason.Patients.KNOWN
    refuses_history = visit_reason.patients == VisitReason.Patients.NEW
    if not (needs_history or refuses_history or not practitioner.accepts_new_patients):
        return
    known = (
        Appointment.objects.filter(
            practitioner=practitioner,
            patient__first_name__iexact=patient.first_name,
            patient__last_name__iexact=patient.last_name,
            patient__birth_date=patient.birth_date,
            start__lt=now,
        )
        .exclude(status__in=_TERMINAL_STATUSES)
        .exists()
    )
    if refuses_history and known:
        raise BookingError(
            _("This visit reason is for new patients; please choose a follow-up visit reason."),
            field="visit_reason",
            code="new_patients_only",
        )
    if needs_history and not known:
        raise BookingError(
            _("This visit reason is for patients already followed by this practitioner."),
            field="visit_reason",
            code="known_patients_only",
        )
    if not known and not practitioner.accepts_new_patients:
        raise BookingError(
            _("This practitioner is not taking new patients."), field="practitioner", code="no_new_patients"
        )


def _check_free(
    practitioner: Practitioner,
    visit_reason: VisitReason,
    start: datetime,
    now: datetime,
    *,
    ignore: int | None = None,
    ignore_offer: int | None = None,
    clinic: Clinic | None = None,
) -> None:
    """Refuse a start that is not among the free slots: 'taken' if it overlaps a booking or a waiting-list hold."""
    clinic = clinic or Clinic.load()
    day = start.astimezone(clinic_timezone()).date()
    try:
        slots = available_slots(
            practitioner=practitioner,
            visit_reason=visit_reason,
            day_from=day,
            day_to=day,
            now=now,
            clinic=clinic,
            ignore_appointment_id=ignore,
            ignore_offer_id=ignore_offer,
        )
    except SlotRangeError as error:  # pragma: no cover - one day is always a valid range
        raise BookingError(str(error), field="start") from error
    if any(slot.start == start for slot in slots):
        return
    end = start + visit_reason.duration
    if time_is_taken(
        practitioner, start, end, now, clinic=clinic, ignore_appointment_id=ignore, ignore_offer_id=ignore_offer
    ):
        raise SlotTaken()
    raise BookingError(_("This time is not an available slot."), field="start", code="not_a_slot")


def spend_verification_if_required(
    verification: PhoneVerification | None, *, phone: str, now: datetime, clinic: Clinic | None = None
) -> None:
    """For a patient's online request: spend the verified attempt the clinic requires, or refuse.

    Call inside the request's transaction: if it fails, the attempt is not spent.
    """
    if not phone_verification.is_required(clinic):
        return
    if verification is None:
        raise BookingError(
            _("Enter the code sent by SMS to your phone."), field="verification", code="verification_required"
        )
    try:
        phone_verification.consume(verification, phone=phone, now=now)
    except phone_verification.VerificationError as error:
        raise BookingError(error.message, field="verification", code=error.code) from None


def patient_can_change(appointment: Appointment, now: datetime) -> bool:
    """Whether the patient may still cancel or move this appointment online."""
    return (
        appointment.status == Appointment.Status.BOOKED and now <= appointment.start - Clinic.load().cancellation_cutoff
    )


def check_move_time(start: datetime, now: datetime) -> None:
    """Refuse a time a patient may not move an appointment to: past, or inside the cancellation cutoff."""
    if start < now:
        raise BookingError(_("This time is in the past."), field="start", code="past")
    if start < earliest_move(now):
        raise BookingError(
            _("This time is too soon: an appointment moved online must leave time to cancel it."),
            field="start",
            code="inside_cutoff",
        )


def earliest_move(now: datetime) -> datetime:
    """The earliest start a patient may move an appointment to: one they could still cancel or move."""
    return now + Clinic.load().cancellation_cutoff


def _check_cutoff(appointment: Appointment, now: datetime, message: str) -> None:
    if now > appointment.start - Clinic.load().cancellation_cutoff:
        raise CutoffPassed(message)


@contextmanager
def locked_agenda(practitioner: Practitioner) -> Iterator[None]:
    """A transaction holding `practitioner`'s agenda lock, for writers outside this module.

    An overlap caught by the exclusion constraint becomes SlotTaken, a lock
    that cannot be had in time AgendaBusy.
    """
    try:
        with transaction.atomic():
            _lock_agenda(practitioner)
            yield
    except IntegrityError as error:
        if "appointment_no_overlap" in str(error):
            raise SlotTaken() from error
        raise
    except OperationalError as error:
        raise _busy_or_reraise(error) from error


def _lock_agenda(practitioner: Practitioner) -> None:
    """Serialize writers of one practitioner's agenda until the transaction ends.

    The caller must be inside transaction.atomic(). On SQLite the IMMEDIATE
    transaction already holds the database write lock.
    """
    if connection.vendor == "postgresql":
        # Both in one round trip, by hand: the lock is on every booking's path, under contention.
        timeout = f"{int(AGENDA_LOCK_TIMEOUT.total_seconds() * 1000)}ms"
        lock = f"SELECT set_config('lock_timeout', %s, true); SELECT 1 FROM {Practitioner._meta.db_table} WHERE id = %s FOR UPDATE"  # noqa: S608 - our own table's name
        with connection.cursor() as cursor:
            cursor.execute(lock, [timeout, practitioner.pk])


def find_or_create_patient(details: PatientDetails, *, language: str | None = None) -> Patient:
    """Reuse a patient only when every identifying detail matches exactly; a new one gets `language`."""
    existing = Patient.objects.filter(
        first_name__iexact=details.first_name,
        last_name__iexact=details.last_name,
        birth_date=details.birth_date,
        phone=details.phone,
    ).first()
    if existing is not None:
        # Anonymous input never overwrites a patient's record; staff merge changes.
        return existing
    identity = {"first_name": details.first_name, "last_name": details.last_name, "birth_date": details.birth_date}
    patient = Patient(
        **identity, phone=details.phone, email=details.email, **({"language": language} if language else {})
    )
    insert_returning_pks([patient])  # on every new patient's booking: Patient.objects.create() without the compiler
    return patient


def _busy_or_reraise(error: OperationalError) -> Exception:
    message = str(error).lower()
    return AgendaBusy() if "lock" in message or "timeout" in message else error
