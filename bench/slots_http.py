"""GET /api/v1/slots/ over 28 days, through gunicorn on PostgreSQL, one request at a time.

    .venv/bin/python bench/slots_http.py [--requests 500] [--history 0] [--dst-after YYYY-MM-DD]
                                          [--workers 2] [--threads 1]

The data set is the one of slots_engine.py (1,000 appointments, 50 absences, a DST change),
stored in a freshly created database `openrdv_bench`. `--history N` adds N past appointments
of the same practitioner, as years of use would. Target: p95 <= 50 ms.
Exits 1 if the target is missed or an answer is wrong.
"""

import argparse
import os
import sys
import time as clock
from datetime import UTC, date, datetime, timedelta

from _common import (
    DURATION,
    PARIS,
    Gunicorn,
    add_plan_argument,
    add_server_arguments,
    agenda_plan,
    create_clinic,
    describe_plan,
    format_summary,
    http_request,
    p95_verdict,
    reset_database,
    setup_django,
    summary_ms,
)

TARGET_P95_MS = 50.0
WARM_UP_REQUESTS = 40


def build_data_set(plan, history: int) -> tuple[int, int]:
    """The plan's practitioner in the database; returns (practitioner id, visit reason id)."""
    from clinic_instance.models import (
        Appointment,
        Patient,
        Practitioner,
        ScheduleException,
        VisitReason,
        WeeklyRange,
    )

    create_clinic()
    practitioner = Practitioner.objects.create(first_name="Alice", last_name="Durand", specialty="Médecin généraliste")
    reason = VisitReason.objects.create(name="Consultation", duration_minutes=int(DURATION.total_seconds() // 60))
    reason.practitioners.add(practitioner)
    WeeklyRange.objects.bulk_create(
        WeeklyRange(practitioner=practitioner, weekday=weekday, start_time=start, end_time=end)
        for weekday, start, end in plan.weekly
    )
    ScheduleException.objects.bulk_create(
        ScheduleException(practitioner=practitioner, kind="absence", start=start, end=end)
        for start, end in plan.absences
    )
    times = list(plan.appointments) + past_appointments(plan.day_from, history)
    patients = Patient.objects.bulk_create(
        Patient(
            first_name=f"Patient{number}",
            last_name="Banc",
            birth_date=date(1950, 1, 1) + timedelta(days=number % 20000),
            phone=f"+33612{number % 1_000_000:06d}",
        )
        for number in range(len(times))
    )
    Appointment.objects.bulk_create(
        (
            Appointment(practitioner=practitioner, visit_reason=reason, patient=patient, start=start, end=end)
            for patient, (start, end) in zip(patients, times, strict=True)
        ),
        batch_size=2000,
    )
    return practitioner.pk, reason.pk


def past_appointments(before: date, count: int) -> list[tuple[datetime, datetime]]:
    """`count` appointments on working days before `before`, 09:00-18:00 back to back."""
    times: list[tuple[datetime, datetime]] = []
    day = before - timedelta(days=1)
    while len(times) < count:
        if day.weekday() < 5:
            moment = datetime(day.year, day.month, day.day, 9, tzinfo=PARIS).astimezone(UTC)
            for _ in range(min(54, count - len(times))):
                times.append((moment, moment + DURATION))
                moment += DURATION
        day -= timedelta(days=1)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--requests", type=int, default=500, help="measured requests (at least 300; default 500)")
    parser.add_argument("--history", type=int, default=0, help="past appointments to add (default 0)")
    add_plan_argument(parser)
    add_server_arguments(parser, workers=2, threads=1)
    args = parser.parse_args()
    requests = max(300, min(args.requests, 20_000))
    history = max(0, min(args.history, 500_000))

    plan = agenda_plan(args.dst_after)
    print(f"Data set: {describe_plan(plan)}" + (f", plus {history} past appointments" if history else ""))
    reset_database()
    setup_django()
    practitioner_id, reason_id = build_data_set(plan, history)
    from django.db import connection

    connection.close()

    path = (
        f"/api/v1/slots/?practitioner={practitioner_id}&visit_reason={reason_id}"
        f"&from={plan.day_from.isoformat()}&to={plan.day_to.isoformat()}"
    )
    with Gunicorn(workers=args.workers, threads=args.threads) as server:
        status, content, _headers = http_request(server.port, "GET", path)
        if status != 200:
            print(f"FAIL: {path} answered {status}: {content!r:.500}", file=sys.stderr)
            return 1
        starts = [datetime.fromisoformat(slot["start"]).astimezone(UTC) for slot in content["slots"]]
        if starts != list(plan.expected_starts):
            print(f"FAIL: wrong answer: {len(starts)} slots, {len(plan.expected_starts)} expected", file=sys.stderr)
            return 1
        print(f"Answer checked: {len(starts)} free slots, each one expected, none missing.")

        for _ in range(WARM_UP_REQUESTS):
            http_request(server.port, "GET", path)
        print(f"Load average before the run: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
        durations, failures = [], 0
        budget = clock.monotonic() + 300
        for _ in range(requests):
            started = clock.perf_counter_ns()
            status, _content, _headers = http_request(server.port, "GET", path)
            durations.append(clock.perf_counter_ns() - started)
            failures += status != 200
            if clock.monotonic() > budget:
                break
        if failures:
            print(f"Server log tail:\n{server.log_tail()}", file=sys.stderr)

    figures = summary_ms(durations)
    print(f"GET /api/v1/slots/ (28 days, {server.description}): {format_summary(figures)}")
    if failures:
        print(f"FAIL: {failures} responses were not 200", file=sys.stderr)
        return 1
    return p95_verdict(figures, target_ms=TARGET_P95_MS, minimum_n=300, unit="requests")


if __name__ == "__main__":
    sys.exit(main())
