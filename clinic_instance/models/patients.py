"""Patients: identity and contact details, never shown outside the clinic's staff."""

from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _


class Patient(models.Model):
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    birth_date = models.DateField(_("birth date"))
    phone = models.CharField(_("phone"), max_length=16, help_text=_("E.164, e.g. +33612345678"))
    email = models.EmailField(_("e-mail"), blank=True, max_length=254)
    # The language messages to the patient are written in: the page's language when they booked.
    language = models.CharField(_("language"), max_length=8, default="fr")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Set when the patient was erased (GDPR): identity blanked, appointments kept for statistics.
    erased_at = models.DateTimeField(_("erased"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("patient")
        verbose_name_plural = _("patients")
        ordering = ["last_name", "first_name"]
        indexes = [
            # Serves the case-insensitive identity lookups of booking.py.
            models.Index(Upper("last_name"), Upper("first_name"), "birth_date", name="patient_identity"),
            models.Index(fields=["phone"], name="patient_phone"),
            # On PostgreSQL, migration 0008 adds trigram indexes on both names (patient_search.py).
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(phone__regex=r"^\+[1-9][0-9]{6,14}$") | models.Q(erased_at__isnull=False, phone=""),
                name="patient_phone_e164",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.last_name.upper()} {self.first_name}"
