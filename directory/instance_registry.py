"""Clinic instances registering with this directory (federation/PROTOCOL.md §5).

An instance proves it controls its base URL: the key that signed its request
must be published in the discovery document served at that base URL, which
the directory fetches itself. It then waits for a moderator, unless its base
URL is on the operator's allow-list (DIRECTORY_INSTANCE_ALLOWLIST).
"""

import json
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from config.federation_node import fetch_discovery, verify_signed
from federation.documents import InvalidDocument, normalize_base_url
from federation.fetch import FetchRefused
from federation.keys import PublicKey

from .models import Instance


class RegistrationRefused(Exception):
    def __init__(self, status: int, error: str, detail: str = "") -> None:
        super().__init__(f"{error}: {detail}")
        self.status, self.error, self.detail = status, error, detail


@dataclass(frozen=True)
class Registered:
    instance: Instance
    created: bool


def register(request: HttpRequest) -> Registered:
    """Register (or refresh) the instance behind a signed registration request.

    Raises RegistrationRefused (400, 502) and federation.signing.SignatureRejected (401).
    """
    try:
        payload = json.loads(request.body)
        base_url = normalize_base_url(payload["base_url"])
    except (ValueError, KeyError, TypeError, InvalidDocument) as error:
        raise RegistrationRefused(400, "base_url", "a JSON object with the instance's base_url") from error
    try:
        discovery = fetch_discovery(base_url)
    except (FetchRefused, InvalidDocument) as error:
        raise RegistrationRefused(502, "discovery_failed", str(error)[:200]) from error
    if discovery.role != "clinic":
        raise RegistrationRefused(400, "not_a_clinic_instance")
    published = {key.key_id: key for key in discovery.keys}
    verify_signed(request, published.get)
    now = timezone.now()
    allowed = base_url in {normalize_base_url(url) for url in settings.DIRECTORY_INSTANCE_ALLOWLIST}
    instance, created = Instance.objects.get_or_create(
        base_url=base_url, defaults={"name": discovery.name[:200], "status": Instance.Status.PENDING}
    )
    instance.name = discovery.name[:200]
    instance.keys = [key.to_document() for key in discovery.keys]
    instance.keys_fetched_at = instance.last_seen_at = now
    if allowed and instance.status == Instance.Status.PENDING:
        instance.status = Instance.Status.APPROVED
    instance.save()
    return Registered(instance=instance, created=created)


def keys_of(instance: Instance) -> dict[str, PublicKey]:
    return {document["id"]: PublicKey.from_document(document) for document in instance.keys}


def signing_keys() -> dict[str, tuple[Instance, PublicKey]]:
    """Every key of a registered, not suspended, instance, by id: who signed a request."""
    found = {}
    for instance in Instance.objects.exclude(status=Instance.Status.SUSPENDED).only("pk", "base_url", "status", "keys"):
        for key in keys_of(instance).values():
            found[key.key_id] = (instance, key)
    return found
