"""A patient's manage link: its token in URLs, and the appointment behind it."""

from django.shortcuts import get_object_or_404

from .models import Appointment


class ManageTokenConverter:
    """Malformed tokens never reach the database (a NUL byte would be a 500 on PostgreSQL)."""

    regex = "[A-Za-z0-9_-]{32,64}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


def appointment_or_404(token: str) -> Appointment:
    """The same 404 for a wrong token as for a missing one: nothing leaks."""
    return get_object_or_404(
        Appointment.objects.select_related("practitioner", "visit_reason", "patient"), manage_token=token
    )
