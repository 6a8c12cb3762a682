"""Practitioner search behind one small interface (see base.SearchBackend).

Backends: `postgres` (full-text words + pg_trgm, the tested default for
production), `simple` (pure Python over the ORM, for the SQLite demo) and
`meilisearch` (national scale, through the official client). All pass
tests/directory/search_contract.py.
"""

from django.conf import settings
from django.utils.module_loading import import_string

from .base import SearchBackend, SearchPage, SearchQuery, SearchResult

BACKENDS = {
    "postgres": "directory.search.postgres.PostgresBackend",
    "simple": "directory.search.simple.SimpleBackend",
    "meilisearch": "directory.search.meilisearch.MeilisearchBackend",
}


def get_backend() -> SearchBackend:
    name = settings.DIRECTORY_SEARCH_BACKEND
    return import_string(BACKENDS[name])()


__all__ = ["BACKENDS", "SearchBackend", "SearchPage", "SearchQuery", "SearchResult", "get_backend"]
