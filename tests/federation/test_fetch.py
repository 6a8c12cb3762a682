"""Outbound fetches: what reaches a real local server, and every way a fetch is refused (with its reason).

The servers are real, on loopback, so a test that needs to reach one uses FetchPolicy(allow_private=True)
or, to exercise the default policy, treats 127.0.0.1 alone as public (see `loopback_is_public`).
Tests that expect a refusal before any connection run `offline`: no DNS, and no socket may connect.
"""

import datetime
import ipaddress
import pickle
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from federation import fetch as fetch_module
from federation.fetch import FetchPolicy, FetchRefused, fetch, is_public_address

LOCAL = FetchPolicy(allow_private=True)


# Real servers on loopback -------------------------------------------------------------------------------


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]  # names in lower case
    body: bytes


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # for chunked responses

    def do_GET(self):
        self.server.local.handle(self)

    do_POST = do_PUT = do_HEAD = do_GET

    def log_message(self, format, *args):
        pass


def reply(handler, status=200, body=b"", headers=None):
    handler.send_response(status)
    for name, value in {"Content-Length": str(len(body)), **(headers or {})}.items():
        handler.send_header(name, value)
    handler.send_header("Connection", "close")
    handler.end_headers()
    handler.wfile.write(body)


@dataclass
class LocalServer:
    """A ThreadingHTTPServer whose routes each test sets; it records every request it receives."""

    routes: dict[str, Callable[[BaseHTTPRequestHandler], None]] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)  # wakes handlers that wait
    port: int = 0
    scheme: str = "http"

    def url(self, path="/", host="127.0.0.1"):
        return f"{self.scheme}://{host}:{self.port}{path}"

    def handle(self, handler):
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in handler.headers.items()}
        self.received.append(Received(handler.command, handler.path, headers, body))
        route = self.routes.get(handler.path.split("?")[0])
        if route is None:
            reply(handler, 200, b"hello")
        else:
            route(handler)


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a client that gives up (the point of several tests) breaks the pipe


def serve(ssl_context=None):
    local = LocalServer(scheme="https" if ssl_context else "http")
    httpd = QuietServer(("127.0.0.1", 0), Handler)
    httpd.local = local
    if ssl_context is not None:
        httpd.socket = ssl_context.wrap_socket(httpd.socket, server_side=True)
    local.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    return local, httpd, thread


def stop(local, httpd, thread):
    local.stopping.set()
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=2)


@pytest.fixture
def server():
    local, httpd, thread = serve()
    yield local
    stop(local, httpd, thread)


# Name resolution and the network, under the tests' control ----------------------------------------------


class FakeDNS:
    """Answers for the names a test sets; IP literals and `localhost` resolve for real, without the network."""

    def __init__(self, real):
        self.real = real
        self.answers: dict[str, list[list[str]]] = {}  # name -> successive answers (the last one repeats)
        self.lookups: list[str] = []

    def __call__(self, host, port, family=0, type=0, proto=0, flags=0):
        if host in self.answers:
            self.lookups.append(host)
            answers = self.answers[host]
            addresses = answers.pop(0) if len(answers) > 1 else answers[0]
            return [self.info(address, port) for address in addresses]
        if host == "localhost":
            return self.real(host, port, family, type, proto, flags)
        try:
            return self.real(host, port, family, type, proto, flags | socket.AI_NUMERICHOST)
        except socket.gaierror:
            raise AssertionError(f"unexpected DNS lookup of {host!r}") from None

    @staticmethod
    def info(address, port):
        if ipaddress.ip_address(address).version == 6:
            return (socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0))
        return (socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))


@pytest.fixture
def dns(monkeypatch):
    fake = FakeDNS(socket.getaddrinfo)
    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return fake


@pytest.fixture
def connections(monkeypatch):
    """The addresses sockets connect to (connecting still works)."""
    addresses = []
    real_connect = socket.socket.connect

    def connect(sock, address):
        addresses.append(address[0])
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    return addresses


@pytest.fixture
def offline(dns, monkeypatch):
    def refuse_to_connect(sock, address):
        raise AssertionError(f"a connection to {address} was attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse_to_connect)
    return dns


@pytest.fixture
def loopback_is_public(monkeypatch):
    """Let the default policy reach the test server, and nothing else that is private.

    A refusal after a redirect can only be seen if the first hop is allowed; allow_private=True would
    allow the redirect too. So 127.0.0.1, and only it, counts as public here.
    """
    real = fetch_module.is_public_address
    monkeypatch.setattr(fetch_module, "is_public_address", lambda address: address == "127.0.0.1" or real(address))


def refusal(url, method="GET", **kwargs) -> FetchRefused:
    with pytest.raises(FetchRefused) as caught:
        fetch(method, url, **kwargs)
    return caught.value


# Requests that go through ------------------------------------------------------------------------------


def test_a_get_reaches_the_server_with_its_host_header(server):
    response = fetch("GET", server.url("/hello?x=1"), policy=LOCAL, headers={"Accept": "application/json"})

    assert (response.status, response.body, response.url) == (200, b"hello", server.url("/hello?x=1"))
    assert response.headers["content-length"] == "5"
    [request] = server.received
    assert (request.method, request.path, request.body) == ("GET", "/hello?x=1", b"")
    assert request.headers["host"] == f"127.0.0.1:{server.port}"
    assert request.headers["accept"] == "application/json"
    assert request.headers["user-agent"] == "OpenRDV-federation"


def test_a_post_sends_its_body(server):
    server.routes["/echo"] = lambda handler: reply(handler, 201, server.received[-1].body[::-1])

    response = fetch(
        "post", server.url("/echo"), policy=LOCAL, headers={"Content-Type": "application/json"}, body=b'{"a": 1}'
    )

    assert (response.status, response.body) == (201, b'}1 :"a"{')
    [request] = server.received
    assert (request.method, request.body) == ("POST", b'{"a": 1}')
    assert request.headers["content-type"] == "application/json"
    assert request.headers["content-length"] == "8"


def test_a_body_of_exactly_the_limit_is_accepted(server):
    server.routes["/full"] = lambda handler: reply(handler, 200, b"x" * 1000)

    response = fetch("GET", server.url("/full"), policy=FetchPolicy(allow_private=True, max_body_bytes=1000))

    assert len(response.body) == 1000


# Addresses that are not public -------------------------------------------------------------------------


def test_loopback_is_refused_by_default(server):
    assert refusal(server.url()).reason == "private_address"
    assert server.received == []


def test_loopback_is_reached_when_the_policy_allows_private_addresses(server):
    assert fetch("GET", server.url(), policy=LOCAL).status == 200


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost/",
        "http://10.0.0.1/",
        "http://172.16.5.4/",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:a9fe:a9fe]/",
        "http://[fe80::1]/",
        "http://[fd00::1]/",
        "http://100.64.0.1/",
        "http://0.0.0.0/",
        "http://224.0.0.1/",
        "http://2130706433/",
        "http://0x7f.1/",
        "https://127.0.0.1:8443/",
    ],
)
def test_a_private_address_is_refused_before_any_connection(offline, url):
    assert refusal(url).reason == "private_address"


def test_a_name_that_resolves_to_a_private_address_is_refused(offline):
    offline.answers["internal.example"] = [["10.1.2.3"]]

    assert refusal("http://internal.example/").reason == "private_address"


def test_a_name_is_refused_if_any_of_its_addresses_is_private(offline):
    offline.answers["mixed.example"] = [["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c", "10.0.0.5"]]

    assert refusal("http://mixed.example/").reason == "private_address"


def test_a_public_looking_name_that_resolves_to_loopback_is_refused(offline):
    offline.answers["clinic.example"] = [["127.0.0.1"]]

    assert refusal("http://clinic.example/.well-known/openrdv").reason == "private_address"


def test_the_connection_goes_to_the_checked_address_not_to_a_second_dns_answer(server, dns):
    # If fetch resolved the name again to connect, it would get 192.0.2.1 (unroutable) and fail.
    dns.answers["rebind.example"] = [["127.0.0.1"], ["192.0.2.1"]]

    response = fetch("GET", server.url("/hello", host="rebind.example"), policy=LOCAL)

    assert response.status == 200
    assert dns.lookups == ["rebind.example"]
    assert server.received[0].headers["host"] == f"rebind.example:{server.port}"


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.215.14", True),
        ("2606:4700:4700::1111", True),
        ("64:ff9b::808:808", True),  # NAT64 of 8.8.8.8
        ("2002:808:808::1", True),  # 6to4 of 8.8.8.8
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("100.64.0.1", False),
        ("169.254.169.254", False),
        ("224.0.0.1", False),
        ("255.255.255.255", False),
        ("::", False),
        ("::1", False),
        ("::127.0.0.1", False),
        ("::ffff:10.0.0.1", False),
        ("::ffff:8.8.8.8", True),
        ("64:ff9b::a00:1", False),  # NAT64 of 10.0.0.1
        ("2002:a00:1::1", False),  # 6to4 of 10.0.0.1
        ("fe80::1%eth0", False),
        ("ff02::1", False),
    ],
)
def test_is_public_address(address, public):
    assert is_public_address(address) is public


# URLs that are not fetched -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://example.org/file", "scheme"),
        ("file:///etc/passwd", "scheme"),
        ("javascript:alert(1)", "scheme"),
        ("gopher://example.org:70/", "scheme"),
        ("/relative/path", "scheme"),
        ("http://user:pass@example.org/", "bad_url"),
        ("http://@example.org/", "bad_url"),
        ("http:///no-host", "bad_url"),
        ("http://example.org:99999/", "bad_url"),
        ("http://[::1/", "bad_url"),
        ("http://exa mple.org/", "bad_url"),
        ("http://example.org/\r\nX-Injected: 1", "bad_url"),
        ("http://exämple.org/", "bad_url"),
    ],
)
def test_a_url_that_is_not_plain_http_is_refused(offline, url, reason):
    assert refusal(url).reason == reason


def test_a_refusal_survives_pickling_for_celery_results():
    refused = pickle.loads(pickle.dumps(FetchRefused("timeout", "the peer did not answer in time")))

    assert (refused.reason, str(refused)) == ("timeout", "timeout: the peer did not answer in time")


# Redirects ---------------------------------------------------------------------------------------------


def redirect_to(location, status=302):
    return lambda handler: reply(handler, status, headers={"Location": location})


def chain(server, hops):
    """/hop/<hops> redirects to /hop/<hops - 1> ... down to /hop/0, which answers "arrived"."""
    for hop in range(1, hops + 1):
        server.routes[f"/hop/{hop}"] = redirect_to(f"/hop/{hop - 1}")
    server.routes["/hop/0"] = lambda handler: reply(handler, 200, b"arrived")
    return server.url(f"/hop/{hops}")


@pytest.mark.parametrize("hops", [1, 2])
def test_redirects_are_followed_up_to_the_limit(server, hops):
    response = fetch("GET", chain(server, hops), policy=LOCAL)

    assert (response.status, response.body, response.url) == (200, b"arrived", server.url("/hop/0"))
    assert [request.path for request in server.received] == [f"/hop/{hop}" for hop in range(hops, -1, -1)]


def test_a_redirect_past_the_limit_is_refused(server):
    assert refusal(chain(server, 3), policy=LOCAL).reason == "too_many_redirects"
    assert len(server.received) == 3


def test_a_redirect_without_location_is_returned_as_it_is(server):
    server.routes["/moved"] = lambda handler: reply(handler, 302, b"nowhere")

    assert fetch("GET", server.url("/moved"), policy=LOCAL).status == 302


@pytest.mark.parametrize(
    "location",
    [
        "http://10.0.0.1/admin",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]:{port}/",
        "http://internal.example/",
    ],
)
def test_a_redirect_to_a_private_address_is_refused(server, dns, connections, loopback_is_public, location):
    dns.answers["internal.example"] = [["10.1.2.3"]]
    server.routes["/go"] = redirect_to(location.format(port=server.port))

    assert refusal(server.url("/go")).reason == "private_address"
    assert connections == ["127.0.0.1"]
    assert [request.path for request in server.received] == ["/go"]


@pytest.mark.parametrize(
    ("status", "method", "body"),
    [(301, "GET", b""), (302, "GET", b""), (303, "GET", b""), (307, "POST", b"payload"), (308, "POST", b"payload")],
)
def test_a_redirected_post_becomes_a_get_except_after_307_and_308(server, status, method, body):
    server.routes["/submit"] = redirect_to("/landing", status)

    fetch("POST", server.url("/submit"), policy=LOCAL, headers={"Content-Type": "text/plain"}, body=b"payload")

    first, second = server.received
    assert (first.method, first.body) == ("POST", b"payload")
    assert (second.path, second.method, second.body) == ("/landing", method, body)
    assert ("content-type" in second.headers) is (method == "POST")


def test_credentials_are_not_sent_on_to_another_host(server, dns):
    dns.answers["other.example"] = [["127.0.0.1"]]
    server.routes["/same"] = redirect_to("/other")
    server.routes["/other"] = redirect_to(server.url("/landing", host="other.example"))

    fetch("GET", server.url("/same"), policy=LOCAL, headers={"Authorization": "Bearer t", "Accept": "text/plain"})

    assert [request.headers.get("authorization") for request in server.received] == ["Bearer t", "Bearer t", None]
    assert server.received[2].headers["accept"] == "text/plain"
    assert server.received[2].headers["host"] == f"other.example:{server.port}"


@pytest.mark.parametrize(("location", "reason"), [("file:///etc/passwd", "scheme"), ("http://[::1/", "bad_url")])
def test_a_redirect_to_a_url_that_is_not_plain_http_is_refused(server, location, reason):
    server.routes["/go"] = redirect_to(location)

    assert refusal(server.url("/go"), policy=LOCAL).reason == reason


# Size and time -----------------------------------------------------------------------------------------

SMALL = FetchPolicy(allow_private=True, max_body_bytes=1000)


def test_a_body_longer_than_the_limit_is_refused(server):
    server.routes["/big"] = lambda handler: reply(handler, 200, b"x" * 1001)

    assert refusal(server.url("/big"), policy=SMALL).reason == "body_too_large"


def test_a_chunked_body_longer_than_the_limit_is_refused(server):
    def chunked(handler):
        handler.send_response(200)
        handler.send_header("Transfer-Encoding", "chunked")
        handler.send_header("Connection", "close")
        handler.end_headers()
        for _ in range(5):
            handler.wfile.write(b"12c\r\n" + b"x" * 300 + b"\r\n")
        handler.wfile.write(b"0\r\n\r\n")

    server.routes["/chunked"] = chunked

    assert refusal(server.url("/chunked"), policy=SMALL).reason == "body_too_large"


def test_a_body_announced_too_long_is_refused_without_reading_it(server):
    def announce(handler):
        handler.send_response(200)
        handler.send_header("Content-Length", "1000000000")
        handler.end_headers()
        handler.wfile.flush()
        server.stopping.wait(5)  # never sends the body: reading it would end in a timeout instead

    server.routes["/announce"] = announce

    assert refusal(server.url("/announce"), policy=SMALL).reason == "body_too_large"


def assert_times_out(url, timeout_s=0.5):
    started = time.monotonic()
    assert refusal(url, policy=FetchPolicy(allow_private=True, timeout_s=timeout_s)).reason == "timeout"
    assert time.monotonic() - started < timeout_s + 1


def test_a_server_slower_than_the_timeout_is_refused(server):
    server.routes["/slow"] = lambda handler: server.stopping.wait(5)

    assert_times_out(server.url("/slow"))


@pytest.mark.parametrize("framing", [{"Content-Length": "100"}, {"Connection": "close"}])  # the body ends at close
def test_a_server_dripping_its_body_is_cut_off_at_the_timeout(server, framing):
    # Each byte comes well within any socket timeout: only a budget for the whole fetch stops this.
    # Cut off, a body that ends when the connection closes looks complete: it must not be returned.
    def drip(handler):
        handler.send_response(200)
        for name, value in framing.items():
            handler.send_header(name, value)
        handler.end_headers()
        for _ in range(100):
            handler.wfile.write(b"x")
            handler.wfile.flush()
            if server.stopping.wait(0.05):
                return

    server.routes["/drip"] = drip

    assert_times_out(server.url("/drip"))


def test_the_timeout_covers_all_redirects_together(server):
    # Each of the three answers takes 0.3 s, well within 0.8 s; all three together do not.
    url = chain(server, 2)
    for path, respond in list(server.routes.items()):
        server.routes[path] = lambda handler, respond=respond: server.stopping.wait(0.3) or respond(handler)

    assert_times_out(url, timeout_s=0.8)


def test_a_refused_connection_is_reported(server):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]

    assert refusal(f"http://127.0.0.1:{port}/", policy=LOCAL).reason == "connection"


# HTTPS -------------------------------------------------------------------------------------------------


def certificate(common_name, *, names=(), addresses=(), issuer=None):
    """A certificate and its key; self-signed, or signed by issuer=(certificate, key)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    issuer_certificate, issuer_key = issuer or (None, key)
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_certificate.subject if issuer_certificate else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
    )
    alternative_names = [x509.DNSName(name) for name in names]
    alternative_names += [x509.IPAddress(ipaddress.ip_address(address)) for address in addresses]
    if alternative_names:
        builder = builder.add_extension(x509.SubjectAlternativeName(alternative_names), critical=False)
    is_authority = issuer is None and not alternative_names
    builder = builder.add_extension(x509.BasicConstraints(ca=is_authority, path_length=None), critical=True)
    return builder.sign(issuer_key, hashes.SHA256()), key


def write_pem(directory, name, cert, key):
    cert_path, key_path = directory / f"{name}.crt", directory / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def https_server(cert_path, key_path):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    return serve(context)


@pytest.fixture
def self_signed_server(tmp_path):
    cert, key = certificate("localhost", names=["localhost"], addresses=["127.0.0.1"])
    local, httpd, thread = https_server(*write_pem(tmp_path, "self-signed", cert, key))
    yield local
    stop(local, httpd, thread)


@pytest.fixture
def trusted_server(tmp_path, monkeypatch, dns):
    """An https server for clinic.example (at 127.0.0.1) whose certificate authority stands in for the system's."""
    authority = certificate("OpenRDV test authority")
    authority_path, _ = write_pem(tmp_path, "authority", *authority)
    monkeypatch.setattr(
        ssl.SSLContext,
        "load_default_certs",
        lambda context, purpose=None: context.load_verify_locations(authority_path),
    )
    cert, key = certificate("clinic.example", names=["clinic.example"], issuer=authority)
    dns.answers["clinic.example"] = [["127.0.0.1"]]
    dns.answers["impostor.example"] = [["127.0.0.1"]]
    local, httpd, thread = https_server(*write_pem(tmp_path, "clinic", cert, key))
    yield local
    stop(local, httpd, thread)


def test_https_with_a_self_signed_certificate_is_refused(self_signed_server):
    refused = refusal(self_signed_server.url(), policy=LOCAL)

    assert refused.reason == "connection"
    assert "CERTIFICATE_VERIFY_FAILED" in refused.message
    assert self_signed_server.received == []


def test_https_verifies_the_host_name_while_connecting_to_the_checked_address(trusted_server):
    # The certificate names clinic.example and no address: verifying against 127.0.0.1 would fail.
    response = fetch("GET", trusted_server.url("/hello", host="clinic.example"), policy=LOCAL)

    assert (response.status, response.body) == (200, b"hello")
    assert trusted_server.received[0].headers["host"] == f"clinic.example:{trusted_server.port}"


def test_https_refuses_a_certificate_for_another_host_at_the_same_address(trusted_server):
    refused = refusal(trusted_server.url(host="impostor.example"), policy=LOCAL)

    assert refused.reason == "connection"
    assert trusted_server.received == []
