"""This server as a node of the federation: the Django side of the `federation` package.

Both roles use it: their keys (from settings), their discovery document at
`/.well-known/openrdv`, a replay store shared by all their processes (the
cache, Redis in production), and the `federation_keys` command.
"""

from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError
from django.http import HttpRequest, JsonResponse
from django.utils import timezone

from federation.documents import discovery_document, normalize_base_url
from federation.keys import DEFAULT_GRACE, KeyStore, PublicKey, UnusableKey


def key_store() -> KeyStore:
    return KeyStore(settings.FEDERATION_KEY_DIR, settings.FEDERATION_KEY_PASSPHRASE)


def base_url(request: HttpRequest | None = None) -> str:
    """This server's public base URL: OPENRDV_BASE_URL, else the address the request came to."""
    if settings.OPENRDV_BASE_URL or request is None:
        return normalize_base_url(settings.OPENRDV_BASE_URL or "http://127.0.0.1")
    return normalize_base_url(request.build_absolute_uri("/"))


def published_keys() -> list[PublicKey]:
    """The keys peers may verify with now: the current one and those in their grace period."""
    now = timezone.now()
    return [key for key in key_store().public_keys() if key.usable_at(now)]


def discovery_response(request: HttpRequest, *, role: str, endpoints: Callable[[str], dict[str, str]]) -> JsonResponse:
    here = base_url(request)
    document = discovery_document(
        role=role,
        name=settings.OPENRDV_SERVER_NAME or here,
        base_url=here,
        keys=published_keys(),
        endpoints=endpoints(here),
    )
    response = JsonResponse(document)
    response["Cache-Control"] = "public, max-age=60"
    response["Access-Control-Allow-Origin"] = "*"  # public by design: keys are public
    return response


class CacheReplayStore:
    """Signatures seen, in the shared cache (`cache.add` is atomic on Redis)."""

    prefix = "federation-seen:"

    def remember(self, fingerprint: str, *, until) -> bool:
        seconds = max(1, int((until - timezone.now()).total_seconds()) + 1)
        return cache.add(self.prefix + fingerprint, 1, timeout=seconds)


class KeysCommand(BaseCommand):
    help = (
        "This server's federation keys: creates the first one if there is none, lists them; "
        "--rotate makes a new current key (the old one keeps verifying for --grace-days), "
        "--revoke KEY_ID refuses a key at once."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--rotate", action="store_true", help="make a new current key")
        parser.add_argument(
            "--grace-days", type=int, default=DEFAULT_GRACE.days, help="days the previous key stays valid"
        )
        parser.add_argument("--revoke", metavar="KEY_ID", help="refuse this key from now on")

    def handle(self, *args, rotate: bool, grace_days: int, revoke: str | None, **options) -> None:
        store, now = key_store(), timezone.now()
        try:
            if revoke:
                store.revoke(revoke)
                self.stdout.write(f"Revoked {revoke}.")
            elif rotate:
                key = store.rotate(now, grace=timedelta(days=max(0, grace_days)))
                self.stdout.write(f"New current key {key.key_id}; the previous ones end in {grace_days} days.")
            elif not store.public_keys():
                key = store.create(now)
                self.stdout.write(f"Created key {key.key_id} in {store.directory}.")
            for key in store.public_keys():
                state = (
                    "revoked" if key.revoked
                    else "current" if key.not_after is None
                    else f"valid until {key.not_after:%Y-%m-%d %H:%M} UTC" if key.usable_at(now)
                    else "retired"
                )  # fmt: skip
                self.stdout.write(f"  {key.key_id}  {state}")
        except UnusableKey as error:
            raise CommandError(str(error)) from error
