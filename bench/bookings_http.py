"""POST /api/v1/appointments/ through gunicorn on PostgreSQL: throughput, then races for one slot.

    .venv/bin/python bench/bookings_http.py [--clients 6] [--duration 15] [--rounds 100] [--contenders 50]
                                            [--workers 2] [--threads 1] [--patients 0]

(a) Throughput: `--clients` threads book distinct free slots (pre-fetched through the API) of
    50 practitioners for `--duration` seconds. Target: >= 100 bookings/s, every response 201.
(b) Races: `--rounds` rounds of `--contenders` clients released together (threading.Barrier)
    on the same slot. Target: every round exactly one 201 and the rest 409; a 503 (agenda lock
    wait over 3 s), a 500 or anything else fails the round.
Both run with DEBUG off, as production (each booking wakes the dispatcher through Redis database 12,
emptied at the end), against a freshly created database `openrdv_bench`; `--patients N` first files N
patients, as years of use would. Exits 1 if a target is missed.
"""

import argparse
import os
import random
import sys
import threading
import time as clock
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta

from _common import (
    DURATION,
    PARIS,
    Gunicorn,
    add_server_arguments,
    bench_env,
    clear_bench_redis,
    cpu_seconds,
    create_clinic,
    database_backend_pids,
    format_summary,
    http_request,
    reset_database,
    setup_django,
    summary_ms,
)

PRACTITIONERS = 50
TARGET_BOOKINGS_PER_SECOND = 100.0
WARM_UP_BOOKINGS = 100
SLOT_DAYS = 7  # free slots pre-fetched per practitioner: 7 days x 84 = 588
RACE_BUDGET_SECONDS = 600


def build_data_set(patients: int) -> tuple[list[int], int, int]:
    """50 practitioners open 07:00-21:00 every day, one more for the races, one visit reason,
    and `patients` patients already on file."""
    from django.db import connection

    from clinic_instance.models import Practitioner, VisitReason, WeeklyRange

    create_clinic()
    if patients:
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO clinic_instance_patient (first_name, last_name, birth_date, phone, email, created_at)"
                " SELECT 'Prenom' || n, 'Nom' || MOD(n, 5000), DATE '1950-01-01' + MOD(n, 20000)::int,"
                " '+33613' || LPAD(MOD(n, 1000000)::text, 6, '0'), '', NOW() FROM generate_series(1, %s) AS n",
                [patients],
            )
            cursor.execute("ANALYZE clinic_instance_patient")
    practitioners = Practitioner.objects.bulk_create(
        Practitioner(first_name=f"Praticien{number}", last_name="Banc", specialty="Médecin généraliste")
        for number in range(PRACTITIONERS + 1)
    )
    reason = VisitReason.objects.create(name="Consultation", duration_minutes=int(DURATION.total_seconds() // 60))
    reason.practitioners.add(*practitioners)
    WeeklyRange.objects.bulk_create(
        WeeklyRange(practitioner=practitioner, weekday=weekday, start_time=time(7), end_time=time(21))
        for practitioner in practitioners
        for weekday in range(7)
    )
    return [p.pk for p in practitioners[:PRACTITIONERS]], practitioners[-1].pk, reason.pk


def fetch_free_slots(port: int, practitioner_id: int, reason_id: int, first: date, last: date) -> list[str]:
    path = f"/api/v1/slots/?practitioner={practitioner_id}&visit_reason={reason_id}&from={first}&to={last}"
    status, content, _headers = http_request(port, "GET", path)
    if status != 200:
        raise RuntimeError(f"{path} answered {status}: {content!r:.300}")
    return [slot["start"] for slot in content["slots"]]


def patient(number: int) -> dict:
    return {
        "first_name": f"Client{number}",
        "last_name": "Banc",
        "birth_date": (date(1950, 1, 1) + timedelta(days=number % 20000)).isoformat(),
        "phone": f"+33612{number % 1_000_000:06d}",
        "email": f"client{number}@example.org",
    }


def outcome(status: int, content) -> str:
    """A status, with the API's error code when there is one (409 slot_taken, 503 busy…)."""
    if isinstance(content, dict) and "code" in content:
        return f"{status} {content['code']}"
    return str(status)


class Booker:
    """Posts bookings for the pre-fetched slots, shared by all client threads."""

    def __init__(self, port: int, reason_id: int, slots: list[tuple[int, str]]):
        self.port = port
        self.reason_id = reason_id
        self.slots = slots
        self.next_index = 0
        self.lock = threading.Lock()
        self.outcomes: Counter[str] = Counter()
        self.durations: list[int] = []
        self.samples: list[str] = []  # a few unexpected answers, for the report

    def take(self) -> int | None:
        with self.lock:
            if self.next_index >= len(self.slots):
                return None
            self.next_index += 1
            return self.next_index - 1

    def run(self, clients: int, stop_after: float | None, count: int | None) -> float:
        """Book until `stop_after` seconds have passed or `count` bookings were sent; returns the wall time."""
        stop_index = self.next_index + count if count is not None else len(self.slots)
        deadline = clock.monotonic() + (stop_after if stop_after is not None else 120)

        def client() -> None:
            while clock.monotonic() < deadline:
                index = self.take()
                if index is None or index >= stop_index:
                    return
                practitioner_id, start = self.slots[index]
                body = {
                    "practitioner": practitioner_id,
                    "visit_reason": self.reason_id,
                    "start": start,
                    "patient": patient(index),
                }
                started = clock.perf_counter_ns()
                try:
                    status, content, _headers = http_request(self.port, "POST", "/api/v1/appointments/", body)
                    result = outcome(status, content)
                except OSError as error:
                    status, content, result = 0, None, f"error {type(error).__name__}"
                elapsed = clock.perf_counter_ns() - started
                with self.lock:
                    self.outcomes[result] += 1
                    self.durations.append(elapsed)
                    if status != 201 and len(self.samples) < 5:
                        self.samples.append(f"{result}: {content!r:.300}")

        threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
        started = clock.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=max(1.0, deadline - clock.monotonic()) + 60)
        return clock.perf_counter() - started


def throughput(server: Gunicorn, practitioner_ids: list[int], reason_id: int, clients: int, duration: float) -> bool:
    first = datetime.now(UTC).astimezone(PARIS).date() + timedelta(days=2)
    slots = [
        (practitioner_id, start)
        for practitioner_id in practitioner_ids
        for start in fetch_free_slots(
            server.port, practitioner_id, reason_id, first, first + timedelta(days=SLOT_DAYS - 1)
        )
    ]
    random.Random(7).shuffle(slots)  # concurrent clients rarely share an agenda
    print(f"\n(a) Throughput: {clients} clients, {len(slots)} free slots of {len(practitioner_ids)} practitioners")
    booker = Booker(server.port, reason_id, slots)
    booker.run(clients, stop_after=None, count=WARM_UP_BOOKINGS)
    warm_up = Counter(booker.outcomes)
    booker.outcomes.clear()
    booker.durations.clear()
    print(f"Warm-up: {WARM_UP_BOOKINGS} bookings: {dict(warm_up)}")
    print(f"Load average before the run: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    workers, backends = server.worker_pids(), database_backend_pids()
    cpu_before = cpu_seconds(workers), cpu_seconds(backends)
    elapsed = booker.run(clients, stop_after=duration, count=None)
    cpu_after = cpu_seconds(workers), cpu_seconds(backends)
    created = booker.outcomes["201"]
    rate = created / elapsed
    print(f"Bookings: {created} created in {elapsed:.2f} s = {rate:.1f} bookings/s")
    if created:
        app_ms, database_ms = (
            (after - before) * 1000 / created for before, after in zip(cpu_before, cpu_after, strict=True)
        )
        print(f"CPU per booking: gunicorn workers {app_ms:.1f} ms, PostgreSQL {database_ms:.1f} ms")
    print(f"Status codes: {dict(sorted(booker.outcomes.items()))}")
    print(f"Latency: {format_summary(summary_ms(booker.durations))}")
    for sample in booker.samples:
        print(f"  unexpected: {sample}")

    from clinic_instance.models import Appointment

    stored = Appointment.objects.filter(practitioner_id__in=practitioner_ids).count()
    expected = created + warm_up["201"]
    print(f"Appointments stored for these practitioners: {stored} (201 answers: {expected})")

    ok = True
    if set(warm_up) - {"201"} or set(booker.outcomes) - {"201"}:
        print("FAIL: some bookings of distinct free slots were not answered 201", file=sys.stderr)
        ok = False
    if stored != expected:
        print("FAIL: the database does not hold one appointment per 201 answer", file=sys.stderr)
        ok = False
    if booker.next_index >= len(slots):
        print("FAIL: ran out of pre-fetched slots; the figure is not a full run", file=sys.stderr)
        ok = False
    if rate < TARGET_BOOKINGS_PER_SECOND:
        print(f"FAIL: {rate:.1f} bookings/s < target {TARGET_BOOKINGS_PER_SECOND:.0f}", file=sys.stderr)
        ok = False
    return ok


def races(port: int, practitioner_id: int, reason_id: int, rounds: int, contenders: int) -> bool:
    first = datetime.now(UTC).astimezone(PARIS).date() + timedelta(days=2)
    free = fetch_free_slots(port, practitioner_id, reason_id, first, first + timedelta(days=SLOT_DAYS - 1))
    if len(free) < rounds:
        print(f"FAIL: only {len(free)} free slots for {rounds} rounds", file=sys.stderr)
        return False
    targets = free[:rounds]
    print(f"\n(b) Races: {rounds} rounds of {contenders} clients released together on one slot")
    results: list[list[str]] = [[""] * contenders for _ in range(rounds)]
    durations: list[int] = []
    retry_after: Counter[str] = Counter()
    samples: list[str] = []
    lock = threading.Lock()
    deadline = clock.monotonic() + RACE_BUDGET_SECONDS
    stop = threading.Event()
    completed = [0]

    def between_rounds() -> None:  # runs once per round, in one thread, before all are released
        if clock.monotonic() > deadline:
            stop.set()

    barrier = threading.Barrier(contenders, action=between_rounds, timeout=120)

    def contender(number: int) -> None:
        for round_number, start in enumerate(targets):
            try:
                barrier.wait()
            except threading.BrokenBarrierError:
                stop.set()
                return
            if stop.is_set():
                return
            body = {
                "practitioner": practitioner_id,
                "visit_reason": reason_id,
                "start": start,
                "patient": patient(100_000 + round_number * contenders + number),
            }
            started = clock.perf_counter_ns()
            try:
                status, content, headers = http_request(port, "POST", "/api/v1/appointments/", body, timeout=60)
                result = outcome(status, content)
            except OSError as error:
                status, content, headers, result = 0, None, {}, f"error {type(error).__name__}"
            elapsed = clock.perf_counter_ns() - started
            with lock:
                results[round_number][number] = result
                durations.append(elapsed)
                if status == 503:
                    retry_after[headers.get("Retry-After", "(none)")] += 1
                if status not in (201, 409) and len(samples) < 5:
                    samples.append(f"round {round_number}: {result}: {content!r:.300}")
                if number == 0:
                    completed[0] = round_number + 1

    threads = [threading.Thread(target=contender, args=(number,), daemon=True) for number in range(contenders)]
    started = clock.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=RACE_BUDGET_SECONDS + 180)
    elapsed = clock.perf_counter() - started
    if any(thread.is_alive() for thread in threads):
        barrier.abort()

    played = [round_results for round_results in results if all(round_results)]
    expected = Counter({"201": 1, "409 slot_taken": contenders - 1})
    good = sum(Counter(round_results) == expected for round_results in played)
    totals = Counter(result for round_results in played for result in round_results)
    print(f"Rounds played: {len(played)} of {rounds} in {elapsed:.1f} s")
    print(f"Rounds with exactly one 201 and {contenders - 1} x 409: {good} of {rounds}")
    print(f"Status codes over all rounds: {dict(sorted(totals.items()))}")
    if retry_after:
        print(
            f"503 busy answers (agenda lock wait over 3 s): {sum(retry_after.values())}, Retry-After: {dict(retry_after)}"
        )
    else:
        print("503 busy answers (agenda lock wait over 3 s): none")
    if durations:
        print(f"Latency: {format_summary(summary_ms(durations))}")
    for index, round_results in enumerate(played):
        counts = Counter(round_results)
        if counts != expected and index < 20:
            print(f"  round {index} ({targets[index]}): {dict(counts)}")
    for sample in samples:
        print(f"  unexpected: {sample}")

    from django.db.models import Count

    from clinic_instance.models import Appointment

    per_slot = Counter(
        {
            row["start"]: row["n"]
            for row in Appointment.objects.filter(practitioner_id=practitioner_id, status="booked")
            .values("start")
            .annotate(n=Count("id"))
        }
    )
    doubles = sum(1 for n in per_slot.values() if n > 1)
    print(f"Appointments stored on the contested agenda: {sum(per_slot.values())}, slots held twice: {doubles}")

    ok = good == rounds
    if not ok:
        print(f"FAIL: {rounds - good} rounds were not exactly one 201 and {contenders - 1} x 409", file=sys.stderr)
    if doubles or sum(per_slot.values()) != totals["201"]:
        print("FAIL: the database does not hold exactly one appointment per won slot", file=sys.stderr)
        ok = False
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--clients", type=int, default=6, help="concurrent clients for (a) (default 6)")
    parser.add_argument("--duration", type=float, default=15.0, help="seconds of (a) (default 15)")
    parser.add_argument("--rounds", type=int, default=100, help="rounds of (b) (default 100)")
    parser.add_argument("--contenders", type=int, default=50, help="clients per round of (b) (default 50)")
    parser.add_argument("--patients", type=int, default=0, help="patients already on file (default 0)")
    parser.add_argument("--skip-races", action="store_true", help="run (a) only, e.g. to compare worker settings")
    parser.add_argument("--skip-throughput", action="store_true", help="run (b) only")
    add_server_arguments(parser, workers=2, threads=1)
    args = parser.parse_args()
    clients = max(1, min(args.clients, 200))
    duration = max(1.0, min(args.duration, 120.0))
    rounds = max(1, min(args.rounds, 500))
    contenders = max(2, min(args.contenders, 200))

    reset_database()
    setup_django()
    patients = max(0, min(args.patients, 2_000_000))
    if patients:
        print(f"Data set: {patients} patients already on file")
    practitioner_ids, contested_id, reason_id = build_data_set(patients)
    from django.db import connection

    connection.close()

    # Production's code paths (DEBUG off): each booking wakes the dispatcher through Redis, as on a clinic's
    # server; plain HTTP on 127.0.0.1, where nginx would have ended TLS.
    env = bench_env(debug=False, ALLOWED_HOSTS="127.0.0.1", SECURE_SSL_REDIRECT="false")
    with Gunicorn(workers=args.workers, threads=args.threads, env=env) as server:
        print(f"Server: {server.description}")
        ok = args.skip_throughput or throughput(server, practitioner_ids, reason_id, clients, duration)
        if not args.skip_races:
            ok = races(server.port, contested_id, reason_id, rounds, contenders) and ok
        if not ok:
            print(f"Server log tail:\n{server.log_tail()}", file=sys.stderr)
    clear_bench_redis()  # the wake-ups no worker took
    print("\nOK: every target met" if ok else "\nFAIL: see above", file=sys.stdout if ok else sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
