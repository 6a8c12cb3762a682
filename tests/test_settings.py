"""Settings come from the environment and are parsed strictly."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config import env

ROOT = Path(__file__).resolve().parent.parent
STRONG_SECRET = "x7Qm2-Lr9vTz8bNc4WpK0sYd6HjF3gAe5uRi1oZq-tEw8yUa2sDf"


@pytest.mark.parametrize(("raw", "expected"), [("true", True), ("0", False), ("Yes", True), ("off", False)])
def test_booleans_are_read_in_their_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("OPENRDV_FLAG", raw)
    assert env.boolean("OPENRDV_FLAG", not expected) is expected


def test_a_bad_boolean_is_an_error_not_a_default(monkeypatch):
    monkeypatch.setenv("OPENRDV_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="OPENRDV_FLAG"):
        env.boolean("OPENRDV_FLAG", False)


def test_a_bad_integer_is_an_error(monkeypatch):
    monkeypatch.setenv("OPENRDV_NUMBER", "ten")
    with pytest.raises(ImproperlyConfigured, match="OPENRDV_NUMBER"):
        env.integer("OPENRDV_NUMBER", 10)


def test_a_secret_can_come_from_a_file(monkeypatch, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("s3cret\n")
    monkeypatch.setenv("OPENRDV_SECRET_FILE", str(secret))
    assert env.string("OPENRDV_SECRET") == "s3cret"


def test_a_required_variable_that_is_missing_is_named(monkeypatch):
    monkeypatch.delenv("OPENRDV_ABSENT", raising=False)
    with pytest.raises(ImproperlyConfigured, match="OPENRDV_ABSENT"):
        env.string("OPENRDV_ABSENT")


def production_env(**overrides) -> dict:
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DJANGO_SETTINGS_MODULE", "DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    return {
        **base,
        "OPENRDV_ROLE": "clinic",
        "DEBUG": "false",
        "SECRET_KEY": STRONG_SECRET,
        "ALLOWED_HOSTS": "rdv.example.fr",
        "DATABASE_URL": "postgres://openrdv@127.0.0.1:5432/openrdv",
        "OPENRDV_BASE_URL": "https://rdv.example.fr",
        **overrides,
    }


def run_manage(*args, env_vars) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env_vars, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("role", ["clinic", "directory"])
def test_production_settings_pass_the_deployment_checks(role):
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env_vars=production_env(OPENRDV_ROLE=role))
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_deployment_checks_warn_without_a_public_address_for_the_messages_links():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env_vars=production_env(OPENRDV_BASE_URL=""))
    assert result.returncode != 0 and "openrdv.W001" in result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    environment = production_env()
    del environment["SECRET_KEY"]
    result = run_manage("check", env_vars=environment)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_an_unknown_role_is_refused():
    result = run_manage("check", env_vars=production_env(OPENRDV_ROLE="hospital"))
    assert result.returncode != 0
    assert "OPENRDV_ROLE" in result.stderr


def test_the_clinic_role_alone_has_the_lookups_of_its_patient_search(tmp_path):
    """The test settings merge both roles; the clinic's own settings must install what its code uses."""
    code = (
        "import django; django.setup();"
        "from clinic_instance.models import Patient;"
        "print(Patient.objects.filter(last_name__trigram_similar='durand', first_name__trigram_word_similar='x').query)"
    )
    environment = {
        **{k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")},
        "DJANGO_SETTINGS_MODULE": "config.settings.clinic",
        "DEBUG": "true",
        "DATABASE_URL": "postgres://openrdv@127.0.0.1:5432/unused",  # the query is only compiled
    }
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "% durand" in done.stdout and "%>" in done.stdout  # pg_trgm's similarity operators


def test_former_secret_keys_are_read_for_a_rotation():
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.SECRET_KEY_FALLBACKS)",
        env_vars=production_env(SECRET_KEY_FALLBACKS="old-key-one,old-key-two"),
    )
    assert result.returncode == 0, result.stderr
    assert "['old-key-one', 'old-key-two']" in result.stdout


def test_the_deployment_checks_fail_behind_a_proxy_the_application_does_not_trust():
    untrusted = run_manage("check", "--deploy", env_vars=production_env(BEHIND_TLS_PROXY="true", TRUSTED_PROXIES=""))
    assert untrusted.returncode != 0 and "openrdv.E001" in untrusted.stderr
    trusted = production_env(BEHIND_TLS_PROXY="true", TRUSTED_PROXIES="127.0.0.1,::1")
    assert run_manage("check", "--deploy", env_vars=trusted).returncode == 0


def test_a_bad_trusted_proxy_stops_the_start_up_with_its_name():
    result = run_manage("check", env_vars=production_env(TRUSTED_PROXIES="127.0.0.1,nginx"))
    assert result.returncode != 0 and "TRUSTED_PROXIES" in result.stderr


def test_outside_debug_a_cache_that_workers_do_not_share_is_refused():
    result = run_manage("check", env_vars=production_env(REDIS_URL=""))
    assert result.returncode != 0 and "openrdv.E002" in result.stderr
    assert run_manage("check", env_vars=production_env(REDIS_URL="", DEBUG="true")).returncode == 0
