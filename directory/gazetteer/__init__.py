"""Offline gazetteer of French communes: find a place by postcode, name or position, without any service.

The data (``communes.csv.gz``, built by ``build.py``; sources and licences in ``LICENCE.md``) covers the
communes of metropolitan France and of the five overseas departments. Pure Python and stdlib only: the
file is read once, on first use, and indexed in memory.
"""

from __future__ import annotations

import csv
import gzip
import heapq
import math
import re
import unicodedata
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from operator import attrgetter
from pathlib import Path

__all__ = ["Commune", "all_communes", "find_place", "nearest_communes", "normalise", "suggest_places"]

DATA_FILE = Path(__file__).with_name("communes.csv.gz")
_INSEE = attrgetter("insee")
_POPULATION = attrgetter("population")


@dataclass(frozen=True, slots=True)
class Commune:
    insee: str
    name: str
    postcodes: tuple[str, ...]
    department: str
    population: int
    latitude: float
    longitude: float


# --- normalisation ------------------------------------------------------------------------------------------------

_COMBINING = re.compile(r"[\u0300-\u036f]+")
_LIGATURES = (("œ", "oe"), ("Œ", "OE"), ("æ", "ae"), ("Æ", "AE"), ("ß", "ss"))
_NOT_WORD = re.compile(r"[^a-z0-9\n]+")
_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}
_ABBREVIATION = re.compile(r"\b(?:{})\b".format("|".join(_ABBREVIATIONS)))
_ARTICLES = frozenset({"le", "la", "les", "l"})


def _normalise_many(texts: list[str]) -> list[str]:
    """``[normalise(text) for text in texts]``, each step done once over all the texts (fast at load time)."""
    folded = _COMBINING.sub("", unicodedata.normalize("NFKD", "\n".join(texts)))
    for ligature, letters in _LIGATURES:
        if ligature in folded:
            folded = folded.replace(ligature, letters)
    words = _NOT_WORD.sub(" ", folded.lower())
    words = _ABBREVIATION.sub(lambda match: _ABBREVIATIONS[match[0]], words)
    return [" ".join(line.split()) for line in words.split("\n")]


def normalise(text: str) -> str:
    """Fold a place name the way people type it: 'St-Étienne-du-Rouvray' → 'saint etienne du rouvray'.

    No accents, no case, no punctuation (hyphens and apostrophes become spaces), and the abbreviations
    St, Ste, Sts, Stes spelled out.
    """
    return _normalise_many([text.replace("\n", " ")])[0]


# --- loading and indexes ------------------------------------------------------------------------------------------


def _by_population(communes: list[Commune]) -> list[Commune]:
    """Largest first; ties in INSEE code order (the sort is stable and the communes come in that order)."""
    return sorted(sorted(communes, key=_INSEE), key=_POPULATION, reverse=True)


class _Index:
    def __init__(self, communes: list[Commune]) -> None:
        self.communes = communes
        self.by_insee = {c.insee: c for c in communes}
        self.by_name: dict[str, list[Commune]] = {}
        self.by_alias: dict[str, list[Commune]] = {}  # the name without its leading article: 'mans' → Le Mans
        self.by_postcode: dict[str, list[Commune]] = {}
        by_population = _by_population(communes)
        for commune, key in zip(by_population, _normalise_many([c.name for c in by_population]), strict=True):
            # largest first, so every list below is in that order
            self.by_name.setdefault(key, []).append(commune)
            first, _, rest = key.partition(" ")
            if rest and first in _ARTICLES:
                self.by_alias.setdefault(rest, []).append(commune)
            for postcode in commune.postcodes:
                self.by_postcode.setdefault(postcode, []).append(commune)
        self.names = sorted(self.by_name)
        self.aliases = sorted(self.by_alias)
        self.postcodes = sorted(self.by_postcode)


@cache
def _index() -> _Index:
    with gzip.open(DATA_FILE, "rt", encoding="utf-8", newline="") as f:
        text = f.read()
    # insee, name, postcodes, department, population, latitude, longitude, coordinate_source
    lines = text.splitlines()[1:]
    rows = csv.reader(lines) if '"' in text else (line.split(",") for line in lines)  # no quoting: a quick split
    communes = [
        Commune(insee, name, tuple(postcodes.split()), department, int(population), float(lat), float(lon))
        for insee, name, postcodes, department, population, lat, lon, _source in rows
    ]
    return _Index(communes)


def all_communes() -> list[Commune]:
    """Every commune, in INSEE code order (the file is read on the first call only)."""
    return list(_index().communes)


# --- look-ups -----------------------------------------------------------------------------------------------------


def _starting_with(keys: list[str], table: dict[str, list[Commune]], prefix: str) -> Iterator[Commune]:
    for position in range(bisect_left(keys, prefix), len(keys)):
        key = keys[position]
        if not key.startswith(prefix):
            break
        yield from table[key]


def _name_matches(key: str) -> list[Commune]:
    """Exact name, then exact name without its article, then names starting with the key; each by population."""
    index = _index()
    found = list(index.by_name.get(key, ()))
    seen = {c.insee for c in found}
    for group in (
        index.by_alias.get(key, ()),
        _by_population(
            [*_starting_with(index.names, index.by_name, key), *_starting_with(index.aliases, index.by_alias, key)]
        ),
    ):
        for commune in group:
            if commune.insee not in seen:
                seen.add(commune.insee)
                found.append(commune)
    return found


_POSTCODE = re.compile(r"\d{5}")
_DEPARTMENT = r"\d{2,3}|2[ABab]"
_ARRONDISSEMENT = re.compile(r"(?P<name>.+?)[\s,]+\d{1,2}\s*(?:e|er|eme|ème|è|°)?(?:\s+arr\w*\.?)?", re.IGNORECASE)
_CITIES_WITH_ARRONDISSEMENTS = frozenset({"paris", "lyon", "marseille"})
_QUALIFIED = (
    re.compile(rf"(?P<name>.+?)[\s,]*\(\s*(?P<qualifier>\d{{5}}|{_DEPARTMENT})\s*\)"),  # Rennes (35), Rennes (35000)
    re.compile(r"(?P<qualifier>\d{5})[\s,]+(?P<name>.+)"),  # 35000 Rennes
    re.compile(rf"(?P<name>.+?)[\s,]+(?P<qualifier>\d{{5}}|{_DEPARTMENT})"),  # Rennes 35000, Rennes 35
)


def find_place(text: str) -> list[Commune]:
    """The communes a typed place designates, best first.

    * a postcode ('35000') gives every commune with that postcode, largest first (an INSEE code such as
      '35238' is accepted when it is no postcode);
    * a name matches whatever its accents, case, hyphens or 'St'/'Ste' abbreviations: communes of exactly
      that (normalised) name come first, largest first, then those named so without their article ('Havre'),
      then the names that start with it;
    * a department or postcode narrows a name down: 'Saint-Denis (93)', 'Saint-Denis 97400', '35000 Rennes'.
      If it leaves nothing (a mistyped postcode), the name alone is used;
    * an arrondissement of Paris, Lyon or Marseille ('Paris 11e', 'Lyon 3ème') gives the city.
    """
    text = text.strip()
    if not text:
        return []
    index = _index()
    if _POSTCODE.fullmatch(text):
        if text in index.by_postcode:
            return list(index.by_postcode[text])
        return [index.by_insee[text]] if text in index.by_insee else []
    if (match := _ARRONDISSEMENT.fullmatch(text)) and (
        city := normalise(match["name"])
    ) in _CITIES_WITH_ARRONDISSEMENTS:
        return list(index.by_name[city])
    for pattern in _QUALIFIED:
        if match := pattern.fullmatch(text):
            matches = _name_matches(normalise(match["name"]))
            qualifier = match["qualifier"].upper()
            if len(qualifier) == 5:
                narrowed = [c for c in matches if qualifier in c.postcodes]
            else:
                narrowed = [c for c in matches if c.department == qualifier.zfill(2)]
            if narrowed or matches:
                return narrowed or matches
    key = normalise(text)
    return _name_matches(key) if key else []


def suggest_places(prefix: str, limit: int = 8) -> list[Commune]:
    """Autocomplete: communes whose normalised name (or postcode, for digits) starts with the prefix.

    Largest towns first; for names, a commune whose whole name was typed comes before the others.
    """
    prefix = prefix.strip()
    if limit <= 0 or not prefix:
        return []
    index = _index()
    if prefix.isdigit():
        seen: dict[str, Commune] = {}
        for commune in _starting_with(index.postcodes, index.by_postcode, prefix):
            seen.setdefault(commune.insee, commune)
        return heapq.nsmallest(limit, seen.values(), key=lambda c: (-c.population, c.insee))
    key = normalise(prefix)
    if not key:
        return []
    candidates = {
        c.insee: c
        for c in (
            *_starting_with(index.names, index.by_name, key),
            *_starting_with(index.aliases, index.by_alias, key),
        )
    }
    exact = {c.insee for c in index.by_name.get(key, ())} | {c.insee for c in index.by_alias.get(key, ())}
    return heapq.nsmallest(limit, candidates.values(), key=lambda c: (c.insee not in exact, -c.population, c.insee))


def nearest_communes(latitude: float, longitude: float, limit: int = 1) -> list[Commune]:
    """The communes whose centre is nearest to a position (great-circle distance), nearest first."""
    lat1, lon1 = math.radians(latitude), math.radians(longitude)
    cos_lat1 = math.cos(lat1)

    def haversine(c: Commune) -> float:
        lat2, lon2 = math.radians(c.latitude), math.radians(c.longitude)
        return math.sin((lat2 - lat1) / 2) ** 2 + cos_lat1 * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2

    return heapq.nsmallest(limit, _index().communes, key=haversine)
