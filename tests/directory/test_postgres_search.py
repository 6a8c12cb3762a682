"""What only the PostgreSQL backend does: its dictionary of words, specialty words, and large results."""

import pytest
from django.db import connection

from directory.search import SearchQuery
from directory.search import postgres as postgres_search
from directory.search.postgres import PostgresBackend
from directory.search.words import understand

from .factories import CESSON, PARIS, RENNES, SAINT_MALO, make_profile, specialty

pytestmark = pytest.mark.django_db


def known(word: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM directory_word WHERE word = %s", [word])
        return cursor.fetchone() is not None


def test_the_dictionary_learns_the_words_of_new_and_edited_profiles():
    profile = make_profile("Zoé", "Quenardière", "pediatrie", RENNES)
    assert known("quenardiere") and known("zoe")
    profile.practice_name = "Cabinet des Lices"
    profile.save()
    assert known("lices")


def test_a_specialty_word_or_its_typo_becomes_a_specialty_filter():
    for code in ("masso-kinesitherapie", "cardiologie", "medecine-generale"):
        specialty(code)
    make_profile("Anne", "Roy", "cardiologie")  # the dictionary knows only profiles' words
    make_profile("Marc", "Lenoir", "masso-kinesitherapie")
    (kine,) = understand("kiné")
    assert kine.specialty_ids == {specialty("masso-kinesitherapie").pk}
    (cardio,) = understand("cardiologe")
    assert cardio.specialty_ids == {specialty("cardiologie").pk}


def test_a_known_name_matches_itself_and_a_typo_its_neighbours():
    make_profile("Anne", "Dupont", "cardiologie")
    make_profile("Marc", "Dupond", "cardiologie")
    (exact,) = understand("dupont")
    assert exact.words == ("dupont",) and exact.exact
    (typo,) = understand("dupon")
    assert {"dupont", "dupond"} <= set(typo.words) and not typo.exact
    assert understand("xylophone") is None


def test_a_surname_close_to_a_specialty_word_is_still_a_name():
    make_profile("Léa", "Peaud", "orthophonie")
    make_profile("Karim", "Benali", "dermatologie")  # "peau" is a dermatology synonym
    page = PostgresBackend().search(SearchQuery(text="peaud"))
    assert page.count == 1


@pytest.fixture
def rennes_area():
    """Seven profiles around Rennes (four Martins), and one in Saint-Malo and one in Paris."""
    return [
        make_profile("A", "Vidal", "medecine-generale", RENNES, languages=["fr"]),
        make_profile("B", "Martin", "cardiologie", RENNES, latitude=RENNES[0] + 0.01, languages=["fr"]),
        make_profile("C", "Martin", "medecine-generale", RENNES, latitude=RENNES[0] + 0.02, languages=["fr"]),
        make_profile("D", "Abadie", "dermatologie", CESSON, languages=["fr"]),
        make_profile("E", "Martin", "dermatologie", CESSON, latitude=CESSON[0] + 0.02, languages=["fr"]),
        make_profile("F", "Zola", "medecine-generale", CESSON, latitude=CESSON[0] + 0.04, languages=["fr"]),
        make_profile("G", "Martin", "pediatrie", SAINT_MALO, languages=["fr"]),
        make_profile("I", "Martin", "pediatrie", RENNES, latitude=RENNES[0] - 0.03, languages=["fr"]),
        make_profile("H", "Bloch", "pediatrie", PARIS, languages=["fr"]),
    ]


@pytest.mark.parametrize(
    "query",
    [
        SearchQuery(latitude=RENNES[0], longitude=RENNES[1], radius_km=20),  # nearest first, from the GiST index
        SearchQuery(latitude=RENNES[0], longitude=RENNES[1], radius_km=20, page=2, page_size=2),
        SearchQuery(),  # by name
        SearchQuery(text="martin"),  # a known name, read from the GIN index
        SearchQuery(text="martn"),  # a typo, ranked by similarity
        SearchQuery(text="martin", latitude=RENNES[0], longitude=RENNES[1], radius_km=20),
    ],
)
def test_past_the_count_limit_the_count_says_more_and_the_page_keeps_its_order(rennes_area, monkeypatch, query):
    backend = PostgresBackend()
    everything = backend.search(query)
    assert everything.count_exact and everything.count > 3
    monkeypatch.setattr(postgres_search, "COUNT_LIMIT", 3)
    capped = backend.search(query)
    assert (capped.count, capped.count_exact, capped.facets) == (3, False, {})
    listed = everything.results[: 3 - (query.page - 1) * query.page_size]  # the first 3 only
    assert [result.profile_id for result in capped.results] == [result.profile_id for result in listed]
    assert [result.distance_km for result in capped.results] == [result.distance_km for result in listed]


def test_at_the_count_limit_the_count_is_still_exact(rennes_area, monkeypatch):
    monkeypatch.setattr(postgres_search, "COUNT_LIMIT", 5)
    page = PostgresBackend().search(SearchQuery(text="martin"))
    assert (page.count, page.count_exact) == (5, True)
    assert page.facets["specialty"] == {"cardiologie": 1, "medecine-generale": 1, "dermatologie": 1, "pediatrie": 2}


def test_pruning_forgets_the_words_of_renamed_and_hidden_profiles_only():
    from io import StringIO

    from django.core.management import call_command

    from directory.models import Profile

    renamed = make_profile("Zoé", "Dupon", "pediatrie", RENNES)
    hidden = make_profile("Yves", "Kermarrec", "pediatrie", RENNES)
    make_profile("Anne", "Dupont", "pediatrie", RENNES)
    renamed.last_name = "Dupond"
    renamed.save()
    hidden.status = Profile.Status.HIDDEN
    hidden.save()
    assert known("dupon") and known("kermarrec")
    # A stale word is still "known": typed, it matches itself exactly, so nobody.
    assert PostgresBackend().search(SearchQuery(text="dupon")).count == 0

    out = StringIO()
    call_command("prune_search_words", stdout=out)
    assert "3 words forgotten" in out.getvalue()  # dupon; yves and kermarrec, hidden
    assert not any(known(word) for word in ("dupon", "yves", "kermarrec"))
    assert all(known(word) for word in ("dupont", "dupond", "zoe", "pediatre"))
    assert PostgresBackend().search(SearchQuery(text="dupon")).count == 2  # Dupont and Dupond


@pytest.mark.parametrize("text", ["martin", "martn", ""])
def test_past_the_count_limit_no_page_lists_more_than_the_limit(rennes_area, monkeypatch, text):
    monkeypatch.setattr(postgres_search, "COUNT_LIMIT", 2)
    backend = PostgresBackend()
    assert len(backend.search(SearchQuery(text=text, page_size=5)).results) == 2
    assert backend.search(SearchQuery(text=text, page=2, page_size=2)).results == []
