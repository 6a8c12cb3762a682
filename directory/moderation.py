"""Practitioners propose, moderators decide: new profiles, claims, edits and reports.

Every decision reindexes the profile after the transaction commits, so that a
search backend with its own index (Meilisearch) follows the database.
"""

from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.core import signing
from django.db import connection, transaction
from django.utils.translation import gettext as _

from config.client_networks import network_digest

from .models import Profile, ProfileChange, ProfileReport
from .search import get_backend

REPORT_FORM_SALT = "directory.report-form"
REPORT_TOKEN_MAX_AGE = timedelta(hours=2)  # time enough to write; a copied token soon stops working
REPORT_WINDOW = timedelta(hours=1)
REPORTS_PER_NETWORK = 5

# What a practitioner may set on their profile; everything else is the directory's.
EDITABLE_FIELDS = (
    "title", "first_name", "last_name", "specialty_id", "practice_name", "address", "postcode", "city",
    "latitude", "longitude", "phone", "languages", "sector", "accepts_new_patients", "teleconsultation",
    "wheelchair_accessible", "instance_id", "booking_url",
)  # fmt: skip


class ModerationError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _reindex(profile: Profile) -> None:
    transaction.on_commit(lambda: get_backend().index([profile.pk]))


@transaction.atomic
def submit_new_profile(*, owner: AbstractBaseUser, values: dict, rpps: str) -> Profile:
    """A profile of someone not yet in the directory: hidden until a moderator approves it."""
    if rpps and Profile.objects.filter(rpps=rpps).exists():
        raise ModerationError(_("A profile with this RPPS number exists: claim it instead."))
    profile = Profile(owner=owner, rpps=rpps, status=Profile.Status.PENDING, source=Profile.Source.PRACTITIONER)
    for name in EDITABLE_FIELDS:
        if name in values:
            setattr(profile, name, values[name])
    profile.save()
    return profile


@transaction.atomic
def claim_profile(*, user: AbstractBaseUser, rpps: str) -> ProfileChange:
    profile = Profile.objects.select_for_update().filter(rpps=rpps).first()
    if profile is None:
        raise ModerationError(_("No profile has this RPPS number: create yours."))
    if profile.owner_id is not None:
        raise ModerationError(_("This profile is already managed by an account. Report it if it is not you."))
    if profile.changes.filter(kind=ProfileChange.Kind.CLAIM, status=ProfileChange.Status.PENDING).exists():
        raise ModerationError(_("This profile is already claimed, pending moderation."))
    return ProfileChange.objects.create(profile=profile, kind=ProfileChange.Kind.CLAIM, submitted_by=user)


@transaction.atomic
def propose_edit(*, user: AbstractBaseUser, profile: Profile, values: dict) -> ProfileChange | None:
    """Edit a profile the user owns: directly while it awaits approval, else as a pending change."""
    if profile.owner_id != user.pk:
        raise ModerationError(_("You can only edit your own profile."))
    fields = {name: values[name] for name in EDITABLE_FIELDS if name in values}
    if profile.status == Profile.Status.PENDING:
        for name, value in fields.items():
            setattr(profile, name, value)
        profile.save()
        return None
    change, _created = ProfileChange.objects.update_or_create(
        profile=profile,
        kind=ProfileChange.Kind.EDIT,
        status=ProfileChange.Status.PENDING,
        defaults={"fields": fields, "submitted_by": user},
    )
    return change


@transaction.atomic
def approve_change(*, change: ProfileChange, moderator: AbstractBaseUser, now: datetime) -> Profile:
    change = ProfileChange.objects.select_for_update().get(pk=change.pk)
    if change.status != ProfileChange.Status.PENDING:
        raise ModerationError(_("This change was already decided."))
    profile = change.profile
    if change.kind == ProfileChange.Kind.CLAIM:
        profile.owner_id = change.submitted_by_id
        profile.source = Profile.Source.PRACTITIONER
    else:
        for name, value in change.fields.items():
            if name in EDITABLE_FIELDS:
                setattr(profile, name, value)
    profile.save()
    change.status, change.decided_by, change.decided_at = ProfileChange.Status.APPROVED, moderator, now
    change.save(update_fields=["status", "decided_by", "decided_at"])
    _reindex(profile)
    return profile


@transaction.atomic
def reject_change(*, change: ProfileChange, moderator: AbstractBaseUser, now: datetime, note: str = "") -> None:
    updated = ProfileChange.objects.filter(pk=change.pk, status=ProfileChange.Status.PENDING).update(
        status=ProfileChange.Status.REJECTED, decided_by=moderator, decided_at=now, note=note[:500]
    )
    if not updated:
        raise ModerationError(_("This change was already decided."))


@transaction.atomic
def set_profile_status(*, profile: Profile, status: str) -> Profile:
    """Publish a new profile, or hide one (and show it again)."""
    profile.status = status
    profile.save(update_fields=["status", "updated_at", "search_text"])
    _reindex(profile)
    return profile


class ReportRefused(ModerationError):
    """A report not taken: `status` for the page (403 for the form's token, 429 past the limit)."""

    def __init__(self, message: str, *, status: int):
        super().__init__(message)
        self.status = status


def report_form_token(profile_id: int) -> str:
    """The token the report page embeds: proof the form came from this site, for this profile, lately.

    Anonymous visitors get no cookie, so Django's CSRF token cannot be used; another site cannot read
    the page to copy this one.
    """
    return signing.TimestampSigner(salt=REPORT_FORM_SALT).sign(str(profile_id))


@transaction.atomic
def report_profile(
    *, profile: Profile, token: str, reason: str, message: str, address: str, now: datetime
) -> ProfileReport | None:
    """Record a report, or None when this network's report on this profile is still open.

    Raises ReportRefused for a missing, forged, expired or other profile's token, and past
    REPORTS_PER_NETWORK reports from one network in REPORT_WINDOW.
    """
    try:
        signed_for = signing.TimestampSigner(salt=REPORT_FORM_SALT).unsign(
            token, max_age=REPORT_TOKEN_MAX_AGE.total_seconds()
        )
    except signing.BadSignature:  # SignatureExpired included
        signed_for = None
    if signed_for != str(profile.pk):
        raise ReportRefused(
            _("This form has expired or did not come from this page. Check your report and send it again."),
            status=403,
        )
    digest = network_digest(address, purpose="directory:report")
    if connection.vendor == "postgresql":  # one report at a time per network: the count below holds
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"openrdv.report:{digest}"])
    if ProfileReport.objects.filter(profile=profile, reporter_digest=digest, resolved_at=None).exists():
        return None
    recent = ProfileReport.objects.filter(reporter_digest=digest, created_at__gte=now - REPORT_WINDOW).count()
    if recent >= REPORTS_PER_NETWORK:
        raise ReportRefused(_("You have sent many reports lately. Please try again in an hour."), status=429)
    return ProfileReport.objects.create(profile=profile, reason=reason, message=message[:1000], reporter_digest=digest)


def resolve_reports(*, profile: Profile, now: datetime) -> int:
    """Handle every open report of a profile at once; who reported them is forgotten."""
    return ProfileReport.objects.filter(profile=profile, resolved_at=None).update(resolved_at=now, reporter_digest="")
