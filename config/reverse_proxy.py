"""The client's address behind a reverse proxy, decided in one place.

Behind nginx every request arrives from the proxy's own address (127.0.0.1), so whatever counts
per address (phone codes, waiting-list joins, sign-in lockouts, the audit trail's "from where")
would count all patients as one. The proxy names the client in X-Forwarded-For; that header is
believed only when the connection comes from an address in TRUSTED_PROXIES, since anyone else
can write it. ClientAddressMiddleware, first in MIDDLEWARE, then replaces REMOTE_ADDR, so every
later reader (django-axes included, through client_address) sees the same address.
"""

from collections.abc import Callable, Iterable
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse

Network = IPv4Network | IPv6Network


def parse_networks(name: str, values: Iterable[str]) -> tuple[Network, ...]:
    """Addresses or networks (`127.0.0.1`, `10.0.0.0/8`, `::1`); a bad one stops the start-up with its name."""
    networks = []
    for value in values:
        try:
            networks.append(ip_network(value.strip(), strict=False))
        except ValueError:
            raise ImproperlyConfigured(f"{name}: {value!r} is not an IP address or network.") from None
    return tuple(networks)


def _is_trusted(address: str, trusted: tuple[Network, ...]) -> bool:
    try:
        parsed = ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in trusted)


def resolve_client_address(peer: str, forwarded_for: str, trusted: tuple[Network, ...]) -> str:
    """The first address from the right of the proxies' chain that is not a trusted proxy.

    nginx's `$proxy_add_x_forwarded_for` appends the address it saw, so the rightmost entries are
    the ones our proxies wrote; whatever a client put on the left is its own claim and is never
    reached while an untrusted hop stands to its right. A malformed entry ends the walk at the
    last trusted hop.
    """
    if not forwarded_for or not _is_trusted(peer, trusted):
        return peer
    client = peer
    for hop in reversed([entry.strip() for entry in forwarded_for.split(",")]):
        try:
            ip_address(hop)
        except ValueError:
            return client
        client = hop
        if not _is_trusted(hop, trusted):
            return hop
    return client


class ClientAddressMiddleware:
    """Set REMOTE_ADDR to the client's address when the request came through a trusted proxy."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        peer = request.META.get("REMOTE_ADDR", "")
        request.META["REMOTE_ADDR"] = resolve_client_address(
            peer, request.META.get("HTTP_X_FORWARDED_FOR", ""), settings.TRUSTED_PROXIES
        )
        return self.get_response(request)


def client_address(request: HttpRequest) -> str | None:
    """django-axes' AXES_CLIENT_IP_CALLABLE: the address the middleware decided, never a header."""
    return request.META.get("REMOTE_ADDR") or None


@register(Tags.security, deploy=True)
def proxy_is_trusted(app_configs, **kwargs) -> list[Error]:
    """Behind a TLS proxy that is not trusted, every visitor would be the proxy's address."""
    if settings.BEHIND_TLS_PROXY and not settings.TRUSTED_PROXIES:
        return [
            Error(
                "BEHIND_TLS_PROXY is set but TRUSTED_PROXIES is empty: every visitor would reach the "
                "application as the proxy's address, and one client could exhaust the per-address limits "
                "(phone codes) for all patients.",
                hint="Set TRUSTED_PROXIES to the proxy's address, e.g. 127.0.0.1 for nginx on the same machine.",
                id="openrdv.E001",
            )
        ]
    return []


@register(Tags.caches)
def cache_is_shared(app_configs, **kwargs) -> list[Error]:
    """Outside DEBUG the cache must be shared by every worker process.

    The federation's replay store and the per-address limits live in the cache: in a per-process
    cache a signed request replayed to another gunicorn worker is accepted again.
    """
    backend = settings.CACHES["default"]["BACKEND"]
    if settings.DEBUG or backend.rsplit(".", 2)[-2] not in {"locmem", "dummy"}:
        return []
    return [
        Error(
            f"The cache ({backend}) is not shared between processes: replayed federation requests would be "
            "accepted by another worker.",
            hint="Set REDIS_URL (e.g. redis://127.0.0.1:6379/0).",
            id="openrdv.E002",
        )
    ]
