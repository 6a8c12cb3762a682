"""The offline gazetteer of French communes: plain functions over a shipped file, no database."""

import dataclasses
import math

import pytest

from directory import gazetteer
from directory.gazetteer import Commune, all_communes, find_place, nearest_communes, normalise, suggest_places

# (min latitude, max latitude, min longitude, max longitude)
METROPOLITAN_FRANCE = (41.3, 51.2, -5.3, 9.7)  # Corsica and the islands off Brittany included
OVERSEAS = {
    "971": (15.8, 16.6, -61.9, -60.9),  # Guadeloupe
    "972": (14.3, 14.95, -61.3, -60.75),  # Martinique
    "973": (2.0, 6.0, -54.7, -51.5),  # Guyane
    "974": (-21.45, -20.85, 55.2, 55.9),  # La Réunion
    "976": (-13.1, -12.6, 44.95, 45.35),  # Mayotte
}


def km_between(latitude1: float, longitude1: float, latitude2: float, longitude2: float) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (latitude1, longitude1, latitude2, longitude2))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(h))


def by_insee(insee: str) -> Commune:
    return next(c for c in all_communes() if c.insee == insee)


def test_every_commune_of_metropolitan_and_overseas_france_is_loaded():
    communes = all_communes()
    assert 34_000 <= len(communes) <= 36_000
    assert len({c.insee for c in communes}) == len(communes)
    assert {c.department for c in communes} >= {"01", "2A", "2B", "35", "75", "95", *OVERSEAS}
    assert all(c.postcodes and all(len(p) == 5 and p.isdigit() for p in c.postcodes) for c in communes)
    assert all(c.name and c.population >= 0 for c in communes)


def test_the_file_is_read_once():
    assert gazetteer._index() is gazetteer._index()
    assert all_communes() == all_communes()


def test_a_commune_is_a_frozen_record():
    rennes = by_insee("35238")
    assert rennes == Commune(
        "35238", "Rennes", rennes.postcodes, "35", rennes.population, rennes.latitude, rennes.longitude
    )
    assert "35000" in rennes.postcodes and rennes.population > 200_000
    with pytest.raises(dataclasses.FrozenInstanceError):
        rennes.name = "Roazhon"  # type: ignore[misc]


def test_every_commune_is_placed_inside_metropolitan_france_or_its_own_overseas_department():
    misplaced = []
    for commune in all_communes():
        lat_min, lat_max, lon_min, lon_max = OVERSEAS.get(commune.department, METROPOLITAN_FRANCE)
        if not (lat_min <= commune.latitude <= lat_max and lon_min <= commune.longitude <= lon_max):
            misplaced.append(commune)
    assert misplaced == []


def test_rennes_by_name_by_postcode_and_its_coordinates():
    assert find_place("Rennes")[0].insee == "35238"
    assert find_place("rennes")[0].insee == "35238"
    assert [c.insee for c in find_place("35000")] == ["35238"]
    assert [c.insee for c in find_place(" 35000 ")] == ["35238"]
    rennes = find_place("Rennes")[0]
    assert km_between(rennes.latitude, rennes.longitude, 48.11, -1.68) < 5


def test_accents_case_hyphens_and_saint_abbreviations_do_not_matter():
    for text in ("saint etienne", "Saint-Étienne", "SAINT-ETIENNE", "St-Étienne", "st etienne", "Saint Étienne"):
        found = find_place(text)
        assert found[0].insee == "42218", text
        assert found[0].name == "Saint-Étienne" and found[0].department == "42"
    assert find_place("St-Malo")[0].insee == "35288"
    assert find_place("ste-maxime")[0].name == "Sainte-Maxime"
    assert find_place("l'hay les roses")[0].name == "L'Haÿ-les-Roses"


def test_normalise():
    assert normalise("St-Étienne-du-Rouvray") == "saint etienne du rouvray"
    assert normalise("  L’Haÿ-les-Roses ") == "l hay les roses"
    assert normalise("Cœuvres-et-Valsery") == "coeuvres et valsery"
    assert normalise("Ste-Marie") == "sainte marie"
    assert normalise("Stenay") == "stenay"  # only whole words are abbreviations
    assert normalise("") == ""


def test_exact_names_come_before_longer_ones():
    found = find_place("saint etienne")
    assert [c.name for c in found[:2]] == ["Saint-Étienne", "Saint-Étienne-du-Rouvray"]
    assert all(normalise(c.name).startswith("saint etienne") for c in found)
    assert find_place("Le Havre")[0].insee == "76351"
    assert find_place("havre")[0].insee == "76351"  # the article may be left out


def test_paris_by_arrondissement_postcode():
    assert [c.insee for c in find_place("75011")] == ["75056"]
    assert [c.insee for c in find_place("Paris 75011")] == ["75056"]
    assert find_place("Paris 11e")[0].insee == "75056"
    assert find_place("Marseille 8e arrondissement")[0].insee == "13055"


def test_overseas_communes():
    fort_de_france = find_place("97200")
    assert [c.insee for c in fort_de_france] == ["97209"]
    assert fort_de_france[0].department == "972"
    assert find_place("fort de france")[0].insee == "97209"
    assert [c.insee for c in find_place("97400")] == ["97411"]
    saint_denis = by_insee("97411")
    assert km_between(saint_denis.latitude, saint_denis.longitude, -20.88, 55.45) < 5


def test_homonyms_come_largest_first():
    found = [c for c in find_place("Saint-Denis") if c.name == "Saint-Denis"]
    assert len(found) >= 4  # Réunion, Seine-Saint-Denis, Aude, Gard
    assert {"93066", "97411"} <= {c.insee for c in found[:2]}
    populations = [c.population for c in found]
    assert populations == sorted(populations, reverse=True)


def test_a_department_or_a_postcode_picks_among_homonyms():
    assert [c.insee for c in find_place("Saint-Denis (93)")] == ["93066"]
    assert [c.insee for c in find_place("Saint-Denis 97400")] == ["97411"]
    assert [c.insee for c in find_place("35000 Rennes")] == ["35238"]
    assert [c.insee for c in find_place("Ajaccio (2A)")] == ["2A004"]
    # a mistyped postcode does not lose the town
    assert find_place("Rennes 99999")[0].insee == "35238"


def test_unknown_places():
    assert find_place("") == []
    assert find_place("   ") == []
    assert find_place("Atlantis-sur-Mer") == []
    assert find_place("00000") == []


def test_autocomplete_by_name_prefix():
    assert suggest_places("ren")[0].name == "Rennes"
    assert suggest_places("Ren", limit=3)[0].insee == "35238"
    assert len(suggest_places("ren", limit=3)) == 3
    suggested = suggest_places("saint e")
    assert suggested[0].insee == "42218"
    assert all(normalise(c.name).startswith("saint e") for c in suggested)
    assert len(suggested) == 8
    populations = [c.population for c in suggested]
    assert populations == sorted(populations, reverse=True)
    assert suggest_places("le m")[0].name == "Le Mans"
    assert suggest_places("mans")[0].name == "Le Mans"
    assert suggest_places("") == [] and suggest_places("ren", limit=0) == []
    assert suggest_places("zzzz") == []


def test_autocomplete_by_postcode_prefix():
    assert suggest_places("750")[0].insee == "75056"
    assert suggest_places("350")[0].insee == "35238"
    assert all(any(p.startswith("972") for p in c.postcodes) for c in suggest_places("972"))


def test_nearest_communes():
    assert nearest_communes(48.11, -1.68)[0].insee == "35238"
    assert nearest_communes(48.8566, 2.3522)[0].insee == "75056"
    nearest_two = nearest_communes(14.6, -61.07, limit=2)
    assert len(nearest_two) == 2 and nearest_two[0].insee == "97209"
