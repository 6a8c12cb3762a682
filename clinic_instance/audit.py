"""Writing and purging the audit trail (models/audit.py): one call per staff read or change."""

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.http import HttpRequest

from .models import Appointment, AuditEntry, Clinic, Patient

Action = AuditEntry.Action
ObjectType = AuditEntry.ObjectType


def client_address(request: HttpRequest | None) -> str | None:
    """The address the request came from (REMOTE_ADDR: deploy/ sets it from the proxy)."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def _entry(
    request: HttpRequest | None,
    actor: AbstractBaseUser | None,
    action: str,
    object_type: str,
    *,
    object_id: int | None = None,
    patient_id: int | None = None,
    practitioner_id: int | None = None,
    detail: str = "",
) -> AuditEntry:
    actor = actor if actor is not None else getattr(request, "user", None)
    known = actor is not None and actor.is_authenticated
    return AuditEntry(
        actor=actor if known else None,
        actor_label=actor.get_username() if known else "",
        action=action,
        object_type=object_type,
        object_id=object_id,
        patient_id=patient_id,
        practitioner_id=practitioner_id,
        ip_address=client_address(request),
        detail=detail[:200],
    )


def record(
    request: HttpRequest | None,
    action: str,
    object_type: str,
    *,
    actor: AbstractBaseUser | None = None,
    object_id: int | None = None,
    patient_id: int | None = None,
    practitioner_id: int | None = None,
    detail: str = "",
) -> AuditEntry:
    entry = _entry(
        request,
        actor,
        action,
        object_type,
        object_id=object_id,
        patient_id=patient_id,
        practitioner_id=practitioner_id,
        detail=detail,
    )
    entry.save()
    return entry


def record_appointment(request: HttpRequest | None, action: str, appointment: Appointment, detail: str = "") -> None:
    record(
        request,
        action,
        ObjectType.APPOINTMENT,
        object_id=appointment.pk,
        patient_id=appointment.patient_id,
        practitioner_id=appointment.practitioner_id,
        detail=detail,
    )


def record_patient(request: HttpRequest | None, action: str, patient: Patient, detail: str = "") -> None:
    record(request, action, ObjectType.PATIENT, object_id=patient.pk, patient_id=patient.pk, detail=detail)


def record_appointments_read(request: HttpRequest, appointments: Iterable[Appointment], detail: str = "") -> int:
    """One entry per appointment shown (an agenda page), written in one statement.

    An agenda of 20 practitioners shows 600 appointments: on PostgreSQL the rows go
    in as arrays (one INSERT … SELECT unnest), not as 600 model instances.
    """
    appointments = list(appointments)
    if not appointments:
        return 0
    if connection.vendor != "postgresql":
        entries = [
            _entry(
                request,
                None,
                Action.VIEW,
                ObjectType.APPOINTMENT,
                object_id=appointment.pk,
                patient_id=appointment.patient_id,
                practitioner_id=appointment.practitioner_id,
                detail=detail,
            )
            for appointment in appointments
        ]
        AuditEntry.objects.bulk_create(entries)
        return len(entries)
    template = _entry(request, None, Action.VIEW, ObjectType.APPOINTMENT, detail=detail)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {AuditEntry._meta.db_table}
                (at, actor_id, actor_label, action, object_type, ip_address, detail,
                 object_id, patient_id, practitioner_id)
            SELECT %s, %s, %s, %s, %s, %s, %s, shown.object_id, shown.patient_id, shown.practitioner_id
            FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[]) AS shown(object_id, patient_id, practitioner_id)
            """,  # noqa: S608 - the table name is the model's own; every value is a parameter
            [
                template.at,
                template.actor_id,
                template.actor_label,
                template.action,
                template.object_type,
                template.ip_address,
                template.detail,
                [appointment.pk for appointment in appointments],
                [appointment.patient_id for appointment in appointments],
                [appointment.practitioner_id for appointment in appointments],
            ],
        )
    return len(appointments)


def record_search_results(request: HttpRequest, patients: Iterable[Patient], detail: str = "search result") -> int:
    """A search or a list shows identities: one VIEW entry per patient listed, never the query (it may hold a name)."""
    entries = [
        _entry(
            request,
            None,
            Action.VIEW,
            ObjectType.PATIENT,
            object_id=patient.pk,
            patient_id=patient.pk,
            detail=detail,
        )
        for patient in patients
    ]
    AuditEntry.objects.bulk_create(entries)
    return len(entries)


def purge_expired(now: datetime, clinic: Clinic | None = None) -> int:
    """Delete entries older than the clinic's retention period; the only delete the trail allows."""
    clinic = clinic or Clinic.load()
    cutoff = now - timedelta(days=clinic.audit_retention_days)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL openrdv.audit_purge = 'on'")
        deleted, _by_model = AuditEntry.objects.filter(at__lt=cutoff).delete()
    return deleted
