"""This server as a node of the federation: the Django side of the `federation` package.

Both roles use it: their keys (from settings), their discovery document at
`/.well-known/openrdv`, a replay store shared by all their processes (the
cache, Redis in production), and the `federation_keys` command.
"""

import json
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError
from django.http import HttpRequest, JsonResponse
from django.utils import timezone

from federation.documents import Discovery, InvalidDocument, discovery_document, normalize_base_url, parse_discovery
from federation.fetch import FetchPolicy, fetch
from federation.keys import DEFAULT_GRACE, KeyStore, PublicKey, UnusableKey
from federation.signing import SignatureRejected, Verified, sign_request, verify_request

logger = logging.getLogger("openrdv.federation")


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
                self.after_rotation()
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

    def after_rotation(self) -> None:
        """Tell peers that hold this server's keys (a clinic instance re-registers with its directories)."""


def fetch_policy() -> FetchPolicy:
    return FetchPolicy(allow_private=settings.FEDERATION_ALLOW_PRIVATE_ADDRESSES)


def fetch_discovery(peer_base_url: str) -> Discovery:
    """A peer's discovery document; raises FetchRefused or InvalidDocument."""
    response = fetch("GET", f"{peer_base_url}/.well-known/openrdv", policy=fetch_policy())
    if response.status != 200:
        raise InvalidDocument("document", f"answered {response.status}")
    return parse_discovery(_json(response.body), fetched_from=peer_base_url)


def signed_fetch(method: str, url: str, payload: dict | None = None) -> tuple[int, dict]:
    """Send a request signed with this server's current key; the peer's status and JSON answer."""
    body = b"" if payload is None else json.dumps(payload).encode()
    key, private_key = key_store().current(timezone.now())
    headers = sign_request(method, url, body, key_id=key.key_id, private_key=private_key, now=timezone.now())
    headers["Content-Type"] = "application/json"
    # No redirect: a signed request goes where it was signed for, or nowhere.
    response = fetch(method, url, policy=replace(fetch_policy(), max_redirects=0), headers=headers, body=body)
    try:
        return response.status, _json(response.body)
    except InvalidDocument:
        return response.status, {}


def verify_signed(request: HttpRequest, find_key: Callable[[str], PublicKey | None]) -> Verified:
    """Check a signed request to this server; raises SignatureRejected."""
    return verify_request(
        request.method,
        request.build_absolute_uri(),
        request.headers.items(),
        request.body,
        find_key=find_key,
        replay_store=CacheReplayStore(),
        now=timezone.now(),
    )


def refusal(error: SignatureRejected, *, peer: str) -> JsonResponse:
    """401 with the reason, and the reason in the log (never a 500)."""
    logger.warning("federation: refused a signed request from %s: %s", peer, error)
    return JsonResponse({"error": error.reason}, status=401)


def _json(body: bytes) -> dict:
    try:
        data = json.loads(body)
    except ValueError as error:
        raise InvalidDocument("document", "not JSON") from error
    if not isinstance(data, dict):
        raise InvalidDocument("document", "a JSON object")
    return data
