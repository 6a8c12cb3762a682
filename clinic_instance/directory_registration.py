"""Registering this instance with a directory (federation/PROTOCOL.md §5)."""

from django.conf import settings
from django.utils import timezone

from config.federation_node import base_url, fetch_discovery, signed_fetch
from federation.documents import normalize_base_url

from .models import DirectoryRegistration
from .publication import publish_everything


class RegistrationFailed(Exception):
    pass


def register_with(directory_url: str) -> DirectoryRegistration:
    """Ask the directory at directory_url to take this instance's profiles; record its answer.

    Raises RegistrationFailed (with the directory's reason), or what fetching raises
    (federation.fetch.FetchRefused, federation.documents.InvalidDocument).
    """
    if not settings.OPENRDV_BASE_URL:
        raise RegistrationFailed(
            "set OPENRDV_BASE_URL to this instance's public address first (e.g. https://rdv.example.fr)"
        )
    directory = fetch_discovery(normalize_base_url(directory_url))
    if directory.role != "directory" or "register" not in directory.endpoints:
        raise RegistrationFailed(f"{directory.base_url} is not a directory that takes registrations")
    status, answer = signed_fetch("POST", directory.endpoints["register"], {"base_url": base_url()})
    if status != 202 or answer.get("status") not in DirectoryRegistration.Status.values:
        raise RegistrationFailed(
            f"the directory answered {status}: {answer.get('error', '?')} {answer.get('detail', '')}"
        )
    registration, created = DirectoryRegistration.objects.update_or_create(
        base_url=directory.base_url,
        defaults={
            "name": directory.name[:200],
            "status": answer["status"],
            "keys": [key.to_document() for key in directory.keys],
            "updated_at": timezone.now(),
        },
    )
    if created:
        publish_everything(now=timezone.now(), registration=registration)
    return registration
