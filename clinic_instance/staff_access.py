"""Object-level access for the workspace: every check starts from the object, never from a trusted id.

Views and the staff API look objects up through these querysets, so an
appointment of a practitioner the user may not see is simply not found (404),
whatever id the request carries.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.http import Http404

from .models import Appointment, Practitioner, StaffMember


def staff_member(user: AbstractBaseUser) -> StaffMember | None:
    if not user.is_authenticated or not user.is_active:
        return None
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


def appointment_for(user: AbstractBaseUser, appointment_id: int) -> Appointment:
    """The appointment if this user may see it; 404 otherwise (whether or not it exists)."""
    found = visible_appointments(user).filter(pk=appointment_id).first()
    if found is None:
        raise Http404
    return found


def is_administrator(user: AbstractBaseUser) -> bool:
    member = staff_member(user)
    return member is not None and member.role == StaffMember.Role.ADMINISTRATOR
