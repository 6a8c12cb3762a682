"""Signed requests between servers: HTTP Message Signatures (RFC 9421) over a Content-Digest (RFC 9530).

Every request a server sends to another carries one signature, labelled
`openrdv`, covering the method, the target URI, the authority and the body's
digest, with `created`, `expires` (at most WINDOW later), `keyid`, `alg` and a
random `nonce`. The receiver refuses, each with its own reason and never
with a server error: a missing or malformed signature, another algorithm, a
key it does not know or that is revoked or past its grace period, a body
that does not match its digest, a request signed too long ago or in the
future, and a signature it has already seen (the replay store keeps each one
until it expires anyway).

The RFC 9421 mechanics (signature base, structured fields) are the
`http-message-signatures` library's; this module is the policy.
"""

import hashlib
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import http_sf
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from http_message_signatures import (
    ContentDigest,
    HTTPMessageSignaturesException,
    HTTPMessageSigner,
    HTTPMessageVerifier,
    HTTPSignatureKeyResolver,
    InvalidSignature,
    algorithms,
)

from .keys import ALGORITHM, PublicKey
from .replay import ReplayStore

LABEL = "openrdv"
TAG = "openrdv-federation"
COVERED = ("@method", "@target-uri", "@authority", "content-digest")
WINDOW = timedelta(minutes=5)  # a signature lives at most this long
CLOCK_SKEW = timedelta(seconds=30)  # tolerated between two servers' clocks
MAX_HEADER_LENGTH = 4096
KEY_ID_FORM = re.compile(r"ed25519-[A-Za-z0-9_-]{22}")  # federation.keys.key_id_of


class SignatureRejected(Exception):
    """Why a signed request is refused: `reason` is short and stable (logged, and sent back as the error code)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Verified:
    key_id: str
    created: datetime


class _Message:
    """What the library reads of a request: method, absolute URL, header lines."""

    def __init__(self, method: str, url: str, headers) -> None:
        self.method = method.upper()
        self.url = url
        self.headers = headers


class _Lines:
    """Received header lines, repeated names kept, in order (read-only)."""

    def __init__(self, lines: list[tuple[str, str]]) -> None:
        self._lines = lines

    def items(self) -> list[tuple[str, str]]:
        return self._lines


class _Verifier(HTTPMessageVerifier):
    def validate_created_and_expires(self, sig_input, max_age=None) -> None:
        """Done by verify_request against its own `now` (the library would read the clock)."""


class _Keys(HTTPSignatureKeyResolver):
    def __init__(self, private_key: Ed25519PrivateKey | None = None, public_key: PublicKey | None = None) -> None:
        self.private_key = private_key
        self.public_key = public_key

    def resolve_private_key(self, key_id: str):
        return self.private_key

    def resolve_public_key(self, key_id: str):
        return self.public_key.cryptography_key() if self.public_key else None


def sign_request(
    method: str, url: str, body: bytes, *, key_id: str, private_key: Ed25519PrivateKey, now: datetime
) -> dict[str, str]:
    """The headers that sign this request: Content-Digest, Signature-Input, Signature."""
    headers: dict[str, str] = {}
    signer = HTTPMessageSigner(signature_algorithm=algorithms.ED25519, key_resolver=_Keys(private_key=private_key))
    signer.sign(
        _Message(method, url, headers),
        key_id=key_id,
        created=now,
        expires=now + WINDOW,
        nonce=secrets.token_urlsafe(16),
        label=LABEL,
        tag=TAG,
        covered_component_ids=COVERED,
        body=body,
    )
    return headers


@dataclass(frozen=True)
class Shape:
    """What a request's headers and body say before any key is looked up: checked with no I/O."""

    key_id: str
    created: datetime
    expires: datetime
    signature: bytes

    @property
    def fingerprint(self) -> str:
        """What the replay store remembers of this signature."""
        return hashlib.sha256(self.signature).hexdigest()


def check_shape(
    headers: Iterable[tuple[str, str]],
    body: bytes,
    *,
    now: datetime,
    already_seen: Callable[[str], bool] | None = None,
) -> Shape:
    """Everything a receiver can check without the sender's keys: the signature's structure, its time
    window, the form of its key id, the body's digest, and (if `already_seen` is given) whether this
    signature was already accepted. Raises SignatureRejected.

    A receiver that must fetch something to find the key (a directory registering an instance) calls it
    first, so that a malformed, stale or replayed request costs it no outbound connection.
    """
    lines = [(name, value) for name, value in headers]
    if any(
        len(value) > MAX_HEADER_LENGTH for name, value in lines if name.lower().startswith(("signature", "content-d"))
    ):
        raise SignatureRejected("malformed_signature", "header too long")
    params, signature = _our_signature(lines)
    if params.get("alg") != ALGORITHM:
        raise SignatureRejected("unsupported_algorithm", str(params.get("alg"))[:20])
    created, expires = _moment(params, "created"), _moment(params, "expires")
    if created > now + CLOCK_SKEW:
        raise SignatureRejected("from_the_future")
    if expires < now - CLOCK_SKEW or created < now - WINDOW - CLOCK_SKEW:
        raise SignatureRejected("expired")
    if expires - created > WINDOW:
        raise SignatureRejected("window_too_long")
    key_id = params.get("keyid")
    if not isinstance(key_id, str) or not KEY_ID_FORM.fullmatch(key_id):
        raise SignatureRejected("unknown_key", "not the form of a key id")  # it cannot name any key
    _check_digest(lines, body)
    shape = Shape(key_id=key_id, created=created, expires=expires, signature=signature)
    if already_seen is not None and already_seen(shape.fingerprint):
        raise SignatureRejected("replayed")
    return shape


def verify_request(
    method: str,
    url: str,
    headers: Iterable[tuple[str, str]],
    body: bytes,
    *,
    find_key: Callable[[str], PublicKey | None],
    replay_store: ReplayStore,
    now: datetime,
) -> Verified:
    """Check a received request; raises SignatureRejected with the first reason found."""
    lines = [(name, value) for name, value in headers]
    shape = check_shape(lines, body, now=now)
    key = find_key(shape.key_id)
    if key is None:
        raise SignatureRejected("unknown_key")
    if key.revoked:
        raise SignatureRejected("key_revoked")
    # Usable now, and already valid when it signed (give or take the two clocks' skew).
    if not key.usable_at(now) or shape.created + CLOCK_SKEW < key.not_before:
        raise SignatureRejected("key_expired")
    verifier = _Verifier(signature_algorithm=algorithms.ED25519, key_resolver=_Keys(public_key=key))
    try:
        verifier.verify(
            _Message(method, url, _Lines(lines)), expect_tag=TAG, max_age=None, require_components=COVERED, body=body
        )
    except (InvalidSignature, HTTPMessageSignaturesException, ValueError) as error:
        raise SignatureRejected("bad_signature", str(error)[:200]) from error
    # Last, so that only genuine signatures take room in the store.
    if not replay_store.remember(shape.fingerprint, until=shape.expires + CLOCK_SKEW):
        raise SignatureRejected("replayed")
    return Verified(key_id=shape.key_id, created=shape.created)


def _our_signature(lines: list[tuple[str, str]]) -> tuple[dict, bytes]:
    """The parameters and bytes of the `openrdv` signature (the only one we read)."""
    inputs = ", ".join(value for name, value in lines if name.lower() == "signature-input")
    signatures = ", ".join(value for name, value in lines if name.lower() == "signature")
    if not inputs or not signatures:
        raise SignatureRejected("missing_signature")
    try:
        parsed_inputs = http_sf.parse(inputs.encode(), tltype="dictionary")
        parsed_signatures = http_sf.parse(signatures.encode(), tltype="dictionary")
    except (ValueError, TypeError, KeyError) as error:
        raise SignatureRejected("malformed_signature", "not a structured field dictionary") from error
    if LABEL not in parsed_inputs or LABEL not in parsed_signatures:
        raise SignatureRejected("missing_signature", f"no {LABEL!r} signature")
    (components, params), (signature, _) = parsed_inputs[LABEL], parsed_signatures[LABEL]
    if not isinstance(components, list) or not isinstance(signature, bytes):
        raise SignatureRejected("malformed_signature")
    covered = {value for value, _item_params in components}
    if not set(COVERED) <= covered:
        raise SignatureRejected("components_missing", ", ".join(sorted(set(COVERED) - covered)))
    return dict(params), signature


def _moment(params: dict, name: str) -> datetime:
    value = params.get(name)
    if type(value) is not int:
        raise SignatureRejected("malformed_signature", f"{name} is required, an integer")
    try:
        return datetime.fromtimestamp(value, tz=UTC)
    except (OverflowError, OSError, ValueError) as error:
        raise SignatureRejected("malformed_signature", f"{name} out of range") from error


def _check_digest(lines: list[tuple[str, str]], body: bytes) -> None:
    digest = ", ".join(value for name, value in lines if name.lower() == "content-digest")
    if not digest:
        raise SignatureRejected("missing_digest")
    try:
        ContentDigest.verify(digest, body)
    except (InvalidSignature, HTTPMessageSignaturesException, ValueError, TypeError) as error:
        raise SignatureRejected("digest_mismatch", str(error)[:200]) from error
