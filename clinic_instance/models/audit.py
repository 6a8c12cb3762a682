"""The audit trail: who read or changed which patient record or appointment, when, from where.

Append-only: the model refuses updates and deletes, and on PostgreSQL a
trigger refuses them too, except the retention purge (audit.purge_expired),
which announces itself with a transaction-local setting. Entries carry no
clinical content: no visit reason, no note, no name.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    class Action(models.TextChoices):
        VIEW = "view", _("viewed")
        CREATE = "create", _("created")
        UPDATE = "update", _("changed")
        MOVE = "move", _("moved")
        CANCEL = "cancel", _("cancelled")
        DELETE = "delete", _("deleted")
        STATUS = "status", _("changed the status")
        NOTE = "note", _("edited the private note")
        MERGE = "merge", _("merged")
        EXPORT = "export", _("exported")
        ERASE = "erase", _("erased")
        PURGE = "purge", _("purged")
        LOGIN = "login", _("signed in")
        LOGIN_FAILED = "login_failed", _("failed to sign in")
        LOGOUT = "logout", _("signed out")
        SECURITY = "security", _("changed their security settings")
        STAFF = "staff", _("changed staff access")

    class ObjectType(models.TextChoices):
        APPOINTMENT = "appointment", _("appointment")
        PATIENT = "patient", _("patient")
        AGENDA = "agenda", _("agenda")
        ABSENCE = "absence", _("absence")
        SCHEDULE = "schedule", _("schedule")
        STAFF = "staff", _("staff account")
        CLINIC = "clinic", _("clinic")

    at = models.DateTimeField(_("when"), default=timezone.now, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("who"), editable=False,
    )  # fmt: skip
    # The username at the time: the trail stays readable after the account is deleted.
    actor_label = models.CharField(_("who"), max_length=150, editable=False)
    action = models.CharField(_("what"), max_length=12, choices=Action.choices, editable=False)
    object_type = models.CharField(_("object"), max_length=11, choices=ObjectType.choices, editable=False)
    object_id = models.BigIntegerField(_("object id"), null=True, blank=True, editable=False)
    # Plain ids, not foreign keys: entries outlive erased and merged records.
    patient_id = models.BigIntegerField(_("patient id"), null=True, blank=True, editable=False)
    practitioner_id = models.BigIntegerField(_("practitioner id"), null=True, blank=True, editable=False)
    ip_address = models.GenericIPAddressField(_("from"), null=True, blank=True, editable=False)
    # A short non-clinical summary, e.g. "booked → no_show" or "2026-12-01".
    detail = models.CharField(_("detail"), max_length=200, blank=True, editable=False)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["at"], name="audit_at"),
            models.Index(fields=["patient_id", "at"], name="audit_patient"),
            models.Index(fields=["actor", "at"], name="audit_actor"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_type} {self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Audit entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Audit entries are append-only; the retention purge removes old ones.")
