"""The JSON documents servers exchange, and their validation on receipt.

A receiver never trusts a peer's document: only the fields below are kept
(anything else, a patient's name included, is dropped and reported), each
of its type and length; text is plain text (control characters removed; it
is escaped wherever it is shown); every URL a peer gives must be under its
own base URL, so that an instance can only send patients to itself.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from . import PROTOCOL_VERSION
from .keys import PublicKey, UnusableKey

ROLES = ("clinic", "directory")
REF = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
SPECIALTY_CODE = re.compile(r"^[a-z0-9-]{1,60}$")
LANGUAGE = re.compile(r"^[a-z]{2}$")
POSTCODE = re.compile(r"^[0-9AB]{5}$")  # Corsica: 2A/2B in INSEE codes, digits in postcodes
PHONE = re.compile(r"^\+[1-9][0-9]{6,14}$")  # E.164
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
TEXT_LIMITS = {
    "title": 20, "first_name": 100, "last_name": 100, "name": 200, "address": 200, "city": 100,
}  # fmt: skip
PROFILE_FIELDS = {
    "type", "ref", "version", "updated_at", "title", "first_name", "last_name", "rpps", "specialty",
    "languages", "sector", "accepts_new_patients", "teleconsultation", "wheelchair_accessible",
    "practice", "booking_url", "availability_url",
}  # fmt: skip
PRACTICE_FIELDS = {"name", "address", "postcode", "city", "latitude", "longitude", "phone"}


class InvalidDocument(Exception):
    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.message = message


@dataclass(frozen=True)
class Discovery:
    role: str
    name: str
    base_url: str
    protocol: str
    keys: tuple[PublicKey, ...]
    endpoints: dict[str, str]


@dataclass(frozen=True)
class Practice:
    name: str = ""
    address: str = ""
    postcode: str = ""
    city: str = ""
    latitude: float | None = None
    longitude: float | None = None
    phone: str = ""


@dataclass(frozen=True)
class ProfileDocument:
    ref: str
    version: int
    updated_at: datetime
    first_name: str
    last_name: str
    specialty: str
    booking_url: str
    title: str = ""
    rpps: str = ""
    languages: tuple[str, ...] = ("fr",)
    sector: str = ""
    accepts_new_patients: bool = True
    teleconsultation: bool = False
    wheelchair_accessible: bool = False
    practice: Practice = field(default_factory=Practice)
    availability_url: str = ""  # the instance's "next free slot" for this practitioner, read by browsers (§7)
    dropped: tuple[str, ...] = ()  # fields received and not kept, for the receiver's log


@dataclass(frozen=True)
class Tombstone:
    """A profile the instance no longer publishes."""

    ref: str
    version: int


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def is_under(url: str, base_url: str) -> bool:
    """Whether url is base_url or below it (same scheme, host and port, path prefix)."""
    url_parts, base_parts = urlsplit(url), urlsplit(base_url)
    if (url_parts.scheme, url_parts.netloc.lower()) != (base_parts.scheme, base_parts.netloc.lower()):
        return False
    base_path = base_parts.path.rstrip("/") + "/"
    return (url_parts.path.rstrip("/") + "/").startswith(base_path)


def normalize_base_url(url: str) -> str:
    """'HTTPS://Rdv.Example.fr/' -> 'https://rdv.example.fr'; raises InvalidDocument if it is not one."""
    parts = urlsplit(str(url).strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        raise InvalidDocument("base_url", "an http(s) URL with a host and no credentials")
    if parts.query or parts.fragment:
        raise InvalidDocument("base_url", "no query or fragment")
    return f"{parts.scheme}://{parts.netloc.lower()}{parts.path.rstrip('/')}"


def discovery_document(
    *, role: str, name: str, base_url: str, keys: list[PublicKey], endpoints: dict[str, str]
) -> dict:
    """This server's `/.well-known/openrdv` document."""
    return {
        "openrdv": PROTOCOL_VERSION,
        "role": role,
        "name": name,
        "base_url": base_url,
        "keys": [key.to_document() for key in keys],
        "endpoints": endpoints,
    }


def parse_discovery(data, *, fetched_from: str) -> Discovery:
    """A peer's discovery document, which must describe the server it was fetched from."""
    if not isinstance(data, dict):
        raise InvalidDocument("document", "a JSON object")
    if data.get("openrdv") != PROTOCOL_VERSION:
        raise InvalidDocument("openrdv", f"protocol version {PROTOCOL_VERSION} is required")
    if data.get("role") not in ROLES:
        raise InvalidDocument("role", "clinic or directory")
    base_url = normalize_base_url(data.get("base_url", ""))
    if normalize_base_url(fetched_from) != base_url:
        raise InvalidDocument("base_url", "not the server the document came from")
    keys_data = data.get("keys")
    if not isinstance(keys_data, list) or not keys_data or len(keys_data) > 20:
        raise InvalidDocument("keys", "a list of 1 to 20 keys")
    try:
        keys = tuple(PublicKey.from_document(key) for key in keys_data)
    except UnusableKey as error:
        raise InvalidDocument("keys", str(error)) from error
    endpoints = data.get("endpoints") or {}
    if not isinstance(endpoints, dict) or len(endpoints) > 20:
        raise InvalidDocument("endpoints", "an object")
    for name, url in endpoints.items():
        if not isinstance(url, str) or not is_under(url, base_url):
            raise InvalidDocument(f"endpoints.{name}", "a URL under base_url")
    return Discovery(
        role=data["role"],
        name=_text(data.get("name"), "name", 200) or base_url,
        base_url=base_url,
        protocol=PROTOCOL_VERSION,
        keys=keys,
        endpoints=dict(endpoints),
    )


def parse_profile_document(data, *, base_url: str) -> ProfileDocument | Tombstone:
    """A profile (or its tombstone) published by the instance at base_url."""
    if not isinstance(data, dict):
        raise InvalidDocument("document", "a JSON object")
    ref = data.get("ref")
    if not isinstance(ref, str) or not REF.match(ref):
        raise InvalidDocument("ref", "1 to 64 letters, digits, '.', '_' or '-'")
    version = data.get("version")
    if type(version) is not int or not 0 < version < 2**53:
        raise InvalidDocument("version", "a positive integer")
    if data.get("type") == "tombstone":
        return Tombstone(ref=ref, version=version)
    if data.get("type") != "profile":
        raise InvalidDocument("type", "profile or tombstone")
    booking_url = data.get("booking_url")
    if not isinstance(booking_url, str) or len(booking_url) > 500 or not is_under(booking_url, base_url):
        raise InvalidDocument("booking_url", "a URL on the publishing instance")
    availability_url = data.get("availability_url") or ""
    if availability_url and (
        not isinstance(availability_url, str) or len(availability_url) > 500 or not is_under(availability_url, base_url)
    ):
        raise InvalidDocument("availability_url", "a URL on the publishing instance")
    specialty = data.get("specialty")
    if not isinstance(specialty, str) or not SPECIALTY_CODE.match(specialty):
        raise InvalidDocument("specialty", "a specialty code")
    rpps = data.get("rpps", "")
    if rpps not in ("", None) and not (isinstance(rpps, str) and rpps.isdigit() and len(rpps) == 11):
        raise InvalidDocument("rpps", "11 digits")
    languages = data.get("languages", ["fr"])
    if (
        not isinstance(languages, list)
        or len(languages) > 10
        or not all(isinstance(code, str) and LANGUAGE.match(code) for code in languages)
    ):
        raise InvalidDocument("languages", "up to 10 two-letter codes")
    sector = data.get("sector", "")
    if sector not in ("", "1", "2", "3"):
        raise InvalidDocument("sector", "'', '1', '2' or '3'")
    flags = {}
    for name, default in (
        ("accepts_new_patients", True),
        ("teleconsultation", False),
        ("wheelchair_accessible", False),
    ):
        value = data.get(name, default)
        if not isinstance(value, bool):
            raise InvalidDocument(name, "true or false")
        flags[name] = value
    first_name, last_name = _text(data.get("first_name"), "first_name"), _text(data.get("last_name"), "last_name")
    if not last_name:
        raise InvalidDocument("last_name", "required")
    practice, dropped_practice = _practice(data.get("practice") or {})
    return ProfileDocument(
        ref=ref,
        version=version,
        updated_at=_moment(data.get("updated_at"), "updated_at"),
        title=_text(data.get("title"), "title"),
        first_name=first_name,
        last_name=last_name,
        rpps=rpps or "",
        specialty=specialty,
        languages=tuple(dict.fromkeys(languages)) or ("fr",),
        sector=sector,
        practice=practice,
        booking_url=booking_url,
        availability_url=availability_url,
        dropped=tuple(sorted(set(data) - PROFILE_FIELDS)) + dropped_practice,
        **flags,
    )


def _practice(data) -> tuple[Practice, tuple[str, ...]]:
    if not isinstance(data, dict):
        raise InvalidDocument("practice", "an object")
    postcode, phone = data.get("postcode", ""), data.get("phone", "")
    if postcode and not (isinstance(postcode, str) and POSTCODE.match(postcode)):
        raise InvalidDocument("practice.postcode", "five characters")
    if phone and not (isinstance(phone, str) and PHONE.match(phone)):
        raise InvalidDocument("practice.phone", "E.164, e.g. +33299000000")
    latitude, longitude = data.get("latitude"), data.get("longitude")
    if (latitude is None) != (longitude is None):
        raise InvalidDocument("practice.latitude", "both latitude and longitude, or neither")
    if latitude is not None:
        if not all(isinstance(value, int | float) and not isinstance(value, bool) for value in (latitude, longitude)):
            raise InvalidDocument("practice.latitude", "numbers")
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise InvalidDocument("practice.latitude", "a position on Earth")
    practice = Practice(
        name=_text(data.get("name"), "practice.name", TEXT_LIMITS["name"]),
        address=_text(data.get("address"), "practice.address", TEXT_LIMITS["address"]),
        postcode=postcode or "",
        city=_text(data.get("city"), "practice.city", TEXT_LIMITS["city"]),
        latitude=None if latitude is None else float(latitude),
        longitude=None if longitude is None else float(longitude),
        phone=phone or "",
    )
    return practice, tuple(f"practice.{name}" for name in sorted(set(data) - PRACTICE_FIELDS))


def _text(value, name: str, limit: int | None = None) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidDocument(name, "text")
    limit = limit or TEXT_LIMITS[name.rsplit(".", 1)[-1]]
    cleaned = " ".join(_CONTROL.sub(" ", value).split())
    if len(cleaned) > limit:
        raise InvalidDocument(name, f"at most {limit} characters")
    return cleaned


def _moment(value, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as error:
        raise InvalidDocument(name, "an ISO 8601 date-time") from error
    if moment.tzinfo is None:
        raise InvalidDocument(name, "an ISO 8601 date-time with its offset")
    return moment
