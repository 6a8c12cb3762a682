"""Object-level access for the workspace: every check starts from the object, never from a trusted id.

Views and the staff API look objects up through these querysets, so an
appointment of a practitioner the user may not see is simply not found (404),
whatever id the request carries.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.http import Http404

from .models import Appointment, Patient, Practitioner, StaffMember

REQUEST_MEMBER = "_workspace_staff_member"


def staff_member(user: AbstractBaseUser) -> StaffMember | None:
    if not user.is_authenticated or not user.is_active:
        return None
    # The workspace's door (workspace/access.py) already loaded it for this request's user.
    loaded = getattr(user, REQUEST_MEMBER, None)
    if loaded is not None:
        return loaded
    return StaffMember.objects.filter(user=user).select_related("practitioner").first()


def visible_practitioners(user: AbstractBaseUser) -> QuerySet[Practitioner]:
    """The practitioners whose agendas this user may see and manage."""
    member = staff_member(user)
    if member is None:
        return Practitioner.objects.none()
    if member.role == StaffMember.Role.ADMINISTRATOR:
        return Practitioner.objects.all()
    own = [member.practitioner_id] if member.practitioner_id else []
    return Practitioner.objects.filter(pk__in=[*own, *member.agendas.values_list("pk", flat=True)])


def visible_appointments(user: AbstractBaseUser) -> QuerySet[Appointment]:
    return Appointment.objects.filter(practitioner__in=visible_practitioners(user))


def visible_patients(user: AbstractBaseUser) -> QuerySet[Patient]:
    """Patients this user may open: the practice's patient file is shared by its staff.

    Every staff member may find any patient (to book them), but a record shows only
    the appointments of visible agendas (visible_appointments). Erased patients are gone.
    """
    if staff_member(user) is None:
        return Patient.objects.none()
    return Patient.objects.filter(erased_at__isnull=True)


def patient_for(user: AbstractBaseUser, patient_id: int) -> Patient:
    found = visible_patients(user).filter(pk=patient_id).first()
    if found is None:
        raise Http404
    return found


def practitioner_for(user: AbstractBaseUser, practitioner_id: int) -> Practitioner:
    found = visible_practitioners(user).filter(pk=practitioner_id).first()
    if found is None:
        raise Http404
    return found


def appointment_for(user: AbstractBaseUser, appointment_id: int) -> Appointment:
    """The appointment if this user may see it; 404 otherwise (whether or not it exists)."""
    found = visible_appointments(user).filter(pk=appointment_id).first()
    if found is None:
        raise Http404
    return found


def is_administrator(user: AbstractBaseUser) -> bool:
    member = staff_member(user)
    return member is not None and member.role == StaffMember.Role.ADMINISTRATOR
