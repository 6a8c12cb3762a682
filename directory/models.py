"""What the directory holds: public practitioner profiles and the instances they book on.

Nothing here can hold an appointment, a slot or a patient (tests/test_layout.py).
"""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from .text import fold

rpps_validator = RegexValidator(r"^\d{11}$", _("An RPPS number has exactly 11 digits."))


class Specialty(models.Model):
    """The controlled vocabulary patients search by (profession + specialty)."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    label = models.CharField(_("label"), max_length=120)
    label_en = models.CharField(_("English label"), max_length=120, blank=True, help_text=_("Shown at /en/."))
    profession = models.CharField(_("profession"), max_length=80)
    synonyms = models.TextField(
        _("search synonyms"), blank=True, help_text=_("Words patients use for it, separated by commas.")
    )
    synonyms_en = models.TextField(
        _("English search synonyms"),
        blank=True,
        help_text=_("Words English speakers use for it, separated by commas."),
    )
    annuaire_codes = models.CharField(
        _("Annuaire Santé codes"),
        max_length=200,
        blank=True,
        help_text=_("Profession or know-how codes of the national directory mapped here, separated by spaces."),
    )

    class Meta:
        verbose_name = _("specialty")
        verbose_name_plural = _("specialties")
        ordering = ["label"]

    def __str__(self) -> str:
        return self.shown_label

    @property
    def shown_label(self) -> str:
        """The label in the language of the page: English at /en/ when it has one, else French."""
        return label_in(self.label, self.label_en)


class Instance(models.Model):
    """A clinic instance that publishes profiles here (federation, issue 4)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending approval")
        APPROVED = "approved", _("approved")
        SUSPENDED = "suspended", _("suspended")

    base_url = models.URLField(_("base URL"), unique=True)
    name = models.CharField(_("name"), max_length=200)
    status = models.CharField(_("status"), max_length=9, choices=Status.choices, default=Status.PENDING)
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)
    # When its discovery document was last read (its keys are InstanceKey rows).
    keys_fetched_at = models.DateTimeField(_("keys fetched"), null=True, blank=True, editable=False)
    # Where its profile feed was last read up to (PROTOCOL.md §6), and when.
    feed_cursor = models.PositiveBigIntegerField(default=0, editable=False)
    feed_read_at = models.DateTimeField(_("feed read"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("clinic instance")
        verbose_name_plural = _("clinic instances")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "approved", "suspended"]), name="instance_status_valid"
            )
        ]

    def __str__(self) -> str:
        return self.name


class InstanceKey(models.Model):
    """A public key an instance proved it holds, with its validity as its discovery document gives it.

    A key belongs to one instance (key ids name keys by their content, so a unique id is a unique key):
    another server that lists it in its own discovery document cannot make the directory attribute
    a signature by it to itself (federation/PROTOCOL.md §5).
    """

    instance = models.ForeignKey(Instance, on_delete=models.CASCADE, related_name="public_keys")
    key_id = models.CharField(_("key id"), max_length=64, unique=True)
    document = models.JSONField(_("public key"))

    class Meta:
        verbose_name = _("instance key")
        verbose_name_plural = _("instance keys")

    def __str__(self) -> str:
        return self.key_id


class RegistrationAttempt(models.Model):
    """A registration that made this directory fetch a discovery document and has not proven itself yet.

    Counted per network and per target host to cap how many hosts and ports one client can make the
    directory connect to (instance_registry.check_attempt_limits); a successful registration deletes its
    row, and rows older than an hour are dropped. The network is kept as a keyed digest only.
    """

    network_digest = models.CharField(max_length=64)
    target_host = models.CharField(max_length=255)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["network_digest", "created_at"], name="registration_attempt_network"),
            models.Index(fields=["target_host", "created_at"], name="registration_attempt_host"),
        ]

    def __str__(self) -> str:
        return f"{self.target_host} {self.created_at:%Y-%m-%d %H:%M}"


class Profile(models.Model):
    """A practitioner's public profile: only what any patient may see."""

    class Status(models.TextChoices):
        PUBLISHED = "published", _("published")
        PENDING = "pending", _("awaiting moderation")
        HIDDEN = "hidden", _("hidden")

    class Sector(models.TextChoices):
        UNKNOWN = "", _("not stated")
        SECTOR_1 = "1", _("sector 1")
        SECTOR_2 = "2", _("sector 2")
        SECTOR_3 = "3", _("not contracted")

    class Source(models.TextChoices):
        IMPORT = "import", _("national open data")
        PRACTITIONER = "practitioner", _("the practitioner")
        INSTANCE = "instance", _("a clinic instance")

    title = models.CharField(_("title"), max_length=20, blank=True)
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    rpps = models.CharField(_("RPPS number"), max_length=11, blank=True, validators=[rpps_validator])
    specialty = models.ForeignKey(
        Specialty, on_delete=models.PROTECT, related_name="profiles", verbose_name=_("specialty")
    )
    practice_name = models.CharField(_("practice"), max_length=200, blank=True)
    address = models.CharField(_("street address"), max_length=300, blank=True)
    postcode = models.CharField(_("postcode"), max_length=5, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    insee = models.CharField(_("INSEE commune code"), max_length=5, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=16, blank=True, help_text=_("E.164"))
    languages = models.JSONField(_("languages"), default=list, blank=True, help_text=_("ISO 639-1 codes"))
    sector = models.CharField(_("convention sector"), max_length=1, blank=True, choices=Sector.choices)
    accepts_new_patients = models.BooleanField(_("accepts new patients"), default=True)
    teleconsultation = models.BooleanField(_("teleconsultation"), default=False)
    wheelchair_accessible = models.BooleanField(_("wheelchair accessible"), default=False)
    instance = models.ForeignKey(
        Instance, on_delete=models.SET_NULL, null=True, blank=True, related_name="profiles", verbose_name=_("books on")
    )
    booking_url = models.URLField(_("online booking page"), blank=True)
    # Set when a clinic instance publishes the profile (federation/PROTOCOL.md §6): its ref and version.
    instance_ref = models.CharField(_("reference at the instance"), max_length=64, blank=True, editable=False)
    federation_version = models.PositiveBigIntegerField(default=0, editable=False)
    availability_url = models.URLField(_("next free slot (read by the browser)"), blank=True, editable=False)
    status = models.CharField(_("status"), max_length=9, choices=Status.choices, default=Status.PUBLISHED)
    source = models.CharField(_("source"), max_length=12, choices=Source.choices, default=Source.IMPORT)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="profiles",
        verbose_name=_("practitioner account"),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    search_text = models.TextField(editable=False, default="", help_text="Folded words search matches against.")

    class Meta:
        verbose_name = _("practitioner profile")
        verbose_name_plural = _("practitioner profiles")
        ordering = ["last_name", "first_name"]
        indexes = [
            models.Index(fields=["specialty", "postcode"], name="profile_specialty_postcode"),
            models.Index(fields=["latitude", "longitude"], name="profile_position"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["rpps"], condition=~Q(rpps=""), name="profile_rpps_unique"),
            models.CheckConstraint(condition=Q(status__in=["published", "pending", "hidden"]), name="profile_status"),
            models.CheckConstraint(condition=Q(sector__in=["", "1", "2", "3"]), name="profile_sector"),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180),
                name="profile_position_valid",
            ),
            models.CheckConstraint(
                condition=Q(booking_url="") | ~Q(instance=None), name="profile_online_booking_needs_an_instance"
            ),
            models.UniqueConstraint(
                fields=["instance", "instance_ref"], condition=~Q(instance_ref=""), name="profile_one_per_instance_ref"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    def save(self, *args, **kwargs):
        self.search_text = search_text_of(self)
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        return display_name_of(self.title, self.first_name, self.last_name)

    @property
    def books_online(self) -> bool:
        return bool(self.booking_url and self.instance_id)


class ProfileChange(models.Model):
    """A practitioner's claim of a profile, or an edit, waiting for a moderator."""

    class Kind(models.TextChoices):
        CLAIM = "claim", _("claim")
        EDIT = "edit", _("edit")

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="changes", verbose_name=_("profile"))
    kind = models.CharField(_("kind"), max_length=5, choices=Kind.choices)
    fields = models.JSONField(_("proposed values"), default=dict, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("submitted by")
    )
    created_at = models.DateTimeField(_("submitted"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(_("moderator's note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("profile change")
        verbose_name_plural = _("profile changes")
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "kind"], condition=Q(status="pending"), name="one_pending_change_per_kind"
            ),
            models.CheckConstraint(condition=Q(kind__in=["claim", "edit"]), name="profile_change_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.profile}"


class ProfileReport(models.Model):
    """'Report this profile': what is wrong, and nothing about who said so.

    While a report is open it keeps a keyed digest of the reporter's network
    (config/client_networks.py), never the address: one open report per
    profile and network, a few reports per network an hour. Handling a report
    forgets the digest.
    """

    class Reason(models.TextChoices):
        WRONG = "wrong", _("wrong information")
        CLOSED = "closed", _("no longer practises here")
        IMPERSONATION = "impersonation", _("not this practitioner")
        OTHER = "other", _("other")

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="reports", verbose_name=_("profile"))
    reason = models.CharField(_("reason"), max_length=13, choices=Reason.choices)
    message = models.TextField(_("details"), max_length=1000, blank=True)
    created_at = models.DateTimeField(_("reported"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    reporter_digest = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("profile report")
        verbose_name_plural = _("profile reports")
        ordering = ["created_at"]
        indexes = [
            models.Index(fields=["reporter_digest", "created_at"], name="report_reporter_recent"),
            models.Index(fields=["profile"], condition=Q(resolved_at=None), name="report_open_by_profile"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "reporter_digest"],
                condition=Q(resolved_at=None) & ~Q(reporter_digest=""),
                name="report_one_open_per_reporter",
            ),
            models.CheckConstraint(
                condition=Q(resolved_at=None) | Q(reporter_digest=""), name="report_handled_forgets_reporter"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} · {self.profile}"


def specialties_by_label() -> list[Specialty]:
    """Every specialty, in the alphabetical order of the labels the page shows (French or English)."""
    return sorted(Specialty.objects.all(), key=lambda specialty: fold(specialty.shown_label))


def label_in(label: str, label_en: str) -> str:
    """`label_en` on English pages when it is filled, else the French `label`."""
    return label_en if label_en and (translation.get_language() or "").split("-")[0] == "en" else label


def display_name_of(title: str, first_name: str, last_name: str) -> str:
    """'Dr Claire Martin'."""
    return " ".join(part for part in (title, first_name, last_name) if part)


def search_text_of(profile: Profile) -> str:
    """What a search's words are matched against; bulk writers must set it too."""
    specialty = profile.specialty
    return fold(
        " ".join(
            [
                profile.first_name,
                profile.last_name,
                specialty.label,
                specialty.profession,
                specialty.synonyms.replace(",", " "),
                profile.practice_name,
                profile.city,
                # Last, so that migration 0013 could append them to the texts it found.
                specialty.label_en,
                specialty.synonyms_en.replace(",", " "),
            ]
        )
    )
