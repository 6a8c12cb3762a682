"""A patient's record as one staff member sees it, and merging duplicate records.

The practice's patient file is shared by its staff (staff_access.visible_patients),
but a record lists only the appointments of the agendas the user may see.

Who may merge: a user who can see every appointment of both patients. Merging
moves appointments between records, so a secretary cannot merge away (or into)
appointments of a practitioner she is not assigned to; administrators see every
agenda and can always merge.
"""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from . import audit
from .models import Appointment, Patient, WaitlistEntry
from .staff_access import visible_appointments, visible_practitioners

# Contact details a merge copies from the duplicate when the kept record lacks them.
MERGED_CONTACT_FIELDS = ("phone", "email")


@dataclass(frozen=True)
class PatientRecord:
    patient: Patient
    upcoming: list[Appointment]  # not over yet, soonest first
    past: list[Appointment]  # over, most recent first
    no_shows: int


class MergeError(Exception):
    """Two records that cannot be merged (the same one, or an erased one)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def patient_record(user: AbstractBaseUser, patient: Patient, *, now: datetime) -> PatientRecord:
    """The patient's appointments in the user's visible agendas only (the no-show count too)."""
    appointments = list(
        visible_appointments(user)
        .filter(patient=patient)
        .select_related("practitioner", "visit_reason")
        .order_by("start", "pk")
    )
    return PatientRecord(
        patient=patient,
        upcoming=[a for a in appointments if a.end > now],
        past=[a for a in reversed(appointments) if a.end <= now],
        no_shows=sum(a.status == Appointment.Status.NO_SHOW for a in appointments),
    )


def can_merge(user: AbstractBaseUser, keep: Patient, duplicate: Patient) -> bool:
    """Whether every appointment of both patients is in an agenda this user may see."""
    hidden = Appointment.objects.filter(patient__in=[keep.pk, duplicate.pk]).exclude(
        practitioner__in=visible_practitioners(user)
    )
    return not hidden.exists()


def merge(keep: Patient, duplicate: Patient, *, now: datetime, request: HttpRequest | None = None) -> Patient:
    """Move the duplicate's appointments to `keep`, fill `keep`'s blank contact details, delete the duplicate.

    One transaction, both patient rows locked (in id order, so two merges of the
    same pair cannot deadlock). With a request, its user must pass can_merge
    under those locks (else PermissionDenied) and the merge is audited as theirs.
    Raises MergeError for a patient merged into itself or an erased patient.
    """
    if keep.pk == duplicate.pk:
        raise MergeError(_("A record cannot be merged into itself."))
    with transaction.atomic():
        locked = {
            p.pk: p for p in Patient.objects.select_for_update().filter(pk__in=[keep.pk, duplicate.pk]).order_by("pk")
        }
        if len(locked) != 2:
            raise MergeError(_("One of these records no longer exists."))
        keep, duplicate = locked[keep.pk], locked[duplicate.pk]
        if keep.erased_at is not None or duplicate.erased_at is not None:
            raise MergeError(_("An erased patient cannot be merged."))
        if request is not None and not can_merge(request.user, keep, duplicate):
            raise PermissionDenied
        moved = Appointment.objects.filter(patient=duplicate).update(patient=keep, updated_at=now)
        _move_waiting_list(duplicate, keep)
        filled = [name for name in MERGED_CONTACT_FIELDS if not getattr(keep, name) and getattr(duplicate, name)]
        for name in filled:
            setattr(keep, name, getattr(duplicate, name))
        if filled:
            keep.save(update_fields=[*filled, "updated_at"])
        duplicate_id = duplicate.pk
        duplicate.delete()
        detail = f"patient {duplicate_id} merged into {keep.pk}, {moved} appointments moved"
        # Both ids find the merge in the trail: the kept record's and the one that is gone.
        audit.record_patient(request, audit.Action.MERGE, keep, detail=detail)
        audit.record(
            request,
            audit.Action.MERGE,
            audit.ObjectType.PATIENT,
            object_id=duplicate_id,
            patient_id=duplicate_id,
            detail=detail,
        )
    return keep


def _move_waiting_list(duplicate: Patient, keep: Patient) -> None:
    """The duplicate's waiting-list entries go to `keep`; where both wait for the same list, the earlier stays."""
    for entry in WaitlistEntry.objects.filter(patient=duplicate).order_by("created_at", "pk"):
        same = WaitlistEntry.objects.filter(
            patient=keep,
            practitioner_id=entry.practitioner_id,
            visit_reason_id=entry.visit_reason_id,
            status=WaitlistEntry.Status.WAITING,
        ).first()
        if entry.status == WaitlistEntry.Status.WAITING and same is not None:
            if same.created_at <= entry.created_at:
                continue  # deleted with the duplicate; keep's earlier place stays
            same.delete()
        WaitlistEntry.objects.filter(pk=entry.pk).update(patient=keep)


def update_contact(patient: Patient, details: dict, *, request: HttpRequest | None = None) -> list[str]:
    """Save staff corrections to identity and contact details; audited with the changed fields' names only.

    Raises Patient.DoesNotExist if the patient was erased or merged away meanwhile.
    """
    with transaction.atomic():
        patient = Patient.objects.select_for_update().get(pk=patient.pk, erased_at__isnull=True)
        changed = [name for name, value in details.items() if getattr(patient, name) != value]
        if not changed:
            return []
        for name in changed:
            setattr(patient, name, details[name])
        patient.save(update_fields=[*changed, "updated_at"])
        audit.record_patient(request, audit.Action.UPDATE, patient, detail=", ".join(changed))
    return changed
