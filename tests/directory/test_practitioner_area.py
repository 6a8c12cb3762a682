"""Practitioners sign up (real SMTP in the test process), claim or create a profile, edit it;
moderators approve. Personas: Dr Claire Martin (listed from open data), Dr Nora Petit (not
listed), Mallory (another practitioner), and Sam, directory staff."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import signing

from directory.models import Instance, Profile, ProfileChange, ProfileReport
from directory.search import SearchQuery
from directory.search.postgres import PostgresBackend

from .factories import RENNES, make_profile, specialty

pytestmark = pytest.mark.usefixtures("directory_urls")
PASSWORD = "a-long-and-unusual-passphrase"


@pytest.fixture
def claire_listed(db):
    return make_profile("Claire", "Martin", "medecine-generale", RENNES, rpps="10001234567", phone="+33299000001")


@pytest.fixture
def clinic(db):
    return Instance.objects.create(base_url="https://rdv.tilleuls.example", name="Tilleuls", status="approved")


def make_practitioner(email: str, first_name: str = "Claire", last_name: str = "Martin"):
    return get_user_model().objects.create_user(email, email, PASSWORD, first_name=first_name, last_name=last_name)


@pytest.fixture
def sam(client, db):
    return get_user_model().objects.create_user("sam@directory.example", "", PASSWORD, is_staff=True)


def profile_form(**overrides) -> dict:
    return {
        "title": "Dr", "first_name": "Claire", "last_name": "Martin", "specialty": specialty("medecine-generale").pk,
        "practice_name": "Maison de santé des Tilleuls", "address": "12 rue des Tilleuls", "postcode": "35000",
        "city": "Rennes", "phone": "02 99 00 00 09", "languages": ["fr", "en"], "sector": "1",
        "accepts_new_patients": "on", **overrides,
    }  # fmt: skip


def test_a_practitioner_signs_up_and_confirms_the_address_by_e_mail(client, db, inbox):
    response = client.post(
        "/practitioners/signup/",
        {"first_name": "Nora", "last_name": "Petit", "email": "Nora.Petit@example.org", "password": PASSWORD},
    )
    assert response.status_code == 200
    user = get_user_model().objects.get(username="nora.petit@example.org")
    assert not user.is_active
    [mail] = inbox.messages
    assert mail["To"] == "nora.petit@example.org"
    link = re.search(r"http://testserver(/practitioners/verify/\S+/)", mail.get_payload(decode=True).decode()).group(1)
    assert client.get(link).status_code == 302
    user.refresh_from_db()
    assert user.is_active
    assert client.get("/practitioners/").status_code == 200


def test_an_unverified_account_cannot_log_in(client, db):
    user = make_practitioner("claire@example.org")
    user.is_active = False
    user.save()
    response = client.post("/practitioners/login/", {"username": "claire@example.org", "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("token", ["forged", signing.dumps({"user": 1, "email": "x@y.z"}, salt="other")])
def test_a_forged_verification_link_is_refused(client, db, token):
    assert client.get(f"/practitioners/verify/{token}/").status_code == 400


def test_an_expired_verification_link_is_refused(client, db, settings):
    from directory import accounts

    user = make_practitioner("late@example.org")
    token = accounts.verification_token(user)
    settings_max_age = accounts.VERIFICATION_MAX_AGE_SECONDS
    try:
        accounts.VERIFICATION_MAX_AGE_SECONDS = -1
        assert client.get(f"/practitioners/verify/{token}/").status_code == 400
    finally:
        accounts.VERIFICATION_MAX_AGE_SECONDS = settings_max_age


def test_a_claim_by_rpps_waits_for_a_moderator_then_gives_the_profile(client, claire_listed, sam):
    claire = make_practitioner("claire@example.org")
    client.force_login(claire)
    client.post("/practitioners/claim/", {"rpps": "10001234567"})
    change = ProfileChange.objects.get(profile=claire_listed, kind="claim")
    claire_listed.refresh_from_db()
    assert claire_listed.owner is None
    client.force_login(sam)
    assert "Claire Martin" in client.get("/moderation/").content.decode()
    client.post(f"/moderation/changes/{change.pk}/approve/")
    claire_listed.refresh_from_db()
    assert (claire_listed.owner, claire_listed.source) == (claire, "practitioner")


def test_a_profile_already_managed_cannot_be_claimed_again(client, claire_listed):
    claire_listed.owner = make_practitioner("claire@example.org")
    claire_listed.save()
    client.force_login(make_practitioner("mallory@example.org", "Mallory", "X"))
    client.post("/practitioners/claim/", {"rpps": "10001234567"})
    assert not ProfileChange.objects.exists()


def test_a_new_profile_is_hidden_until_approved_then_searchable(client, sam, clinic):
    nora = make_practitioner("nora@example.org", "Nora", "Petit")
    client.force_login(nora)
    form = profile_form(first_name="Nora", last_name="Petit", rpps="10007654321", instance=clinic.pk,
                        booking_url="https://rdv.tilleuls.example/book/3/")  # fmt: skip
    assert client.post("/practitioners/new/", form).status_code == 302
    profile = Profile.objects.get(rpps="10007654321")
    assert (profile.status, profile.owner, profile.phone) == ("pending", nora, "+33299000009")
    assert profile.latitude == pytest.approx(48.09, abs=0.05)
    assert PostgresBackend().search(SearchQuery(text="nora petit")).count == 0
    client.force_login(sam)
    client.post(f"/moderation/profiles/{profile.pk}/published/")
    assert PostgresBackend().search(SearchQuery(text="nora petit")).count == 1
    assert client.get(f"/go/{profile.pk}/")["Location"] == "https://rdv.tilleuls.example/book/3/"


def test_an_edit_of_a_published_profile_waits_for_approval(client, claire_listed, sam):
    claire = make_practitioner("claire@example.org")
    claire_listed.owner = claire
    claire_listed.save()
    client.force_login(claire)
    response = client.post(f"/practitioners/profiles/{claire_listed.pk}/", profile_form(practice_name="Cabinet Neuf"))
    assert response.status_code == 302
    claire_listed.refresh_from_db()
    assert claire_listed.practice_name == ""
    change = ProfileChange.objects.get(profile=claire_listed, kind="edit")
    client.force_login(sam)
    client.post(f"/moderation/changes/{change.pk}/approve/")
    claire_listed.refresh_from_db()
    assert claire_listed.practice_name == "Cabinet Neuf"
    assert PostgresBackend().search(SearchQuery(text="cabinet neuf")).count == 1


def test_a_practitioner_cannot_edit_another_profile(client, claire_listed):
    claire_listed.owner = make_practitioner("claire@example.org")
    claire_listed.save()
    client.force_login(make_practitioner("mallory@example.org", "Mallory", "X"))
    assert client.get(f"/practitioners/profiles/{claire_listed.pk}/").status_code == 404
    assert client.post(f"/practitioners/profiles/{claire_listed.pk}/", profile_form()).status_code == 404
    assert not ProfileChange.objects.exists()


def test_a_booking_page_must_be_on_the_chosen_instance(client, clinic):
    client.force_login(make_practitioner("nora@example.org", "Nora", "Petit"))
    form = profile_form(rpps="10007654321", instance=clinic.pk, booking_url="https://evil.example/phish/")
    response = client.post("/practitioners/new/", form)
    assert response.status_code == 400
    assert not Profile.objects.exists()


def test_moderation_is_for_staff_only(client, claire_listed):
    client.force_login(make_practitioner("mallory@example.org", "Mallory", "X"))
    assert client.get("/moderation/").status_code == 302
    assert client.post(f"/moderation/profiles/{claire_listed.pk}/hidden/").status_code == 302
    claire_listed.refresh_from_db()
    assert claire_listed.status == "published"


def test_anyone_can_report_a_profile_and_only_a_digest_of_their_network_is_kept_until_it_is_handled(
    client, claire_listed, sam
):
    form = client.get(f"/p/{claire_listed.pk}/report/")
    token = re.search(r'name="token" value="([^"]+)"', form.content.decode()).group(1)
    response = client.post(
        f"/p/{claire_listed.pk}/report/", {"reason": "closed", "message": "<b>Retired</b>", "token": token}
    )
    assert response.status_code == 200
    assert not form.cookies and not response.cookies
    report = ProfileReport.objects.get()
    assert {f.name for f in ProfileReport._meta.fields} == {
        "id",
        "profile",
        "reason",
        "message",
        "created_at",
        "resolved_at",
        "reporter_digest",
    }
    assert "127.0.0.1" not in report.reporter_digest and len(report.reporter_digest) == 64
    client.force_login(sam)
    page = client.get("/moderation/").content.decode()
    assert "&lt;b&gt;Retired&lt;/b&gt;" in page
    client.post(f"/moderation/profiles/{claire_listed.pk}/hidden/")
    client.post(f"/moderation/profiles/{claire_listed.pk}/reports/resolve/")
    claire_listed.refresh_from_db()
    assert claire_listed.status == "hidden"
    assert client.get(f"/p/{claire_listed.pk}/").status_code == 404
    report.refresh_from_db()
    assert report.resolved_at is not None and report.reporter_digest == ""


@pytest.mark.parametrize("model", ["specialty", "instance", "profile", "profilechange", "profilereport"])
def test_directory_staff_have_a_working_back_office(client, claire_listed, model):
    client.force_login(get_user_model().objects.create_superuser("root@directory.example", "", PASSWORD))
    assert client.get(f"/admin/directory/{model}/").status_code == 200
    assert client.get(f"/admin/directory/{model}/add/").status_code == 200


def test_signing_up_again_before_verifying_sends_a_new_link(client, db, inbox):
    details = {"first_name": "Nora", "last_name": "Petit", "email": "nora@example.org", "password": PASSWORD}
    client.post("/practitioners/signup/", details)
    assert client.post("/practitioners/signup/", {**details, "first_name": "Norah"}).status_code == 200
    assert len(inbox.messages) == 2
    [user] = get_user_model().objects.filter(username="nora@example.org")
    assert (user.first_name, user.is_active) == ("Norah", False)


def test_an_active_account_cannot_be_signed_up_again(client, db, inbox):
    make_practitioner("claire@example.org")
    response = client.post(
        "/practitioners/signup/",
        {"first_name": "X", "last_name": "Y", "email": "claire@example.org", "password": PASSWORD},
    )
    assert response.status_code == 400
    assert inbox.messages == []
    assert get_user_model().objects.get(username="claire@example.org").check_password(PASSWORD)


def test_no_account_is_left_when_the_e_mail_cannot_be_sent(client, db, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
    response = client.post(
        "/practitioners/signup/",
        {"first_name": "Nora", "last_name": "Petit", "email": "nora@example.org", "password": PASSWORD},
    )
    assert response.status_code == 503
    assert not get_user_model().objects.filter(username="nora@example.org").exists()


def test_staff_approve_or_refuse_registered_clinic_instances(client, sam):
    waiting = Instance.objects.create(base_url="https://rdv.chenes.example", name="Les <i>Chênes</i>")
    other = Instance.objects.create(base_url="https://rdv.ormes.example", name="Les Ormes")
    client.force_login(make_practitioner("mallory@example.org", "Mallory", "X"))
    assert client.post(f"/moderation/instances/{waiting.pk}/approved/").status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == "pending"
    client.force_login(sam)
    page = client.get("/moderation/").content.decode()
    assert "Les &lt;i&gt;Chênes&lt;/i&gt;" in page and "https://rdv.ormes.example" in page
    client.post(f"/moderation/instances/{waiting.pk}/approved/")
    client.post(f"/moderation/instances/{other.pk}/suspended/")
    assert client.post(f"/moderation/instances/{other.pk}/pending/").status_code == 404
    assert dict(Instance.objects.values_list("name", "status")) == {
        "Les <i>Chênes</i>": "approved",
        "Les Ormes": "suspended",
    }
