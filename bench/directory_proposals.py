"""Measure the proposed search SQL against today's, over directory_search.py's own search mix.

    .venv/bin/python bench/directory_proposals.py [--searches 150] [--clients 4] [--duration 20]

Not a pass/fail benchmark: it replays the first `--searches` searches of the mix of
directory_search.py (same seeds) on the data set of directory_generate.py (generated if missing)
in six configurations, each one a step of the recommendations in bench/README.md:

  A  today's backend (PostgresBackend().search: 8 statements per search)
  B  one statement per search: the matches read once (MATERIALIZED CTE), count and facets from one
     GROUP BY over (specialty, sector, flags, languages), the page from the same rows
  C  A + covering indexes (specialty_id, latitude, longitude) and (latitude, longitude) INCLUDE (...)
  D  B + the same covering indexes
  E  D + words matched through a dictionary of the words of search_text (pg_trgm on ~27,000 words)
     and a GIN index on string_to_array(search_text, ' ') instead of `search_text %> word`
  F  E + words that only name a specialty ("dentiste", "kiné", "cardiolgue") turned into a
     specialty filter
then F with `--clients` concurrent connections (SQL only, no HTTP) for `--duration` seconds, and
the answers of A and F compared. The indexes and the dictionary are created in
openrdv_directory_bench for the run and dropped at the end (also on failure or Ctrl-C).
"""

import argparse
import json
import os
import sys
import threading
import time as clock
from collections import defaultdict

from _common import format_summary, interrupt_on_signals, summary_ms
from _directory import psql, setup_django
from directory_generate import DEFAULT_PROFILES, DEFAULT_SEED, ensure_data_set
from directory_search import KINDS, MIX_SEED, WARM_UP, MixBuilder

PREFIX = "proposal_"
CONFIG_BUDGET_S = 240.0
COVERING_INDEXES = (
    f"CREATE INDEX {PREFIX}specialty_position ON directory_profile (specialty_id, latitude, longitude) "
    "INCLUDE (id, status, sector, accepts_new_patients, teleconsultation, wheelchair_accessible, last_name, languages)",
    f"CREATE INDEX {PREFIX}position ON directory_profile (latitude, longitude) INCLUDE "
    "(id, specialty_id, status, sector, accepts_new_patients, teleconsultation, wheelchair_accessible, last_name, "
    "languages)",
)
WORD_OBJECTS = (
    f"CREATE TABLE {PREFIX}word AS SELECT DISTINCT word FROM directory_profile, "
    "unnest(string_to_array(search_text, ' ')) AS word",
    f"CREATE UNIQUE INDEX {PREFIX}word_unique ON {PREFIX}word (word)",
    f"CREATE INDEX {PREFIX}word_trgm ON {PREFIX}word USING gin (word gin_trgm_ops)",
    f"CREATE INDEX {PREFIX}words ON directory_profile USING gin (string_to_array(search_text, ' '))",
)
HAVERSINE = (
    "12742.0176 * asin(sqrt(power(sin((radians(latitude) - radians(%(lat)s)) / 2), 2) + cos(radians(latitude)) * "
    "cos(radians(%(lat)s)) * power(sin((radians(longitude) - radians(%(lon)s)) / 2), 2)))"
)
ONE_STATEMENT = """
WITH m AS MATERIALIZED (
    SELECT id, specialty_id, sector, accepts_new_patients, teleconsultation, wheelchair_accessible, languages,
           last_name, {distance} AS distance, {rank} AS rank
    FROM directory_profile WHERE {conditions})
SELECT (SELECT json_agg(c) FROM (
            SELECT specialty_id, sector, accepts_new_patients, teleconsultation, wheelchair_accessible, languages,
                   count(*) AS n
            FROM m GROUP BY 1, 2, 3, 4, 5, 6) AS c),
       (SELECT json_agg(json_build_array(id, distance)) FROM (
            SELECT id, distance FROM m ORDER BY rank DESC, distance, last_name, id
            LIMIT %(limit)s OFFSET %(offset)s) AS p)
"""


class Proposed:
    """The proposed search, as SQL: one statement (B, D), words via the dictionary (E), specialty words (F)."""

    def __init__(self, dictionary: bool, specialty_words: bool):
        from django.db import connection

        from directory.text import fold

        self.dictionary = dictionary
        self.specialty_words = specialty_words
        self.fold = fold
        with connection.cursor() as cursor:
            cursor.execute("SELECT code, id, label, profession, synonyms FROM directory_specialty")
            rows = cursor.fetchall()
        self.ids = {code: pk for code, pk, *_rest in rows}
        self.vocabulary = {pk: set(fold(f"{label} {profession} {synonyms.replace(',', ' ')}").split())
                           for _code, pk, label, profession, synonyms in rows}  # fmt: skip
        self.last_sql = ""

    def __call__(self, query) -> tuple[int, list[int]]:
        from django.db import connection

        from directory.search.base import MAX_RADIUS_KM, bounding_box

        words = [word for word in self.fold(query.text).split() if len(word) >= 2][:8]
        conditions, params = ["status = 'published'"], {}
        specialty_ids = [self.ids[query.specialty]] if query.specialty else []
        rank_parts: list[str] = []
        with connection.cursor() as cursor:
            if words and not self.dictionary:  # as today: trigram word similarity over the whole text
                for number, word in enumerate(words):
                    params[f"t{number}"] = word
                    conditions.append(f"search_text %%> %(t{number})s")
                    rank_parts.append(f"word_similarity(%(t{number})s, search_text)")
            elif words:
                cursor.execute(
                    "SELECT typed.n, w.word, word_similarity(typed.word, w.word) "
                    "FROM unnest(%s::text[]) WITH ORDINALITY AS typed(word, n), "
                    f"LATERAL (SELECT word FROM {PREFIX}word WHERE typed.word <%% word) AS w",
                    [words],
                )
                expansions: dict[int, list[tuple[str, float]]] = defaultdict(list)
                for number, word, similarity in cursor.fetchall():
                    expansions[number].append((word, similarity))
                if len(expansions) < len(words):
                    return 0, []  # a word like nothing in the directory
                specialty_ids, rank_parts = self._specialty_words(expansions, specialty_ids, params)
                if specialty_ids == [-1]:
                    return 0, []
                for number, pairs in sorted(expansions.items()):
                    params[f"w{number}"] = [word for word, _similarity in pairs]
                    params[f"s{number}"] = [similarity for _word, similarity in pairs]
                    conditions.append(f"string_to_array(search_text, ' ') && %(w{number})s::text[]")
                    rank_parts.append(
                        f"(SELECT max(v.s) FROM unnest(%(w{number})s::text[], %(s{number})s::real[]) AS v(w, s) "
                        "WHERE v.w = ANY(string_to_array(search_text, ' ')))"
                    )
            if specialty_ids:
                conditions.append("specialty_id = ANY(%(specialties)s)")
                params["specialties"] = specialty_ids
            distance = "NULL::float"
            if query.has_position:
                radius = min(query.radius_km, MAX_RADIUS_KM)
                min_lat, max_lat, min_lon, max_lon = bounding_box(query.latitude, query.longitude, radius)
                params.update(lat=query.latitude, lon=query.longitude, radius=radius, min_lat=min_lat, max_lat=max_lat)
                params.update(min_lon=min_lon, max_lon=max_lon)
                conditions.append(
                    "latitude >= %(min_lat)s AND latitude <= %(max_lat)s "
                    "AND longitude >= %(min_lon)s AND longitude <= %(max_lon)s"
                )
                conditions.append(f"{HAVERSINE} <= %(radius)s")
                distance = HAVERSINE
            for language in query.languages:
                conditions.append(f"languages @> %(language_{language})s::jsonb")
                params[f"language_{language}"] = json.dumps([language])
            if query.new_patients is not None:
                conditions.append("accepts_new_patients = %(new_patients)s")
                params["new_patients"] = query.new_patients
            params.update(limit=query.page_size, offset=(query.page - 1) * query.page_size)
            sql = ONE_STATEMENT.format(
                distance=distance, rank=" + ".join(rank_parts) or "NULL::real", conditions=" AND ".join(conditions)
            )
            mogrify = getattr(cursor.cursor, "mogrify", None)  # psycopg's client-side binding cursor
            self.last_sql = mogrify(sql, params) if mogrify else sql
            cursor.execute(sql, params)
            combinations, page = cursor.fetchone()
        # count and every facet (specialty, sector, flags, languages) are sums over `combinations`
        count = sum(row["n"] for row in combinations or ())
        return count, [pk for pk, _distance in page or ()]

    def _specialty_words(self, expansions, specialty_ids, params) -> tuple[list[int], list[str]]:
        """F: a typed word matching words of specialty vocabularies becomes a filter on those specialties."""
        if not self.specialty_words:
            return specialty_ids, []
        similarity_by_word: list[dict[int, float]] = []
        for number, pairs in sorted(expansions.items()):
            similarities = {}
            for pk, vocabulary in self.vocabulary.items():
                best = max((similarity for word, similarity in pairs if word in vocabulary), default=None)
                if best is not None:
                    similarities[pk] = best
            if similarities:
                similarity_by_word.append(similarities)
                del expansions[number]
        if not similarity_by_word:
            return specialty_ids, []
        allowed = set.intersection(*(set(similarities) for similarities in similarity_by_word))
        ids = sorted(allowed & set(specialty_ids)) if specialty_ids else sorted(allowed)
        if not ids:
            return [-1], []
        params["specialty_rank"] = json.dumps({str(pk): sum(s[pk] for s in similarity_by_word) for pk in ids})
        return ids, ["(%(specialty_rank)s::jsonb ->> specialty_id::text)::real"]


def current(query) -> tuple[int, list[int]]:
    from directory.search.postgres import PostgresBackend

    page = PostgresBackend().search(query)
    return page.count, [result.profile_id for result in page.results]


def run_config(name: str, search, searches, warm_up) -> list:
    from django.db import connection
    from django.db.utils import OperationalError

    def attempt(query):
        try:
            return search(query)
        except OperationalError:  # the statement timeout
            connection.close()
            return None

    for item in warm_up:
        attempt(item.query)
    durations, by_kind, answers = [], defaultdict(list), []
    deadline = clock.monotonic() + CONFIG_BUDGET_S
    for item in searches:
        if clock.monotonic() > deadline:
            print(f"  budget of {CONFIG_BUDGET_S:.0f} s spent after {len(answers)} searches")
            break
        started = clock.perf_counter_ns()
        answers.append(attempt(item.query))
        elapsed = clock.perf_counter_ns() - started
        durations.append(elapsed)
        by_kind[item.kind].append(elapsed)
    print(f"{name}\n  all              {format_summary(summary_ms(durations))}")
    for kind in KINDS:
        if by_kind[kind]:
            print(f"  {kind:<16} {format_summary(summary_ms(by_kind[kind]))}")
    cancelled = sum(answer is None for answer in answers)
    if cancelled:
        print(f"  {cancelled} searches cancelled by the statement timeout (counted at their time)")
    slowest = sorted(zip(durations, searches, answers, strict=False), key=lambda row: -row[0])[:4]
    print("  slowest: " + "; ".join(f"{d / 1e6:.0f} ms {a[0] if a else '?'} results {s}" for d, s, a in slowest))
    return answers


def concurrency(search, searches, clients: int, duration: float) -> None:
    from django.db import connections

    done = [0]
    lock = threading.Lock()
    deadline = clock.monotonic() + duration

    def client(number: int) -> None:
        index = number * len(searches) // clients
        try:
            while clock.monotonic() < deadline:
                search(searches[index % len(searches)].query)
                index += 1
                with lock:
                    done[0] += 1
        finally:
            connections.close_all()

    threads = [threading.Thread(target=client, args=(number,), daemon=True) for number in range(clients)]
    started = clock.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=duration + 60)
    elapsed = clock.perf_counter() - started
    print(
        f"F with {clients} concurrent connections (SQL only): {done[0] / elapsed:.0f} searches/s over {elapsed:.0f} s"
    )


def compare(searches, before, after) -> None:
    same = other_count = other_page = 0
    examples = []
    for item, old, new in zip(searches, before, after, strict=False):
        if old is None or new is None:
            continue
        if old[0] != new[0]:
            other_count += 1
            if len(examples) < 6:
                examples.append(f"    {old[0]} -> {new[0]} results: {item}")
        elif old[1] != new[1]:
            other_page += 1
        else:
            same += 1
    print(f"\nAnswers of F against A: {same} identical, {other_count} with another count, {other_page} another page")
    print("\n".join(examples))


def admin_psql(sql: str, timeout: float = 600) -> None:
    """psql on the bench database without this process's statement timeout (index builds take seconds)."""
    from _directory import DB_NAME

    saved = os.environ.pop("PGOPTIONS", None)
    try:
        psql(sql, DB_NAME, timeout=timeout)
    finally:
        if saved is not None:
            os.environ["PGOPTIONS"] = saved


def drop_objects() -> None:
    admin_psql(
        f"DROP INDEX IF EXISTS {PREFIX}specialty_position, {PREFIX}position, {PREFIX}words; "
        f"DROP TABLE IF EXISTS {PREFIX}word"
    )


def create(statements) -> None:
    started = clock.perf_counter()
    for statement in statements:
        admin_psql(f"SET maintenance_work_mem = '1GB'; {statement}")
    admin_psql("VACUUM (ANALYZE) directory_profile")
    print(f"\n[{clock.perf_counter() - started:.1f} s] " + "; ".join(s.split(" ON ")[0] for s in statements))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--searches", type=int, default=150, help="searches of the mix replayed (default 150)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent connections for F (default 4)")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of the concurrent run (default 20)")
    parser.add_argument("--statement-timeout", type=float, default=10.0, help="seconds (default 10)")
    args = parser.parse_args()
    count = max(10, min(args.searches, 300))
    interrupt_on_signals()
    ensure_data_set(DEFAULT_PROFILES, DEFAULT_SEED, reuse=True)
    os.environ["PGOPTIONS"] = f"-c statement_timeout={int(max(1.0, min(args.statement_timeout, 120.0)) * 1000)}"
    setup_django()
    from django.db import connection

    connection.close()
    drop_objects()  # leftovers of an interrupted run
    try:
        searches = MixBuilder(MIX_SEED).build(WARM_UP + 300)
        warm_up, measured = searches[:WARM_UP], searches[WARM_UP : WARM_UP + count]
        print(f"Replaying {len(measured)} searches of the mix (seed {MIX_SEED}), one at a time, in this process\n")
        before = run_config("A  today's backend", current, measured, warm_up)
        run_config("B  one statement", Proposed(dictionary=False, specialty_words=False), measured, warm_up)
        create(COVERING_INDEXES)
        run_config("C  today's backend + covering indexes", current, measured, warm_up)
        run_config("D  one statement + covering indexes", Proposed(False, False), measured, warm_up)
        create(WORD_OBJECTS)
        run_config("E  D + word dictionary", Proposed(dictionary=True, specialty_words=False), measured, warm_up)
        final = Proposed(dictionary=True, specialty_words=True)
        after = run_config("F  E + specialty words as a filter", final, measured, warm_up)
        compare(measured, before, after)
        concurrency(final, measured, max(1, min(args.clients, 32)), max(1.0, min(args.duration, 120.0)))
        print(f"\nThe statement of F, for the last search:\n{final.last_sql.strip()}")
    finally:
        connection.close()
        drop_objects()
        print("\nDropped the proposal's indexes and dictionary.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
