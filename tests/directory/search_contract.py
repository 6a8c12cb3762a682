"""The contract every search backend fulfils, run against each (test_search_backends.py).

A backend is given as the `backend` fixture; `indexed` fills it with the cast below.
"""

import pytest

from directory.models import Profile
from directory.search import SearchQuery

from .factories import CESSON, PARIS, RENNES, SAINT_MALO, make_profile


@pytest.fixture
def cast(db):
    """Who is in the directory."""
    return {
        "martin": make_profile("Claire", "Martin", "medecine-generale", RENNES, languages=["fr", "en"], sector="1"),
        "lefevre": make_profile("Hélène", "Lefèvre", "cardiologie", RENNES, languages=["fr"], sector="2",
                                accepts_new_patients=False),
        "benali": make_profile("Karim", "Benali", "dermatologie", CESSON, languages=["fr", "ar"], sector="1",
                               teleconsultation=True, wheelchair_accessible=True),
        "roux": make_profile("Paul", "Roux", "medecine-generale", SAINT_MALO, languages=["fr"]),
        "durand": make_profile("Alice", "Durand", "dermatologie", PARIS, languages=["fr", "en"], sector="2"),
        "hidden": make_profile("Hugo", "Caché", "cardiologie", RENNES, status=Profile.Status.HIDDEN),
        "pending": make_profile("Inès", "Attente", "cardiologie", RENNES, status=Profile.Status.PENDING),
    }  # fmt: skip


@pytest.fixture
def indexed(backend, cast):
    backend.index([profile.pk for profile in cast.values()])
    return cast


def more_specialties() -> dict[str, Profile]:
    """Who else is in the directory, for the words of more specialties (in Paris, out of the places' tests)."""
    return {
        "petit": make_profile("Léa", "Petit", "pediatrie", PARIS),
        "lebrun": make_profile("Marc", "Lebrun", "masso-kinesitherapie", PARIS),
        "nguyen": make_profile("Linh", "Nguyen", "chirurgie-dentaire", PARIS),
        "moreau": make_profile("Anne", "Moreau", "gynecologie", PARIS),
    }


@pytest.fixture
def indexed_more(backend, indexed):
    more = more_specialties()
    backend.index([profile.pk for profile in more.values()])
    return {**indexed, **more}


GPS = {"martin", "roux"}
# What English speakers type, and whom it finds: every backend understands it (issue 17).
ENGLISH_SEARCHES = [
    ("pediatrician", {"petit"}),
    ("paediatrician", {"petit"}),
    ("pediatrican", {"petit"}),  # a typo
    ("GP", GPS),
    ("general practitioner", GPS),
    ("family doctor", GPS),
    ("physiotherapist", {"lebrun"}),
    ("physio", {"lebrun"}),
    ("dentist", {"nguyen"}),
    ("cardiologist", {"lefevre"}),
    ("dermatologist", {"benali", "durand"}),
    ("gynecologist", {"moreau"}),
    ("gynaecologist", {"moreau"}),
]


def ids(page) -> list[int]:
    return [result.profile_id for result in page.results]


def names(page, cast) -> set[str]:
    by_id = {profile.pk: key for key, profile in cast.items()}
    return {by_id[result.profile_id] for result in page.results}


class SearchContract:
    def test_a_typo_in_the_specialty_still_finds_it(self, backend, indexed):
        assert names(backend.search(SearchQuery(text="cardiologe")), indexed) == {"lefevre"}

    def test_words_without_accents_find_accented_ones(self, backend, indexed):
        assert names(backend.search(SearchQuery(text="generaliste")), indexed) == {"martin", "roux"}
        assert names(backend.search(SearchQuery(text="helene lefevre")), indexed) == {"lefevre"}

    def test_the_start_of_a_word_is_enough(self, backend, indexed):
        assert names(backend.search(SearchQuery(text="dermato")), indexed) == {"benali", "durand"}

    def test_synonyms_patients_use_find_the_specialty(self, backend, indexed):
        assert names(backend.search(SearchQuery(text="médecin traitant")), indexed) == {"martin", "roux"}

    @pytest.mark.parametrize(("text", "expected"), ENGLISH_SEARCHES)
    def test_english_words_find_the_specialty(self, backend, indexed_more, text, expected):
        assert names(backend.search(SearchQuery(text=text)), indexed_more) == expected

    def test_english_words_combine_with_names_and_places(self, backend, indexed_more):
        assert names(backend.search(SearchQuery(text="Dr Martin GP")), indexed_more) == {"martin"}
        query = SearchQuery(text="dermatologist", latitude=RENNES[0], longitude=RENNES[1], radius_km=30)
        assert names(backend.search(query), indexed_more) == {"benali"}

    @pytest.mark.parametrize(
        ("text", "expected"),
        [("pédiatre", {"petit"}), ("pediatre", {"petit"}), ("kiné", {"lebrun"}), ("dentiste", {"nguyen"}),
         ("gynéco", {"moreau"}), ("gynecologe", {"moreau"})],
    )  # fmt: skip
    def test_french_words_still_find_the_specialty(self, backend, indexed_more, text, expected):
        assert names(backend.search(SearchQuery(text=text)), indexed_more) == expected

    def test_titles_and_small_words_are_not_required(self, backend, indexed):
        assert names(backend.search(SearchQuery(text="Dr Martin")), indexed) == {"martin"}
        assert names(backend.search(SearchQuery(text="docteur Lefèvre")), indexed) == {"lefevre"}

    def test_words_that_match_nothing_find_nothing(self, backend, indexed):
        assert backend.search(SearchQuery(text="xylophone")).count == 0

    def test_hidden_and_pending_profiles_never_appear(self, backend, indexed):
        found = names(backend.search(SearchQuery(text="cardiologue")), indexed)
        assert found == {"lefevre"}
        assert backend.search(SearchQuery()).count == 5

    def test_a_specialty_filter_keeps_only_it(self, backend, indexed):
        assert names(backend.search(SearchQuery(specialty="dermatologie")), indexed) == {"benali", "durand"}

    def test_a_place_and_radius_keep_the_nearby_sorted_by_distance(self, backend, indexed):
        page = backend.search(SearchQuery(latitude=RENNES[0], longitude=RENNES[1], radius_km=20))
        assert names(page, indexed) == {"martin", "lefevre", "benali"}
        distances = [result.distance_km for result in page.results]
        assert distances == sorted(distances)
        assert distances[-1] == pytest.approx(5.7, abs=0.5)  # Cesson-Sévigné

    def test_a_wider_radius_reaches_further(self, backend, indexed):
        page = backend.search(SearchQuery(latitude=RENNES[0], longitude=RENNES[1], radius_km=80))
        assert "roux" in names(page, indexed)
        assert "durand" not in names(page, indexed)

    def test_words_specialty_and_place_combine(self, backend, indexed):
        query = SearchQuery(text="dermato", latitude=RENNES[0], longitude=RENNES[1], radius_km=30)
        assert names(backend.search(query), indexed) == {"benali"}

    def test_a_postcode_alone_filters_by_postcode(self, backend, indexed):
        assert names(backend.search(SearchQuery(postcode="35400")), indexed) == {"roux"}

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            (SearchQuery(languages=("en",)), {"martin", "durand"}),
            (SearchQuery(languages=("ar",)), {"benali"}),
            (SearchQuery(new_patients=True, specialty="cardiologie"), set()),
            (SearchQuery(teleconsultation=True), {"benali"}),
            (SearchQuery(wheelchair_accessible=True), {"benali"}),
            (SearchQuery(sector="2"), {"lefevre", "durand"}),
        ],
    )
    def test_filters(self, backend, indexed, query, expected):
        assert names(backend.search(query), indexed) == expected

    def test_facets_count_the_whole_result(self, backend, indexed):
        facets = backend.search(SearchQuery(latitude=RENNES[0], longitude=RENNES[1], radius_km=20)).facets
        assert facets["specialty"] == {"medecine-generale": 1, "cardiologie": 1, "dermatologie": 1}
        assert facets["language"] == {"fr": 3, "en": 1, "ar": 1}
        assert facets["sector"] == {"1": 2, "2": 1}
        assert facets["accepts_new_patients"] == {"true": 2, "false": 1}

    def test_count_and_facets_follow_words_and_place_too(self, backend, indexed):
        page = backend.search(SearchQuery(text="dermato"))
        assert page.count == 2
        assert page.facets["specialty"] == {"dermatologie": 2}
        assert page.facets["teleconsultation"] == {"true": 1, "false": 1}
        nearby = backend.search(SearchQuery(text="dermato", latitude=RENNES[0], longitude=RENNES[1], radius_km=30))
        assert nearby.count == 1
        assert nearby.facets["specialty"] == {"dermatologie": 1}

    def test_pages_split_the_result_without_losing_or_repeating(self, backend, indexed):
        first = backend.search(SearchQuery(page=1, page_size=2))
        second = backend.search(SearchQuery(page=2, page_size=2))
        third = backend.search(SearchQuery(page=3, page_size=2))
        assert first.count == second.count == 5
        everyone = ids(first) + ids(second) + ids(third)
        assert len(everyone) == len(set(everyone)) == 5

    def test_an_edited_profile_is_found_by_its_new_words(self, backend, indexed):
        profile = indexed["roux"]
        profile.practice_name = "Maison de santé des Remparts"
        profile.save()
        backend.index([profile.pk])
        assert names(backend.search(SearchQuery(text="remparts")), indexed) == {"roux"}

    def test_an_unpublished_profile_leaves_the_results(self, backend, indexed):
        profile = indexed["roux"]
        profile.status = Profile.Status.HIDDEN
        profile.save()
        backend.index([profile.pk])
        assert "roux" not in names(backend.search(SearchQuery(text="roux")), indexed)

    def test_injection_strings_are_only_words(self, backend, indexed):
        assert backend.search(SearchQuery(text="'; DROP TABLE directory_profile; --")).count == 0
        assert backend.search(SearchQuery(text="%_\\")).count in (0, 5)
        assert Profile.objects.count() == 7
