"""A registering "instance" whose discovery document redirects to a private address is refused."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

import federation.fetch as fetch_module
from directory.models import Instance
from federation.keys import KeyStore
from federation.signing import sign_request

pytestmark = pytest.mark.usefixtures("directory_urls")


class RedirectToMetadata(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(302)
        self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        """Quiet."""


@pytest.fixture
def redirecting_instance(monkeypatch, settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), RedirectToMetadata)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    # As on a real directory: private addresses refused. Only this test server counts as public.
    settings.FEDERATION_ALLOW_PRIVATE_ADDRESSES = False
    real = fetch_module.is_public_address
    monkeypatch.setattr(fetch_module, "is_public_address", lambda address: address == "127.0.0.1" or real(address))
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_a_discovery_url_redirecting_to_a_private_address_is_refused(
    client, db, tmp_path, redirecting_instance, caplog
):
    caplog.set_level("INFO", logger="openrdv.federation")
    keys = KeyStore(tmp_path)
    keys.create(timezone.now())
    key, private_key = keys.current(timezone.now())
    url = "http://testserver/federation/v1/instances/"
    body = json.dumps({"base_url": redirecting_instance}).encode()
    headers = sign_request("POST", url, body, key_id=key.key_id, private_key=private_key, now=timezone.now())
    response = client.post(url, data=body, content_type="application/json", headers=headers)
    assert response.status_code == 502
    assert response.json()["error"] == "discovery_failed"
    assert "private_address" in caplog.text  # the reason is in the log only
    assert not Instance.objects.exists()
