"""Outbound HTTP for the federation, safe against server-side request forgery.

Clinic instances and directories fetch URLs the other side chose (discovery documents, profile feeds,
registration challenges, pushes), and neither trusts the other: such a URL must never make us reach a
loopback, private or link-local address, such as a cloud metadata service or the database.

So fetch() resolves the host once, refuses it if any address is not public, and connects to the very
address it checked, so a second DNS answer cannot rebind the name; TLS still verifies the host name.
Each redirect is checked the same way, and the body size and total time are bounded.
"""

import contextlib
import http.client
import ipaddress
import socket
import threading
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import urllib3.exceptions
from urllib3 import HTTPResponse
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.util.ssl_match_hostname import CertificateError

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
DEFAULT_PORTS = {"http": 80, "https": 443}
CHUNK_BYTES = 65_536
# Dropped when a redirect turns the request into a GET.
BODY_HEADERS = frozenset({"content-type", "content-length", "content-encoding", "content-digest", "digest"})
# Not sent on to another host (urllib3 drops the same ones).
CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})
# IPv6 addresses in this prefix reach an IPv4 address (RFC 6052): judge that address.
NAT64_PREFIX = ipaddress.IPv6Network("64:ff9b::/96")
TRANSPORT_ERRORS = (OSError, http.client.HTTPException, urllib3.exceptions.HTTPError, CertificateError)


@dataclass(frozen=True)
class FetchPolicy:
    """What a fetch may do. The defaults suit a fetch from one federation server to another."""

    allow_private: bool = False  # operators, the demo and tests may reach loopback and private addresses
    max_redirects: int = 2
    max_body_bytes: int = 1_048_576
    timeout_s: float = 10.0  # for the whole fetch: every hop, its connection and its body
    user_agent: str = "OpenRDV-federation"


@dataclass(frozen=True)
class FetchResponse:
    url: str  # the final URL, after redirects
    status: int
    headers: dict[str, str]  # names in lower case
    body: bytes


class FetchRefused(Exception):
    """The fetch was refused or did not complete. `reason` is for callers to act on, the message for people.

    Reasons: bad_url, scheme, private_address, too_many_redirects, body_too_large, timeout, connection.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(reason, message)  # both in args, so that the exception pickles (Celery results)
        self.reason, self.message = reason, message

    def __str__(self) -> str:
        return f"{self.reason}: {self.message}"


@dataclass(frozen=True)
class _Target:
    url: str
    scheme: str
    hostname: str  # lower case; an IPv6 address without brackets
    port: int
    host_header: str
    request_target: str  # path and query


def is_public_address(address: str) -> bool:
    """Whether an IP address belongs to the public internet, where federation peers live.

    On Python 3.11 is_global lets multicast and some reserved ranges through; IPv6 addresses that carry an
    IPv4 address (IPv4-mapped, 6to4, NAT64) are judged by that address.
    """
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in NAT64_PREFIX:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFF_FFFF)
        if embedded is not None:
            return is_public_address(str(embedded))
    return ip.is_global and not (
        ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved or ip.is_unspecified
    )


def fetch(
    method: str,
    url: str,
    *,
    policy: FetchPolicy = FetchPolicy(),
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
) -> FetchResponse:
    """Send a request to a URL another server gave us, following at most policy.max_redirects.

    Raises FetchRefused rather than reach a non-public address, or when the peer is too slow, sends too much,
    or cannot be reached.
    """
    deadline = time.monotonic() + policy.timeout_s
    method = method.upper()
    headers = {name.lower(): value for name, value in (headers or {}).items()}
    target = _parse_target(url)
    for _hop in range(policy.max_redirects + 1):
        response = _fetch_once(method, target, headers, body, policy, deadline)
        location = response.headers.get("location")
        if response.status not in REDIRECT_STATUSES or not location:
            return response
        next_target = _parse_target(location, base=target.url)
        if (response.status == 303 and method != "HEAD") or (response.status in (301, 302) and method == "POST"):
            # As browsers do, and as servers expect: the redirected request is a GET, without a body.
            method, body = "GET", None
            headers = {name: value for name, value in headers.items() if name not in BODY_HEADERS}
        if next_target.hostname != target.hostname:
            headers = {name: value for name, value in headers.items() if name not in CREDENTIAL_HEADERS}
        target = next_target
    raise FetchRefused("too_many_redirects", f"more than {policy.max_redirects} redirects, the last to {target.url}")


def _fetch_once(
    method: str, target: _Target, headers: dict[str, str], body: bytes | None, policy: FetchPolicy, deadline: float
) -> FetchResponse:
    """One request and its response, over a connection to an address _checked_addresses accepted."""
    connection = _connect(target, _checked_addresses(target, policy), deadline)
    # Socket timeouts bound each wait, not their sum, which a peer sending a byte at a time could stretch
    # for ever: at the deadline, this timer shuts the socket down.
    timed_out = threading.Event()
    watchdog = threading.Timer(max(deadline - time.monotonic(), 0), _shut_down, args=(connection.sock, timed_out))
    watchdog.daemon = True
    watchdog.start()
    response = None
    try:
        request_headers = {"user-agent": policy.user_agent, **headers, "host": target.host_header}
        connection.request(method, target.request_target, body=body, headers=request_headers, preload_content=False)
        response = connection.getresponse()
        response_body = _read_body(response, policy.max_body_bytes)
    except TRANSPORT_ERRORS as error:
        raise _transport_refusal(error, timed_out.is_set()) from error
    finally:
        watchdog.cancel()
        if response is not None:
            response.close()
        connection.close()
    if timed_out.is_set():  # a socket shut down can look like a body that ended early
        raise FetchRefused("timeout", f"no complete answer from {target.hostname} within {policy.timeout_s} s")
    response_headers = {name.lower(): response.headers[name] for name in response.headers}
    return FetchResponse(url=target.url, status=response.status, headers=response_headers, body=response_body)


def _parse_target(url: str, base: str = "") -> _Target:
    """Accept only http(s) URLs with a host and no credentials, in printable ASCII; relative to base if given."""
    if not url.isascii() or any(character <= " " or character == "\x7f" for character in url):
        raise FetchRefused("bad_url", "a URL must be printable ASCII, without spaces (use punycode for names)")
    try:
        url = urljoin(base, url)
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise FetchRefused("bad_url", f"cannot parse the URL: {error}") from error
    if parts.scheme not in DEFAULT_PORTS:
        raise FetchRefused("scheme", f"only http and https URLs are fetched, not {parts.scheme or 'relative'} ones")
    if "@" in parts.netloc or not parts.hostname:
        raise FetchRefused("bad_url", "a URL needs a host, and must not carry credentials")
    host_header = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    if port is not None and port != DEFAULT_PORTS[parts.scheme]:
        host_header = f"{host_header}:{port}"
    request_target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return _Target(url, parts.scheme, parts.hostname, port or DEFAULT_PORTS[parts.scheme], host_header, request_target)


def _checked_addresses(target: _Target, policy: FetchPolicy) -> list[str]:
    """Resolve the host once; refuse it if any of its addresses is not public."""
    try:
        addresses = [str(ipaddress.ip_address(target.hostname))]
    except ValueError:
        try:
            infos = socket.getaddrinfo(target.hostname, target.port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as error:
            raise FetchRefused("connection", f"cannot resolve {target.hostname}: {error}") from error
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    private = [address for address in addresses if not is_public_address(address)]
    if private and not policy.allow_private:
        raise FetchRefused("private_address", f"{target.hostname} is at {private[0]}, which is not public")
    return addresses


def _connect(target: _Target, addresses: list[str], deadline: float) -> HTTPConnection:
    """Connect to the first checked address that answers. The host name only serves TLS (SNI, certificate)."""
    name = target.hostname.rstrip(".")
    tls = {"cert_reqs": "CERT_REQUIRED", "server_hostname": name, "assert_hostname": name}
    connection_class, options = (HTTPSConnection, tls) if target.scheme == "https" else (HTTPConnection, {})
    errors: list[Exception] = []
    for address in addresses:
        connection = connection_class(address, target.port, timeout=_remaining(deadline), **options)
        try:
            connection.connect()
            return connection
        except TRANSPORT_ERRORS as error:
            connection.close()
            errors.append(error)
    raise _transport_refusal(errors[-1], timed_out=False) from errors[-1]  # addresses is never empty


def _read_body(response: HTTPResponse, limit: int) -> bytes:
    """Read the body in chunks, refusing it as soon as it is known to be longer than the limit."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise FetchRefused("body_too_large", f"the body announces {declared} bytes, more than {limit}")
    chunks, size = [], 0
    for chunk in response.stream(CHUNK_BYTES):
        size += len(chunk)
        if size > limit:
            raise FetchRefused("body_too_large", f"the body is longer than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _remaining(deadline: float) -> float:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise FetchRefused("timeout", "the time allowed for the fetch ran out")
    return remaining


def _shut_down(sock: socket.socket, timed_out: threading.Event) -> None:
    """Unblock whatever waits on the socket; for TLS, shut the TCP socket down beneath the TLS layer."""
    timed_out.set()
    with contextlib.suppress(OSError):  # already closed: the fetch ended as the time ran out
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


def _transport_refusal(error: Exception, timed_out: bool) -> FetchRefused:
    if timed_out or (
        isinstance(error, TimeoutError | urllib3.exceptions.TimeoutError)
        and not isinstance(error, urllib3.exceptions.NewConnectionError)  # which urllib3 derives from a timeout
    ):
        return FetchRefused("timeout", "the peer did not answer in time")
    return FetchRefused("connection", f"{type(error).__name__}: {error}")
