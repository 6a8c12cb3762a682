"""GET /api/v1/search/: the public contract, the place resolution and bad input."""

import pytest

from directory.models import Instance

from .factories import CESSON, PARIS, RENNES, SAINT_MALO, make_profile

pytestmark = pytest.mark.usefixtures("directory_urls")


@pytest.fixture
def cast(db):
    clinic = Instance.objects.create(base_url="https://rdv.tilleuls.example", name="Tilleuls", status="approved")
    return {
        "martin": make_profile("Claire", "Martin", "medecine-generale", RENNES, phone="+33299000001",
                               instance=clinic, booking_url="https://rdv.tilleuls.example/book/1/"),
        "benali": make_profile("Karim", "Benali", "dermatologie", CESSON, phone="+33299000002", languages=["fr", "ar"]),
        "roux": make_profile("Paul", "Roux", "medecine-generale", SAINT_MALO, phone="+33299000003"),
        "durand": make_profile("Alice", "Durand", "dermatologie", PARIS, phone="+33144000000"),
    }  # fmt: skip


def test_results_follow_the_contract(client, cast):
    response = client.get("/api/v1/search/", {"q": "generaliste", "place": "Rennes"})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    [result] = body["results"]
    assert set(result) == {"id", "name", "specialty", "address", "distance_km", "booking"}
    assert result["name"] == "Dr Claire Martin"
    assert result["specialty"] == "Médecin généraliste"
    assert result["address"] == "35000 Rennes"
    assert result["distance_km"] < 3
    assert result["booking"] == {"kind": "online", "url": f"http://testserver/go/{cast['martin'].pk}/"}
    assert "specialty" in body["facets"]
    assert body["count_exact"] is True


def test_past_the_count_limit_the_count_says_more(client, cast, monkeypatch):
    from directory.search import postgres

    monkeypatch.setattr(postgres, "COUNT_LIMIT", 2)
    body = client.get("/api/v1/search/", {"place": "Rennes", "radius_km": 100}).json()
    assert (body["count"], body["count_exact"], body["facets"]) == (2, False, {})
    assert [r["name"] for r in body["results"]] == ["Dr Claire Martin", "Dr Karim Benali"]  # nearest, and no more


def test_a_practitioner_without_online_booking_gives_a_phone(client, cast):
    [result] = client.get("/api/v1/search/", {"q": "benali"}).json()["results"]
    assert result["booking"] == {"kind": "phone", "phone": "+33299000002"}
    assert result["distance_km"] is None


@pytest.mark.parametrize("place", ["35000", "Rennes", "rennes", "RENNES"])
def test_a_place_is_a_postcode_or_a_town(client, cast, place):
    body = client.get("/api/v1/search/", {"place": place, "radius_km": 10}).json()
    assert {r["name"] for r in body["results"]} == {"Dr Claire Martin", "Dr Karim Benali"}


def test_near_me_takes_coordinates_and_sorts_by_distance(client, cast):
    body = client.get("/api/v1/search/", {"lat": SAINT_MALO[0], "lon": SAINT_MALO[1], "radius_km": 100}).json()
    names = [r["name"] for r in body["results"]]
    assert names[0] == "Dr Paul Roux"
    assert "Dr Alice Durand" not in names


def test_filters_and_languages_repeat(client, cast):
    body = client.get("/api/v1/search/?language=ar&language=fr").json()
    assert [r["name"] for r in body["results"]] == ["Dr Karim Benali"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"place": "Atlantis"}, "place"),
        ({"lat": "48.1"}, "lon"),
        ({"lat": "100", "lon": "0"}, "lat"),
        ({"radius_km": "100000", "place": "Rennes"}, "radius_km"),
        ({"page": "0"}, "page"),
        ({"page": "51"}, "page"),  # past the 1,000th result
        ({"q": "x" * 201}, "q"),
        ({"specialty": "<script>"}, "specialty"),
        ({"language": "english"}, "language"),
        ({"new_patients": "maybe"}, "new_patients"),
        ({"sector": "9"}, "sector"),
    ],
)
def test_bad_parameters_are_400_with_the_field(client, cast, query, field):
    response = client.get("/api/v1/search/", query)
    assert response.status_code == 400
    assert field in response.json()


def test_injection_strings_find_nothing_and_break_nothing(client, cast):
    response = client.get("/api/v1/search/", {"q": "' OR 1=1; --", "place": "35000"})
    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_the_schema_describes_the_search(client, db):
    text = client.get("/api/schema/").content.decode()
    assert "/api/v1/search/" in text
    assert "radius_km" in text


def test_autocomplete_of_places_and_specialties(client, cast):
    places = client.get("/api/v1/places/", {"q": "renn"}).json()
    assert places[0]["name"] == "Rennes"
    specialties = client.get("/api/v1/specialties/", {"q": "derma"}).json()
    assert {"code": "dermatologie", "label": "Dermatologue"} in specialties


def test_the_search_api_sets_no_cookie(client, cast):
    assert not client.get("/api/v1/search/", {"q": "martin"}).cookies
