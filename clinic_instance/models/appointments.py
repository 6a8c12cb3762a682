"""Appointments: stored in UTC, guarded against overlaps by the database."""

import secrets

from django.contrib.postgres.fields import RangeBoundary, RangeOperators
from django.db import models
from django.utils.translation import gettext_lazy as _

from .constraints import PostgresExclusionConstraint, TsTzRange
from .patients import Patient
from .practice import Practitioner, VisitReason


def new_manage_token() -> str:
    """256 random bits, URL-safe: the patient's only key to their appointment."""
    return secrets.token_urlsafe(32)


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
    manage_token = models.CharField(max_length=64, unique=True, default=new_manage_token, editable=False)
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
