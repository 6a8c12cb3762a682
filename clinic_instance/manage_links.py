"""A patient's manage link: its token in URLs, and the appointment behind it.

The token is never stored (models.appointments.manage_token_for says why and how it is derived).
"""

import hmac

from django.conf import settings
from django.http import Http404

from .models import Appointment
from .models.appointments import MANAGE_LINK_ID_LENGTH, MANAGE_MAC_LENGTH, legacy_token_digest, manage_mac


class ManageTokenConverter:
    """Malformed tokens never reach the database (a NUL byte would be a 500 on PostgreSQL)."""

    regex = "[A-Za-z0-9_-]{32,64}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


def appointment_or_404(token: str) -> Appointment:
    """The appointment whose manage link holds `token`; the same 404 for a wrong token as for a missing one.

    Looked up by the token's public half (its link id, a unique index) and then its MAC compared in constant
    time under SECRET_KEY and each of SECRET_KEY_FALLBACKS; a link made before tokens were derived is found by
    the SHA-256 digest of the whole token. Neither lookup compares a secret in the database.
    """
    appointments = Appointment.objects.select_related("practitioner", "visit_reason", "patient")
    if len(token) == MANAGE_LINK_ID_LENGTH + MANAGE_MAC_LENGTH:
        link_id, mac = token[:MANAGE_LINK_ID_LENGTH], token[MANAGE_LINK_ID_LENGTH:]
        appointment = appointments.filter(manage_link_id=link_id).first()
        if appointment is not None and _mac_matches(link_id, mac):
            return appointment
    appointment = appointments.filter(legacy_token_digest=legacy_token_digest(token)).first()
    if appointment is None:
        raise Http404
    return appointment


def _mac_matches(link_id: str, mac: str) -> bool:
    keys = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    matches = [hmac.compare_digest(manage_mac(link_id, key), mac) for key in keys]  # every key, whatever the first
    return any(matches)
