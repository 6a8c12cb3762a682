"""Publishing the practitioners' public profiles to directories (federation/PROTOCOL.md §4, §6).

A change writes, in the same transaction, one outbox row per directory with
the new version of the profile document; delivery is a separate step (a
Celery task, or `manage.py federation_deliver`) that sends each row as a
signed PUT, retrying with backoff for as long as a directory is down. Only
the newest version of a profile is sent; older queued ones are superseded.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Max
from django.urls import reverse

from config.federation_node import base_url, signed_fetch
from config.operations import metrics
from federation.fetch import FetchRefused
from federation.keys import UnusableKey

from .models import Clinic, DirectoryRegistration, OutboxMessage, Practitioner

logger = logging.getLogger("openrdv.federation")
MAX_BACKOFF = timedelta(hours=1)
LEASE = timedelta(minutes=2)  # a claimed message is due again if its worker died
BATCH = 100


def ref_of(practitioner: Practitioner) -> str:
    return f"p-{practitioner.pk}"


def is_public(practitioner: Practitioner) -> bool:
    """Listed in directories: active, with a specialty of the directories' vocabulary."""
    return practitioner.is_active and bool(practitioner.specialty_code)


def document_of(practitioner: Practitioner, clinic: Clinic, *, version: int, now: datetime) -> dict:
    """The profile document of a practitioner (a tombstone once they are no longer public)."""
    ref = ref_of(practitioner)
    if not is_public(practitioner):
        return {"type": "tombstone", "ref": ref, "version": version}
    here = base_url()
    practice = {"name": clinic.name, "address": clinic.address, "postcode": clinic.postcode, "city": clinic.city}
    if clinic.phone:
        practice["phone"] = clinic.phone
    if clinic.latitude is not None and clinic.longitude is not None:
        practice.update(latitude=clinic.latitude, longitude=clinic.longitude)
    return {
        "type": "profile",
        "ref": ref,
        "version": version,
        "updated_at": now.isoformat(),
        "title": practitioner.title,
        "first_name": practitioner.first_name,
        "last_name": practitioner.last_name,
        "rpps": practitioner.rpps,
        "specialty": practitioner.specialty_code,
        "languages": practitioner.languages or ["fr"],
        "sector": practitioner.sector,
        "accepts_new_patients": practitioner.accepts_new_patients,
        "teleconsultation": practitioner.teleconsultation,
        "wheelchair_accessible": clinic.wheelchair_accessible,
        "practice": practice,
        "booking_url": here + reverse("practitioner", args=[practitioner.pk]),
        "availability_url": here + reverse("api-next-slot", args=[practitioner.pk]),
    }


def next_versions(refs: list[str], *, now: datetime) -> dict[str, int]:
    """A version greater than any sent for each ref: the clock in milliseconds, or one more."""
    last = dict(
        OutboxMessage.objects.filter(ref__in=refs)
        .values("ref")
        .annotate(last=Max("version"))
        .values_list("ref", "last")
    )
    clock = int(now.timestamp() * 1000)
    return {ref: max(clock, last.get(ref, 0) + 1) for ref in refs}


def was_published(practitioner: Practitioner) -> bool:
    return OutboxMessage.objects.filter(ref=ref_of(practitioner)).exists()


@transaction.atomic
def publish(practitioner_ids: list[int], *, now: datetime, registrations=None) -> int:
    """Queue a new version of these practitioners' documents for every directory; returns the rows queued."""
    registrations = list(
        registrations
        if registrations is not None
        else DirectoryRegistration.objects.exclude(status=DirectoryRegistration.Status.SUSPENDED)
    )
    if not registrations or not practitioner_ids:
        return 0
    clinic = Clinic.load()
    practitioners = list(Practitioner.objects.filter(pk__in=practitioner_ids))
    versions = next_versions([ref_of(practitioner) for practitioner in practitioners], now=now)
    messages = []
    for practitioner in practitioners:
        document = document_of(practitioner, clinic, version=versions[ref_of(practitioner)], now=now)
        messages += [
            OutboxMessage(registration=registration, ref=document["ref"], version=document["version"],
                          document=document, next_attempt_at=now)
            for registration in registrations
        ]  # fmt: skip
    OutboxMessage.objects.bulk_create(messages)
    return len(messages)


def publishable_ids() -> list[int]:
    """Practitioners directories should hear about: public ones, and those once published (a tombstone)."""
    published = set(OutboxMessage.objects.values_list("ref", flat=True).distinct())
    return [p.pk for p in Practitioner.objects.all() if is_public(p) or ref_of(p) in published]


def publish_everything(*, now: datetime, registration: DirectoryRegistration | None = None) -> int:
    """After registering with a directory, or a change of the practice: every publishable practitioner."""
    return publish(publishable_ids(), now=now, registrations=None if registration is None else [registration])


@dataclass
class DeliveryReport:
    delivered: int = 0
    superseded: int = 0
    failed: int = 0


def deliver_due(*, now: datetime) -> DeliveryReport:
    """Send the messages whose time has come; the newest version per profile and directory only."""
    report = DeliveryReport()
    while True:
        # Claimed in a short transaction, sent outside it: no lock is held while a directory answers.
        with transaction.atomic():
            due = list(
                OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(delivered_at__isnull=True, next_attempt_at__lte=now)
                .select_related("registration")
                .order_by("next_attempt_at", "pk")[:BATCH]
            )
            OutboxMessage.objects.filter(pk__in=[message.pk for message in due]).update(next_attempt_at=now + LEASE)
        for message in due:
            _deliver(message, now=now, report=report)
        if len(due) < BATCH:
            return report


def _deliver(message: OutboxMessage, *, now: datetime, report: DeliveryReport) -> None:
    newer = OutboxMessage.objects.filter(
        registration=message.registration, ref=message.ref, version__gt=message.version
    ).exists()
    if newer:
        message.delivered_at, message.last_error = now, "superseded"
        message.save(update_fields=["delivered_at", "last_error"])
        report.superseded += 1
        return
    url = f"{message.registration.base_url}/federation/v1/profiles/{message.ref}"
    try:
        status, answer = signed_fetch("PUT", url, message.document)
        error = "" if 200 <= status < 300 else f"{status} {answer.get('error', '')}".strip()
    except (FetchRefused, UnusableKey) as failure:
        error = str(failure)
    if not error:
        message.delivered_at, message.last_error = now, ""
        message.save(update_fields=["delivered_at", "last_error"])
        report.delivered += 1
        return
    message.attempts += 1
    message.next_attempt_at = now + min(timedelta(seconds=10 * 2**message.attempts), MAX_BACKOFF)
    message.last_error = error[:200]
    message.save(update_fields=["attempts", "next_attempt_at", "last_error"])
    logger.warning("federation: %s v%s to %s failed (%s)", message.ref, message.version, url, message.last_error)
    metrics.FEDERATION_DELIVERY_FAILURES.inc()
    report.failed += 1


def tombstones_for_deleted(practitioner: Practitioner, *, now: datetime) -> None:
    """A deleted practitioner leaves every directory."""
    ref = ref_of(practitioner)
    version = next_versions([ref], now=now)[ref]
    document = {"type": "tombstone", "ref": ref, "version": version}
    OutboxMessage.objects.bulk_create(
        OutboxMessage(registration=registration, ref=document["ref"], version=version, document=document,
                      next_attempt_at=now)
        for registration in DirectoryRegistration.objects.exclude(status=DirectoryRegistration.Status.SUSPENDED)
    )  # fmt: skip
