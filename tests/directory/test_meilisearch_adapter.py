"""The Meilisearch adapter's requests, checked at the HTTP boundary.

No Meilisearch server can run here: a local HTTP server records what the
official client sends and answers like Meilisearch does. The full contract
runs against a real server when MEILISEARCH_URL is set (test_search_backends.py);
its word searches also run here, against the documents and searchable
attributes the adapter sent, matched by a rough model of Meilisearch's rules.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from directory.search import SearchQuery
from directory.search.meilisearch import MeilisearchBackend
from directory.text import fold

from .factories import RENNES, make_profile
from .search_contract import ENGLISH_SEARCHES, cast, more_specialties, names  # noqa: F401 - a fixture


def typos_allowed(word: str) -> int:
    """Meilisearch's default typo tolerance: none under 5 letters, one under 9, else two."""
    return 0 if len(word) < 5 else 1 if len(word) < 9 else 2


def edit_distance(a: str, b: str) -> int:
    row = list(range(len(b) + 1))
    for i, letter in enumerate(a, 1):
        previous, row[0] = row[0], i
        for j, other in enumerate(b, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (letter != other))
    return row[-1]


def word_matches(typed: str, words: list[str]) -> bool:
    """A typed word may be a prefix (Meilisearch allows it of the last one only) or have typos."""
    return any(word.startswith(typed) or edit_distance(typed, word) <= typos_allowed(typed) for word in words)


class FakeMeilisearch(BaseHTTPRequestHandler):
    requests: list = []
    search_answer: dict = {}  # when empty, searches are answered from the documents received
    documents: dict = {}
    searchable: list = []

    def log_message(self, *args):
        pass

    def _answer(self, body: dict, status: int = 200) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _record(self) -> dict | list | None:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length)) if length else None
        self.requests.append((self.command, self.path, body))
        return body

    def task(self) -> dict:
        return {
            "taskUid": len(self.requests),
            "indexUid": "profiles",
            "status": "enqueued",
            "type": "documentAdditionOrUpdate",
            "enqueuedAt": "2026-01-01T00:00:00.000000Z",
        }

    def do_GET(self):
        self._record()
        if self.path.startswith("/tasks/"):
            self._answer({**self.task(), "uid": int(self.path.rsplit("/", 1)[1]), "status": "succeeded"})
        else:
            self._answer({}, 404)

    def do_POST(self):
        body = self._record()
        if self.path.endswith("/search"):
            self._answer(self.search_answer or self.matching(body["q"]))
            return
        if self.path.endswith("/documents") and self.command == "POST":
            FakeMeilisearch.documents.update((document["id"], document) for document in body)
        elif self.path.endswith("/settings"):
            FakeMeilisearch.searchable = body["searchableAttributes"]
        self._answer(self.task(), 202)

    def matching(self, q: str) -> dict:
        """The documents whose searchable attributes hold every word of `q`, typos allowed."""
        hits = []
        for document in self.documents.values():
            words = fold(" ".join(str(document.get(name, "")) for name in self.searchable)).split()
            if all(word_matches(typed, words) for typed in fold(q).split()):
                hits.append({"id": document["id"]})
        return {"hits": hits, "totalHits": len(hits), "facetDistribution": {}}

    do_PATCH = do_PUT = do_DELETE = do_POST


@pytest.fixture
def meilisearch(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeMeilisearch)
    FakeMeilisearch.requests, FakeMeilisearch.search_answer, FakeMeilisearch.documents = [], {}, {}
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.MEILISEARCH_URL = f"http://127.0.0.1:{server.server_address[1]}"
    yield FakeMeilisearch
    server.shutdown()


def test_indexing_sends_published_profiles_and_removes_the_others(meilisearch, db):
    shown = make_profile("Claire", "Martin", "medecine-generale", RENNES, languages=["fr", "en"])
    hidden = make_profile("Hugo", "Caché", "cardiologie", RENNES, status="hidden")
    MeilisearchBackend(index_name="profiles").index([shown.pk, hidden.pk])
    calls = {(method, path): body for method, path, body in meilisearch.requests}
    assert calls[("PATCH", "/indexes/profiles/settings")]["filterableAttributes"]
    [document] = calls[("POST", "/indexes/profiles/documents")]
    assert document["id"] == shown.pk
    assert document["_geo"] == {"lat": RENNES[0], "lng": RENNES[1]}
    assert document["languages"] == ["fr", "en"]
    assert calls[("POST", "/indexes/profiles/documents/delete")] == {"filter": f"id IN [{hidden.pk}]"}


def test_a_search_is_translated_to_meilisearch_and_back(meilisearch, db):
    meilisearch.search_answer = {
        "hits": [{"id": 7, "_geoDistance": 5712}],
        "totalHits": 1,
        "facetDistribution": {"specialty": {"dermatologie": 1}, "languages": {"fr": 1}, "sector": {"": 1}},
    }
    page = MeilisearchBackend(index_name="profiles").search(
        SearchQuery(text="Dr Dermato", specialty="dermatologie", latitude=48.11, longitude=-1.68, radius_km=30,
                    languages=("en",), new_patients=True)
    )  # fmt: skip
    body = next(body for method, path, body in meilisearch.requests if path.endswith("/search"))
    assert body["q"] == "dermato"
    assert body["filter"] == [
        'specialty = "dermatologie"',
        "_geoRadius(48.11, -1.68, 30000)",
        'languages = "en"',
        "accepts_new_patients = true",
    ]
    assert body["sort"] == ["_geoPoint(48.11, -1.68):asc"]
    assert page.count == 1 and page.count_exact
    assert page.results[0].profile_id == 7
    assert page.results[0].distance_km == 5.71
    assert page.facets["language"] == {"fr": 1}
    assert page.facets["sector"] == {}


def test_at_max_total_hits_the_count_says_more(meilisearch, db):
    meilisearch.search_answer = {"hits": [], "totalHits": 1000, "facetDistribution": {}}
    page = MeilisearchBackend().search(SearchQuery(text="martin"))
    assert (page.count, page.count_exact) == (1000, False)


def test_quotes_in_filter_values_cannot_break_out(meilisearch, db):
    meilisearch.search_answer = {"hits": [], "totalHits": 0, "facetDistribution": {}}
    MeilisearchBackend().search(SearchQuery(specialty='x" OR specialty = "y'))
    body = next(body for method, path, body in meilisearch.requests if path.endswith("/search"))
    assert body["filter"] == ['specialty = "x\\" OR specialty = \\"y"']


@pytest.mark.parametrize(("text", "expected"), ENGLISH_SEARCHES)
def test_english_words_are_searched_in_the_documents_english_fields(meilisearch, cast, text, expected):  # noqa: F811
    everyone = {**cast, **more_specialties()}
    backend = MeilisearchBackend(index_name="profiles")
    backend.index([profile.pk for profile in everyone.values()])
    assert names(backend.search(SearchQuery(text=text)), everyone) == expected


def test_documents_carry_the_specialty_in_both_languages(meilisearch, db):
    profile = make_profile("Léa", "Petit", "pediatrie", RENNES)
    MeilisearchBackend(index_name="profiles").index([profile.pk])
    document = meilisearch.documents[profile.pk]
    assert (document["specialty_label"], document["specialty_label_en"]) == ("Pédiatre", "Paediatrician")
    assert "pediatrician" in document["synonyms_en"]
    assert {"specialty_label_en", "synonyms_en"} <= set(meilisearch.searchable)
