"""Where SMS may go is a setting (SMS_ALLOWED_REGIONS): France and its overseas departments by default."""

import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from clinic_instance.sms import RefusedDestination, check_destination
from config import env
from tests.test_settings import ROOT, production_env

COLLECTIVITES = {
    "NC": "+687751234",  # New Caledonia
    "PF": "+68987123456",  # French Polynesia
    "WF": "+681821234",  # Wallis-and-Futuna
    "PM": "+508551234",  # Saint-Pierre-and-Miquelon
}


def test_the_default_is_france_and_its_overseas_departments():
    default = settings.SMS_ALLOWED_REGIONS
    assert default == {"FR", "GP", "MQ", "GF", "RE", "YT"}


@pytest.mark.parametrize(("region", "phone"), COLLECTIVITES.items())
def test_the_collectivites_are_refused_by_default(region, phone):
    with pytest.raises(RefusedDestination, match=f"region {region}"):
        check_destination(phone)


@pytest.mark.parametrize(("region", "phone"), COLLECTIVITES.items())
def test_a_clinic_may_allow_them(settings, region, phone):
    settings.SMS_ALLOWED_REGIONS = frozenset({"FR", region})
    check_destination(phone)
    with pytest.raises(RefusedDestination, match="region RE"):
        check_destination("+262692123456")


def test_the_variable_is_parsed_strictly(monkeypatch):
    monkeypatch.setenv("SMS_ALLOWED_REGIONS", " FR, NC ,PF")
    assert env.region_codes("SMS_ALLOWED_REGIONS", ["FR"]) == {"FR", "NC", "PF"}
    for bad in ("FR,XX", "fr", "FR;GP", "France", ","):
        monkeypatch.setenv("SMS_ALLOWED_REGIONS", bad)
        with pytest.raises(ImproperlyConfigured, match="SMS_ALLOWED_REGIONS"):
            env.region_codes("SMS_ALLOWED_REGIONS", ["FR"])


def test_a_bad_code_stops_the_start_up_naming_the_variable():
    done = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=production_env(SMS_ALLOWED_REGIONS="FR,ZZ"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "SMS_ALLOWED_REGIONS" in done.stderr and "'ZZ'" in done.stderr
