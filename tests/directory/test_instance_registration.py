"""Registering a clinic instance, as an attacker tries it: another clinic's key, and the directory as a port scanner.

The peers are real HTTP servers in the test process; the directory answers through Django's test client.
"""

import json
import socket
import ssl
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.utils import timezone

from config.client_networks import network_digest
from directory.instance_registry import ATTEMPTS_PER_HOST, ATTEMPTS_PER_NETWORK
from directory.models import Instance, InstanceKey, Profile, RegistrationAttempt
from federation.documents import discovery_document
from federation.keys import KeyStore
from federation.signing import sign_request

from .factories import specialty

pytestmark = pytest.mark.usefixtures("directory_urls")
REGISTER = "http://testserver/federation/v1/instances/"


class Peer(ThreadingHTTPServer):
    """A server on loopback that serves `document` at /.well-known/openrdv and counts the connections it accepts."""

    def __init__(self, document_for=None, tls: ssl.SSLContext | None = None) -> None:
        super().__init__(("127.0.0.1", 0), PeerHandler)
        self.document_for, self.connections, self.tls = document_for, 0, tls
        scheme = "https" if tls else "http"
        self.url = f"{scheme}://127.0.0.1:{self.server_address[1]}"
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def get_request(self):
        sock, address = super().get_request()
        self.connections += 1
        return (self.tls.wrap_socket(sock, server_side=True) if self.tls else sock), address


class PeerHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        document = self.server.document_for(self.server.url) if self.server.document_for else None
        body = json.dumps(document).encode() if document else b"<html>It works!</html>"
        self.send_response(200 if document else 404)
        self.send_header("Content-Type", "application/json" if document else "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        """Quiet."""


@pytest.fixture
def peers():
    started = []

    def start(*args, **kwargs) -> Peer:
        started.append(Peer(*args, **kwargs))
        return started[-1]

    yield start
    for peer in started:
        peer.shutdown()
        peer.server_close()


def keys(path) -> KeyStore:
    store = KeyStore(path)
    store.create(timezone.now() - timedelta(minutes=1))
    return store


def clinic(store: KeyStore, *also: KeyStore, role: str = "clinic"):
    """A discovery document for whatever URL serves it, listing the store's keys (and those of `also`)."""
    listed = [key for each in (store, *also) for key in each.public_keys()]
    return lambda url: discovery_document(role=role, name=f"{role} at {url}", base_url=url, keys=listed, endpoints={})


def signed(method: str, url: str, payload: dict, store: KeyStore, *, now=None) -> tuple[bytes, dict]:
    body = json.dumps(payload).encode()
    key, private_key = store.current(timezone.now())
    return body, sign_request(method, url, body, key_id=key.key_id, private_key=private_key, now=now or timezone.now())


def register(client, base_url: str, store: KeyStore, **kwargs):
    body, headers = signed("POST", REGISTER, {"base_url": base_url}, store, **kwargs)
    return client.post(REGISTER, data=body, content_type="application/json", headers=headers)


def push(client, store: KeyStore, base_url: str, ref: str = "p-1"):
    url = f"http://testserver/federation/v1/profiles/{ref}"
    document = {"type": "profile", "ref": ref, "version": 1, "updated_at": "2027-01-10T09:00:00Z",
                "first_name": "Claire", "last_name": "Martin", "specialty": "dermatologie",
                "booking_url": f"{base_url}/book/1/"}  # fmt: skip
    body, headers = signed("PUT", url, document, store)
    return client.put(url, data=body, content_type="application/json", headers=headers)


@pytest.fixture
def tilleuls_keys(tmp_path):
    return keys(tmp_path / "tilleuls")


@pytest.fixture
def fake_keys(tmp_path):
    return keys(tmp_path / "fake")


# --- Key confusion ------------------------------------------------------------------------------------


def test_a_fake_listing_a_registered_clinics_key_is_refused_and_the_clinics_pushes_still_land(
    client, db, settings, peers, tilleuls_keys, fake_keys
):
    specialty("dermatologie")
    tilleuls = peers(clinic(tilleuls_keys))
    settings.DIRECTORY_INSTANCE_ALLOWLIST = [tilleuls.url]
    assert register(client, tilleuls.url, tilleuls_keys).json()["status"] == "approved"
    fake = peers(clinic(fake_keys, tilleuls_keys))  # its own key, and the Tilleuls' public key

    refused = register(client, fake.url, fake_keys)

    assert (refused.status_code, refused.json()["error"]) == (409, "key_held_by_another_instance")
    assert not Instance.objects.filter(base_url=fake.url).exists()
    answer = push(client, tilleuls_keys, tilleuls.url)
    assert (answer.status_code, answer.json()) == (200, {"outcome": "created"})
    assert Profile.objects.get(instance_ref="p-1").instance.base_url == tilleuls.url


def test_a_fake_registering_first_never_holds_the_key_it_only_lists(
    client, db, settings, peers, tilleuls_keys, fake_keys
):
    specialty("dermatologie")
    fake = peers(clinic(fake_keys, tilleuls_keys))
    tilleuls = peers(clinic(tilleuls_keys))
    settings.DIRECTORY_INSTANCE_ALLOWLIST = [tilleuls.url]
    assert register(client, fake.url, fake_keys).status_code == 202  # it proved its own key, and only that one
    assert list(InstanceKey.objects.filter(instance__base_url=fake.url).values_list("key_id", flat=True)) == [
        fake_keys.current(timezone.now())[0].key_id
    ]
    assert register(client, tilleuls.url, tilleuls_keys).status_code == 202
    again = register(client, fake.url, fake_keys)  # the attacker repeats
    assert again.status_code == 409
    assert push(client, tilleuls_keys, tilleuls.url).json() == {"outcome": "created"}


def test_a_key_is_held_by_one_instance_only(db):
    tilleuls = Instance.objects.create(base_url="https://rdv.tilleuls.example", name="Tilleuls")
    fake = Instance.objects.create(base_url="https://fake.example", name="Fake")
    InstanceKey.objects.create(instance=tilleuls, key_id="ed25519-abc", document={})
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        InstanceKey.objects.create(instance=fake, key_id="ed25519-abc", document={})


# --- Not a port scanner -------------------------------------------------------------------------------


def test_a_malformed_registration_is_refused_before_any_connection(client, db, peers, tilleuls_keys):
    target = peers(clinic(tilleuls_keys))
    payload = {"base_url": target.url}
    unsigned = client.post(REGISTER, data=payload, content_type="application/json")
    assert (unsigned.status_code, unsigned.json()["error"]) == (401, "missing_signature")
    stale = register(client, target.url, tilleuls_keys, now=timezone.now() - timedelta(minutes=10))
    assert (stale.status_code, stale.json()["error"]) == (401, "expired")
    body, headers = signed("POST", REGISTER, payload, tilleuls_keys)
    tampered = client.post(REGISTER, data=body + b" ", content_type="application/json", headers=headers)
    assert (tampered.status_code, tampered.json()["error"]) == (401, "digest_mismatch")
    odd_key = {**headers, "Signature-Input": headers["Signature-Input"].replace('keyid="ed25519-', 'keyid="x')}
    strange = client.post(REGISTER, data=body, content_type="application/json", headers=odd_key)
    assert (strange.status_code, strange.json()["error"]) == (401, "unknown_key")
    assert client.post(REGISTER, data=body, content_type="application/json", headers=headers).status_code == 202
    replayed = client.post(REGISTER, data=body, content_type="application/json", headers=headers)
    assert (replayed.status_code, replayed.json()["error"]) == (401, "replayed")
    assert target.connections == 1  # the genuine registration's fetch, and no other
    assert not RegistrationAttempt.objects.exists()  # the proven one no longer counts


def self_signed_tls() -> ssl.SSLContext:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = timezone.now()
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(1).not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*_pem_files(certificate, key))
    return context


def _pem_files(certificate, key) -> tuple[str, str]:
    import tempfile

    directory = tempfile.mkdtemp()
    paths = (f"{directory}/cert.pem", f"{directory}/key.pem")
    with open(paths[0], "wb") as file:
        file.write(certificate.public_bytes(serialization.Encoding.PEM))
    with open(paths[1], "wb") as file:
        file.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption()))  # fmt: skip
    return paths


def closed_port() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_every_way_the_discovery_fails_gets_one_answer(client, db, tmp_path, peers, fake_keys):
    other_clinic, a_directory = keys(tmp_path / "other"), keys(tmp_path / "directory")
    tls = peers(clinic(other_clinic), tls=self_signed_tls())
    targets = {
        "closed port": closed_port(),
        "plain HTTP": peers().url,
        "TLS as HTTPS": tls.url,
        "TLS as HTTP": tls.url.replace("https:", "http:"),
        "a directory": peers(clinic(a_directory, fake_keys, role="directory")).url,
        "a clinic": peers(clinic(other_clinic)).url,
    }
    answers = {}
    for what, url in targets.items():
        response = register(client, url, fake_keys)
        answers[what] = (response.status_code, response.content)
    assert len(set(answers.values())) == 1, answers
    status, content = answers["a clinic"]
    assert status == 502 and json.loads(content)["error"] == "discovery_failed"
    assert not Instance.objects.exists()


def test_unproven_registrations_are_limited_per_address_and_per_target_host(client, db, peers, fake_keys):
    target = peers()
    now = timezone.now()
    RegistrationAttempt.objects.bulk_create(
        RegistrationAttempt(network_digest=network_digest("127.0.0.1", purpose="directory:registration"),
                            target_host=f"host-{number}.example", created_at=now - timedelta(minutes=30))
        for number in range(ATTEMPTS_PER_NETWORK)
    )  # fmt: skip
    limited = register(client, target.url, fake_keys)
    assert (limited.status_code, limited.json()["error"]) == (429, "too_many_attempts")
    assert 1700 < int(limited["Retry-After"]) <= 1801
    assert target.connections == 0

    RegistrationAttempt.objects.all().delete()
    RegistrationAttempt.objects.bulk_create(
        RegistrationAttempt(network_digest=f"elsewhere-{number}", target_host="127.0.0.1", created_at=now)
        for number in range(ATTEMPTS_PER_HOST)
    )
    # Another port of the same host: the host is what counts.
    assert register(client, closed_port(), fake_keys).status_code == 429


def test_an_ipv6_client_counts_as_its_slash_64(settings):
    assert network_digest("2001:db8:1:2::1", purpose="p") == network_digest("2001:db8:1:2:ffff::9", purpose="p")
    assert network_digest("2001:db8:1:3::1", purpose="p") != network_digest("2001:db8:1:2::1", purpose="p")
