"""Who works in the clinic's workspace, and whose agendas each of them may see (issue 5)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .practice import Practitioner


class StaffMember(models.Model):
    """A staff account's role in this clinic.

    Administrators see every agenda; a secretary only the practitioners she is
    assigned to; a practitioner his own, and those he is granted.
    """

    class Role(models.TextChoices):
        ADMINISTRATOR = "admin", _("clinic administrator")
        SECRETARY = "secretary", _("secretary")
        PRACTITIONER = "practitioner", _("practitioner")

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
