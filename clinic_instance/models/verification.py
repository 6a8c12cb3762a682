"""Phone verification codes for online bookings (issue 6): proof that the patient holds the phone.

A code is sent for one booking attempt, named by a random token the page or
API client keeps; only digests of the token, the code and the caller's address
are stored here (the code's text lives in its SMS row until it is sent). The rows also carry the counts that limit SMS pumping (per number,
per address, per clinic and day); phone_verification.py holds the rules.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


def default_phone_verification() -> bool:
    """On in production; the demo and the test settings turn it off (OPENRDV_PHONE_VERIFICATION)."""
    return getattr(settings, "OPENRDV_PHONE_VERIFICATION", True)


MAX_FAILED_ATTEMPTS = 5


class PhoneVerification(models.Model):
    MAX_FAILED_ATTEMPTS = MAX_FAILED_ATTEMPTS

    token_digest = models.CharField(max_length=64, unique=True)
    phone = models.CharField(max_length=16)
    code_digest = models.CharField(max_length=64)
    # An HMAC of the caller's address: enough to count codes per address, useless to identify anyone.
    address_digest = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    verified_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("phone verification")
        verbose_name_plural = _("phone verifications")
        indexes = [
            models.Index(fields=["phone", "created_at"], name="verification_phone"),
            models.Index(fields=["address_digest", "created_at"], name="verification_address"),
            models.Index(fields=["created_at"], name="verification_created"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(failed_attempts__lte=MAX_FAILED_ATTEMPTS), name="verification_attempts_bounded"
            ),
            models.CheckConstraint(
                condition=Q(used_at__isnull=True) | Q(verified_at__isnull=False), name="verification_used_if_verified"
            ),
            models.CheckConstraint(condition=Q(expires_at__gt=F("created_at")), name="verification_expires_later"),
        ]

    def __str__(self) -> str:
        return f"verification {self.pk}"
