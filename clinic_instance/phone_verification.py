"""Phone verification for online bookings and the waiting list: codes sent by SMS, and the fraud guards.

A code is 6 digits, valid CODE_VALIDITY, for one attempt (the token handed to
the page or API client, of which only a digest is kept) and one phone number.
Five wrong codes end the attempt. Once the right code is entered the attempt
is verified, and consume() spends it inside the booking's transaction: one
code, one booking.

SMS pumping (fraudsters making a site text premium or foreign numbers) is met
before anything is queued: only numbers sms.numbers allows, a few codes per
number and per address and hour, and a daily cap per clinic, whose first
refusal of the day alerts the administrators. These limits are the codes' own:
the per-recipient cap on other messages (message_cap.py) neither counts nor
holds back a code, for the reasons given there.
"""

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from config.client_networks import network_digest

from . import staff_accounts
from .availability import clinic_timezone, local_day_bounds
from .models import Clinic, OutgoingMessage, PhoneVerification
from .models.messages import Channel, Kind
from .sms.numbers import RefusedDestination, check_destination
from .sms.opt_outs import is_opted_out
from .wakeups import wake_dispatcher_on_commit

logger = logging.getLogger("openrdv.verification")
CODE_VALIDITY = timedelta(minutes=10)
CODE_DIGITS = 6
WINDOW = timedelta(hours=1)


class VerificationError(Exception):
    """A code that cannot be sent or accepted; `field` and `code` for the API, `message` for people."""

    status = 400

    def __init__(self, message: str, *, code: str, field: str = "verification"):
        super().__init__(message)
        self.message, self.code, self.field = message, code, field


class TooManyCodes(VerificationError):
    """A limit against SMS pumping; the caller may try again after `retry_after` seconds."""

    status = 429

    def __init__(self, message: str, *, code: str, retry_after: int):
        super().__init__(message, code=code, field="phone")
        self.retry_after = retry_after


@dataclass(frozen=True)
class IssuedCode:
    token: str
    phone: str
    expires_at: datetime


def is_required(clinic: Clinic | None = None) -> bool:
    """Whether online bookings need a code: the clinic's setting, and only if it sends SMS at all."""
    clinic = clinic or Clinic.load()
    return clinic.phone_verification and clinic.sms_enabled


def send_code(*, phone: str, address: str | None, now: datetime, language: str) -> IssuedCode:
    """Queue a code for `phone` and return the attempt's token, or raise VerificationError / TooManyCodes.

    `address` is the caller's IP address (audit.client_address), counted per hour.
    """
    try:
        check_destination(phone)
    except RefusedDestination:
        raise VerificationError(
            _("Codes can only be sent to a French mobile number (metropolitan or overseas)."),
            code="destination_refused",
            field="phone",
        ) from None
    if is_opted_out(phone):
        raise VerificationError(
            _("This number has asked not to receive our text messages (STOP); please call the clinic."),
            code="opted_out",
            field="phone",
        )
    address = network_digest(address or "", purpose="address")
    clinic = Clinic.load()
    token, code = secrets.token_urlsafe(32), f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    with transaction.atomic():
        _serialize_issuers()
        refusal = _refusal(phone=phone, address=address, clinic=clinic, now=now)
        if refusal is None:
            verification = _queue_code(phone, token, code, address=address, clinic=clinic, now=now, language=language)
    if refusal is not None:  # raised out here: the administrators' alert must commit
        raise refusal
    logger.info("verification code %s queued", verification.pk)
    return IssuedCode(token=token, phone=phone, expires_at=verification.expires_at)


def _queue_code(
    phone: str, token: str, code: str, *, address: str, clinic: Clinic, now: datetime, language: str
) -> PhoneVerification:
    """The attempt's row and its SMS, which skips quiet hours (dispatch.py): the patient is waiting for it."""
    verification = PhoneVerification.objects.create(
        token_digest=_digest("token", token),
        phone=phone,
        code_digest=_digest("code", f"{token}:{code}"),
        address_digest=address,
        created_at=now,
        expires_at=now + CODE_VALIDITY,
    )
    with translation.override(language):
        body = _("%(clinic)s: your code is %(code)s. It is valid for 10 minutes. Never give it to anyone.") % {
            "clinic": clinic.name[:40],
            "code": code,
        }
    OutgoingMessage.objects.create(
        channel=Channel.SMS,
        kind=Kind.VERIFICATION,
        recipient=phone,
        language=language,
        body=body,
        dedupe_key=f"verification:{verification.pk}",
        due_at=now,
    )
    wake_dispatcher_on_commit()
    return verification


def check_code(*, token: str, code: str, phone: str, now: datetime) -> PhoneVerification:
    """The verified attempt behind `token` if `code` is right, else VerificationError.

    A wrong code counts against the attempt (committed, whatever the caller
    does next). The right one marks it verified: until a booking spends it,
    the token alone then stands for the attempt (a slot taken meanwhile must
    not cost the patient a second code).
    """
    code = (code or "").strip()
    with transaction.atomic():
        verification = (
            PhoneVerification.objects.select_for_update()
            .filter(token_digest=_digest("token", token or ""), phone=phone)
            .first()
        )
        if verification is None or verification.used_at is not None:
            raise VerificationError(_("This code is no longer valid; ask for a new one."), code="verification_unknown")
        if verification.expires_at <= now:
            raise VerificationError(_("This code has expired; ask for a new one."), code="verification_expired")
        if verification.verified_at is not None:
            return verification  # the token is the attempt's secret; the code was proven once
        if verification.failed_attempts >= PhoneVerification.MAX_FAILED_ATTEMPTS:
            raise VerificationError(_("Too many wrong codes; ask for a new one."), code="verification_locked")
        right = hmac.compare_digest(verification.code_digest, _digest("code", f"{token}:{code}"))
        if right:
            verification.verified_at = now
            verification.expires_at = now + CODE_VALIDITY  # ten minutes to finish the booking
            verification.save(update_fields=["verified_at", "expires_at"])
            return verification
        verification.failed_attempts += 1
        verification.save(update_fields=["failed_attempts"])
    # Raised once the count is committed: an exception inside atomic() would roll it back.
    left = PhoneVerification.MAX_FAILED_ATTEMPTS - verification.failed_attempts
    if not left:
        raise VerificationError(_("Too many wrong codes; ask for a new one."), code="verification_locked")
    raise VerificationError(_("This code is not right (%(left)d tries left).") % {"left": left}, code="wrong_code")


def consume(verification: PhoneVerification, *, phone: str, now: datetime) -> None:
    """Spend a verified attempt; call inside the booking's transaction, so a failed booking keeps it."""
    spent = PhoneVerification.objects.filter(
        pk=verification.pk, phone=phone, verified_at__isnull=False, used_at__isnull=True, expires_at__gt=now
    ).update(used_at=now)
    if not spent:
        raise VerificationError(_("This code is no longer valid; ask for a new one."), code="verification_unknown")


def purge_expired(now: datetime) -> int:
    """Forget attempts older than a day (the hourly and daily counts need no more), and their SMS rows."""
    horizon = now - timedelta(days=1)
    OutgoingMessage.objects.filter(kind=Kind.VERIFICATION, created_at__lt=horizon).delete()  # numbers included
    deleted, _rows = PhoneVerification.objects.filter(created_at__lt=horizon).delete()
    return deleted


def _refusal(*, phone: str, address: str, clinic: Clinic, now: datetime) -> TooManyCodes | None:
    """The limit this code would break, if any; reaching the daily cap also queues the alert."""
    recent = PhoneVerification.objects.filter(created_at__gt=now - WINDOW)
    per_number = list(recent.filter(phone=phone).order_by("created_at").values_list("created_at", flat=True))
    if len(per_number) >= settings.VERIFICATION_CODES_PER_NUMBER_PER_HOUR:
        return TooManyCodes(
            _("Too many codes were sent to this number; please wait an hour or call the clinic."),
            code="too_many_codes_for_number",
            retry_after=_seconds_until(per_number[0] + WINDOW, now),
        )
    if address:
        per_address = list(
            recent.filter(address_digest=address).order_by("created_at").values_list("created_at", flat=True)
        )
        if len(per_address) >= settings.VERIFICATION_CODES_PER_ADDRESS_PER_HOUR:
            return TooManyCodes(
                _("Too many codes were asked from your connection; please wait an hour or call the clinic."),
                code="too_many_codes_for_address",
                retry_after=_seconds_until(per_address[0] + WINDOW, now),
            )
    tz = clinic_timezone()
    day_start, day_end = local_day_bounds(now.astimezone(tz).date(), now.astimezone(tz).date(), tz)
    if PhoneVerification.objects.filter(created_at__gte=day_start).count() >= clinic.verification_daily_cap:
        _alert_administrators(clinic, now)
        return TooManyCodes(
            _("Online booking cannot send more codes today; please call the clinic."),
            code="daily_cap_reached",
            retry_after=_seconds_until(day_end, now),
        )
    return None


def _alert_administrators(clinic: Clinic, now: datetime) -> None:
    """One e-mail a day to each administrator (and the clinic's address) when the cap is reached."""
    day = now.astimezone(clinic_timezone()).date()
    with translation.override(settings.LANGUAGE_CODE):  # the clinic's language, not the requester's
        subject, body = _cap_alert_text(clinic.verification_daily_cap)
    if staff_accounts.alert_administrators(
        clinic, key=f"verification-cap:{day.isoformat()}", subject=subject, body=body, now=now
    ):
        logger.warning("verification daily cap reached: administrators alerted")


def _cap_alert_text(cap: int) -> tuple[str, str]:
    subject = _("Phone verification stopped for today: daily cap of %(cap)d codes reached") % {"cap": cap}
    body = _(
        "The clinic's online booking has sent %(cap)d verification codes today, its daily cap. No more codes "
        "will be sent until midnight, so patients who have not received one cannot book online.\n\n"
        "An unusual number of codes is often SMS-pumping fraud (automated requests to make the clinic pay "
        "for texts). If it is genuine demand, raise the cap in the clinic's settings."
    ) % {"cap": cap}
    return subject, body


def _serialize_issuers() -> None:
    """One issuer at a time counts and inserts, so that concurrent requests cannot all pass a limit.

    On SQLite the IMMEDIATE transaction already holds the database's write lock.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('openrdv.phone_verification'))")


def _digest(purpose: str, value: str) -> str:
    return hmac.new(f"{settings.SECRET_KEY}:{purpose}".encode(), value.encode(), hashlib.sha256).hexdigest()


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(1, int((moment - now).total_seconds()) + 1)
