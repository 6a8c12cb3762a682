"""The admin names third-party apps in the site's language, the workspace links to it, every page has an icon."""

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders

from clinic_instance.staff_accounts import grant_admin_site
from tests.workspace import sign_in, staff_user


@pytest.fixture
def anne(client, db):
    """A clinic administrator with every admin permission, to see every app on the admin's index."""
    admin = staff_user("anne", "admin")
    grant_admin_site(admin, "admin")
    admin.is_superuser = True
    admin.save()
    sign_in(client, admin)
    return client


@pytest.mark.parametrize(
    ("language", "names"),
    [
        ("en", ["Sign-in attempts and lockouts", "Authenticator apps", "Recovery codes", "Recovery code lists"]),
        ("fr", ["Tentatives de connexion et blocages", "Applications d&#x27;authentification", "Codes de secours"]),
    ],
)
def test_the_admin_index_names_the_apps_in_the_site_s_language(anne, language, names):
    page = anne.get("/admin/", headers={"Accept-Language": language}).content.decode()
    for name in names:
        assert name in page
    for raw in ("Axes", "AXES", "Otp_Totp", "OTP_TOTP", "Otp_Static", "Static devices"):
        assert raw not in page


def test_administrators_have_an_administration_link_and_secretaries_none(anne, client, alice):
    assert (
        'href="/admin/">Administration</a>'
        in anne.get("/workspace/agenda/", headers={"Accept-Language": "en"}).content.decode()
    )
    client.logout()
    sign_in(client, staff_user("sarah", "secretary", agendas=[alice]))
    assert 'href="/admin/"' not in client.get("/workspace/agenda/").content.decode()


def test_every_page_links_the_icon_that_is_shipped(client, anne, alice, consultation):
    assert finders.find("favicon.svg") is not None
    assert Path(finders.find("favicon.svg")).read_text().startswith("<svg")
    for url in ("/", f"/book/{alice.pk}/", "/workspace/agenda/", "/workspace/book/"):
        page = anne.get(url).content.decode()
        assert re.search(r'<link rel="icon" href="/static/favicon[^"]*\.svg"', page), url


@pytest.mark.parametrize("urlconf", ["clinic_instance.urls", "directory.urls"])
def test_favicon_ico_leads_both_roles_to_the_shipped_icon(client, settings, urlconf):
    """Pages without our icon link (the admin, an API answer in a tab) make browsers ask /favicon.ico."""
    settings.ROOT_URLCONF = urlconf
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert re.fullmatch(r"/static/favicon[^/]*\.svg", response["Location"])
    assert "max-age=86400" in response["Cache-Control"]
    assert client.post("/favicon.ico").status_code == 405
