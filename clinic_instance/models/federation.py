"""The directories this instance publishes to (federation/PROTOCOL.md §5)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class DirectoryRegistration(models.Model):
    """A directory this instance registered with, and what the directory answered."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for the directory's approval")
        APPROVED = "approved", _("approved")
        SUSPENDED = "suspended", _("suspended by the directory")

    base_url = models.URLField(_("directory"), unique=True)
    name = models.CharField(_("name"), max_length=200)
    status = models.CharField(_("status"), max_length=9, choices=Status.choices, default=Status.PENDING)
    registered_at = models.DateTimeField(_("registered"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("directory registration")
        verbose_name_plural = _("directory registrations")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "approved", "suspended"]), name="registration_status_valid"
            )
        ]

    def __str__(self) -> str:
        return self.name
