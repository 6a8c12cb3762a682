"""A server's Ed25519 keys: published with their validity, rotated with a grace period.

Each server signs its requests with its current key. Peers learn the public
keys from its discovery document (`/.well-known/openrdv`), each with an id and
a validity window: after a rotation the old key keeps verifying until the end
of its grace period, then is refused; a revoked key is refused at once.

The private keys live in files outside the database (`KeyStore`), PKCS#8 PEM,
encrypted when a passphrase is given, readable by their owner only.
"""

import base64
import hashlib
import json
import os
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ALGORITHM = "ed25519"
DEFAULT_GRACE = timedelta(days=7)


class UnusableKey(Exception):
    """A key document or key file that cannot be used."""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    if not isinstance(text, str) or len(text) > 1024:
        raise UnusableKey("not base64url text")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as error:
        raise UnusableKey("not base64url text") from error


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _parse_iso(text, field: str) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError as error:
        raise UnusableKey(f"{field}: not an ISO 8601 date-time") from error
    if moment.tzinfo is None:
        raise UnusableKey(f"{field}: needs a time zone")
    return moment


@dataclass(frozen=True)
class PublicKey:
    """A public key as peers see it."""

    key_id: str
    raw: bytes  # 32 bytes
    not_before: datetime
    not_after: datetime | None = None  # None: the current key
    revoked: bool = False

    def usable_at(self, moment: datetime) -> bool:
        if self.revoked or moment < self.not_before:
            return False
        return self.not_after is None or moment <= self.not_after

    def cryptography_key(self) -> Ed25519PublicKey:
        return Ed25519PublicKey.from_public_bytes(self.raw)

    def to_document(self) -> dict:
        return {
            "id": self.key_id,
            "alg": ALGORITHM,
            "public_key": b64url(self.raw),
            "not_before": _iso(self.not_before),
            "not_after": _iso(self.not_after),
            "revoked": self.revoked,
        }

    @classmethod
    def from_document(cls, document: dict) -> "PublicKey":
        if not isinstance(document, dict):
            raise UnusableKey("a key is an object")
        if document.get("alg") != ALGORITHM:
            raise UnusableKey(f"unsupported key algorithm: {str(document.get('alg'))[:20]!r}")
        raw = b64url_decode(document.get("public_key"))
        if len(raw) != 32:
            raise UnusableKey("an Ed25519 public key has 32 bytes")
        key_id = document.get("id")
        if key_id != key_id_of(raw):
            raise UnusableKey("the key id does not match the key")
        not_before = _parse_iso(document.get("not_before"), "not_before")
        if not_before is None:
            raise UnusableKey("not_before is required")
        return cls(
            key_id=key_id,
            raw=raw,
            not_before=not_before,
            not_after=_parse_iso(document.get("not_after"), "not_after"),
            revoked=document.get("revoked") is True,
        )


def key_id_of(raw_public_key: bytes) -> str:
    """A key's id names it by its content: nobody can publish another key under it."""
    return "ed25519-" + b64url(hashlib.sha256(raw_public_key).digest())[:22]


def raw_public_bytes(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


class KeyStore:
    """The keys of this server, in a directory: `keys.json` (public, with validity) and one PEM per private key."""

    def __init__(self, directory: Path, passphrase: str = "") -> None:
        self.directory = Path(directory)
        self.passphrase = passphrase.encode() if passphrase else None

    @property
    def _index(self) -> Path:
        return self.directory / "keys.json"

    def public_keys(self) -> list[PublicKey]:
        if not self._index.exists():
            return []
        try:
            documents = json.loads(self._index.read_text(encoding="utf-8"))
        except ValueError as error:
            raise UnusableKey(f"{self._index}: not JSON") from error
        return [PublicKey.from_document(document) for document in documents]

    def current(self, now: datetime) -> tuple[PublicKey, Ed25519PrivateKey]:
        """The key to sign with: the newest usable one."""
        usable = [key for key in self.public_keys() if key.not_after is None and key.usable_at(now)]
        if not usable:
            raise UnusableKey("no current key: run the key set-up command first")
        key = max(usable, key=lambda candidate: candidate.not_before)
        return key, self._private_key(key.key_id)

    def create(self, now: datetime) -> PublicKey:
        """A first key, or a new one alongside (see rotate)."""
        private_key = Ed25519PrivateKey.generate()
        raw = raw_public_bytes(private_key.public_key())
        key = PublicKey(key_id=key_id_of(raw), raw=raw, not_before=now.replace(microsecond=0))
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        encryption = (
            serialization.BestAvailableEncryption(self.passphrase) if self.passphrase else serialization.NoEncryption()
        )
        pem = private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
        _write_private(self.directory / f"{key.key_id}.pem", pem)
        self._save([*self.public_keys(), key])
        return key

    def rotate(self, now: datetime, grace: timedelta = DEFAULT_GRACE) -> PublicKey:
        """A new current key; the previous ones keep verifying until now + grace."""
        retired = [replace(key, not_after=now + grace) if key.not_after is None else key for key in self.public_keys()]
        self._save(retired)
        return self.create(now)

    def revoke(self, key_id: str) -> None:
        keys = self.public_keys()
        if key_id not in {key.key_id for key in keys}:
            raise UnusableKey(f"no key {key_id}")
        self._save([replace(key, revoked=True) if key.key_id == key_id else key for key in keys])
        (self.directory / f"{key_id}.pem").unlink(missing_ok=True)

    def _private_key(self, key_id: str) -> Ed25519PrivateKey:
        try:
            pem = (self.directory / f"{key_id}.pem").read_bytes()
            key = serialization.load_pem_private_key(pem, password=self.passphrase)
        except (OSError, ValueError, TypeError) as error:
            raise UnusableKey(f"private key {key_id} cannot be read (missing file or wrong passphrase)") from error
        if not isinstance(key, Ed25519PrivateKey):
            raise UnusableKey(f"private key {key_id} is not Ed25519")
        return key

    def _save(self, keys: list[PublicKey]) -> None:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        temporary = self._index.with_suffix(".tmp")
        temporary.write_text(json.dumps([key.to_document() for key in keys], indent=2), encoding="utf-8")
        temporary.replace(self._index)


def _write_private(path: Path, content: bytes) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(content)
