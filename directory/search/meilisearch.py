"""Search on Meilisearch (national scale), a thin adapter over the official client.

Meilisearch brings typo tolerance, accent folding, geo radius and facets of its
own; this module only maps profiles to documents and queries to its syntax.
Indexing waits for Meilisearch's task so that `index()` then `search()` agree.
"""

import json

import meilisearch
from django.conf import settings

from ..models import Profile
from ..text import search_words
from .base import COUNT_LIMIT, MAX_RADIUS_KM, SearchBackend, SearchPage, SearchQuery, SearchResult

INDEX_SETTINGS = {
    "searchableAttributes": [
        "name", "specialty_label", "synonyms", "specialty_label_en", "synonyms_en", "practice_name", "city",
    ],
    "filterableAttributes": [
        "id", "specialty", "postcode", "languages", "sector", "accepts_new_patients",
        "teleconsultation", "wheelchair_accessible", "_geo",
    ],
    "sortableAttributes": ["_geo", "last_name"],
    "pagination": {"maxTotalHits": COUNT_LIMIT},
}  # fmt: skip
FACETS = ["specialty", "sector", "languages", "accepts_new_patients", "teleconsultation", "wheelchair_accessible"]
TASK_TIMEOUT_MS = 30_000


class MeilisearchBackend(SearchBackend):
    def __init__(self, index_name: str = "profiles"):
        client = meilisearch.Client(settings.MEILISEARCH_URL, settings.MEILISEARCH_API_KEY or None)
        self._client = client
        self._index = client.index(index_name)
        self._configured = False

    def _configure(self) -> None:
        if not self._configured:
            task = self._client.create_index(self._index.uid, {"primaryKey": "id"})
            self._client.wait_for_task(task.task_uid, timeout_in_ms=TASK_TIMEOUT_MS)
            self._wait(self._index.update_settings(INDEX_SETTINGS))
            self._configured = True

    def _wait(self, task) -> None:
        self._client.wait_for_task(task.task_uid, timeout_in_ms=TASK_TIMEOUT_MS)

    def index(self, profile_ids: list[int]) -> None:
        self._configure()
        profiles = Profile.objects.filter(pk__in=profile_ids).select_related("specialty")
        published = [p for p in profiles if p.status == Profile.Status.PUBLISHED]
        gone = set(profile_ids) - {p.pk for p in published}
        if published:
            self._wait(self._index.add_documents([document_of(p) for p in published]))
        if gone:
            ids = ", ".join(str(pk) for pk in sorted(gone))
            self._wait(self._index.delete_documents(filter=f"id IN [{ids}]"))

    def clear(self) -> None:
        self._wait(self._client.delete_index(self._index.uid))
        self._configured = False

    def search(self, query: SearchQuery) -> SearchPage:
        self._configure()
        options: dict = {
            "filter": filters_of(query),
            "facets": FACETS,
            "page": query.page,
            "hitsPerPage": query.page_size,
            "attributesToRetrieve": ["id"],
        }
        if query.has_position:
            options["sort"] = [f"_geoPoint({query.latitude}, {query.longitude}):asc"]
        # The words the other backends match: no titles ("Dr") or small words ("de") to require.
        answer = self._index.search(" ".join(search_words(query.text)), options)
        return SearchPage(
            count=answer["totalHits"],  # at most maxTotalHits
            count_exact=answer["totalHits"] < COUNT_LIMIT,
            results=[
                SearchResult(hit["id"], round(hit["_geoDistance"] / 1000, 2) if "_geoDistance" in hit else None)
                for hit in answer["hits"]
            ],
            facets=_facets(answer.get("facetDistribution", {})),
        )


def document_of(profile: Profile) -> dict:
    document = {
        "id": profile.pk,
        "name": profile.display_name,
        "last_name": profile.last_name,
        "specialty": profile.specialty.code,
        "specialty_label": profile.specialty.label,
        "synonyms": profile.specialty.synonyms,
        "specialty_label_en": profile.specialty.label_en,
        "synonyms_en": profile.specialty.synonyms_en,
        "practice_name": profile.practice_name,
        "city": profile.city,
        "postcode": profile.postcode,
        "languages": profile.languages,
        "sector": profile.sector,
        "accepts_new_patients": profile.accepts_new_patients,
        "teleconsultation": profile.teleconsultation,
        "wheelchair_accessible": profile.wheelchair_accessible,
    }
    if profile.latitude is not None:
        document["_geo"] = {"lat": profile.latitude, "lng": profile.longitude}
    return document


def _quoted(value: str) -> str:
    """A filter value as a Meilisearch string literal (JSON escaping is compatible)."""
    return json.dumps(value)


def filters_of(query: SearchQuery) -> list[str]:
    filters = []
    if query.specialty:
        filters.append(f"specialty = {_quoted(query.specialty)}")
    if query.has_position:
        meters = int(min(query.radius_km, MAX_RADIUS_KM) * 1000)
        filters.append(f"_geoRadius({float(query.latitude)}, {float(query.longitude)}, {meters})")
    elif query.postcode:
        filters.append(f"postcode = {_quoted(query.postcode)}")
    filters.extend(f"languages = {_quoted(language)}" for language in query.languages)
    for name in ("new_patients", "teleconsultation", "wheelchair_accessible"):
        value = getattr(query, name)
        if value is not None:
            field = "accepts_new_patients" if name == "new_patients" else name
            filters.append(f"{field} = {'true' if value else 'false'}")
    if query.sector:
        filters.append(f"sector = {_quoted(query.sector)}")
    return filters


def _facets(distribution: dict) -> dict[str, dict[str, int]]:
    facets = {name: dict(distribution.get(name, {})) for name in FACETS}
    facets["language"] = facets.pop("languages")
    facets["sector"].pop("", None)
    return facets
