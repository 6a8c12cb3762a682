"""Who works in the clinic's workspace, and whose agendas each of them may see (issue 5)."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .practice import Practitioner


def token_digest(token: str) -> str:
    """Secret links are stored as their SHA-256: a database dump reveals no usable link."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_secret_token() -> str:
    return secrets.token_urlsafe(32)


class Role(models.TextChoices):
    ADMINISTRATOR = "admin", _("clinic administrator")
    SECRETARY = "secretary", _("secretary")
    PRACTITIONER = "practitioner", _("practitioner")


class StaffMember(models.Model):
    """A staff account's role in this clinic.

    Administrators see every agenda; a secretary only the practitioners she is
    assigned to; a practitioner his own, and those he is granted.
    """

    Role = Role

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_member")
    role = models.CharField(_("role"), max_length=12, choices=Role.choices)
    practitioner = models.OneToOneField(
        Practitioner, on_delete=models.PROTECT, null=True, blank=True, related_name="staff_member",
        verbose_name=_("is the practitioner"),
    )  # fmt: skip
    agendas = models.ManyToManyField(
        Practitioner, blank=True, related_name="+", verbose_name=_("other agendas they manage"),
        help_text=_("A secretary's practitioners; the agendas a practitioner is granted."),
    )  # fmt: skip
    # Bumped on a change of second factor: every session started before it ends.
    session_generation = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff members")
        constraints = [
            models.CheckConstraint(condition=Q(role__in=["admin", "secretary", "practitioner"]), name="staff_role"),
            models.CheckConstraint(
                condition=~Q(role="practitioner") | Q(practitioner__isnull=False),
                name="staff_practitioner_has_an_agenda",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


class StaffInvite(models.Model):
    """An administrator's invitation by e-mail: the link lets one person create their staff account."""

    email = models.EmailField(_("e-mail"))
    role = models.CharField(_("role"), max_length=12, choices=Role.choices)
    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.CASCADE, null=True, blank=True, related_name="+",
        verbose_name=_("is the practitioner"),
    )  # fmt: skip
    agendas = models.ManyToManyField(Practitioner, blank=True, related_name="+", verbose_name=_("agendas they manage"))
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", editable=False
    )
    created_at = models.DateTimeField(_("invited"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("staff invitation")
        verbose_name_plural = _("staff invitations")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(role__in=["admin", "secretary", "practitioner"]), name="invite_role"),
            models.CheckConstraint(
                condition=~Q(role="practitioner") | Q(practitioner__isnull=False),
                name="invite_practitioner_has_an_agenda",
            ),
        ]

    def __str__(self) -> str:
        return self.email


class CalendarFeed(models.Model):
    """A practitioner's private iCalendar feed: the secret URL is the only key; revoking deletes the row."""

    practitioner = models.OneToOneField(Practitioner, on_delete=models.CASCADE, related_name="calendar_feed")
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    include_patient_names = models.BooleanField(
        _("show patient names"),
        default=False,
        help_text=_("Off: events read 'Appointment'. Your calendar provider would otherwise receive the names."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_read_at = models.DateTimeField(_("last read"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return str(self.practitioner)
