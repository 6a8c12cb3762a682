"""The patient's rights under the GDPR: access (export), erasure, and the retention purge.

What an export holds: everything this clinic keeps about the patient — identity,
contact details, every appointment (staff private notes and cancellation reasons
included: a right of access covers the data about the person, notes written by
staff too), their waiting-list entries and the audit entries about them (when,
who, what, from where).

What erasure keeps: the appointments' dates, practitioner, visit reason and status,
for the clinic's statistics, under a record that no longer identifies anyone. The
audit entries stay too (they name no patient, only an id); the retention purge
removes them when they expire.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from . import audit, patient_messages, phone_verification, waitlist_limits
from .availability import clinic_timezone
from .models import Appointment, AuditEntry, Clinic, Patient, WaitlistEntry
from .models.appointments import new_manage_link_id

EXPORT_FORMAT = "openrdv-patient-export/1"
# The model requires a name and a birth date; an erased record holds these placeholders.
ERASED_NAME = "—"
ERASED_BIRTH_DATE = date(1900, 1, 1)
# A waiting-list entry that ended (booked, left, expired) is kept this long, then deleted by the purge.
ENDED_WAITLIST_ENTRIES_KEPT = timedelta(days=90)


def export_patient(patient: Patient, *, now: datetime | None = None) -> dict:
    """Everything kept about `patient`, as JSON-serialisable data (the caller audits the export)."""
    appointments = patient.appointments.select_related("practitioner", "visit_reason").order_by("start", "pk")
    entries = AuditEntry.objects.filter(patient_id=patient.pk).order_by("at", "pk")
    return {
        "format": EXPORT_FORMAT,
        "exported_at": _iso(now or timezone.now()),
        "patient": {
            "id": patient.pk,
            "first_name": patient.first_name,
            "last_name": patient.last_name,
            "birth_date": patient.birth_date.isoformat(),
            "phone": patient.phone,
            "email": patient.email,
            "created_at": _iso(patient.created_at),
            "updated_at": _iso(patient.updated_at),
        },
        "appointments": [_appointment(appointment) for appointment in appointments],
        "waiting_list": [
            {
                "practitioner": entry.practitioner.name,
                "visit_reason": entry.visit_reason.name,
                "weekdays": entry.weekday_numbers(),
                "from": entry.earliest_time.isoformat(),
                "until_time": entry.latest_time.isoformat(),
                "until": entry.until.isoformat(),
                "status": entry.status,
                "joined_at": _iso(entry.created_at),
            }
            for entry in patient.waitlist_entries.select_related("practitioner", "visit_reason").order_by("pk")
        ],
        "audit_trail": [
            {
                "at": _iso(entry.at),
                "who": entry.actor_label,
                "what": entry.action,
                "object": entry.object_type,
                "object_id": entry.object_id,
                "from": entry.ip_address,
                "detail": entry.detail,
            }
            for entry in entries
        ],
    }


def _appointment(appointment: Appointment) -> dict:
    practitioner = appointment.practitioner
    return {
        "id": appointment.pk,
        "start": _iso(appointment.start),
        "end": _iso(appointment.end),
        "status": appointment.status,
        "practitioner": {"id": practitioner.pk, "name": f"{practitioner.first_name} {practitioner.last_name}"},
        "visit_reason": appointment.visit_reason.name,
        "source": appointment.source,
        "created_at": _iso(appointment.created_at),
        "cancelled_at": _iso(appointment.cancelled_at),
        "cancelled_by": appointment.cancelled_by,
        "cancellation_reason": appointment.cancellation_reason,
        "staff_note": appointment.staff_note,
        "outside_usual_hours": appointment.forced,
    }


def _iso(moment: datetime | None) -> str | None:
    """Local time with its offset: what the patient read on their confirmation."""
    return timezone.localtime(moment, clinic_timezone()).isoformat() if moment is not None else None


def erase_patient(patient: Patient, *, now: datetime, request: HttpRequest | None = None, detail: str = "") -> bool:
    """Anonymise `patient` and their appointments; False if already erased (idempotent).

    Future booked appointments are cancelled by the clinic first. Every
    appointment loses its notes, its idempotency key and its manage link (a new
    random token: the patient's old links stop working), and keeps its dates,
    practitioner, visit reason and status. Audited as ERASE (as the request's user).
    """
    with transaction.atomic():
        patient = Patient.objects.select_for_update().filter(pk=patient.pk).first()
        if patient is None or patient.erased_at is not None:
            return False
        appointments = Appointment.objects.filter(patient=patient)
        cancelled = appointments.filter(status=Appointment.Status.BOOKED, start__gte=now).update(
            status=Appointment.Status.CANCELLED,
            cancelled_at=now,
            cancelled_by=Appointment.CancelledBy.CLINIC,
            updated_at=now,
        )
        appointments.update(
            staff_note="", cancellation_reason="", idempotency_key=None, request_fingerprint="", updated_at=now
        )
        rotated = [
            Appointment(pk=pk, manage_link_id=new_manage_link_id(), legacy_token_digest=None)
            for pk in appointments.values_list("pk", flat=True)
        ]
        Appointment.objects.bulk_update(rotated, ["manage_link_id", "legacy_token_digest"], batch_size=500)
        patient_messages.forget_patient_messages(patient)
        WaitlistEntry.objects.filter(patient=patient).delete()  # and its offers
        patient.first_name = patient.last_name = ERASED_NAME
        patient.birth_date = ERASED_BIRTH_DATE
        patient.phone = patient.email = ""
        patient.erased_at = now
        patient.save(
            update_fields=["first_name", "last_name", "birth_date", "phone", "email", "erased_at", "updated_at"]
        )
        summary = f"{len(rotated)} appointments anonymised, {cancelled} cancelled"
        audit.record_patient(request, audit.Action.ERASE, patient, detail=f"{detail}{summary}")
    return True


@dataclass(frozen=True)
class PurgeReport:
    patients_erased: int
    audit_entries_deleted: int


def expired_patients(now: datetime, clinic: Clinic | None = None) -> QuerySet[Patient]:
    """Patients whose last appointment ended (or, with none, who were created) before the retention period.

    Cancelled appointments count: a patient who booked recently was in touch recently.
    """
    clinic = clinic or Clinic.load()
    cutoff = _years_before(now, clinic.patient_retention_years)
    future = Appointment.objects.filter(patient=OuterRef("pk"), end__gt=now).exclude(
        status=Appointment.Status.CANCELLED
    )
    return (
        Patient.objects.filter(erased_at__isnull=True)
        .annotate(last_end=Max("appointments__end"))
        .filter(Q(last_end__lt=cutoff) | Q(last_end__isnull=True, created_at__lt=cutoff))
        .exclude(Exists(future))
        .exclude(Exists(WaitlistEntry.objects.filter(patient=OuterRef("pk"), status=WaitlistEntry.Status.WAITING)))
    )


def purge_expired(now: datetime, *, request: HttpRequest | None = None) -> PurgeReport:
    """The nightly purge: erase expired patients, then delete expired audit entries. Idempotent.

    Each patient is erased in its own transaction: a purge interrupted halfway
    leaves whole records, and the next run finishes the work. With a request
    (an administrator's "purge now"), the entries name its user.
    """
    clinic = Clinic.load()
    erased = 0
    for pk in list(expired_patients(now, clinic).values_list("pk", flat=True)):
        erased += erase_patient(Patient(pk=pk), now=now, request=request, detail="retention period over: ")
    deleted = audit.purge_expired(now, clinic)
    phone_verification.purge_expired(now)
    waitlist_limits.purge_expired(now)
    WaitlistEntry.objects.exclude(status=WaitlistEntry.Status.WAITING).filter(
        updated_at__lt=now - ENDED_WAITLIST_ENTRIES_KEPT
    ).delete()
    audit.record(
        request,
        audit.Action.PURGE,
        audit.ObjectType.CLINIC,
        detail=f"{erased} patients erased, {deleted} audit entries deleted",
    )
    return PurgeReport(patients_erased=erased, audit_entries_deleted=deleted)


def _years_before(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year - years, day=28)
