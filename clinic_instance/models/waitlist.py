"""The waiting list (issue 6): patients who found no convenient time, and the freed slots offered to them.

An entry asks for one practitioner and visit reason, on some weekdays, between
two times of day, until a date. When a matching slot is free, waitlist.py
offers it to the waiting patients in the order they joined: an offer holds the
slot for its patient alone until `hold_until`, then the next one is asked.
Whoever confirms first while the slot is free books it.
"""

from collections.abc import Iterable
from datetime import datetime

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .appointments import Appointment, new_manage_token  # the same kind of key as a manage link
from .patients import Patient
from .practice import Practitioner, VisitReason

ALL_WEEKDAYS = 0b1111111  # bit 0 is Monday, as date.weekday()


class WaitlistEntry(models.Model):
    class Status(models.TextChoices):
        WAITING = "waiting", _("waiting")
        BOOKED = "booked", _("booked from an offer")
        LEFT = "left", _("left the list")
        EXPIRED = "expired", _("expired")

    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.CASCADE, related_name="waitlist_entries", verbose_name=_("practitioner")
    )
    visit_reason = models.ForeignKey(
        VisitReason, on_delete=models.CASCADE, related_name="waitlist_entries", verbose_name=_("visit reason")
    )
    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="waitlist_entries", verbose_name=_("patient")
    )
    weekdays = models.PositiveSmallIntegerField(_("days"), default=ALL_WEEKDAYS, help_text="bit 0 is Monday")
    earliest_time = models.TimeField(_("from"))
    latest_time = models.TimeField(_("until"), help_text=_("the latest start time that suits"))
    until = models.DateField(_("waiting until"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.WAITING)
    token = models.CharField(max_length=64, unique=True, default=new_manage_token, editable=False)
    created_at = models.DateTimeField(_("joined"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("waiting-list entry")
        verbose_name_plural = _("waiting list")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["status", "practitioner", "visit_reason", "created_at"], name="waitlist_queue")]
        constraints = [
            models.CheckConstraint(condition=Q(weekdays__gte=1, weekdays__lte=ALL_WEEKDAYS), name="waitlist_weekdays"),
            models.CheckConstraint(condition=Q(earliest_time__lte=F("latest_time")), name="waitlist_time_window"),
            # Joining again for the same practitioner and reason updates the entry rather than adding a second.
            models.UniqueConstraint(
                fields=["patient", "practitioner", "visit_reason"],
                condition=Q(status="waiting"),
                name="waitlist_one_entry_per_patient",
            ),
        ]

    def __str__(self) -> str:
        return f"waiting-list entry {self.pk}"

    def weekday_numbers(self) -> list[int]:
        return [day for day in range(7) if self.weekdays & (1 << day)]


def weekday_mask(days: Iterable[int]) -> int:
    """The `weekdays` value of a set of days (0 is Monday)."""
    return sum(1 << day for day in set(days))


class WaitlistOffer(models.Model):
    class Status(models.TextChoices):
        OFFERED = "offered", _("offered")
        ACCEPTED = "accepted", _("accepted")
        DECLINED = "declined", _("declined")
        EXPIRED = "expired", _("hold expired")
        TAKEN = "taken", _("taken by someone else")

    OPEN_STATUSES = (Status.OFFERED, Status.EXPIRED)

    entry = models.ForeignKey(WaitlistEntry, on_delete=models.CASCADE, related_name="offers")
    # The slot, copied from the entry's practitioner: the holds are looked up by agenda and time.
    practitioner = models.ForeignKey(Practitioner, on_delete=models.CASCADE, related_name="waitlist_offers")
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    hold_until = models.DateTimeField(_("held until"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OFFERED)
    token = models.CharField(max_length=64, unique=True, default=new_manage_token, editable=False)
    appointment = models.ForeignKey(Appointment, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("waiting-list offer")
        verbose_name_plural = _("waiting-list offers")
        indexes = [models.Index(fields=["practitioner", "status", "start"], name="waitlist_offer_slot")]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="waitlist_offer_positive"),
            # A slot is offered to one patient at a time, a patient has one offer at a time,
            # and nobody is offered the same slot twice.
            models.UniqueConstraint(
                fields=["practitioner", "start"], condition=Q(status="offered"), name="waitlist_offer_one_per_slot"
            ),
            models.UniqueConstraint(
                fields=["entry"], condition=Q(status="offered"), name="waitlist_offer_one_per_entry"
            ),
            models.UniqueConstraint(fields=["entry", "start"], name="waitlist_offer_once"),
        ]

    def __str__(self) -> str:
        return f"waiting-list offer {self.pk}"

    @property
    def is_open(self) -> bool:
        """Whether accepting may still book it: held, or its hold over (first to confirm), for a waiting patient."""
        return self.status in self.OPEN_STATUSES and self.entry.status == WaitlistEntry.Status.WAITING

    def is_held(self, now: datetime) -> bool:
        """Whether the slot is still kept for this patient alone."""
        return self.status == self.Status.OFFERED and self.hold_until > now


class WaitlistJoin(models.Model):
    """A new entry on the waiting list, counted against the client network it came from (waitlist_limits.py).

    Kept apart from the entry, so that entries do not carry where their patients connected from: only
    a keyed digest of the network (config/client_networks.network_digest), useless to identify anyone,
    deleted by the nightly purge once the count no longer needs it.
    """

    network_digest = models.CharField(max_length=64)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("waiting-list join")
        verbose_name_plural = _("waiting-list joins")
        indexes = [models.Index(fields=["network_digest", "created_at"], name="waitlist_join_network")]

    def __str__(self) -> str:
        return f"waiting-list join {self.pk}"
