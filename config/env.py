"""Strict parsing of settings from the environment.

A value that cannot be parsed is an error at start-up, never a silent default.
Any variable may instead be read from a file named by `<NAME>_FILE` (for secrets
mounted by the service manager).
"""

import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
_UNSET = object()


def _raw(name: str) -> str | None:
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        if name in os.environ:
            raise ImproperlyConfigured(f"Set {name} or {name}_FILE, not both.")
        try:
            with open(file_name, encoding="utf-8") as handle:
                return handle.read().strip()
        except OSError as error:
            raise ImproperlyConfigured(f"{name}_FILE: cannot read {file_name}: {error}") from None
    return os.environ.get(name)


def string(name: str, default: object = _UNSET) -> str:
    value = _raw(name)
    if value is None:
        if default is _UNSET:
            raise ImproperlyConfigured(f"The environment variable {name} is required.")
        return default  # type: ignore[return-value]
    return value


def boolean(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false, 1/0, yes/no, on/off), not {value!r}.")


def integer(name: str, default: int) -> int:
    value = _raw(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


def string_list(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def region_codes(name: str, default: list[str]) -> frozenset[str]:
    """Comma-separated ISO 3166 region codes as the phonenumbers library knows them (FR, GP, ...).

    Upper case only: a lower-case or unknown code stops the start-up rather than silently allowing nothing.
    """
    import phonenumbers  # here, not at the top: only the clinic role parses region codes

    codes = string_list(name, default)
    unknown = [code for code in codes if code not in phonenumbers.SUPPORTED_REGIONS]
    if unknown:
        raise ImproperlyConfigured(
            f"{name}: {', '.join(map(repr, unknown))} is not an ISO 3166 region code (upper case, e.g. FR,GP,RE)."
        )
    if not codes:
        raise ImproperlyConfigured(f"{name} is empty: no SMS could be sent; list at least one region, e.g. FR.")
    return frozenset(codes)
