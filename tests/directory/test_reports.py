"""'Report this profile' against a flood: a signed form token, a per-network limit, one open report per
profile and network, and a moderation queue of reported profiles, paginated. Anonymous visitors still get no
cookie. Personas: Dr Claire Martin (reported), a visitor, another site posting the form, and Sam, staff."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import IntegrityError
from django.utils import timezone

from config.client_networks import network_digest
from directory.models import ProfileReport
from directory.moderation import REPORT_TOKEN_MAX_AGE, REPORTS_PER_NETWORK, report_form_token
from directory.moderation_views import REPORTED_PER_PAGE

from .factories import RENNES, make_profile

pytestmark = pytest.mark.usefixtures("directory_urls")


@pytest.fixture
def claire(db):
    return make_profile("Claire", "Martin", "medecine-generale", RENNES, rpps="10001234567")


@pytest.fixture
def sam(db):
    return get_user_model().objects.create_user("sam@directory.example", "", "x" * 20, is_staff=True)


def token_of(page) -> str:
    return re.search(r'name="token" value="([^"]+)"', page.content.decode()).group(1)


def report(client, profile, token: str, message: str = "Retired in June.", address: str = "203.0.113.7"):
    return client.post(
        f"/en/p/{profile.pk}/report/",
        {"reason": "closed", "message": message, "token": token},
        REMOTE_ADDR=address,
        HTTP_ORIGIN="https://elsewhere.example",
    )


def test_another_sites_post_without_the_token_is_refused_and_nothing_is_stored(client, claire):
    for token in ("", "forged:token", report_form_token(claire.pk + 1)):  # none, made up, another profile's
        refused = report(client, claire, token, message="Spam spam spam")
        assert refused.status_code == 403
        page = refused.content.decode()
        assert "did not come from this page" in page and "send it again" in page
        assert "Spam spam spam" in page  # what was typed is kept
        assert token_of(refused) != token  # with a fresh token to send it again
        assert not refused.cookies
    assert not ProfileReport.objects.exists()


def test_a_token_past_its_lifetime_is_refused_and_the_form_comes_back_to_send_again(client, claire):
    token = token_of(client.get(f"/en/p/{claire.pk}/report/"))
    with time_machine.travel(timezone.now() + REPORT_TOKEN_MAX_AGE + timedelta(seconds=5), tick=False):
        expired = report(client, claire, token)
        assert expired.status_code == 403 and not ProfileReport.objects.exists()
        assert report(client, claire, token_of(expired)).status_code == 200
    assert ProfileReport.objects.count() == 1


def test_one_network_sends_a_few_reports_an_hour(client, db):
    profiles = [make_profile("P", f"Name{number}", "medecine-generale", RENNES) for number in range(7)]
    answers = [report(client, profile, report_form_token(profile.pk)).status_code for profile in profiles]
    assert answers == [200] * REPORTS_PER_NETWORK + [429] * (7 - REPORTS_PER_NETWORK)
    assert "try again in an hour" in report(client, profiles[-1], report_form_token(profiles[-1].pk)).content.decode()
    # An IPv6 client counts as its /64; another network is not held back.
    assert report(client, profiles[-1], report_form_token(profiles[-1].pk), address="2001:db8::1").status_code == 200
    refused = report(client, profiles[-2], report_form_token(profiles[-2].pk), address="2001:db8::ffff:2")
    assert refused.status_code == 200  # 2 of 5 from that /64 so far
    with time_machine.travel(timezone.now() + timedelta(hours=1, minutes=1), tick=False):
        assert report(client, profiles[-1], report_form_token(profiles[-1].pk)).status_code == 200
    assert ProfileReport.objects.count() == REPORTS_PER_NETWORK + 3


def test_one_open_report_per_profile_and_network(client, claire):
    assert report(client, claire, report_form_token(claire.pk)).status_code == 200
    again = report(client, claire, report_form_token(claire.pk), message="Again")
    assert again.status_code == 200 and "earlier report on this profile is still" in again.content.decode()
    assert list(ProfileReport.objects.values_list("message", flat=True)) == ["Retired in June."]
    assert report(client, claire, report_form_token(claire.pk), address="198.51.100.1").status_code == 200
    assert ProfileReport.objects.count() == 2
    digest = network_digest("203.0.113.7", purpose="directory:report")
    with pytest.raises(IntegrityError):  # the database holds it, whatever the code does
        ProfileReport.objects.create(profile=claire, reason="other", reporter_digest=digest)


def test_the_moderation_queue_has_one_row_per_reported_profile_and_pages(client, db, sam):
    flooded = make_profile("Claire", "Flood", "medecine-generale", RENNES)
    ProfileReport.objects.bulk_create(
        ProfileReport(profile=flooded, reason="other", message=f"Message {number}", reporter_digest=f"{number:064}")
        for number in range(50)
    )
    others = [make_profile("P", f"Other{number:02}", "medecine-generale", RENNES) for number in range(59)]
    make_profile("Never", "Reported", "medecine-generale", RENNES)
    ProfileReport.objects.bulk_create(
        ProfileReport(profile=profile, reason="wrong", reporter_digest="a" * 64) for profile in others
    )
    client.force_login(sam)
    first = client.get("/en/moderation/").content.decode()
    assert first.count("open report") == REPORTED_PER_PAGE  # one row each, whatever its number of reports
    assert "Page 1 of 3" in first
    pages = first + "".join(client.get(f"/en/moderation/?page={n}").content.decode() for n in (2, 3))
    assert pages.count("Claire Flood</a>") == 1
    assert "50 open reports" in pages
    assert pages.count("Message ") == 3  # the latest reasons, not fifty of them
    assert sum(pages.count(f"Other{number:02}</a>") for number in range(59)) == 59
    assert "Never Reported" not in pages

    client.post(f"/moderation/profiles/{flooded.pk}/reports/resolve/")
    assert not ProfileReport.objects.filter(profile=flooded, resolved_at=None).exists()
    assert not ProfileReport.objects.filter(profile=flooded).exclude(reporter_digest="").exists()
    assert "50 open reports" not in client.get("/en/moderation/").content.decode()


def test_the_report_pages_set_no_cookie(client, claire):
    form = client.get(f"/p/{claire.pk}/report/")
    sent = report(client, claire, token_of(form))
    assert form.status_code == sent.status_code == 200
    assert not form.cookies and not sent.cookies
