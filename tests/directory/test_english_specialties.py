"""Specialties in English at /en/: their labels on every page, and the words English speakers search with."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from directory.models import Profile, Specialty, search_text_of
from directory.search.words import forget_vocabulary
from directory.specialties import ENGLISH, SPECIALTIES

from .factories import CESSON, RENNES, make_profile

pytestmark = pytest.mark.usefixtures("directory_urls")


@pytest.fixture
def cast(db):
    forget_vocabulary()
    return {
        "martin": make_profile("Claire", "Martin", "medecine-generale", RENNES),
        "petit": make_profile("Léa", "Petit", "pediatrie", CESSON),
    }


def test_every_specialty_of_the_vocabulary_has_an_english_label():
    assert set(ENGLISH) == {row[0] for row in SPECIALTIES}
    assert all(label and synonyms for label, synonyms in ENGLISH.values())


def test_english_search_results_name_the_specialty_in_english(client, cast):
    page = client.get("/en/", {"q": "pediatrician"}).content.decode()
    assert "Léa Petit" in page and "Paediatrician" in page and "Pédiatre" not in page.split("<ol")[1]


def test_french_search_results_keep_the_french_label(client, cast):
    page = client.get("/", {"q": "pediatrician"}).content.decode()
    assert "Léa Petit" in page and "Pédiatre" in page.split("<ol")[1] and "Paediatrician" not in page


def test_the_english_profile_page_names_the_specialty_in_english(client, cast):
    assert "General practitioner" in client.get(f"/en/p/{cast['martin'].pk}/").content.decode()
    assert "Médecin généraliste" in client.get(f"/p/{cast['martin'].pk}/").content.decode()


def test_the_english_specialty_filter_lists_english_labels_in_their_order(client, cast):
    page = client.get("/en/").content.decode()
    assert '<option value="pediatrie">Paediatrician</option>' in page
    assert '<option value="Paediatrician">' in page  # the words' suggestions
    assert page.index(">Cardiologist<") < page.index(">Dentist<") < page.index(">Paediatrician<")


def test_the_search_api_at_en_names_the_specialty_in_english(client, cast):
    [result] = client.get("/en/api/v1/search/", {"q": "GP"}).json()["results"]
    assert result["specialty"] == "General practitioner"
    [result] = client.get("/api/v1/search/", {"q": "GP"}).json()["results"]
    assert result["specialty"] == "Médecin généraliste"


def test_specialty_suggestions_understand_both_languages_and_answer_in_the_addresss(client, cast):
    assert {"code": "pediatrie", "label": "Paediatrician"} in client.get(
        "/en/api/v1/specialties/", {"q": "pedia"}
    ).json()
    assert {"code": "pediatrie", "label": "Pédiatre"} in client.get("/api/v1/specialties/", {"q": "paediatric"}).json()
    assert {"code": "masso-kinesitherapie", "label": "Physiotherapist"} in client.get(
        "/en/api/v1/specialties/", {"q": "kiné"}
    ).json()


def test_a_specialty_without_an_english_label_shows_its_french_one_at_en(client, cast):
    Specialty.objects.filter(code="pediatrie").update(label_en="")
    page = client.get(f"/en/p/{cast['petit'].pk}/").content.decode()
    assert "Pédiatre" in page
    assert '<option value="pediatrie">Pédiatre</option>' in client.get("/en/").content.decode()


def test_an_english_label_edited_in_the_admin_shows_at_en(client, cast):
    Specialty.objects.filter(code="pediatrie").update(label_en="Children's doctor")
    assert "Children&#x27;s doctor" in client.get(f"/en/p/{cast['petit'].pk}/").content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_existing_profiles_their_english_words():
    before = [("directory", "0012_report_reporter_digest")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    pediatrics = old.get_model("directory", "Specialty").objects.update_or_create(
        code="pediatrie", defaults={"label": "Pédiatre", "profession": "Médecin", "synonyms": "enfant, bébé"}
    )[0]
    old.get_model("directory", "Profile").objects.create(
        first_name="Léa", last_name="Petit", specialty=pediatrics, city="Rennes", status="published",
        search_text="lea petit pediatre medecin enfant bebe rennes",  # what search_text_of wrote before
    )  # fmt: skip

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    profile = Profile.objects.select_related("specialty").get(last_name="Petit")
    assert profile.specialty.label_en == "Paediatrician"
    assert profile.search_text == search_text_of(profile)  # as a save would write it
    assert "pediatrician" in profile.search_text.split()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM directory_word WHERE word = 'paediatrician'")
        assert cursor.fetchone(), "the dictionary learnt the English words"
