"""Profiles published by clinic instances (federation/PROTOCOL.md §6), applied to the directory.

An instance owns the profiles it created under its refs and nobody else can
change them. It may take over a profile imported from open data with the same
RPPS number (the practitioner then books online instead of "call to book").
It links to a profile a practitioner manages here only when the practitioner
chose that instance (both sides agree); otherwise the document is refused.
Versions only grow: an older or repeated document changes nothing.
"""

from dataclasses import dataclass

from django.db import transaction

from federation.documents import ProfileDocument, Tombstone

from . import gazetteer
from .models import Instance, Profile, Specialty
from .search import get_backend


class DocumentRefused(Exception):
    def __init__(self, status: int, error: str, detail: str = "") -> None:
        super().__init__(f"{error}: {detail}")
        self.status, self.error, self.detail = status, error, detail


@dataclass(frozen=True)
class Applied:
    outcome: str  # created, updated, unchanged, removed
    profile_id: int | None


@transaction.atomic
def apply(instance: Instance, document: ProfileDocument | Tombstone) -> Applied:
    if instance.status != Instance.Status.APPROVED:
        # Nothing is kept before a moderator approves the instance; its outbox retries until then.
        raise DocumentRefused(403, "instance_not_approved", "a moderator of this directory has not approved it yet")
    profile = Profile.objects.select_for_update().filter(instance=instance, instance_ref=document.ref).first()
    if profile is not None and profile.federation_version >= document.version:
        return Applied("unchanged", profile.pk)
    if isinstance(document, Tombstone):
        return _remove(profile)
    specialty = Specialty.objects.filter(code=document.specialty).first()
    if specialty is None:
        raise DocumentRefused(400, "specialty", f"unknown specialty code {document.specialty!r}")
    created = profile is None
    if profile is None:
        profile = _adoptable(instance, document) or Profile(instance=instance, source=Profile.Source.INSTANCE)
    _fill(profile, document, specialty, instance)
    profile.save()
    _reindex(profile.pk)
    return Applied("created" if created else "updated", profile.pk)


def set_instance_visibility(instance: Instance) -> int:
    """After a moderator's decision: a suspended instance's profiles are hidden, a re-approved one's listed."""
    listed = instance.status == Instance.Status.APPROVED
    profiles = Profile.objects.filter(instance=instance).exclude(instance_ref="")
    ids = list(profiles.values_list("pk", flat=True))
    profiles.update(status=Profile.Status.PUBLISHED if listed else Profile.Status.HIDDEN)
    transaction.on_commit(lambda: get_backend().index(ids))
    return len(ids)


def _adoptable(instance: Instance, document: ProfileDocument) -> Profile | None:
    """The existing profile of this RPPS number, if the instance may take it over; refused if it may not."""
    if not document.rpps:
        return None
    existing = Profile.objects.select_for_update().filter(rpps=document.rpps).first()
    if existing is None:
        return None
    if existing.instance_ref and existing.instance_id != instance.pk:
        raise DocumentRefused(409, "rpps_taken", "another instance publishes this practitioner")
    if existing.owner_id and existing.instance_id != instance.pk:
        raise DocumentRefused(409, "not_chosen_by_practitioner", "the practitioner manages this profile elsewhere")
    return existing


def _fill(profile: Profile, document: ProfileDocument, specialty: Specialty, instance: Instance) -> None:
    practice = document.practice
    profile.instance, profile.instance_ref, profile.federation_version = instance, document.ref, document.version
    profile.title, profile.first_name, profile.last_name = document.title, document.first_name, document.last_name
    profile.rpps = document.rpps or profile.rpps
    profile.specialty = specialty
    profile.practice_name, profile.address = practice.name, practice.address
    profile.postcode, profile.city = practice.postcode, practice.city
    profile.phone = practice.phone
    profile.languages = list(document.languages)
    profile.sector = document.sector
    profile.accepts_new_patients = document.accepts_new_patients
    profile.teleconsultation = document.teleconsultation
    profile.wheelchair_accessible = document.wheelchair_accessible
    profile.booking_url, profile.availability_url = document.booking_url, document.availability_url
    profile.latitude, profile.longitude = _position(document)
    if profile.pk is None:
        profile.status = Profile.Status.PUBLISHED  # a moderator may hide it later; an update keeps that


def _position(document: ProfileDocument) -> tuple[float | None, float | None]:
    practice = document.practice
    if practice.latitude is not None:
        return practice.latitude, practice.longitude
    for place in (practice.postcode, practice.city):
        found = gazetteer.find_place(place) if place else []
        if found:
            return found[0].latitude, found[0].longitude
    return None, None


def _remove(profile: Profile | None) -> Applied:
    """A tombstone: a profile the instance created goes; one it took over goes back to "call to book"."""
    if profile is None:
        return Applied("unchanged", None)
    profile_id = profile.pk
    if profile.source == Profile.Source.INSTANCE and not profile.owner_id:
        profile.delete()
    else:
        profile.instance, profile.instance_ref = None, ""
        profile.booking_url = profile.availability_url = ""
        profile.save()
    _reindex(profile_id)
    return Applied("removed", profile_id)


def _reindex(profile_id: int) -> None:
    transaction.on_commit(lambda: get_backend().index([profile_id]))
