"""Each search backend against the one contract (tests/directory/search_contract.py)."""

import os

import pytest

from directory.search import SearchQuery
from directory.search.postgres import PostgresBackend
from directory.search.simple import SimpleBackend

from .search_contract import SearchContract, cast, indexed  # noqa: F401 - fixtures


class TestPostgresBackend(SearchContract):
    @pytest.fixture
    def backend(self):
        return PostgresBackend()


class TestSimpleBackend(SearchContract):
    @pytest.fixture
    def backend(self):
        return SimpleBackend()


@pytest.mark.skipif(not os.environ.get("MEILISEARCH_URL"), reason="needs a Meilisearch server (MEILISEARCH_URL)")
class TestMeilisearchBackend(SearchContract):
    @pytest.fixture
    def backend(self):
        from directory.search.meilisearch import MeilisearchBackend

        backend = MeilisearchBackend(index_name=f"test-profiles-{os.getpid()}")
        yield backend
        backend.clear()


def test_the_postgres_backend_applies_its_word_similarity_threshold(transactional_db, monkeypatch):
    # transactional_db: outside a test transaction, as under gunicorn (autocommit).
    from directory.search import postgres

    seen = []
    original = postgres.PostgresBackend._match_words

    def spy(profiles, folded):
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SHOW pg_trgm.word_similarity_threshold")
            seen.append(cursor.fetchone()[0])
        return original(profiles, folded)

    monkeypatch.setattr(postgres, "WORD_SIMILARITY_THRESHOLD", 0.75)
    monkeypatch.setattr(postgres.PostgresBackend, "_match_words", staticmethod(spy))
    PostgresBackend().search(SearchQuery(text="martin"))
    assert seen == ["0.75"]
