"""Messages to patients (issue 6): an outbox of SMS and e-mails, delivered exactly once or flagged.

A row is written in the transaction that makes it necessary (a booking, a
cancellation…), so a booking never depends on Redis or the provider. Workers
claim due rows with a conditional update; a row moves CLAIMED → SENDING
(committed just before the provider is called) → SENT or FAILED. A worker that
dies while CLAIMED left nothing sent: the row is claimed again after its lease.
One that dies while SENDING may have sent it: the row becomes UNKNOWN and is
never sent again (a duplicate SMS costs more than a flagged one).
A row queued beyond the clinic's daily cap for its recipient is CAPPED: kept
for the administrators to see, never sent unless one of them sends it again
(message_cap.py).
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .appointments import Appointment
from .patients import Patient

# What an erased patient's messages keep as recipient and text: the model requires both.
ERASED = "erased"


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("e-mail")


class Kind(models.TextChoices):
    CONFIRMATION = "confirmation", _("booking confirmation")
    REMINDER = "reminder", _("reminder")
    CHANGE = "change", _("change notice")
    CANCELLATION = "cancellation", _("cancellation notice")
    ABSENCE = "absence", _("absence notice")
    WAITLIST_OFFER = "waitlist_offer", _("waiting-list offer")
    VERIFICATION = "verification", _("phone verification code")
    ALERT = "alert", _("alert to the clinic")


class OutgoingMessage(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("waiting")
        CLAIMED = "claimed", _("claimed by a worker")
        SENDING = "sending", _("being sent")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        UNKNOWN = "unknown", _("interrupted while sending (not retried)")
        CANCELLED = "cancelled", _("not needed any more")
        CAPPED = "capped", _("held back: too many messages to this recipient in 24 hours")

    Channel = Channel
    Kind = Kind

    channel = models.CharField(_("channel"), max_length=5, choices=Channel.choices)
    kind = models.CharField(_("kind"), max_length=14, choices=Kind.choices)
    appointment = models.ForeignKey(
        Appointment, on_delete=models.CASCADE, null=True, blank=True, related_name="messages"
    )
    patient = models.ForeignKey(Patient, on_delete=models.SET_NULL, null=True, blank=True, related_name="messages")
    recipient = models.CharField(_("recipient"), max_length=254, help_text=_("E.164 phone number or e-mail address"))
    language = models.CharField(_("language"), max_length=8, default="fr")
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("text"), max_length=5000)
    attachment = models.TextField(blank=True, help_text="An iCalendar file for the confirmation e-mail.")
    # A reminder is for the appointment as it was when it was queued: moved or cancelled, it is not sent.
    appointment_start = models.DateTimeField(null=True, blank=True)
    # Makes queuing idempotent: the same message for the same event is queued once.
    dedupe_key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    due_at = models.DateTimeField(_("due"), default=timezone.now)
    status = models.CharField(_("status"), max_length=9, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_by = models.CharField(max_length=100, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    provider_id = models.CharField(max_length=64, blank=True, help_text="e.g. Twilio's message SID")
    delivery_status = models.CharField(max_length=20, blank=True, help_text="as the provider reported it")
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("message to a patient")
        verbose_name_plural = _("messages to patients")
        indexes = [
            models.Index(fields=["due_at"], condition=Q(status="pending"), name="message_due"),
            models.Index(
                fields=["claimed_until"], condition=Q(status__in=["claimed", "sending"]), name="message_leased"
            ),
            models.Index(fields=["provider_id"], condition=~Q(provider_id=""), name="message_provider_id"),
            # The administrators' review of what did not go out (outbox_review.py).
            models.Index(
                fields=["created_at"], condition=Q(status__in=["failed", "unknown", "capped"]), name="message_not_sent"
            ),
            # The count of a recipient's last 24 hours, taken before each row is queued (message_cap.py).
            models.Index(fields=["recipient", "created_at"], name="message_recipient_recent"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(channel__in=["sms", "email"]), name="message_channel_valid"),
            models.CheckConstraint(
                condition=Q(
                    status__in=["pending", "claimed", "sending", "sent", "failed", "unknown", "cancelled", "capped"]
                ),
                name="message_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["claimed", "sending"]) | Q(claimed_until__isnull=False),
                name="message_lease_while_claimed",
            ),
            models.CheckConstraint(condition=~Q(status="sent") | Q(sent_at__isnull=False), name="message_sent_at"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.channel}) #{self.pk}"


class MessageTemplate(models.Model):
    """The clinic's own wording of one kind of message, in one channel and language (defaults in code)."""

    kind = models.CharField(_("kind"), max_length=14, choices=Kind.choices)
    channel = models.CharField(_("channel"), max_length=5, choices=Channel.choices)
    language = models.CharField(_("language"), max_length=8)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("text"), max_length=2000)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        constraints = [
            models.UniqueConstraint(fields=["kind", "channel", "language"], name="one_template_per_message"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.channel} {self.language}"


class SmsOptOut(models.Model):
    """A number that answered STOP: no SMS goes to it any more (e-mails still do)."""

    phone = models.CharField(_("phone"), max_length=16, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("SMS opt-out")
        verbose_name_plural = _("SMS opt-outs")

    def __str__(self) -> str:
        return self.phone
