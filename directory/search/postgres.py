"""Search on PostgreSQL: trigram word similarity (typos, prefixes) over folded text.

`search_text` is folded (no accents, no case) when a profile is saved, and a
GIN `gin_trgm_ops` index serves the `%>` operator. Filters and distance are
plain indexed columns (see queries.py).
"""

from django.contrib.postgres.search import TrigramWordSimilarity
from django.db import connection, transaction
from django.db.models import FloatField, QuerySet, Value

from ..models import Profile
from ..text import fold
from .base import SearchBackend, SearchPage, SearchQuery, SearchResult
from .queries import count_and_facets, structured_filter, with_distance

# word_similarity(term, text) threshold of `%>`: "cardiologe" (0.82) finds "cardiologue";
# "cardiologue" does not find "dermatologue" (0.5).
WORD_SIMILARITY_THRESHOLD = 0.6


class PostgresBackend(SearchBackend):
    def index(self, profile_ids: list[int]) -> None:
        """Nothing to push: the profiles table is the index, kept current on save."""

    def clear(self) -> None:
        """Nothing to clear: unpublished profiles are filtered out at query time."""

    def search(self, query: SearchQuery) -> SearchPage:
        # set_config(..., is_local=true) lasts until the transaction ends: hold one.
        with transaction.atomic():
            return self._search(query)

    def _search(self, query: SearchQuery) -> SearchPage:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('pg_trgm.word_similarity_threshold', %s, true)", [str(WORD_SIMILARITY_THRESHOLD)]
            )
        profiles = structured_filter(query, filter_languages=True)
        profiles, ordering = self._match_words(profiles, fold(query.text))
        if query.has_position:
            profiles = with_distance(profiles, query)
            ordering = [*ordering, "distance"] if ordering else ["distance"]
        count, facets = count_and_facets(profiles)
        facets["language"] = _language_facet(profiles)
        start = (query.page - 1) * query.page_size
        rows = profiles.order_by(*ordering, "last_name", "pk").values_list(
            "pk", "distance" if query.has_position else Value(None, output_field=FloatField())
        )[start : start + query.page_size]
        return SearchPage(
            count=count,
            results=[SearchResult(pk, None if distance is None else round(distance, 2)) for pk, distance in rows],
            facets=facets,
        )

    @staticmethod
    def _match_words(profiles: QuerySet[Profile], folded: str) -> tuple[QuerySet[Profile], list[str]]:
        words = [word for word in folded.split() if len(word) >= 2][:8]
        if not words:
            return profiles, []
        rank = None
        for word in words:
            profiles = profiles.filter(search_text__trigram_word_similar=word)
            similarity = TrigramWordSimilarity(word, "search_text")
            rank = similarity if rank is None else rank + similarity
        return profiles.annotate(rank=rank), ["-rank"]


def _language_facet(profiles: QuerySet[Profile]) -> dict[str, int]:
    sql, params = profiles.order_by().values("languages").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT language, count(*) FROM ({sql}) AS matched, "  # noqa: S608 - Django-built SQL, parameters bound
            "jsonb_array_elements_text(matched.languages) AS language GROUP BY language",
            params,
        )
        return dict(cursor.fetchall())
