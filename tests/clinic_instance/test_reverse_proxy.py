"""Behind the shipped nginx site, each patient is counted under their own address.

A real nginx (Debian's package) runs the site file of deploy/ in front of the live server; clients
connect from distinct loopback addresses (127.0.0.2, 127.0.0.3, ...), as patients from distinct
addresses would. Without the forwarding, every one of them was 127.0.0.1 and the eleventh phone
code of anybody stopped online booking for all.
"""

import http.client
import json
import re
import socket
import ssl
import subprocess
import time
from ipaddress import ip_network
from pathlib import Path

import pytest

from clinic_instance.models import Clinic
from tests.factories import make_clinic

SITE = Path(__file__).resolve().parents[2] / "deploy" / "nginx-openrdv.conf"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def tls_site(upstream: str, port: int, cert: Path, key: Path) -> str:
    """The shipped TLS server block (and its log format), with this test's port, certificate and upstream."""
    preamble, _redirect, block = SITE.read_text().split("server {")
    block = re.sub(r"listen 443 ssl;", f"listen 127.0.0.1:{port} ssl;", block)
    block = re.sub(r"\s*listen \[::\]:443 ssl;", "", block)
    block = re.sub(r"ssl_certificate [^;]+;", f"ssl_certificate {cert};", block)
    block = re.sub(r"ssl_certificate_key [^;]+;", f"ssl_certificate_key {key};", block)
    block = block.replace("proxy_pass http://127.0.0.1:8001;", f"proxy_pass {upstream};")
    return preamble + "server {" + block


@pytest.fixture
def nginx(live_server, tmp_path):
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-days", "1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    port = free_port()
    (tmp_path / "site.conf").write_text(tls_site(live_server.url, port, cert, key))
    (tmp_path / "nginx.conf").write_text(
        f"user root; daemon off; worker_processes 1; pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log;\n"
        "events { worker_connections 64; }\n"
        f"http {{ client_body_temp_path {tmp_path}/body; proxy_temp_path {tmp_path}/proxy;\n"
        f"  fastcgi_temp_path {tmp_path}/fcgi; uwsgi_temp_path {tmp_path}/uwsgi; scgi_temp_path {tmp_path}/scgi;\n"
        f"  access_log off; include {tmp_path}/site.conf; }}\n"
    )
    process = subprocess.Popen(["nginx", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")])
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield port
    process.terminate()
    process.wait(timeout=10)


def request(port: int, source: str, path: str, body: dict | None = None, headers=None, tls=True):
    """One request from the loopback address `source`."""
    if tls:
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        connection = http.client.HTTPSConnection("127.0.0.1", port, source_address=(source, 0), context=context)
    else:
        connection = http.client.HTTPConnection("127.0.0.1", port, source_address=(source, 0))
    payload = json.dumps(body) if body is not None else None
    connection.request(
        "POST" if body is not None else "GET",
        path,
        body=payload,
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    response = connection.getresponse()
    answer = response.status, response.read()
    connection.close()
    return answer


def ask_code(port: int, source: str, number: int, **kwargs) -> int:
    status, _ = request(port, source, "/api/v1/phone-verifications/", {"phone": f"+336123450{number:02d}"}, **kwargs)
    return status


@pytest.fixture
def verifying(transactional_db, settings):
    settings.TRUSTED_PROXIES = (ip_network("127.0.0.1/32"),)
    clinic = make_clinic()
    Clinic.objects.filter(pk=clinic.pk).update(phone_verification=True)
    return clinic


def test_behind_nginx_one_client_s_codes_do_not_stop_another_s(nginx, verifying):
    assert [ask_code(nginx, "127.0.0.2", n) for n in range(10)] == [201] * 10
    assert ask_code(nginx, "127.0.0.2", 10) == 429  # this client's own limit
    assert ask_code(nginx, "127.0.0.3", 11) == 201  # another patient still gets a code


def test_a_forged_forwarded_address_does_not_escape_the_client_s_limit(nginx, verifying):
    assert [ask_code(nginx, "127.0.0.2", n) for n in range(10)] == [201] * 10
    forged = {"X-Forwarded-For": "198.51.100.7", "X-Real-IP": "198.51.100.7"}
    assert ask_code(nginx, "127.0.0.2", 10, headers=forged) == 429


def test_the_forwarded_header_of_an_untrusted_peer_is_ignored(live_server, verifying):
    port = int(live_server.url.rsplit(":", 1)[1])
    claims = [{"X-Forwarded-For": f"203.0.113.{n}"} for n in range(11)]
    statuses = [ask_code(port, "127.0.0.4", n, headers=claims[n], tls=False) for n in range(11)]
    assert statuses == [201] * 10 + [429]  # counted under 127.0.0.4, whatever it claims


def test_the_site_keeps_a_non_default_port_in_the_host(nginx, verifying):
    status, body = request(nginx, "127.0.0.2", "/.well-known/openrdv")
    assert status == 200
    assert f"127.0.0.1:{nginx}" in json.loads(body)["base_url"]
