"""Search 1,000,000 practitioner profiles on PostgreSQL: backend and HTTP latency, throughput, edit freshness.

    .venv/bin/python bench/directory_search.py [--reuse] [--profiles 1000000] [--queries 300] [--requests 200]
                                               [--clients 4] [--duration 30] [--edits 10] [--explain 4]
                                               [--statement-timeout 10] [--workers 2] [--threads 1]

First the data set of directory_generate.py (generated and timed unless `--reuse` finds it), then a
fixed-seed mix of realistic searches:
  40% specialty + place (town name or postcode, drawn by population), radius 10-30 km
      (some with new_patients, language=en or page 2);
  30% words + place: a specialty word with a typo ("cardiolgue"), or a practitioner's surname;
  20% words only: a surname, a specialty word (typo or not), or "dentiste Rennes";
  10% place only, radius 10-30 km.
(1) backend: `PostgresBackend().search(SearchQuery(...))` in this process, one at a time, each SQL
    statement timed; target p95 <= 20 ms. The p95 query of each kind is re-run under
    EXPLAIN (ANALYZE, BUFFERS) and its plan printed (`--explain`).
(2) HTTP: the same searches through GET /api/v1/search/ under gunicorn (directory role, DEBUG),
    one at a time; every answer must be 200 with the backend's count and page; target p95 <= 50 ms.
(3) throughput: `--clients` threads send the mix for `--duration` s; target >= 200 searches/s.
(4) freshness: `--edits` profiles renamed or moved through the ORM (`save()`), the backend polled
    until it finds them; target <= 1 s. Every edit is undone afterwards.
A statement running longer than `--statement-timeout` seconds is cancelled (PGOPTIONS, in this
process and in gunicorn) and counted at that time; the number of such searches is printed.
Exits 1 if a target is missed or an answer is wrong.
"""

import argparse
import os
import random
import sys
import threading
import time as clock
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

from _common import add_server_arguments, format_summary, http_request, percentile, summary_ms
from _directory import DB_NAME, directory_gunicorn, psql, setup_django
from directory_generate import DEFAULT_PROFILES, DEFAULT_SEED, TARGET_IMPORT_SECONDS, ensure_data_set

TARGET_BACKEND_P95_MS = 20.0
TARGET_HTTP_P95_MS = 50.0
TARGET_SEARCHES_PER_SECOND = 200.0
TARGET_FRESHNESS_S = 1.0
MIX_SEED = 4242
WARM_UP = 20
PHASE_BUDGET_S = 240.0  # each latency phase stops there, whatever --queries says
KINDS = ("specialty+place", "words+place", "words only", "place only")
MIX = (0.40, 0.30, 0.20, 0.10)

# What patients look for (share of searches naming a specialty), and the words they type for it.
DEMAND = {
    "medecine-generale": 25, "chirurgie-dentaire": 10, "ophtalmologie": 8, "masso-kinesitherapie": 8,
    "dermatologie": 7, "gynecologie": 6, "pediatrie": 5, "psychologie": 5, "infirmier": 4, "cardiologie": 3,
    "orl": 3, "psychiatrie": 3, "sage-femme": 2, "orthophonie": 2, "pedicurie-podologie": 2, "radiologie": 2,
    "rhumatologie": 1, "gastro-enterologie": 1, "endocrinologie": 1, "pneumologie": 1, "neurologie": 1,
    "urologie": 1, "orthodontie": 1, "allergologie": 1, "angiologie": 0.5, "pharmacie": 0.5, "dietetique": 0.5,
}  # fmt: skip
WORDS = {
    "medecine-generale": ["généraliste", "médecin généraliste", "medecin"], "chirurgie-dentaire": ["dentiste"],
    "ophtalmologie": ["ophtalmologue", "ophtalmo"], "masso-kinesitherapie": ["kinésithérapeute", "kiné"],
    "dermatologie": ["dermatologue"], "gynecologie": ["gynécologue"], "pediatrie": ["pédiatre"],
    "psychologie": ["psychologue"], "infirmier": ["infirmière", "infirmier"], "cardiologie": ["cardiologue"],
    "orl": ["ORL"], "psychiatrie": ["psychiatre"], "sage-femme": ["sage-femme"], "orthophonie": ["orthophoniste"],
    "pedicurie-podologie": ["podologue"], "radiologie": ["radiologue"], "rhumatologie": ["rhumatologue"],
    "gastro-enterologie": ["gastro-entérologue", "gastro"], "endocrinologie": ["endocrinologue"],
    "pneumologie": ["pneumologue"], "neurologie": ["neurologue"], "urologie": ["urologue"],
    "orthodontie": ["orthodontiste"], "allergologie": ["allergologue"], "angiologie": ["angiologue"],
    "pharmacie": ["pharmacie"], "dietetique": ["diététicienne", "nutritionniste"],
}  # fmt: skip


@dataclass
class Search:
    kind: str
    params: dict  # the API's query string
    query: object  # the SearchQuery the API builds from it
    expected: tuple[int, list[int]] | None = None  # (count, page ids) from the backend
    capped: bool = False  # the backend hit the statement timeout

    @property
    def path(self) -> str:
        return "/api/v1/search/?" + urlencode(self.params, doseq=True)

    def __str__(self) -> str:
        return f"[{self.kind}] {urlencode(self.params, doseq=True)}"


@dataclass
class Timed:
    search: Search
    total_ns: int
    statements: list[tuple[str, float, str]] = field(default_factory=list)  # (label, ms, sql)


# ---------------------------------------------------------------- the query mix


def typo(word: str, rng: random.Random) -> str:
    """One slip of the finger away from the word, never on its first letter."""
    position = rng.randrange(1, len(word) - 1)
    slip = rng.choice(("drop", "swap", "double", "replace"))
    if slip == "drop":
        return word[:position] + word[position + 1 :]
    if slip == "swap":
        return word[:position] + word[position + 1] + word[position] + word[position + 2 :]
    if slip == "double":
        return word[:position] + word[position] + word[position:]
    return word[:position] + rng.choice("aeiourstnl".replace(word[position], "")) + word[position + 1 :]


class MixBuilder:
    def __init__(self, seed: int):
        from directory.gazetteer import all_communes

        self.rng = random.Random(seed)
        communes = [c for c in all_communes() if c.population > 0]
        self.communes = communes
        self.population = [c.population for c in communes]
        codes = set(_specialty_codes())
        self.demand = {code: weight for code, weight in DEMAND.items() if code in codes}
        self.words = {code: WORDS[code] for code in self.demand}
        self.practitioners = self._sample_practitioners(3000)

    @staticmethod
    def _sample_practitioners(count: int) -> list[tuple[str, str, str, str]]:
        """(first name, last name, city, postcode) of random published profiles: surnames as frequent as they are."""
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT first_name, last_name, city, postcode FROM directory_profile TABLESAMPLE SYSTEM (1) "
                "REPEATABLE (7) WHERE status = 'published' LIMIT %s",
                [count],
            )
            return cursor.fetchall()

    def town(self) -> str:
        commune = self.rng.choices(self.communes, weights=self.population)[0]
        if self.rng.random() < 0.3 and commune.postcodes:
            return self.rng.choice(commune.postcodes)
        return commune.name

    def specialty(self) -> str:
        return self.rng.choices(list(self.demand), weights=list(self.demand.values()))[0]

    def radius(self) -> int:
        return self.rng.choice((10, 15, 20, 25, 30))

    def specialty_word(self, with_typo: bool) -> str:
        word = self.rng.choice(self.words[self.specialty()])
        if with_typo and len(word) >= 6:
            return self._typo(word)
        return word

    def _typo(self, word: str) -> str:
        """A typo that PostgreSQL's word similarity still relates to the word (>= 0.6), when one is found."""
        from django.db import connection

        from directory.text import fold

        folded = fold(word)
        with connection.cursor() as cursor:
            for _attempt in range(10):
                candidate = typo(folded, self.rng)
                cursor.execute("SELECT word_similarity(%s, %s)", [candidate, folded])
                if cursor.fetchone()[0] >= 0.6:
                    return candidate
        return folded

    def surname(self, with_first_name: bool, own_town: bool) -> tuple[str, str]:
        first, last, city, postcode = self.rng.choice(self.practitioners)
        words = f"{first} {last}" if with_first_name else last
        if own_town and city:
            return words, postcode if self.rng.random() < 0.3 and postcode else city
        return words, self.town()

    def build(self, count: int) -> list[Search]:
        rng = self.rng
        searches = []
        for kind in rng.choices(KINDS, weights=MIX, k=count):
            params: dict = {}
            if kind == "specialty+place":
                params = {"specialty": self.specialty(), "place": self.town(), "radius_km": self.radius()}
                draw = rng.random()
                if draw < 0.10:
                    params["new_patients"] = "true"
                elif draw < 0.15:
                    params["language"] = ["en"]
                elif draw < 0.20:
                    params["page"] = 2
            elif kind == "words+place":
                if rng.random() < 0.5:
                    params = {"q": self.specialty_word(with_typo=True), "place": self.town()}
                else:
                    words, place = self.surname(with_first_name=rng.random() < 0.25, own_town=rng.random() < 0.7)
                    params = {"q": words, "place": place}
                params["radius_km"] = self.radius()
            elif kind == "words only":
                draw = rng.random()
                if draw < 0.4:
                    params = {"q": self.surname(with_first_name=rng.random() < 0.2, own_town=False)[0]}
                elif draw < 0.7:
                    params = {"q": self.specialty_word(with_typo=rng.random() < 0.5)}
                else:
                    town = rng.choices(self.communes, weights=self.population)[0].name
                    params = {"q": f"{self.specialty_word(with_typo=False)} {town}"}
            else:
                params = {"place": self.town(), "radius_km": self.radius()}
            searches.append(Search(kind, params, search_query(params)))
        return searches


def _specialty_codes() -> list[str]:
    from directory.models import Specialty

    return list(Specialty.objects.values_list("code", flat=True))


def search_query(params: dict):
    """The SearchQuery that directory.searching.run_search builds for these parameters."""
    from directory import gazetteer
    from directory.search import SearchQuery

    latitude = longitude = None
    if params.get("place"):
        commune = gazetteer.find_place(params["place"])[0]
        latitude, longitude = commune.latitude, commune.longitude
    return SearchQuery(
        text=params.get("q", ""),
        specialty=params.get("specialty", ""),
        latitude=latitude,
        longitude=longitude,
        radius_km=float(params.get("radius_km", 20.0)),
        languages=tuple(params.get("language", ())),
        new_patients=True if params.get("new_patients") == "true" else None,
        page=int(params.get("page", 1)),
    )


# ---------------------------------------------------------------- (1) backend


def statement_label(sql: str) -> str:
    """Names for the statements of directory/search (words.py, postgres.py)."""
    if sql.startswith("SELECT typed.position"):
        return "expand words (dictionary)"
    if sql.startswith("WITH matched AS MATERIALIZED") and "UNION ALL" in sql:
        return "count, facets and page"
    if "<-> directory_earth" in sql:
        return "page past the limit: nearest first"
    if sql.startswith(("SELECT id,", "WITH matched AS MATERIALIZED")):
        return "page past the limit: ordered"
    return sql[:40]


class StatementTimer:
    """connection.execute_wrapper: the duration of each statement, in order."""

    def __init__(self):
        self.durations: list[float] = []

    def __call__(self, execute, sql, params, many, context):
        started = clock.perf_counter_ns()
        try:
            return execute(sql, params, many, context)
        finally:
            self.durations.append((clock.perf_counter_ns() - started) / 1e6)


def run_backend(searches: list[Search], budget_s: float) -> tuple[list[Timed], int]:
    """Time each search in this process; returns the timings and how many were cancelled by the timeout."""
    from django.db import connection, reset_queries
    from django.db.utils import OperationalError

    from directory.search.postgres import PostgresBackend

    backend = PostgresBackend()
    timer = StatementTimer()
    timed: list[Timed] = []
    capped = 0
    deadline = clock.monotonic() + budget_s
    connection.force_debug_cursor = True  # connection.queries, with DEBUG off as in production
    with connection.execute_wrapper(timer):
        for index, search in enumerate(searches):
            if clock.monotonic() > deadline:
                print(f"  phase budget of {budget_s:.0f} s spent after {index} searches")
                break
            reset_queries()
            timer.durations.clear()
            started = clock.perf_counter_ns()
            try:
                page = backend.search(search.query)
            except OperationalError as error:  # statement_timeout
                if "statement timeout" not in str(error):
                    raise
                search.capped = True
                capped += 1
                page = None
            elapsed = clock.perf_counter_ns() - started
            if page is not None:
                search.expected = (page.count, [result.profile_id for result in page.results])
            statements = [
                (statement_label(entry["sql"]), ms, entry["sql"])
                for entry, ms in zip(connection.queries, timer.durations, strict=False)
            ]
            timed.append(Timed(search, elapsed, statements))
    return timed, capped


def print_by_kind(durations: dict[str, list[int]]) -> None:
    for kind in KINDS:
        if durations.get(kind):
            print(f"  {kind:<16} {format_summary(summary_ms(durations[kind]))}")


def backend_phase(warm_up: list[Search], searches: list[Search], explain: int) -> tuple[bool, dict]:
    print(f"\n(1) Backend: PostgresBackend().search() in-process, {len(warm_up)} warm-up then {len(searches)} searches")
    run_backend(warm_up, budget_s=60)
    timed, capped = run_backend(searches, PHASE_BUDGET_S)
    figures = summary_ms([t.total_ns for t in timed])
    print(f"All searches: {format_summary(figures)}")
    by_kind: dict[str, list[int]] = defaultdict(list)
    for t in timed:
        by_kind[t.search.kind].append(t.total_ns)
    print_by_kind(by_kind)
    empty = sum(1 for t in timed if t.search.expected and t.search.expected[0] == 0)
    counts = sorted(t.search.expected[0] for t in timed if t.search.expected)
    print(
        f"Results per search: median {percentile(counts, 50):,}, p95 {percentile(counts, 95):,}, "
        f"max {counts[-1]:,}; {empty} searches found nothing; {capped} cancelled by the statement timeout"
    )
    per_statement: dict[str, list[float]] = defaultdict(list)
    for t in timed:
        for label, ms, _sql in t.statements:
            per_statement[label].append(ms)
    total = sum(sum(values) for values in per_statement.values())
    print("Time per SQL statement over all searches (mean, p95, share of the SQL time):")
    for label, values in sorted(per_statement.items(), key=lambda item: -sum(item[1])):
        values.sort()
        print(
            f"  {label:<32} mean {sum(values) / len(values):8.2f} ms  p95 {percentile(values, 95):8.2f} ms  "
            f"{sum(values) / total:6.1%}"
        )
    print("Slowest searches:")
    for t in sorted(timed, key=lambda t: -t.total_ns)[:8]:
        count = t.search.expected[0] if t.search.expected else "cancelled"
        print(f"  {t.total_ns / 1e6:9.1f} ms  {count!s:>8} results  {t.search}")
    if explain:
        explain_phase(timed, explain)
    ok = figures["p95"] <= TARGET_BACKEND_P95_MS
    if not ok:
        print(f"FAIL: backend p95 {figures['p95']:.1f} ms > target {TARGET_BACKEND_P95_MS:.0f} ms", file=sys.stderr)
    return ok, figures


def explain_phase(timed: list[Timed], limit: int) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of the slowest statement of the p95 search of each kind."""
    from django.db import connection

    print("\nQuery plans: for the search at the p95 of each kind, its statements and the plan of the slowest")
    chosen = []
    for kind in KINDS:
        of_kind = sorted((t for t in timed if t.search.kind == kind and t.statements), key=lambda t: t.total_ns)
        if of_kind:
            chosen.append(of_kind[min(len(of_kind) - 1, max(0, round(0.95 * len(of_kind)) - 1))])
    for t in chosen[:limit]:
        print(f"\n--- {t.search} : {t.total_ns / 1e6:.1f} ms")
        for label, ms, _sql in t.statements:
            print(f"    {ms:9.2f} ms  {label}")
        label, _ms, sql = max(t.statements, key=lambda statement: statement[1])
        print(f"  Slowest statement ({label}):\n    {sql}")
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 0")
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, SETTINGS) {sql}")
            plan = [row[0] for row in cursor.fetchall()]
            cursor.execute("RESET statement_timeout")
        print("\n".join(f"    {line}" for line in plan))


# ---------------------------------------------------------------- (2) HTTP and (3) throughput


def check_answer(search: Search, status: int, content) -> str | None:
    """None when the API answered what the backend found, else why not."""
    if search.capped:
        return None  # the backend gave up on it too: any answer goes
    if status != 200 or not isinstance(content, dict):
        return f"status {status}: {content!r:.200}"
    count, ids = search.expected
    got = [result["id"] for result in content.get("results", ())]
    if content.get("count") != count or got != ids:
        return f"count {content.get('count')} / ids {got[:5]} instead of {count} / {ids[:5]}"
    return None


def http_phase(port: int, warm_up: list[Search], searches: list[Search], timeout: float) -> tuple[bool, dict]:
    print(f"\n(2) HTTP: GET /api/v1/search/ one at a time, {len(warm_up)} warm-up then {len(searches)} searches")
    for search in warm_up:
        http_request(port, "GET", search.path, timeout=timeout)
    durations: list[int] = []
    by_kind: dict[str, list[int]] = defaultdict(list)
    wrong: list[str] = []
    deadline = clock.monotonic() + PHASE_BUDGET_S
    for index, search in enumerate(searches):
        if clock.monotonic() > deadline:
            print(f"  phase budget of {PHASE_BUDGET_S:.0f} s spent after {index} searches")
            break
        started = clock.perf_counter_ns()
        try:
            status, content, _headers = http_request(port, "GET", search.path, timeout=timeout)
        except OSError as error:
            status, content = 0, f"{type(error).__name__}: {error}"
        elapsed = clock.perf_counter_ns() - started
        durations.append(elapsed)
        by_kind[search.kind].append(elapsed)
        if problem := check_answer(search, status, content):
            wrong.append(f"{search}: {problem}")
    figures = summary_ms(durations)
    print(f"All searches: {format_summary(figures)}")
    print_by_kind(by_kind)
    print(f"Answers different from the backend's: {len(wrong)}")
    for line in wrong[:5]:
        print(f"  {line}")
    ok = figures["p95"] <= TARGET_HTTP_P95_MS and not wrong
    if figures["p95"] > TARGET_HTTP_P95_MS:
        print(f"FAIL: HTTP p95 {figures['p95']:.1f} ms > target {TARGET_HTTP_P95_MS:.0f} ms", file=sys.stderr)
    if wrong:
        print("FAIL: some answers differ from the backend's", file=sys.stderr)
    return ok, figures


def throughput_phase(port: int, searches: list[Search], clients: int, duration: float, timeout: float) -> bool:
    print(f"\n(3) Throughput: {clients} clients for {duration:.0f} s over the same mix")
    lock = threading.Lock()
    statuses: Counter[str] = Counter()
    durations: list[int] = []
    deadline = clock.monotonic() + duration

    def client(number: int) -> None:
        index = number * len(searches) // clients
        while clock.monotonic() < deadline:
            search = searches[index % len(searches)]
            index += 1
            started = clock.perf_counter_ns()
            try:
                status, _content, _headers = http_request(port, "GET", search.path, timeout=timeout)
                result = str(status)
            except OSError as error:
                result = f"error {type(error).__name__}"
            elapsed = clock.perf_counter_ns() - started
            with lock:
                statuses[result] += 1
                durations.append(elapsed)

    print(f"Load average before the run: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    threads = [threading.Thread(target=client, args=(number,), daemon=True) for number in range(clients)]
    started = clock.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=duration + timeout + 30)
    elapsed = clock.perf_counter() - started
    rate = statuses["200"] / elapsed
    print(f"Searches: {statuses['200']} answered 200 in {elapsed:.1f} s = {rate:.1f} searches/s")
    print(f"Status codes: {dict(sorted(statuses.items()))}")
    if durations:
        print(f"Latency: {format_summary(summary_ms(durations))}")
    ok = rate >= TARGET_SEARCHES_PER_SECOND and set(statuses) <= {"200"}
    if rate < TARGET_SEARCHES_PER_SECOND:
        print(f"FAIL: {rate:.1f} searches/s < target {TARGET_SEARCHES_PER_SECOND:.0f}", file=sys.stderr)
    if set(statuses) - {"200"}:
        print("FAIL: some searches were not answered 200", file=sys.stderr)
    return ok


# ---------------------------------------------------------------- (4) freshness


def unique_name(number: int) -> str:
    letters = "".join(chr(ord("a") + (number // 26**power) % 26) for power in range(3))
    return f"Quenardière{letters.capitalize()}"


def freshness_phase(port: int, edits: int, seed: int) -> tuple[bool, list[float]]:
    """Rename or move profiles through the ORM, poll the backend until it finds them; undo every edit."""
    from directory import gazetteer
    from directory.models import Profile
    from directory.search import SearchQuery
    from directory.search.postgres import PostgresBackend

    print(f"\n(4) Freshness: {edits} profiles edited through Profile.save(), then searched for")
    rng = random.Random(seed)
    backend = PostgresBackend()
    communes = [c for c in gazetteer.all_communes() if c.population > 5000]
    candidates = Profile.objects.filter(
        pk__in=rng.sample(range(1, 200_000), 200), status=Profile.Status.PUBLISHED, latitude__isnull=False
    ).select_related("specialty")
    delays: list[float] = []
    seen_over_http = 0
    for number, profile in enumerate(list(candidates)[:edits]):
        saved = {
            name: getattr(profile, name) for name in ("last_name", "city", "postcode", "insee", "latitude", "longitude")
        }
        if number % 2 == 0:
            profile.last_name = unique_name(number)
            query = SearchQuery(text=profile.last_name)
            http = {"q": profile.last_name}
            what = f"renamed {saved['last_name']} -> {profile.last_name}"
        else:
            commune = rng.choice(communes)
            profile.city, profile.insee = commune.name, commune.insee
            profile.postcode = commune.postcodes[0] if commune.postcodes else ""
            profile.latitude, profile.longitude = commune.latitude + 0.001, commune.longitude - 0.001
            query = SearchQuery(
                specialty=profile.specialty.code, latitude=commune.latitude, longitude=commune.longitude, radius_km=1
            )
            http = {"specialty": profile.specialty.code, "lat": commune.latitude, "lon": commune.longitude}
            http["radius_km"] = 1
            what = f"moved {saved['city']} -> {commune.name} ({profile.specialty.code} within 1 km)"
        try:
            started = clock.perf_counter()
            profile.save()
            found_after = None
            polls = 0
            while clock.perf_counter() - started < 5.0 and polls < 500:
                polls += 1
                pages = [backend.search(query)]
                page_number = 2
                while pages[-1].count > 20 * len(pages) and page_number <= 3:  # a crowded spot: look a bit further
                    pages.append(backend.search(replace(query, page=page_number)))
                    page_number += 1
                if any(r.profile_id == profile.pk for page in pages for r in page.results):
                    found_after = clock.perf_counter() - started
                    break
                clock.sleep(0.01)
            status, content, _headers = http_request(port, "GET", "/api/v1/search/?" + urlencode(http), timeout=30)
            over_http = status == 200 and any(result["id"] == profile.pk for result in content["results"])
            seen_over_http += over_http
            delays.append(found_after if found_after is not None else float("inf"))
            shown = f"{found_after * 1000:7.1f} ms" if found_after is not None else "NOT FOUND"
            print(f"  profile {profile.pk}: {what}: found after {shown} ({polls} poll(s)); over HTTP: {over_http}")
        finally:  # leave the data set as generated
            for name, value in saved.items():
                setattr(profile, name, value)
            profile.save()
    if not delays:
        print("FAIL: no published profile to edit", file=sys.stderr)
        return False, delays
    worst = max(delays)
    finite = sorted(d for d in delays if d != float("inf"))
    if finite:
        print(
            f"Edit to searchable: median {percentile(finite, 50) * 1000:.1f} ms, max {worst * 1000:.1f} ms "
            f"over {len(delays)} edits; visible over HTTP right after: {seen_over_http}/{len(delays)}"
        )
    ok = worst <= TARGET_FRESHNESS_S
    if not ok:
        print(f"FAIL: an edit took {worst:.2f} s > {TARGET_FRESHNESS_S:.0f} s to be searchable", file=sys.stderr)
    return ok, delays


# ---------------------------------------------------------------- main


def warm_caches() -> None:
    """Read the profiles table and its indexes once, as a directory in service has them in memory.

    pg_prewarm reads them into the operating system's cache ('read'), then into
    PostgreSQL's shared buffers as far as shared_buffers holds them ('buffer');
    without it, the first searches read the disk.
    """
    started = clock.perf_counter()
    psql("CREATE EXTENSION IF NOT EXISTS pg_prewarm", database=DB_NAME, user="postgres")
    relations = (
        "FROM pg_class c WHERE c.oid = 'directory_profile'::regclass "
        "OR c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = 'directory_profile'::regclass) "
        "OR c.relname IN ('directory_word', 'directory_word_trgm')"
    )
    pages = psql(f"SELECT sum(pg_prewarm(c.oid, 'read')) {relations}", database=DB_NAME, user="postgres")
    psql(f"SELECT sum(pg_prewarm(c.oid, 'buffer')) {relations}", database=DB_NAME, user="postgres")
    shared_buffers = psql("SHOW shared_buffers", database=DB_NAME)
    held = int(psql("SELECT setting FROM pg_settings WHERE name = 'shared_buffers'", database=DB_NAME))  # 8 kB pages
    share = min(1.0, held / max(int(pages or 1), 1))
    print(
        f"Caches warmed: {int(pages or 0) * 8 // 1024:,} MB read in {clock.perf_counter() - started:.1f} s; "
        f"shared_buffers {shared_buffers} holds {share:.0%} of it"
        + ("" if share >= 1 else " (deploy/README.md: PostgreSQL for a national directory)")
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--profiles", type=int, default=DEFAULT_PROFILES, help="profiles (default 1,000,000)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"data set seed (default {DEFAULT_SEED})")
    parser.add_argument("--reuse", action="store_true", help="keep the data set of a previous run if it matches")
    parser.add_argument("--queries", type=int, default=300, help="searches timed at the backend (default 300)")
    parser.add_argument("--requests", type=int, default=200, help="searches timed over HTTP (default 200)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients for throughput (default 4)")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of throughput (default 30)")
    parser.add_argument("--edits", type=int, default=10, help="profiles edited for freshness (default 10)")
    parser.add_argument("--explain", type=int, default=4, help="query plans printed, one per kind (default 4)")
    parser.add_argument(
        "--statement-timeout", type=float, default=10.0, help="seconds before a statement is cancelled (default 10)"
    )
    add_server_arguments(parser, workers=2, threads=1)
    args = parser.parse_args()
    queries = max(10, min(args.queries, 5000))
    requests = max(10, min(args.requests, 5000))
    clients = max(1, min(args.clients, 64))
    duration = max(1.0, min(args.duration, 300.0))
    edits = max(1, min(args.edits, 100))
    timeout_s = max(1.0, min(args.statement_timeout, 120.0))
    started = clock.monotonic()

    import_ok, marker = ensure_data_set(max(1_000, min(args.profiles, 3_000_000)), args.seed, args.reuse)
    # Every later connection (Django here, gunicorn's workers) gives up on a statement after timeout_s.
    os.environ["PGOPTIONS"] = f"-c statement_timeout={int(timeout_s * 1000)}"
    from django.db import connection

    setup_django()
    connection.close()  # a connection of the import, if any, had no timeout

    warm_caches()
    searches = MixBuilder(MIX_SEED).build(WARM_UP + max(queries, requests))
    warm_up, measured = searches[:WARM_UP], searches[WARM_UP:]
    shares = Counter(search.kind for search in measured)
    print(f"\nQuery mix ({len(measured)} searches, seed {MIX_SEED}): " + ", ".join(f"{k} {shares[k]}" for k in KINDS))
    for search in measured[:6]:
        print(f"  e.g. {search}")

    backend_ok, backend_figures = backend_phase(warm_up, measured[:queries], args.explain)
    # The HTTP phases compare answers with the backend's: run the searches the backend phase did not reach.
    missing = [s for s in measured[:requests] if s.expected is None and not s.capped]
    if missing:
        run_backend(missing, PHASE_BUDGET_S)
    connection.close()

    env_timeout = timeout_s + 30
    with directory_gunicorn(args.workers, args.threads) as server:  # PGOPTIONS is in its environment
        print(f"Server: {server.description}")
        http_ok, http_figures = http_phase(server.port, warm_up, measured[:requests], env_timeout)
        throughput_ok = throughput_phase(server.port, measured, clients, duration, env_timeout)
        fresh_ok, _delays = freshness_phase(server.port, edits, args.seed)
        if not (http_ok and throughput_ok) and (tail := server.log_tail(15).strip()):
            print(f"Server log tail:\n{tail}", file=sys.stderr)
    connection.close()

    print(f"\nSummary ({DB_NAME}, {marker['profiles']:,} profiles, {clock.monotonic() - started:.0f} s for this run)")
    print(
        f"  cold import           {marker['import_seconds']:8.0f} s        target <= {TARGET_IMPORT_SECONDS} s  "
        f"{'pass' if import_ok else 'FAIL'}"
    )
    print(
        f"  backend p95           {backend_figures['p95']:8.1f} ms       target <= {TARGET_BACKEND_P95_MS:.0f} ms  "
        f"{'pass' if backend_ok else 'FAIL'}"
    )
    print(
        f"  HTTP p95              {http_figures['p95']:8.1f} ms       target <= {TARGET_HTTP_P95_MS:.0f} ms  "
        f"{'pass' if http_ok else 'FAIL'}"
    )
    print(f"  throughput            see (3)           target >= {TARGET_SEARCHES_PER_SECOND:.0f}/s  "
          f"{'pass' if throughput_ok else 'FAIL'}")  # fmt: skip
    print(
        f"  freshness             see (4)           target <= {TARGET_FRESHNESS_S:.0f} s  {'pass' if fresh_ok else 'FAIL'}"
    )
    ok = import_ok and backend_ok and http_ok and throughput_ok and fresh_ok
    print("\nOK: every target met" if ok else "\nFAIL: see above", file=sys.stdout if ok else sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
