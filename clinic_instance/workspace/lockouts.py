"""When django-axes locks a staff account out, the administrators are told.

Accounts lock per (username, address) (config/settings/base.py): a guesser elsewhere cannot lock
the real user out, but the administrators should know that someone is trying. One e-mail per
account, address and lockout period; it names the account and the address, nothing else.
"""

import hashlib

from axes.signals import user_locked_out
from django.conf import settings
from django.dispatch import receiver
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .. import staff_accounts
from ..models import Clinic


@receiver(user_locked_out, dispatch_uid="openrdv-staff-lockout-alert")
def alert_on_lockout(sender, request=None, username=None, ip_address=None, **kwargs) -> None:
    clinic = Clinic.objects.first()
    if clinic is None:
        return
    now = timezone.now()
    period = int(now.timestamp() // settings.AXES_COOLOFF_TIME.total_seconds())
    who = hashlib.sha256(f"{username}|{ip_address}".encode()).hexdigest()[:32]
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Staff sign-in locked: %(username)s") % {"username": username}
        body = _(
            "After %(limit)d failed sign-ins, the account %(username)s is locked for %(minutes)d minutes "
            "from the address %(address)s. It can still sign in from other addresses.\n\n"
            "If this was not a colleague mistyping, someone is trying to guess the password: check the "
            "account and, if needed, change its password from the workspace."
        ) % {
            "limit": settings.AXES_FAILURE_LIMIT,
            "username": username,
            "minutes": settings.AXES_COOLOFF_TIME.total_seconds() // 60,
            "address": ip_address or "?",
        }
    staff_accounts.alert_administrators(clinic, key=f"lockout:{who}:{period}", subject=subject, body=body, now=now)
