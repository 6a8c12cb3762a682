"""The directories this instance publishes to (federation/PROTOCOL.md §5)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
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
    # The directory's public keys, from its discovery document: it signs its reads of the feed.
    keys = models.JSONField(default=list, blank=True, editable=False)

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


class OutboxMessage(models.Model):
    """One version of a profile document to deliver to one directory, retried until it is."""

    registration = models.ForeignKey(DirectoryRegistration, on_delete=models.CASCADE, related_name="outbox")
    ref = models.CharField(max_length=64)
    version = models.PositiveBigIntegerField()
    document = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("message to a directory")
        verbose_name_plural = _("messages to directories")
        constraints = [
            models.UniqueConstraint(fields=["registration", "ref", "version"], name="outbox_one_message_per_version")
        ]
        indexes = [models.Index(fields=["delivered_at", "next_attempt_at"], name="outbox_due")]

    def __str__(self) -> str:
        return f"{self.ref} v{self.version} → {self.registration}"
