"""Search on PostgreSQL at national scale: one statement for most searches.

Words are understood first (words.py): a specialty filter, or profile words
through a GIN index. Places are a bounding box on the covering indexes
(migration 0005), then the exact haversine distance. One statement reads the
matches once, up to COUNT_LIMIT + 1, and returns the count, every facet and the
page. Past COUNT_LIMIT, counting further would cost ~2 µs a match (a place
search around Paris matches 120,000 profiles) for numbers nobody reads: the
count says "more than", facets are left out, and the page comes
- with a place: from the `directory_earth` GiST index, nearest first;
- with neither words nor place: from the (last_name, id) index;
- with known words and no place ("Petit", "paris"): from the COUNT_LIMIT
  matches read first, by name (reading all 4,600 "Petit" or 49,000 "paris"
  from the table to sort them cost 20-80 ms);
- with typos to rank: from all the matches, ranked.
Measured in bench/README.md.
"""

import json
from dataclasses import dataclass, field

from django.db import connection

from .base import COUNT_LIMIT, MAX_RADIUS_KM, SearchBackend, SearchPage, SearchQuery, SearchResult, bounding_box
from .words import TypedWord, understand, vocabulary

DISTANCE = (
    "(12742.0176 * asin(sqrt(power(sin(radians(latitude - %(lat)s) / 2), 2) + cos(radians(latitude)) "
    "* cos(radians(%(lat)s)) * power(sin(radians(longitude - %(lon)s) / 2), 2))))"
)
NEAREST_FIRST = "directory_earth(latitude, longitude) <-> directory_earth(%(lat)s, %(lon)s)"
FACETED = ("specialty_id", "sector", "accepts_new_patients", "teleconsultation", "wheelchair_accessible")
FACET_NAMES = ("specialty", "sector", "language", "accepts_new_patients", "teleconsultation", "wheelchair_accessible")


@dataclass
class _Search:
    """The SQL pieces of one search; parameters are always bound, never formatted in."""

    conditions: list[str] = field(default_factory=lambda: ["status = 'published'"])
    params: dict = field(default_factory=dict)
    rank: str = ""  # empty without words to rank
    distance: str = ""  # empty without a position
    box: str = ""  # the bounding box of the radius, for the btree indexes
    has_words: bool = False  # profile words to match (not only specialty words)

    def where(self, *, box: bool = True) -> str:
        return " AND ".join([*self.conditions, self.box] if box and self.box else self.conditions)

    @property
    def ordering(self) -> str:
        keys = [f"{self.rank} DESC" if self.rank else "", self.distance, "last_name", "id"]
        return ", ".join(key for key in keys if key)


class PostgresBackend(SearchBackend):
    def index(self, profile_ids: list[int]) -> None:
        """Nothing to push: the profiles table is the index, kept current on save (and the dictionary by triggers)."""

    def clear(self) -> None:
        """Nothing to clear: unpublished profiles are filtered out at query time."""

    def search(self, query: SearchQuery) -> SearchPage:
        search = _build(query)
        if search is None:
            return SearchPage(count=0, results=[], facets={name: {} for name in FACET_NAMES})
        offset = (query.page - 1) * query.page_size
        search.params.update(limit=COUNT_LIMIT + 1, page_size=query.page_size, offset=offset)
        with connection.cursor() as cursor:
            cursor.execute(_counted_page_sql(search), search.params)
            rows = cursor.fetchall()
            counts = [row[:3] for row in rows if row[0] != "page"]
            page = sorted((row[5], row[3], row[4]) for row in rows if row[0] == "page")
            total = sum(n for facet, _value, n in counts if facet == "specialty")
            if total <= COUNT_LIMIT:
                return SearchPage(count=total, results=_results(page), facets=_facets(counts))
            # Past the limit the counted page came from an unordered subset of the matches: read the
            # page again in its own order (exact words too: which COUNT_LIMIT + 1 rows the subset
            # held depended on the plan, and the first page then skipped profiles of the first names).
            cursor.execute(_page_sql(search, nearest_first=bool(search.distance and not search.rank)), search.params)
            page = [(None, pk, distance) for pk, distance in cursor.fetchall()]
        shown = max(0, COUNT_LIMIT - offset)  # never the (COUNT_LIMIT + 1)th
        return SearchPage(count=COUNT_LIMIT, results=_results(page)[:shown], facets={}, count_exact=False)


def _build(query: SearchQuery) -> _Search | None:
    """The conditions, rank and distance of a query; None when nothing can match."""
    search = _Search()
    conditions, params = search.conditions, search.params
    if query.specialty:
        specialty_id = vocabulary().id_by_code.get(query.specialty)
        if specialty_id is None:
            return None
        conditions.append("specialty_id = %(specialty)s")
        params["specialty"] = specialty_id
    typed = understand(query.text)
    if typed is None:
        return None
    _add_words(search, typed)
    if query.has_position:
        radius = min(query.radius_km, MAX_RADIUS_KM)
        min_lat, max_lat, min_lon, max_lon = bounding_box(query.latitude, query.longitude, radius)
        search.box = "latitude BETWEEN %(min_lat)s AND %(max_lat)s AND longitude BETWEEN %(min_lon)s AND %(max_lon)s"
        conditions.append(f"{DISTANCE} <= %(radius)s")
        params.update(
            lat=query.latitude, lon=query.longitude, radius=radius,
            min_lat=min_lat, max_lat=max_lat, min_lon=min_lon, max_lon=max_lon,
        )  # fmt: skip
        search.distance = DISTANCE
    elif query.postcode:
        conditions.append("postcode = %(postcode)s")
        params["postcode"] = query.postcode
    for name, column in (
        ("new_patients", "accepts_new_patients"),
        ("teleconsultation", "teleconsultation"),
        ("wheelchair_accessible", "wheelchair_accessible"),
    ):
        value = getattr(query, name)
        if value is not None:
            conditions.append(f"{column} = %({name})s")
            params[name] = value
    if query.sector:
        conditions.append("sector = %(sector)s")
        params["sector"] = query.sector
    if query.languages:
        conditions.append("languages @> %(languages)s::jsonb")
        params["languages"] = json.dumps(sorted(set(query.languages)))
    return search


def _add_words(search: _Search, typed: list[TypedWord]) -> None:
    ranks = []
    for position, word in enumerate(typed):
        if word.specialty_ids:
            search.conditions.append(f"specialty_id = ANY(%(specialties_{position})s)")
            search.params[f"specialties_{position}"] = sorted(word.specialty_ids)
            continue
        words, similarities = f"words_{position}", f"similarities_{position}"
        search.conditions.append(f"string_to_array(search_text, ' ') && %({words})s::text[]")
        search.has_words = True
        search.params[words], search.params[similarities] = list(word.words), list(word.similarities)
        if word.exact:
            continue  # every match has it: nothing to rank
        ranks.append(
            f"(SELECT max(known.similarity) FROM unnest(%({words})s::text[], %({similarities})s::real[]) "  # noqa: S608
            "AS known (word, similarity) WHERE known.word = ANY(string_to_array(search_text, ' ')))"
        )
    search.rank = f"({' + '.join(ranks)})" if ranks else ""


def _counted_page_sql(search: _Search) -> str:
    """Rows (facet, value, count) for every facet, then ('page', id, distance, position) for the page.

    All from at most COUNT_LIMIT + 1 matches, read once. GROUPING() tells which
    grouping set a row counts: 15 = specialty alone, 23 sector, 27, 29, 30 the flags.
    """
    columns = ", ".join(FACETED)
    ordering = _ordering(search, in_matched=True)
    return (
        f"WITH matched AS MATERIALIZED ("  # noqa: S608 - built from constants, parameters bound
        f"  SELECT id, {columns}, languages, last_name, {search.distance or 'NULL::float8'} AS distance, "
        f"  {search.rank or '0'} AS rank FROM directory_profile WHERE {search.where()} LIMIT %(limit)s), "
        f"counted AS (SELECT GROUPING({columns}) AS set, {columns}, count(*)::int AS n FROM matched "
        f"  GROUP BY GROUPING SETS ({', '.join(f'({column})' for column in FACETED)})) "
        "SELECT CASE set WHEN 15 THEN 'specialty' WHEN 23 THEN 'sector' WHEN 27 THEN 'accepts_new_patients' "
        "  WHEN 29 THEN 'teleconsultation' ELSE 'wheelchair_accessible' END, "
        "  CASE set WHEN 15 THEN specialty_id::text WHEN 23 THEN sector WHEN 27 THEN accepts_new_patients::text "
        "  WHEN 29 THEN teleconsultation::text ELSE wheelchair_accessible::text END, "
        "  n, NULL::bigint, NULL::float8, NULL::bigint FROM counted "
        "UNION ALL "
        "SELECT 'language', language, count(*)::int, NULL, NULL, NULL "
        "  FROM matched, jsonb_array_elements_text(matched.languages) AS language GROUP BY language "
        "UNION ALL "
        f"(SELECT 'page', NULL, NULL, id, distance, row_number() OVER (ORDER BY {ordering}) "
        f"  FROM matched ORDER BY {ordering} LIMIT %(page_size)s OFFSET %(offset)s)"
    )


def _page_sql(search: _Search, *, nearest_first: bool) -> str:
    """The page of a search with more than COUNT_LIMIT matches, from an index in its own order.

    Nearest first is the GiST index's order alone (another sort key, or the
    bounding box, and the planner sorts every match instead). Matches of words
    are read at once from the GIN index (the planner, unable to guess how many
    profiles bear a word, would walk the name index and test every row).
    """
    distance = search.distance or "NULL::float8"
    if nearest_first:
        return (
            f"SELECT id, {distance} FROM directory_profile WHERE {search.where(box=False)} "  # noqa: S608 - as above
            f"ORDER BY {NEAREST_FIRST} LIMIT %(page_size)s OFFSET %(offset)s"
        )
    if search.has_words:
        return (
            f"WITH matched AS MATERIALIZED (SELECT id, last_name, {distance} AS distance, "  # noqa: S608 - as above
            f"{search.rank or '0'} AS rank FROM directory_profile WHERE {search.where()}) "
            f"SELECT id, distance FROM matched ORDER BY {_ordering(search, in_matched=True)} "
            "LIMIT %(page_size)s OFFSET %(offset)s"
        )
    return (
        f"SELECT id, {distance} FROM directory_profile WHERE {search.where()} "  # noqa: S608 - as above
        f"ORDER BY {search.ordering} LIMIT %(page_size)s OFFSET %(offset)s"
    )


def _ordering(search: _Search, *, in_matched: bool) -> str:
    if not in_matched:
        return search.ordering
    keys = ["rank DESC" if search.rank else "", "distance" if search.distance else "", "last_name", "id"]
    return ", ".join(key for key in keys if key)


def _results(page: list[tuple]) -> list[SearchResult]:
    return [SearchResult(pk, None if distance is None else round(distance, 2)) for _order, pk, distance in page]


def _facets(counts: list[tuple[str, str, int]]) -> dict[str, dict[str, int]]:
    """{facet: {value: count}}, specialties by code, without the empty sector."""
    code_by_id = vocabulary().code_by_id
    facets: dict[str, dict[str, int]] = {name: {} for name in FACET_NAMES}
    for facet, value, n in counts:
        if facet == "specialty":
            value = code_by_id.get(int(value), "")
        if value:
            facets[facet][value] = n
    return facets
