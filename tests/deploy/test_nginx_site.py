"""The site install.sh renders passes `nginx -t` with a self-signed certificate, and says what it must."""

import shutil
import subprocess
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parents[2]


@pytest.fixture
def rendered(tmp_path):
    root = tmp_path / "root"
    result = subprocess.run(
        ["bash", str(CHECKOUT / "deploy/install.sh"), "clinic", "--domain", "rdv.cabinet.lan", "--self-signed",
         "--root", str(root)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    # The site names /etc/openrdv/tls/... and /var/lib/openrdv/static as on the server: point them at the root.
    site = (root / "etc/nginx/sites-available/openrdv").read_text()
    return site.replace("/etc/openrdv/", f"{root}/etc/openrdv/").replace(
        "/var/lib/openrdv/", f"{root}/var/lib/openrdv/"
    )


@pytest.mark.skipif(shutil.which("nginx") is None, reason="tests/prepare_services.sh installs nginx")
def test_the_rendered_site_passes_nginx_t(tmp_path, rendered):
    (tmp_path / "site.conf").write_text(rendered.replace("/var/log/nginx/", f"{tmp_path}/"))
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{ include {tmp_path}/site.conf; }}\n"
    )
    result = subprocess.run(
        ["nginx", "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_the_site_redirects_to_https_pins_it_and_keeps_tokens_out_of_the_log(rendered):
    assert "return 301 https://$host$request_uri;" in rendered
    assert 'add_header Strict-Transport-Security "max-age=63072000" always;' in rendered
    assert "ssl_protocols TLSv1.2 TLSv1.3;" in rendered
    assert "client_max_body_size 1m;" in rendered
    assert "log_format openrdv_nopath '$time_iso8601 $request_method $status" in rendered
    assert "$request " not in rendered and "$request_uri'" not in rendered and "$uri" not in rendered
    assert "location = /metrics { deny all; }" in rendered
    assert "alias " in rendered and "/var/lib/openrdv/static/;" in rendered
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in rendered
