"""GET /workspace/agenda/ (several practitioners side by side) rendered in-process: server time and queries.

    .venv/bin/python bench/workspace_day_view.py [--requests 200] [--warm-up 20]

20 practitioners x 30 appointments on one day (plus absences and working hours), an
administrator signed in (second factor verified), and the day view asked for 1, 5 and 20
practitioners through Django's test client in this process, DEBUG off, static files from the
manifest (collectstatic), the loaded objects frozen out of the garbage collector as config/wsgi.py
does in production. Each answer is checked (status, every appointment of the chosen
columns listed) before timing; the query count is captured once per size and must not grow
with the number of practitioners. Target: p95 <= 150 ms for 20 practitioners.
Runs against a freshly created database `openrdv_bench_workspace`. Exits 1 if a target is missed.
"""

import argparse
import gc
import os
import secrets
import subprocess
import sys
import tempfile
import time as clock
from datetime import date, datetime, time, timedelta

from _common import PARIS, ROOT, VENV_BIN, bench_env, format_summary, recreate_database, setup_django, summary_ms

DB_NAME = "openrdv_bench_workspace"
DATABASE_URL = f"postgres://openrdv@127.0.0.1:5432/{DB_NAME}"
PRACTITIONERS = 20
APPOINTMENTS_EACH = 30
SIZES = (1, 5, 20)
TARGET_P95_MS = 150.0
DAY = date(2027, 3, 2)  # a Tuesday
BUDGET_SECONDS = 300


def workspace_env(static_root: str) -> dict[str, str]:
    return bench_env(database_url=DATABASE_URL, debug=False, ALLOWED_HOSTS="testserver", STATIC_ROOT=static_root)


def reset_database(env: dict[str, str]) -> None:
    recreate_database(DB_NAME, env)
    print("Collecting static files…", flush=True)
    subprocess.run(
        [str(VENV_BIN / "python"), "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
    )


def build_data_set() -> list[int]:
    """20 practitioners working 08:00-12:00 and 13:00-19:00, three visit reasons each, 30
    appointments of 15 minutes (various statuses, sources and notes) and one absence each."""
    from django.contrib.auth import get_user_model
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from clinic_instance.models import (
        Appointment,
        Clinic,
        Patient,
        Practitioner,
        ScheduleException,
        StaffMember,
        VisitReason,
        WeeklyRange,
    )

    Clinic.objects.create(pk=1, name="Cabinet du banc d'essai")
    statuses = ["booked"] * 7 + ["arrived", "done", "no_show"]
    ids, appointments, ranges = [], [], []
    patients = Patient.objects.bulk_create(
        Patient(
            first_name=f"Prénom{n}",
            last_name=f"Nom{n}",
            birth_date=date(1950, 1, 1) + timedelta(days=n * 37),
            phone=f"+3361{n:07d}",
        )
        for n in range(PRACTITIONERS * APPOINTMENTS_EACH)
    )
    for p in range(PRACTITIONERS):
        practitioner = Practitioner.objects.create(first_name=f"Praticien{p}", last_name=f"Banc{p:02d}", specialty="MG")
        ids.append(practitioner.pk)
        reasons = []
        for r in range(3):
            reason = VisitReason.objects.create(name=f"Motif {r}", duration_minutes=15)
            reason.practitioners.add(practitioner)
            reasons.append(reason)
        for weekday in range(5):
            ranges.append(
                WeeklyRange(practitioner=practitioner, weekday=weekday, start_time=time(8), end_time=time(12))
            )
            ranges.append(
                WeeklyRange(practitioner=practitioner, weekday=weekday, start_time=time(13), end_time=time(19))
            )
        ScheduleException.objects.create(
            practitioner=practitioner,
            kind="block",
            start=datetime.combine(DAY, time(12), PARIS),
            end=datetime.combine(DAY, time(13), PARIS),
        )
        for n in range(APPOINTMENTS_EACH):
            start = datetime.combine(DAY, time(8), PARIS) + timedelta(minutes=15 * n + (60 if n >= 16 else 0))
            appointments.append(
                Appointment(
                    practitioner=practitioner,
                    visit_reason=reasons[n % 3],
                    patient=patients[p * APPOINTMENTS_EACH + n],
                    start=start,
                    end=start + timedelta(minutes=15),
                    status=statuses[n % len(statuses)],
                    source="phone" if n % 4 == 0 else "online",
                    staff_note="Rappeler" if n % 5 == 0 else "",
                )
            )
    WeeklyRange.objects.bulk_create(ranges)
    Appointment.objects.bulk_create(appointments)
    user = get_user_model().objects.create_user("bench-admin", "admin@bench.example", secrets.token_urlsafe(16))
    StaffMember.objects.create(user=user, role="admin")
    TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    return ids


def signed_in_client():
    """A test client holding what the login pages leave in the session (tests/workspace.py does the same)."""
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from clinic_instance.workspace import sessions

    user = get_user_model().objects.get(username="bench-admin")
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = TOTPDevice.objects.get(user=user).persistent_id
    session[sessions.GENERATION_KEY] = user.staff_member.session_generation
    session[sessions.LAST_ACTIVITY_KEY] = int(clock.time())
    session.save()
    return client


def check_answer(response, size: int) -> str | None:
    if response.status_code != 200:
        return f"answered {response.status_code}"
    rows = response.content.count(b'class="agenda-row ')
    if rows != size * APPOINTMENTS_EACH:
        return f"{rows} appointments listed, {size * APPOINTMENTS_EACH} expected"
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--requests", type=int, default=200, help="measured requests per size (default 200)")
    parser.add_argument("--warm-up", type=int, default=20, help="requests before measuring (default 20)")
    args = parser.parse_args()
    requests = max(50, min(args.requests, 5_000))

    with tempfile.TemporaryDirectory(prefix="openrdv-bench-static-") as static_root:
        env = workspace_env(static_root)
        reset_database(env)
        setup_django(env)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        ids = build_data_set()
        print(
            f"Data set: {PRACTITIONERS} practitioners x {APPOINTMENTS_EACH} appointments on {DAY.isoformat()}, "
            "one blocked hour and two working ranges each."
        )
        client = signed_in_client()
        # As config/wsgi.py does in every gunicorn worker once the application is loaded.
        gc.collect()
        gc.freeze()
        print(f"Load average before the run: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
        results, failed = {}, False
        for size in SIZES:
            query = {"date": DAY.isoformat(), "p": [str(pk) for pk in ids[:size]]}
            with CaptureQueriesContext(connection) as captured:
                response = client.get("/workspace/agenda/", query, secure=True)
            queries = len(captured.captured_queries)  # read now: the next request empties the log
            problem = check_answer(response, size)
            if problem:
                print(f"FAIL: {size} practitioners: {problem}", file=sys.stderr)
                return 1
            for _ in range(args.warm_up):
                client.get("/workspace/agenda/", query, secure=True)
            durations = []
            budget = clock.monotonic() + BUDGET_SECONDS
            for _ in range(requests):
                started = clock.perf_counter_ns()
                response = client.get("/workspace/agenda/", query, secure=True)
                durations.append(clock.perf_counter_ns() - started)
                failed |= response.status_code != 200
                if clock.monotonic() > budget:
                    break
            results[size] = figures, queries = summary_ms(durations), queries
            print(f"{size:>2} practitioners ({size * APPOINTMENTS_EACH} appointments), {queries} queries: "
                  f"{format_summary(figures)}")  # fmt: skip

    if failed:
        print("FAIL: some answers were not 200", file=sys.stderr)
        return 1
    counts = {queries for _figures, queries in results.values()}
    if len(counts) != 1:
        print(f"FAIL: the query count grows with the practitioners: {sorted(counts)}", file=sys.stderr)
        return 1
    p95 = results[max(SIZES)][0]["p95"]
    if p95 > TARGET_P95_MS:
        print(f"FAIL: p95 {p95:.2f} ms > target {TARGET_P95_MS:.0f} ms for {max(SIZES)} practitioners", file=sys.stderr)
        return 1
    print(
        f"OK: p95 {p95:.2f} ms <= target {TARGET_P95_MS:.0f} ms for {max(SIZES)} practitioners; {counts.pop()} queries"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
