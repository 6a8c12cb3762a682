"""The Meilisearch adapter's requests, checked at the HTTP boundary.

No Meilisearch server can run here: a local HTTP server records what the
official client sends and answers like Meilisearch does. The full contract
runs against a real server when MEILISEARCH_URL is set (test_search_backends.py).
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from directory.search import SearchQuery
from directory.search.meilisearch import MeilisearchBackend

from .factories import RENNES, make_profile


class FakeMeilisearch(BaseHTTPRequestHandler):
    requests: list = []
    search_answer: dict = {}

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
        self._record()
        if self.path.endswith("/search"):
            self._answer(self.search_answer)
        else:
            self._answer(self.task(), 202)

    do_PATCH = do_PUT = do_DELETE = do_POST


@pytest.fixture
def meilisearch(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeMeilisearch)
    FakeMeilisearch.requests = []
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
