"""Administrators edit the wording of messages to patients, with a preview; nobody else can."""

import pytest

from clinic_instance.models import AuditEntry, MessageTemplate
from tests.workspace import sign_in, staff_user

pytestmark = pytest.mark.django_db

PAGE = "/workspace/messages/reminder/sms/fr/"


@pytest.fixture
def admin_client(client, clinic):
    sign_in(client, staff_user("anne", "admin"))
    return client


def test_anonymous_visitors_are_sent_to_the_login_page(client, clinic):
    for url in ("/workspace/messages/", PAGE):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/workspace/login/")


def test_a_secretary_may_not_see_or_change_the_texts(client, clinic):
    sign_in(client, staff_user("sarah", "secretary"))
    assert client.get("/workspace/messages/").status_code == 403
    assert client.post(PAGE, {"action": "save", "body": "{{ clinic }}"}).status_code == 403
    assert not MessageTemplate.objects.exists()


def test_the_list_shows_every_kind_channel_and_language(admin_client):
    MessageTemplate.objects.create(kind="reminder", channel="sms", language="fr", body="{{ clinic }}")
    response = admin_client.get("/workspace/messages/")
    assert response.status_code == 200
    content = response.content.decode()
    for kind in ("confirmation", "reminder", "change", "cancellation", "absence"):
        for channel in ("sms", "email"):
            for language in ("fr", "en"):
                assert f"/workspace/messages/{kind}/{channel}/{language}/" in content
    assert response["Cache-Control"] == "no-store, private"


def test_an_administrator_previews_saves_and_resets_a_text(admin_client):
    page = admin_client.get(PAGE)
    assert page.status_code == 200
    assert "lundi 1 mars 2027" in page.context["preview"]["body"]  # the default, previewed
    default_body = page.context["default_body"]

    text = "{{ clinic|upper }} : RDV {{ date }} à {{ time }}. {{ manage_url }}"
    preview = admin_client.post(PAGE, {"action": "preview", "body": text})
    assert preview.context["preview"]["body"].startswith("CABINET DES LILAS : RDV lundi 1 mars 2027 à 09:20. http")
    assert not MessageTemplate.objects.exists()

    saved = admin_client.post(PAGE, {"action": "save", "body": text})
    assert saved.status_code == 302
    assert MessageTemplate.objects.get(kind="reminder", channel="sms", language="fr").body == text
    entry = AuditEntry.objects.latest("pk")
    assert (entry.action, entry.object_type) == ("update", "clinic") and "reminder/sms/fr" in entry.detail

    assert admin_client.post(PAGE, {"action": "reset"}).status_code == 302
    assert not MessageTemplate.objects.exists()
    assert admin_client.get(PAGE).context["form"].initial["body"] == default_body
    assert AuditEntry.objects.latest("pk").detail.endswith("reset to default")


@pytest.mark.parametrize("text", ["{{ patient.phone }}", "{% load i18n %}", "{% include 'base.html' %}",
                                  "{{ clinic.__class__ }}", "{{ clinic.upper }}"])  # fmt: skip
def test_a_text_reading_beyond_its_context_is_refused(admin_client, text):
    response = admin_client.post(PAGE, {"action": "save", "body": text})
    assert response.status_code == 200 and response.context["form"].errors["body"]
    assert not MessageTemplate.objects.exists()


def test_an_sms_too_long_is_refused_and_an_e_mail_needs_a_subject(admin_client):
    response = admin_client.post(PAGE, {"action": "save", "body": "{{ manage_url }} " * 6})
    assert response.context["form"].errors["body"]
    response = admin_client.post("/workspace/messages/reminder/email/en/", {"action": "save", "body": "Hi"})
    assert response.context["form"].errors["subject"]
    assert not MessageTemplate.objects.exists()


def test_unknown_kinds_channels_and_languages_are_not_found(admin_client):
    for url in ("/workspace/messages/verification/sms/fr/", "/workspace/messages/reminder/fax/fr/",
                "/workspace/messages/reminder/sms/de/"):  # fmt: skip
        assert admin_client.get(url).status_code == 404
