"""Search for the embedded SQLite default: filters in SQL, words scored in Python.

Fine for a demo or a small regional directory; national scale uses the
PostgreSQL or Meilisearch backend.
"""

from difflib import SequenceMatcher

from ..text import search_words
from .base import SearchBackend, SearchPage, SearchQuery, SearchResult, distance_km
from .queries import structured_filter

TYPO_RATIO = 0.8
FIELDS = (
    "pk", "search_text", "latitude", "longitude", "languages", "last_name",
    "specialty__code", "sector", "accepts_new_patients", "teleconsultation", "wheelchair_accessible",
)  # fmt: skip


class SimpleBackend(SearchBackend):
    def index(self, profile_ids: list[int]) -> None:
        """Nothing to push: the profiles table is read at query time."""

    def clear(self) -> None:
        """Nothing to clear."""

    def search(self, query: SearchQuery) -> SearchPage:
        words = search_words(query.text)
        matched = []
        for row in structured_filter(query).values(*FIELDS):
            if any(language not in (row["languages"] or ()) for language in query.languages):
                continue
            distance = None
            if query.has_position:
                if row["latitude"] is None:
                    continue
                distance = distance_km(query.latitude, query.longitude, row["latitude"], row["longitude"])
                if distance > query.radius_km:
                    continue
            score = _score(words, row["search_text"].split())
            if score is not None:
                matched.append((-score, distance or 0.0, row["last_name"], row["pk"], distance, row))
        matched.sort(key=lambda item: item[:4])
        start = (query.page - 1) * query.page_size
        return SearchPage(
            count=len(matched),
            results=[
                SearchResult(pk, None if distance is None else round(distance, 2))
                for _score_, _d, _name, pk, distance, _row in matched[start : start + query.page_size]
            ],
            facets=_facets([item[-1] for item in matched]),
        )


def _score(words: list[str], text_words: list[str]) -> float | None:
    """Sum over the query's words of their best match: exact, prefix, or a close typo."""
    total = 0.0
    for word in words:
        best = 0.0
        for candidate in text_words:
            if candidate == word:
                best = 1.0
                break
            if candidate.startswith(word):
                best = max(best, 0.9)
            elif abs(len(candidate) - len(word)) <= 3:
                ratio = SequenceMatcher(None, word, candidate).ratio()
                if ratio >= TYPO_RATIO:
                    best = max(best, ratio * 0.8)
        if best == 0.0:
            return None
        total += best
    return total


def _facets(rows: list[dict]) -> dict[str, dict[str, int]]:
    facets: dict[str, dict[str, int]] = {
        "specialty": {}, "sector": {}, "language": {},
        "accepts_new_patients": {}, "teleconsultation": {}, "wheelchair_accessible": {},
    }  # fmt: skip

    def add(facet: str, value: str) -> None:
        facets[facet][value] = facets[facet].get(value, 0) + 1

    for row in rows:
        add("specialty", row["specialty__code"])
        if row["sector"]:
            add("sector", row["sector"])
        for language in row["languages"] or ():
            add("language", language)
        for name in ("accepts_new_patients", "teleconsultation", "wheelchair_accessible"):
            add(name, str(row[name]).lower())
    return facets
