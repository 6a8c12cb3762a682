"""Appointments: stored in UTC, guarded against overlaps by the database."""

import base64
import hashlib
import hmac
import secrets

from django.conf import settings
from django.contrib.postgres.fields import RangeBoundary, RangeOperators
from django.db import models
from django.utils.translation import gettext_lazy as _

from .constraints import PostgresExclusionConstraint, TsTzRange
from .patients import Patient
from .practice import Practitioner, VisitReason


def new_manage_token() -> str:
    """256 random bits, URL-safe: a waiting-list key (an appointment's manage link is made by manage_token_for)."""
    return secrets.token_urlsafe(32)


MANAGE_LINK_ID_LENGTH = 22  # 128 random bits, URL-safe base64
MANAGE_MAC_LENGTH = 32  # 192 bits of HMAC-SHA256, URL-safe base64


def new_manage_link_id() -> str:
    return secrets.token_urlsafe(16)


def manage_mac(link_id: str, secret: str) -> str:
    digest = hmac.new(secret.encode(), f"openrdv.manage-link:{link_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:MANAGE_MAC_LENGTH]


def manage_token_for(link_id: str) -> str:
    """The manage link's token: the appointment's public link id and an HMAC of it under SECRET_KEY.

    Why this shape: the token is never stored (a copy of the database, a backup, a read-only SQL account gives
    no usable link), yet reminders and change notices sent days later carry the link, because it is derived
    again from the stored id whenever a message is rendered. The stored id alone opens nothing without
    SECRET_KEY. Rotating SECRET_KEY keeps the links in patients' hands working as long as the old key is in
    SECRET_KEY_FALLBACKS (see manage_links.appointment_or_404); later messages carry the new key's link.
    """
    return link_id + manage_mac(link_id, settings.SECRET_KEY)


def legacy_token_digest(token: str) -> str:
    """SHA-256 of a manage token made before links were derived (migration 0013 kept only this)."""
    return hashlib.sha256(token.encode()).hexdigest()


class Appointment(models.Model):
    class Status(models.TextChoices):
        BOOKED = "booked", _("booked")
        CANCELLED = "cancelled", _("cancelled")
        ARRIVED = "arrived", _("arrived")
        NO_SHOW = "no_show", _("no-show")
        DONE = "done", _("done")

    class Source(models.TextChoices):
        ONLINE = "online", _("online")
        PHONE = "phone", _("phone")

    class CancelledBy(models.TextChoices):
        PATIENT = "patient", _("patient")
        CLINIC = "clinic", _("clinic")

    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("practitioner")
    )
    visit_reason = models.ForeignKey(
        VisitReason, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("visit reason")
    )
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("patient")
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    status = models.CharField(_("status"), max_length=9, choices=Status.choices, default=Status.BOOKED)
    source = models.CharField(_("source"), max_length=6, choices=Source.choices, default=Source.ONLINE)
    # Half of the manage link's token, the other half is derived (manage_token_for): the token is never stored.
    manage_link_id = models.CharField(
        max_length=MANAGE_LINK_ID_LENGTH, unique=True, default=new_manage_link_id, editable=False
    )
    # Links sent before tokens were derived keep opening their appointment through the digest of their token.
    legacy_token_digest = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    idempotency_key = models.CharField(max_length=255, null=True, blank=True, unique=True, editable=False)
    request_fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.CharField(_("cancelled by"), max_length=7, choices=CancelledBy.choices, blank=True)
    cancellation_reason = models.CharField(_("cancellation reason"), max_length=300, blank=True)
    # Staff only: never shown to the patient, never sent anywhere.
    staff_note = models.TextField(_("private note"), max_length=2000, blank=True)
    # Booked by staff outside the practitioner's usual hours, after a warning.
    forced = models.BooleanField(_("outside usual hours"), default=False)
    # Every write sets it (queryset updates too): the workspace's live view polls it.
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        ordering = ["start"]
        indexes = [
            models.Index(fields=["practitioner", "start"], name="appointment_agenda"),
            models.Index(fields=["patient", "start"], name="appointment_patient"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(start__lt=models.F("end")), name="appointment_order"),
            models.CheckConstraint(
                condition=models.Q(status__in=["booked", "cancelled", "arrived", "no_show", "done"]),
                name="appointment_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status="cancelled", cancelled_at__isnull=False)
                | (~models.Q(status="cancelled") & models.Q(cancelled_at__isnull=True)),
                name="appointment_cancelled_at_iff_cancelled",
            ),
            PostgresExclusionConstraint(
                name="appointment_no_overlap",
                expressions=[
                    (TsTzRange("start", "end", RangeBoundary()), RangeOperators.OVERLAPS),
                    ("practitioner", RangeOperators.EQUAL),
                ],
                condition=~models.Q(status="cancelled"),
                violation_error_message=_("This practitioner already has an appointment at this time."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.practitioner} {self.start:%Y-%m-%d %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.status != self.Status.CANCELLED

    @property
    def manage_token(self) -> str:
        """The token of the patient's manage link, derived afresh (never stored): see manage_token_for."""
        return manage_token_for(self.manage_link_id)
