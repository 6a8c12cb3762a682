"""Every directory address reachable in one language works in the other (French at /, English at /en/)."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.resolvers import LocalePrefixPattern
from django.utils import translation

from directory.models import Instance

from .factories import RENNES, make_profile

pytestmark = pytest.mark.usefixtures("directory_urls")

# Addresses that servers and tools read, not people: the protocol and the admin have one address each.
LANGUAGE_NEUTRAL = {
    *("federation-discovery", "federation-register", "federation-profile", "api-schema", "favicon"),
    *("healthz", "readyz", "metrics"),  # for machines, in no language
}


def named_patterns(resolver=None, localized=False, namespace=""):
    """(name, localized) of every named pattern, walking included resolvers (the admin is skipped)."""
    for entry in (resolver or get_resolver("directory.urls")).url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue
            yield from named_patterns(entry, localized or isinstance(entry.pattern, LocalePrefixPattern))
        elif isinstance(entry, URLPattern) and entry.name:
            yield entry.name, localized


def sample_arguments(name: str, profile_id: int) -> dict:
    pattern = next(p for p in get_resolver("directory.urls").reverse_dict.getlist(name))
    (_format, parameters), *_rest = pattern[0]
    samples = {"profile_id": profile_id, "status": "published", "decision": "approve", "token": "x", "ref": "x"}
    return {parameter: samples.get(parameter, 1) for parameter in parameters}


@pytest.fixture
def online(db):
    clinic = Instance.objects.create(base_url="https://rdv.tilleuls.example", name="Tilleuls", status="approved")
    return make_profile("Claire", "Martin", "medecine-generale", RENNES, instance=clinic,
                        booking_url="https://rdv.tilleuls.example/book/1/")  # fmt: skip


def test_every_page_of_the_directory_has_a_french_and_an_english_address(online):
    names = dict(named_patterns())
    assert {"search", "profile", "go", "api-search", "api-specialties"} <= names.keys()
    for name, localized in names.items():
        if name in LANGUAGE_NEUTRAL:
            continue
        assert localized, f"{name} has no English address"


def test_no_address_of_one_language_is_missing_in_the_other(client, online):
    """/en/go/2/ was a 404 while /go/2/ worked: both languages answer alike, whatever the page."""
    for name, localized in named_patterns():
        if not localized:
            continue
        arguments = sample_arguments(name, online.pk)
        answers = {}
        for language in ("fr", "en"):
            with translation.override(language):
                address = reverse(name, kwargs=arguments)
                assert resolve(address).url_name == name
            answers[language] = (address, client.get(address).status_code)
        assert answers["fr"][0] != answers["en"][0], name
        assert (answers["fr"][1] == 404) == (answers["en"][1] == 404), answers


@pytest.mark.parametrize("address", ["/go/{pk}/", "/en/go/{pk}/"])
def test_book_online_hands_off_in_both_languages(client, online, address):
    response = client.get(address.format(pk=online.pk))
    assert response.status_code == 302 and response["Location"] == "https://rdv.tilleuls.example/book/1/"


def test_an_english_page_links_to_english_addresses(client, online):
    page = client.get("/en/", {"place": "Rennes"}).content.decode()
    assert f'href="/en/go/{online.pk}/"' in page and f'href="/en/p/{online.pk}/"' in page
