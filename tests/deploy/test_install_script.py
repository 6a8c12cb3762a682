"""deploy/install.sh refuses wrong answers with a reason and exit code 2, and a re-run changes nothing.

With --root DIR the script writes its files under DIR and only prints the commands that would change
the system (packages, user, database, services), so these run without touching the machine.
"""

import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "deploy" / "install.sh"


def install(*args: str, root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(SCRIPT), *args, "--root", str(root)], capture_output=True, text=True, timeout=120
    )


def files(root: Path) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


def test_the_script_parses():
    subprocess.run(["bash", "-n", str(SCRIPT)], check=True)


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        ((), "missing role"),
        (("--domain", "rdv.example.fr"), "missing role"),
        (("shop", "--domain", "rdv.example.fr"), "unknown role 'shop'"),
        (("clinic",), "missing --domain"),
        (("clinic", "--domain", "rdv example.fr", "--self-signed"), "is not a host name"),
        (("clinic", "--domain", "https://rdv.example.fr", "--self-signed"), "is not a host name"),
        (("clinic", "--domain", "-rdv.example.fr", "--self-signed"), "is not a host name"),
        (("clinic", "--domain", "192.168.1.10", "--self-signed"), "is not a host name"),
        (("clinic", "--domain", "rdv.example.fr"), "needs --email"),
        (("clinic", "--domain", "rdv.example.fr", "--certificate", "/nonexistent"), "go together"),
    ],
)
def test_it_refuses_wrong_answers_and_says_why(tmp_path, args, reason):
    result = install(*args, root=tmp_path)
    assert result.returncode == 2
    assert reason in result.stderr
    assert not (tmp_path / "etc").exists()  # refused before changing anything


def test_a_second_run_with_the_same_answers_changes_nothing(tmp_path):
    first = install("clinic", "--domain", "rdv.cabinet.lan", "--self-signed", "--email", "a@cabinet.lan", root=tmp_path)
    assert first.returncode == 0, first.stderr
    before = files(tmp_path)
    assert b"SECRET_KEY=" in before["etc/openrdv/clinic.env"]
    assert (tmp_path / "etc/openrdv/secret-key").stat().st_mode & 0o777 == 0o640
    assert (tmp_path / "etc/openrdv/tls/rdv.cabinet.lan.key").stat().st_mode & 0o777 == 0o600
    again = install("clinic", "--domain", "rdv.cabinet.lan", "--self-signed", "--email", "a@cabinet.lan", root=tmp_path)
    assert again.returncode == 0, again.stderr
    assert files(tmp_path) == before  # same SECRET_KEY, passphrases, certificate, site and units
    assert "no new invitation" in again.stdout


@pytest.mark.parametrize(
    "other",
    [
        ("directory", "--domain", "rdv.cabinet.lan", "--self-signed"),
        ("clinic", "--domain", "autre.cabinet.lan", "--self-signed"),
        ("clinic", "--domain", "rdv.cabinet.lan", "--email", "a@cabinet.lan"),
    ],
)
def test_a_second_run_with_other_answers_refuses_and_changes_nothing(tmp_path, other):
    assert install("clinic", "--domain", "rdv.cabinet.lan", "--self-signed", root=tmp_path).returncode == 0
    before = files(tmp_path)
    result = install(*other, root=tmp_path)
    assert result.returncode == 2
    assert "installed with other answers" in result.stderr
    assert files(tmp_path) == before


def test_the_environment_file_has_what_production_needs(tmp_path):
    assert install("directory", "--domain", "annuaire.example.fr", "--self-signed", root=tmp_path).returncode == 0
    env = dict(
        line.split("=", 1)
        for line in (tmp_path / "etc/openrdv/directory.env").read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert env["OPENRDV_ROLE"] == "directory"
    assert len(env["SECRET_KEY"]) >= 50
    assert env["ALLOWED_HOSTS"] == "annuaire.example.fr"
    assert env["BACKUP_PASSPHRASE_FILE"] == "/etc/openrdv/backup-passphrase"
    assert env["FEDERATION_KEY_PASSPHRASE_FILE"] == "/etc/openrdv/federation-passphrase"
    site = (tmp_path / "etc/nginx/sites-available/openrdv").read_text()
    assert "server_name annuaire.example.fr;" in site and "__" not in site


def test_a_public_name_without_certificate_asks_certbot(tmp_path):
    result = install("clinic", "--domain", "rdv.example.fr", "--email", "it@example.fr", root=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "certbot python3-certbot-nginx" in result.stdout
    assert "would run: certbot certonly --webroot -w /var/lib/openrdv/acme -d rdv.example.fr" in result.stdout
    site = (tmp_path / "etc/nginx/sites-available/openrdv").read_text()
    assert "ssl_certificate /etc/letsencrypt/live/rdv.example.fr/fullchain.pem;" in site
