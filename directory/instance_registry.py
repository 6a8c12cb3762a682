"""Clinic instances registering with this directory (federation/PROTOCOL.md §5).

An instance proves it controls its base URL: the key that signed its request
must be published in the discovery document served at that base URL, which
the directory fetches itself. It then waits for a moderator, unless its base
URL is on the operator's allow-list (DIRECTORY_INSTANCE_ALLOWLIST).

Two attacks shape the order of the checks:
- Key confusion: a server may list in its discovery document a key it does
  not hold (another clinic's public key). So an instance holds only the keys
  it proved: the one that signed a registration, and those it held before
  and still lists (after a rotation, the old key in its grace period). A key
  held by one instance cannot be held by another (a unique key id), and a
  discovery document listing another instance's key is refused.
- Port scanning through the directory: everything that can be checked
  without a connection (the body, the signature's structure, time window,
  digest, replay) is checked first; the attempts that make the directory
  connect somewhere are limited per network and per target host; and every
  way the proof fails (nothing listening, not HTTP, TLS, a directory, a
  clinic that does not publish the key) gets one answer, its reason logged.
"""

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.http import HttpRequest

from config.client_networks import network_digest
from config.federation_node import CacheReplayStore, fetch_discovery, verify_signed
from federation.documents import Discovery, InvalidDocument, normalize_base_url
from federation.fetch import FetchRefused
from federation.keys import PublicKey, UnusableKey
from federation.signing import SignatureRejected, check_shape

from .models import Instance, InstanceKey, RegistrationAttempt

logger = logging.getLogger("openrdv.federation")
ATTEMPT_WINDOW = timedelta(hours=1)
ATTEMPTS_PER_NETWORK = 20  # unproven registrations from one client address (IPv6: its /64) an hour
ATTEMPTS_PER_HOST = 10  # unproven registrations naming one target host an hour, whatever the port
NOT_PROVEN = "no clinic instance at this base URL published the key that signed the request"


class RegistrationRefused(Exception):
    def __init__(self, status: int, error: str, detail: str = "", retry_after: int = 0) -> None:
        super().__init__(f"{error}: {detail}")
        self.status, self.error, self.detail, self.retry_after = status, error, detail, retry_after


@dataclass(frozen=True)
class Registered:
    instance: Instance
    created: bool


def register(request: HttpRequest, *, now: datetime) -> Registered:
    """Register (or refresh) the instance behind a signed registration request.

    Raises RegistrationRefused (400, 409, 429, 502) and federation.signing.SignatureRejected (401, before
    any outbound connection).
    """
    base_url = _base_url_of(request.body)
    check_shape(request.headers.items(), request.body, now=now, already_seen=_already_seen)
    attempt = _count_attempt(address=request.META.get("REMOTE_ADDR", ""), base_url=base_url, now=now)
    try:
        discovery = fetch_discovery(base_url)
        if discovery.role != "clinic":
            raise InvalidDocument("role", "not a clinic instance")
        published = {key.key_id: key for key in discovery.keys}
        verified = verify_signed(request, published.get)
    except (FetchRefused, InvalidDocument, SignatureRejected) as error:
        # Only the log says why: the answer must not tell a closed port from a TLS server or a clinic.
        logger.info("federation: registration of %s not proven: %s", base_url, str(error)[:200])
        raise RegistrationRefused(502, "discovery_failed", NOT_PROVEN) from error
    try:
        with transaction.atomic():
            registered = _record(base_url, discovery, signed_with=verified.key_id, now=now)
    except IntegrityError as error:  # another registration took one of these keys meanwhile
        raise _key_taken() from error
    RegistrationAttempt.objects.filter(pk=attempt.pk).delete()  # proven: it no longer counts
    return registered


def signer_of(key_id: str) -> tuple[Instance, PublicKey] | None:
    """The instance holding this key, and the key, unless the instance is suspended.

    A pending instance's key speaks only for that instance (its pushes are then refused as not approved).
    """
    held = (
        InstanceKey.objects.select_related("instance")
        .filter(key_id=key_id)
        .exclude(instance__status=Instance.Status.SUSPENDED)
        .first()
    )
    if held is None:
        return None
    try:
        return held.instance, PublicKey.from_document(held.document)
    except UnusableKey:
        return None


def _base_url_of(body: bytes) -> str:
    try:
        payload = json.loads(body)
        return normalize_base_url(payload["base_url"])
    except (ValueError, KeyError, TypeError, InvalidDocument) as error:
        raise RegistrationRefused(400, "base_url", "a JSON object with the instance's base_url") from error


def _already_seen(fingerprint: str) -> bool:
    return cache.get(CacheReplayStore.prefix + fingerprint) is not None


def _count_attempt(*, address: str, base_url: str, now: datetime) -> RegistrationAttempt:
    """Record an attempt about to connect to `base_url`, or raise 429 past the limits."""
    since = now - ATTEMPT_WINDOW
    RegistrationAttempt.objects.filter(created_at__lt=since).delete()
    network, host = network_digest(address, purpose="directory:registration"), urlsplit(base_url).hostname or ""
    recent = RegistrationAttempt.objects.filter(created_at__gte=since)
    for kept, limit in ((recent.filter(network_digest=network), ATTEMPTS_PER_NETWORK),
                        (recent.filter(target_host=host), ATTEMPTS_PER_HOST)):  # fmt: skip
        oldest = kept.order_by("created_at").values_list("created_at", flat=True)[:limit]
        if len(oldest) >= limit:
            retry_after = max(1, int((oldest[0] + ATTEMPT_WINDOW - now).total_seconds()) + 1)
            raise RegistrationRefused(
                429, "too_many_attempts", "too many registrations not proven; try again later", retry_after
            )
    return RegistrationAttempt.objects.create(network_digest=network, target_host=host, created_at=now)


def _record(base_url: str, discovery: Discovery, *, signed_with: str, now: datetime) -> Registered:
    """Store the instance and the keys it proved; refuse a document listing another instance's key."""
    listed = {key.key_id: key for key in discovery.keys}
    instance = Instance.objects.select_for_update().filter(base_url=base_url).first()
    others = InstanceKey.objects.filter(key_id__in=listed)
    if instance is not None:
        others = others.exclude(instance=instance)
    if others.exists():
        raise _key_taken()
    created = instance is None
    if created:
        instance = Instance(base_url=base_url, status=Instance.Status.PENDING)
    instance.name = discovery.name[:200]
    instance.keys_fetched_at = instance.last_seen_at = now
    allowed = base_url in {normalize_base_url(url) for url in settings.DIRECTORY_INSTANCE_ALLOWLIST}
    if allowed and instance.status == Instance.Status.PENDING:
        instance.status = Instance.Status.APPROVED
    instance.save()
    held = set(instance.public_keys.values_list("key_id", flat=True))
    proven = {signed_with} | (held & listed.keys())
    instance.public_keys.exclude(key_id__in=proven).delete()
    for key_id in proven:
        InstanceKey.objects.update_or_create(
            instance=instance, key_id=key_id, defaults={"document": listed[key_id].to_document()}
        )
    return Registered(instance=instance, created=created)


def _key_taken() -> RegistrationRefused:
    return RegistrationRefused(
        409, "key_held_by_another_instance", "a key of this discovery document belongs to another instance"
    )
