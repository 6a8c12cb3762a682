"""Directories' pages may read this instance's availability from the patient's browser (PROTOCOL.md §7).

Only the origins of the directories this instance registered with get a CORS
answer; the directory itself never proxies or stores availability.
"""

import time
from collections.abc import Callable
from functools import wraps

from federation.documents import origin_of

from .models import DirectoryRegistration

ORIGINS_TTL_S = 60.0
_origins: tuple[float, frozenset[str]] = (float("-inf"), frozenset())


def directory_origins() -> frozenset[str]:
    global _origins
    loaded_at, origins = _origins
    if time.monotonic() - loaded_at > ORIGINS_TTL_S:
        urls = DirectoryRegistration.objects.exclude(status=DirectoryRegistration.Status.SUSPENDED).values_list(
            "base_url", flat=True
        )
        origins = frozenset(origin_of(url) for url in urls)
        _origins = (time.monotonic(), origins)
    return origins


def forget_origins() -> None:
    global _origins
    _origins = (float("-inf"), frozenset())


def readable_by_directories(view: Callable) -> Callable:
    """A GET view whose answer the registered directories' pages may read (no credentials)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        origin = request.headers.get("Origin", "")
        if origin and origin.lower() in directory_origins():
            response["Access-Control-Allow-Origin"] = origin
        response["Vary"] = ", ".join(filter(None, [response.get("Vary", ""), "Origin"]))
        return response

    return wrapped
