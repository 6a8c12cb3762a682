"""Staff second factor: TOTP authenticator apps and single-use recovery codes (django-otp).

A staff member has at most one confirmed authenticator and one set of recovery
codes. Replacing either ends every other session (session_generation).
"""

import secrets
from base64 import b32encode
from urllib.parse import quote, urlencode

import segno
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F
from django_otp import match_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import Clinic, StaffMember

RECOVERY_CODE_COUNT = 10
AUTHENTICATOR_NAME = "authenticator"
RECOVERY_NAME = "recovery codes"


def has_authenticator(user: AbstractBaseUser) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def confirmed_authenticator(user: AbstractBaseUser) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def start_enrollment(user: AbstractBaseUser) -> TOTPDevice:
    """A new, unconfirmed authenticator; an earlier unconfirmed one is dropped."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)


def pending_enrollment(user: AbstractBaseUser) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()


def provisioning_uri(device: TOTPDevice) -> str:
    """The otpauth:// address, labelled with the clinic's name so the app shows which account it is."""
    issuer = Clinic.load().name
    label = quote(f"{issuer}:{device.user.get_username()}")
    query = urlencode({"secret": secret_of(device), "issuer": issuer, "digits": device.digits, "period": device.step})
    return f"otpauth://totp/{label}?{query}"


def secret_of(device: TOTPDevice) -> str:
    """The key in base32, to type into an app that cannot scan."""
    return b32encode(device.bin_key).decode().rstrip("=")


def qr_code_svg(device: TOTPDevice) -> str:
    """An inline SVG (no image request, no third party) of the provisioning address."""
    return segno.make(provisioning_uri(device), error="m").svg_inline(scale=4, border=2)


def confirm_enrollment(user: AbstractBaseUser, token: str) -> list[str] | None:
    """Confirm the pending authenticator with a code from it; returns new recovery codes, or None."""
    device = pending_enrollment(user)
    if device is None or not device.verify_token(token.strip().replace(" ", "")):
        return None
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = replace_recovery_codes(user)
    return codes


def replace_recovery_codes(user: AbstractBaseUser) -> list[str]:
    """A fresh set of codes; the old ones stop working and other sessions end."""
    codes = [_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
        StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
        end_other_sessions(user)
    return codes


def remaining_recovery_codes(user: AbstractBaseUser) -> int:
    return StaticToken.objects.filter(device__user=user).count()


def verify(user: AbstractBaseUser, code: str):
    """The device that accepts this code (recovery codes are spent), or None."""
    code = code.strip().replace(" ", "").replace("-", "").lower()
    if not code or len(code) > 16:
        return None
    return match_token(user, code)


def end_other_sessions(user: AbstractBaseUser) -> int:
    """Every session of this user started before now ends at its next request; returns the new generation."""
    StaffMember.objects.filter(user=user).update(session_generation=F("session_generation") + 1)
    member = StaffMember.objects.filter(user=user).only("session_generation").first()
    return member.session_generation if member else 0


def _recovery_code() -> str:
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i
    return "".join(secrets.choice(alphabet) for _ in range(10))
