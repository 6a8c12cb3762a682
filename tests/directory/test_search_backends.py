"""Each search backend against the one contract (tests/directory/search_contract.py)."""

import os

import pytest

from directory.search.postgres import PostgresBackend
from directory.search.simple import SimpleBackend

from .search_contract import SearchContract, cast, indexed, indexed_more  # noqa: F401 - fixtures


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
