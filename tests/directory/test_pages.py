"""The directory's pages: search, profile, hand-off; no cookie, nothing recorded."""

import pytest

from directory.models import Instance

from .factories import CESSON, RENNES, make_profile

pytestmark = pytest.mark.usefixtures("directory_urls")


@pytest.fixture
def cast(db):
    clinic = Instance.objects.create(base_url="https://rdv.tilleuls.example", name="Tilleuls", status="approved")
    return {
        "martin": make_profile("Claire", "Martin", "medecine-generale", RENNES, phone="+33299000001",
                               instance=clinic, booking_url="https://rdv.tilleuls.example/book/1/"),
        "benali": make_profile("Karim", "Benali", "dermatologie", CESSON, phone="+33299000002"),
        "hidden": make_profile("Hugo", "Caché", "cardiologie", RENNES, status="hidden",
                               instance=clinic, booking_url="https://rdv.tilleuls.example/book/9/"),
    }  # fmt: skip


def test_the_search_page_lists_results_with_how_to_book(client, cast):
    page = client.get("/", {"q": "", "place": "Rennes"}).content.decode()
    assert "2 praticiens trouvés" in page or "2 practitioners found" in page
    assert f'href="/go/{cast["martin"].pk}/"' in page
    assert 'href="tel:+33299000002"' in page
    assert "02 99 00 00 02" in page


def test_a_very_large_result_says_more_than_and_how_to_narrow_it(client, cast, monkeypatch):
    from directory.search import postgres

    monkeypatch.setattr(postgres, "COUNT_LIMIT", 1)
    page = client.get("/en/", {"place": "Rennes"}).content.decode()
    assert "More than 1 practitioners found: add a place or a filter to narrow them down" in page
    assert f'href="/en/go/{cast["martin"].pk}/"' in page


def test_english_lives_under_en_without_a_cookie(client, cast):
    response = client.get("/en/", {"place": "Rennes"})
    assert "2 practitioners found" in response.content.decode()
    assert not response.cookies


def test_no_page_sets_a_cookie_for_an_anonymous_visitor(client, cast):
    for url in ("/", "/?q=martin&place=35000", f"/p/{cast['martin'].pk}/", f"/go/{cast['martin'].pk}/"):
        assert not client.get(url).cookies, url


def test_a_bad_search_is_explained(client, cast):
    response = client.get("/", {"place": "Atlantis"})
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()


def test_the_profile_page_shows_the_public_profile(client, cast):
    page = client.get(f"/p/{cast['benali'].pk}/").content.decode()
    assert "Dr Karim Benali" in page
    assert "Dermatologue" in page
    assert "openstreetmap.org" in page


def test_hidden_profiles_have_no_page_and_no_hand_off(client, cast):
    assert client.get(f"/p/{cast['hidden'].pk}/").status_code == 404
    assert client.get(f"/go/{cast['hidden'].pk}/").status_code == 404
    assert client.get("/p/999999/").status_code == 404


def test_book_online_hands_off_to_the_clinic_instance(client, cast):
    response = client.get(f"/go/{cast['martin'].pk}/")
    assert response.status_code == 302
    assert response["Location"] == "https://rdv.tilleuls.example/book/1/"
    assert response["Referrer-Policy"] == "no-referrer"


def test_the_hand_off_of_a_phone_only_practitioner_goes_to_the_profile(client, cast):
    response = client.get(f"/go/{cast['benali'].pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"/p/{cast['benali'].pk}/"


def test_pages_load_nothing_from_another_host(client, cast):
    response = client.get("/", {"place": "Rennes"})
    assert "default-src 'self'" in response["Content-Security-Policy"]
    page = response.content.decode()
    assert "https://" not in page.replace("https://rdv.tilleuls.example", "")


def test_the_search_form_submits_empty_fields_without_an_error(client, cast):
    response = client.get("/", {"q": "martin", "place": "", "lat": "", "lon": "", "language": "", "sector": ""})
    assert response.status_code == 200
    assert "Claire Martin" in response.content.decode()


def test_near_me_coordinates_search_around_the_visitor(client, cast):
    response = client.get("/en/", {"lat": RENNES[0], "lon": RENNES[1], "radius_km": "10", "place": ""})
    assert "2 practitioners found" in response.content.decode()


def test_a_filter_alone_is_a_search(client, cast):
    cast["benali"].teleconsultation = True
    cast["benali"].save()
    page = client.get("/en/", {"sector": "", "teleconsultation": "true", "radius_km": "20"}).content.decode()
    assert "1 practitioner found" in page
    assert "Dr Karim Benali" in page


def test_online_profiles_read_their_next_free_slot_from_their_instance_only(client, cast):
    martin = cast["martin"]
    martin.availability_url = "https://rdv.tilleuls.example/api/v1/practitioners/1/next-slot/"
    martin.save()
    for url in (f"/p/{martin.pk}/", "/?place=Rennes"):
        response = client.get(url)
        page = response.content.decode()
        assert 'data-next-slot-url="https://rdv.tilleuls.example/api/v1/practitioners/1/next-slot/"' in page
        assert "js/next-slot.js" in page
        assert "connect-src 'self' https://rdv.tilleuls.example;" in response["Content-Security-Policy"]
    phone_only = client.get(f"/p/{cast['benali'].pk}/")
    assert "data-next-slot-url" not in phone_only.content.decode()
    assert "connect-src 'self';" in phone_only["Content-Security-Policy"]
