"""When practitioners work: weekly ranges in the clinic's local time, and exceptions."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .practice import Practitioner, VisitReason


class WeeklyRange(models.Model):
    """One working range of a weekday, in local wall-clock time.

    A day with a lunch break is two ranges (09:00–12:00 and 14:00–18:00).
    """

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.CASCADE, related_name="weekly_ranges", verbose_name=_("practitioner")
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start_time = models.TimeField(_("start time"))
    end_time = models.TimeField(_("end time"))
    visit_reasons = models.ManyToManyField(
        VisitReason,
        blank=True,
        verbose_name=_("visit reasons accepted"),
        help_text=_("Leave empty to accept all of the practitioner's visit reasons."),
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True, help_text=_("Inclusive."))

    class Meta:
        verbose_name = _("weekly working range")
        verbose_name_plural = _("weekly working ranges")
        ordering = ["practitioner", "weekday", "start_time"]
        constraints = [
            models.CheckConstraint(condition=models.Q(start_time__lt=models.F("end_time")), name="weekly_range_order"),
            models.CheckConstraint(condition=models.Q(weekday__gte=0, weekday__lte=6), name="weekly_range_weekday"),
            models.CheckConstraint(
                condition=models.Q(valid_from__isnull=True)
                | models.Q(valid_until__isnull=True)
                | models.Q(valid_from__lte=models.F("valid_until")),
                name="weekly_range_validity_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}–{self.end_time:%H:%M}"


class ScheduleException(models.Model):
    """An absence (holiday, training…), blocked time (a meeting) or an extra opening, in absolute time."""

    class Kind(models.TextChoices):
        ABSENCE = "absence", _("absence")
        BLOCK = "block", _("blocked time")
        OPENING = "opening", _("extra opening")

    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.CASCADE, related_name="exceptions", verbose_name=_("practitioner")
    )
    kind = models.CharField(_("kind"), max_length=7, choices=Kind.choices, default=Kind.ABSENCE)
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    note = models.CharField(_("internal note"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("schedule exception")
        verbose_name_plural = _("schedule exceptions")
        ordering = ["start"]
        indexes = [models.Index(fields=["practitioner", "start"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(start__lt=models.F("end")), name="schedule_exception_order"),
            models.CheckConstraint(
                condition=models.Q(kind__in=["absence", "block", "opening"]), name="schedule_exception_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.start:%Y-%m-%d %H:%M}"
