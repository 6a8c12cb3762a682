"""The practice itself: its booking policy, its practitioners and their visit reasons."""

from datetime import time, timedelta

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from federation.specialties import SPECIALTIES, label_of

from .verification import default_phone_verification

LONGEST_VISIT = timedelta(minutes=480)  # an appointment lasts one visit reason at most

rpps_validator = RegexValidator(r"^\d{11}$", _("An RPPS number has exactly 11 digits."))
SPECIALTY_CHOICES = [(code, label) for code, label, *_rest in SPECIALTIES]
SECTOR_CHOICES = [("", _("not given")), ("1", _("sector 1")), ("2", _("sector 2")), ("3", _("not contracted"))]


def in_english() -> bool:
    """Whether the page (or the message) being written is in English."""
    return (translation.get_language() or "").split("-")[0] == "en"


def default_languages() -> list[str]:
    return ["fr"]


def default_reminder_offsets() -> list[int]:
    return [168, 24]


class Clinic(models.Model):
    """The one row describing this instance's practice and its booking policy."""

    HOLIDAY_REGIONS = [
        ("", _("Metropolitan France")),
        ("57", _("Moselle")),
        ("67", _("Bas-Rhin")),
        ("68", _("Haut-Rhin")),
        ("971", _("Guadeloupe")),
        ("972", _("Martinique")),
        ("973", _("French Guiana")),
        ("974", _("Réunion")),
        ("976", _("Mayotte")),
    ]

    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=300, blank=True, help_text=_("Street and number"))
    postcode = models.CharField(_("postcode"), max_length=5, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    wheelchair_accessible = models.BooleanField(_("wheelchair accessible"), default=False)
    phone = models.CharField(_("phone"), max_length=16, blank=True, help_text=_("E.164, e.g. +33123456789"))
    email = models.EmailField(_("e-mail"), blank=True)
    holiday_region = models.CharField(
        _("public holidays"),
        max_length=3,
        blank=True,
        choices=HOLIDAY_REGIONS,
        help_text=_("Alsace-Moselle and overseas departments have extra public holidays."),
    )
    closed_on_public_holidays = models.BooleanField(_("closed on public holidays"), default=True)
    minimum_notice_minutes = models.PositiveIntegerField(
        _("minimum notice (minutes)"),
        default=120,
        validators=[MaxValueValidator(60 * 24 * 30)],
        help_text=_("Patients cannot book a slot that starts sooner than this."),
    )
    booking_horizon_days = models.PositiveIntegerField(
        _("booking horizon (days)"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(730)],
        help_text=_("Patients cannot book further ahead than this."),
    )
    buffer_minutes = models.PositiveIntegerField(
        _("buffer between appointments (minutes)"), default=0, validators=[MaxValueValidator(120)]
    )
    cancellation_cutoff_hours = models.PositiveIntegerField(
        _("cancellation cutoff (hours)"),
        default=24,
        validators=[MaxValueValidator(24 * 14)],
        help_text=_("How long before an appointment patients can still cancel or move it online."),
    )
    # Messages to patients (issue 6).
    reminder_offsets_hours = models.JSONField(
        _("reminders (hours before)"),
        default=default_reminder_offsets,
        blank=True,
        help_text=_("e.g. [168, 24]: a week and a day before the appointment."),
    )
    sms_enabled = models.BooleanField(_("send SMS"), default=True)
    email_enabled = models.BooleanField(_("send e-mails"), default=True)
    quiet_hours_start = models.TimeField(_("no SMS from"), default=time(20, 0))
    quiet_hours_end = models.TimeField(_("no SMS until"), default=time(8, 0))
    phone_verification = models.BooleanField(
        _("verify phone numbers"),
        default=default_phone_verification,
        help_text=_("Online bookings and waiting-list requests need a code sent by SMS to the patient's phone."),
    )
    verification_daily_cap = models.PositiveIntegerField(
        _("verification codes per day"),
        default=200,
        validators=[MinValueValidator(1), MaxValueValidator(100_000)],
        help_text=_("Beyond it no code is sent until midnight and the administrators are alerted (SMS fraud guard)."),
    )
    messages_per_recipient_per_day = models.PositiveSmallIntegerField(
        _("messages per recipient per day"),
        default=20,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
        help_text=_(
            "At most this many SMS to one phone, or e-mails to one address, are queued in 24 hours; further ones "
            "are held back for the administrators, who are alerted (a guard against floods of bookings)."
        ),
    )
    waitlist_hold_minutes = models.PositiveIntegerField(
        _("waiting-list hold (minutes)"),
        default=30,
        validators=[MinValueValidator(5), MaxValueValidator(24 * 60)],
        help_text=_("How long a freed slot is kept for the waiting patient it is offered to."),
    )
    patient_retention_years = models.PositiveSmallIntegerField(
        _("patient data kept (years)"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text=_("Patients with no appointment for this long are erased by the nightly purge."),
    )
    audit_retention_days = models.PositiveIntegerField(
        _("audit trail kept (days)"),
        default=365,
        validators=[MinValueValidator(30), MaxValueValidator(3650)],
        help_text=_("Older entries of the audit trail are deleted by the nightly purge."),
    )

    class Meta:
        verbose_name = _("clinic")
        verbose_name_plural = _("clinic")
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="clinic_is_a_singleton"),
            models.CheckConstraint(condition=models.Q(booking_horizon_days__gte=1), name="clinic_horizon_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def load(cls) -> "Clinic":
        """The clinic's row, or the default policy (unsaved) until staff fill it in."""
        return cls.objects.filter(pk=1).first() or cls(pk=1, name="OpenRDV")

    @property
    def minimum_notice(self) -> timedelta:
        return timedelta(minutes=self.minimum_notice_minutes)

    @property
    def booking_horizon(self) -> timedelta:
        return timedelta(days=self.booking_horizon_days)

    @property
    def buffer(self) -> timedelta:
        return timedelta(minutes=self.buffer_minutes)

    @property
    def cancellation_cutoff(self) -> timedelta:
        return timedelta(hours=self.cancellation_cutoff_hours)


class Practitioner(models.Model):
    title = models.CharField(_("title"), max_length=20, blank=True, default="Dr", help_text=_("e.g. Dr, Pr"))
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    specialty = models.CharField(_("specialty"), max_length=100)
    rpps = models.CharField(
        _("RPPS number"), max_length=11, blank=True, validators=[rpps_validator], help_text=_("11 digits")
    )
    accepts_new_patients = models.BooleanField(_("accepts new patients"), default=True)
    is_active = models.BooleanField(_("active"), default=True, help_text=_("Inactive practitioners take no bookings."))
    # Published to directories (federation/PROTOCOL.md §4-6).
    specialty_code = models.CharField(
        _("specialty in directories"), max_length=60, blank=True, choices=SPECIALTY_CHOICES,
        help_text=_("Without it the practitioner is not published in directories."),
    )  # fmt: skip
    languages = models.JSONField(_("languages spoken"), default=default_languages, blank=True)
    sector = models.CharField(_("convention sector"), max_length=1, blank=True, choices=SECTOR_CHOICES)
    teleconsultation = models.BooleanField(_("teleconsultation"), default=False)

    class Meta:
        verbose_name = _("practitioner")
        verbose_name_plural = _("practitioners")
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(fields=["rpps"], condition=~models.Q(rpps=""), name="practitioner_rpps_unique"),
            models.CheckConstraint(
                condition=models.Q(rpps="") | models.Q(rpps__regex=r"^[0-9]{11}$"), name="practitioner_rpps_format"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.title, self.first_name, self.last_name) if part)

    @property
    def shown_specialty(self) -> str:
        """The specialty patients read: in English the directories' English label, else as the staff wrote it."""
        if in_english() and self.specialty_code:
            return label_of(self.specialty_code, "en")
        return self.specialty


class VisitReason(models.Model):
    """Why a patient comes (first consultation, follow-up…): its length and its rules."""

    class Patients(models.TextChoices):
        ALL = "all", _("new and known patients")
        NEW = "new", _("new patients only")
        KNOWN = "known", _("known patients only")

    name = models.CharField(_("name"), max_length=120)
    name_en = models.CharField(
        _("name in English"), max_length=120, blank=True, help_text=_("Shown to patients reading in English.")
    )
    duration_minutes = models.PositiveIntegerField(
        _("duration (minutes)"), validators=[MinValueValidator(5), MaxValueValidator(LONGEST_VISIT.seconds // 60)]
    )
    practitioners = models.ManyToManyField(Practitioner, related_name="visit_reasons", verbose_name=_("practitioners"))
    online_bookable = models.BooleanField(_("bookable online"), default=True)
    patients = models.CharField(_("patients accepted"), max_length=5, choices=Patients.choices, default=Patients.ALL)
    instructions = models.TextField(
        _("instructions to the patient"), blank=True, max_length=2000, help_text=_("Shown before and after booking.")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("visit reason")
        verbose_name_plural = _("visit reasons")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gte=5, duration_minutes__lte=480),
                name="visit_reason_duration_range",
            ),
            models.CheckConstraint(
                condition=models.Q(patients__in=["all", "new", "known"]), name="visit_reason_patients_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def shown_name(self) -> str:
        """The name patients read: the English one in English when there is one, else the French name."""
        return self.name_en if self.name_en and in_english() else self.name

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.duration_minutes)
