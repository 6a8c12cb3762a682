"""Shared by the benchmark scripts: the agenda data set, figures, the bench database, gunicorn.

Nothing here touches a database other than `openrdv_bench`, or listens anywhere but 127.0.0.1.
"""

import http.client
import json
import math
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time as clock
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

VENV_BIN = ROOT / ".venv" / "bin"
DB_NAME = "openrdv_bench"
DATABASE_URL = f"postgres://openrdv@127.0.0.1:5432/{DB_NAME}"
TZ_NAME = "Europe/Paris"
PARIS = ZoneInfo(TZ_NAME)

# The clinic's booking policy in every data set: 2 h notice, two years ahead, no buffer.
MINIMUM_NOTICE = timedelta(minutes=120)
BOOKING_HORIZON = timedelta(days=730)

# The slot data set: one practitioner, 28 days around a daylight-saving change.
DAYS = 28
DURATION = timedelta(minutes=10)
WORKDAYS = range(6)  # Monday..Saturday
DAY_RANGES = ((time(7), time(13)), (time(13, 30), time(21)))  # a lunch break
APPOINTMENTS = 1000
ABSENCES = 50
SEED = 20270328


# ---------------------------------------------------------------- figures


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an already sorted, non-empty list."""
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def summary_ms(durations_ns: list[int]) -> dict[str, float]:
    values = sorted(d / 1e6 for d in durations_ns)
    return {
        "n": len(values),
        "mean": sum(values) / len(values),
        "p50": percentile(values, 50),
        "p95": percentile(values, 95),
        "p99": percentile(values, 99),
        "max": values[-1],
    }


def format_summary(figures: dict[str, float]) -> str:
    return (
        f"n={figures['n']}  p50={figures['p50']:.2f} ms  p95={figures['p95']:.2f} ms  "
        f"p99={figures['p99']:.2f} ms  max={figures['max']:.2f} ms  mean={figures['mean']:.2f} ms"
    )


# ---------------------------------------------------------------- data set


def dst_change_after(day: date, tz: ZoneInfo = PARIS) -> date:
    """The first local day on or after `day` whose UTC offset changes (a DST switch)."""
    for _ in range(400):
        if (
            datetime.combine(day, time(0), tz).utcoffset()
            != datetime.combine(day + timedelta(days=1), time(0), tz).utcoffset()
        ):
            return day
        day += timedelta(days=1)
    raise RuntimeError(f"No daylight-saving change in {tz} within 400 days.")


@dataclass(frozen=True)
class AgendaPlan:
    """One practitioner's 28 days: weekly ranges, booked slots, absences, and the answer."""

    day_from: date
    day_to: date
    dst_day: date
    closed_days: frozenset[date]
    weekly: tuple[tuple[int, time, time], ...]
    appointments: tuple[tuple[datetime, datetime], ...]  # UTC
    absences: tuple[tuple[datetime, datetime], ...]  # UTC
    expected_starts: tuple[datetime, ...]  # UTC, sorted: the free slots the engine must return


def add_plan_argument(parser) -> None:
    parser.add_argument(
        "--dst-after",
        type=date.fromisoformat,
        default=None,
        metavar="YYYY-MM-DD",
        help="use the first DST change on or after this day (default: 14 days from today), "
        "e.g. 2027-10-01 for an autumn change",
    )


def agenda_plan(dst_after: date | None = None) -> AgendaPlan:
    """The 28 days from the Monday 13 days or so before the first DST change on or after `dst_after`.

    Every appointment and absence sits on the 10-minute grid of the working ranges, so
    the free slots are exactly the grid slots left over: a full check of the answer.
    """
    from clinic_instance.public_holidays import public_holidays

    today = datetime.now(UTC).astimezone(PARIS).date()
    dst_day = dst_change_after(dst_after or today + timedelta(days=14))
    day_from = dst_day - timedelta(days=13)
    day_from -= timedelta(days=day_from.weekday())  # a Monday
    day_to = day_from + timedelta(days=DAYS - 1)
    if not today + timedelta(days=1) < day_from or not day_to < today + BOOKING_HORIZON - timedelta(days=2):
        raise SystemExit(f"The range {day_from}..{day_to} must lie between tomorrow and the booking horizon.")
    closed = public_holidays(day_from, day_to)
    weekly = tuple((weekday, start, end) for weekday in WORKDAYS for start, end in DAY_RANGES)

    grid: list[datetime] = []  # UTC starts, and where each working range ends
    run_ends: list[int] = []
    day = day_from
    while day <= day_to:
        if day.weekday() in WORKDAYS and day not in closed:
            for start, end in DAY_RANGES:
                moment = datetime.combine(day, start, PARIS).astimezone(UTC)
                stop = datetime.combine(day, end, PARIS).astimezone(UTC)
                while moment + DURATION <= stop:
                    grid.append(moment)
                    moment += DURATION
                run_ends.append(len(grid))
        day += timedelta(days=1)

    rng = random.Random(SEED)
    booked = set(rng.sample(range(len(grid)), APPOINTMENTS))
    absent: set[int] = set()
    absences = []
    candidates = [i for i in range(len(grid)) if i not in booked]
    rng.shuffle(candidates)
    for first in candidates:
        if len(absences) == ABSENCES:
            break
        if first in absent:
            continue
        last = first
        length = rng.randint(1, 3)
        while (
            last - first + 1 < length
            and last + 1 not in run_ends
            and last + 1 < len(grid)
            and last + 1 not in booked
            and last + 1 not in absent
        ):
            last += 1
        absent.update(range(first, last + 1))
        absences.append((grid[first], grid[last] + DURATION))
    if len(absences) != ABSENCES:
        raise RuntimeError("Not enough free time for the absences.")
    return AgendaPlan(
        day_from=day_from,
        day_to=day_to,
        dst_day=dst_day,
        closed_days=closed,
        weekly=weekly,
        appointments=tuple(sorted((grid[i], grid[i] + DURATION) for i in booked)),
        absences=tuple(sorted(absences)),
        expected_starts=tuple(grid[i] for i in range(len(grid)) if i not in booked and i not in absent),
    )


def describe_plan(plan: AgendaPlan) -> str:
    return (
        f"days {plan.day_from}..{plan.day_to} ({TZ_NAME}, DST change on {plan.dst_day}; "
        f"public holidays: {', '.join(map(str, sorted(plan.closed_days))) or 'none'}), "
        f"{len(plan.weekly)} weekly ranges, {len(plan.appointments)} appointments, "
        f"{len(plan.absences)} absences, {len(plan.expected_starts)} free 10-minute slots expected"
    )


# ---------------------------------------------------------------- database and Django


BENCH_REDIS_URL = "redis://127.0.0.1:6379/12"


def bench_env(*, database_url: str = DATABASE_URL, debug: bool = True, **extra: str) -> dict[str, str]:
    """The environment of a bench's child processes: the clinic role on `database_url`, plus `extra`.

    With debug=False (production's code paths) a random SECRET_KEY is set, and the shared cache
    that production requires (deploy check openrdv.E002) is Redis database 12, which no test uses.
    Phone codes are off, as in the demo: the benches measure booking, not the SMS code step.
    """
    env = dict(os.environ)
    for name in ("DJANGO_SETTINGS_MODULE", "OPENRDV_ROLE", "REDIS_URL", "SECRET_KEY_FILE", "DATABASE_URL_FILE"):
        env.pop(name, None)
    env.update(
        {
            "DEBUG": "true" if debug else "false",
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "config.settings.clinic",
            "TIME_ZONE": TZ_NAME,
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
            "PHONE_VERIFICATION": "false",
            **({} if debug else {"SECRET_KEY": secrets.token_urlsafe(48), "REDIS_URL": BENCH_REDIS_URL}),
            **extra,
        }
    )
    return env


def cpu_seconds(pids: list[int]) -> float:
    """User plus system CPU time the processes `pids` used so far (those gone count 0).

    Per-request CPU is steadier than throughput on a shared machine, whose neighbours take wall time.
    """
    total = 0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of proc(5))
    return total / os.sysconf("SC_CLK_TCK")


def database_backend_pids(database: str = DB_NAME) -> list[int]:
    """The PostgreSQL server processes serving connections to `database` now."""
    import psycopg

    with psycopg.connect(f"postgres://openrdv@127.0.0.1:5432/{database}", autocommit=True) as connection:
        rows = connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [database]
        ).fetchall()
    return [pid for (pid,) in rows]


def clear_bench_redis() -> None:
    """Empty the benches' Redis database (BENCH_REDIS_URL): the wake-ups and cache entries a run left."""
    import redis

    client = redis.Redis.from_url(BENCH_REDIS_URL)
    try:
        client.flushdb()
    finally:
        client.close()


def _psql(sql: str) -> None:
    subprocess.run(
        ["psql", "-v", "ON_ERROR_STOP=1", "-q", "-h", "127.0.0.1", "-U", "openrdv", "-d", "postgres", "-c", sql],
        check=True,
        timeout=120,
    )


def recreate_database(name: str, env: dict[str, str]) -> None:
    """Drop and recreate the database `name` (a bench's own), then migrate it with `env`."""
    print(f"Recreating database {name} and migrating…", flush=True)
    _psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    _psql(f"CREATE DATABASE {name}")
    migrate(env)


def reset_database() -> None:
    """Drop and recreate openrdv_bench, then migrate it."""
    recreate_database(DB_NAME, bench_env())


def migrate(env: dict[str, str], timeout: float = 300) -> None:
    """`manage.py migrate` in a child process with exactly this environment."""
    subprocess.run(
        [str(VENV_BIN / "python"), "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=timeout,
    )


def p95_verdict(figures: dict, *, target_ms: float, minimum_n: int, unit: str) -> int:
    """Print the verdict on a latency summary and return the exit code (0 when met)."""
    if figures["n"] < minimum_n:
        print(f"FAIL: only {figures['n']} {unit} within the time budget", file=sys.stderr)
        return 1
    if figures["p95"] > target_ms:
        print(f"FAIL: p95 {figures['p95']:.2f} ms > target {target_ms:.0f} ms", file=sys.stderr)
        return 1
    print(f"OK: p95 {figures['p95']:.2f} ms <= target {target_ms:.0f} ms")
    return 0


def setup_django(env: dict[str, str] | None = None) -> None:
    """Set up Django in this process with exactly this environment (default: the clinic bench's)."""
    env = env or bench_env()
    for name in set(os.environ) - set(env):
        del os.environ[name]
    os.environ.update(env)
    import django

    django.setup()


def create_clinic():
    from clinic_instance.models import Clinic

    return Clinic.objects.create(
        pk=1,
        name="Cabinet du banc d'essai",
        minimum_notice_minutes=int(MINIMUM_NOTICE.total_seconds() // 60),
        booking_horizon_days=BOOKING_HORIZON.days,
        buffer_minutes=0,
        closed_on_public_holidays=True,
    )


# ---------------------------------------------------------------- HTTP


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def http_request(port: int, method: str, path: str, body: object = None, timeout: float = 30.0):
    """One request on a fresh connection: (status, parsed JSON or raw bytes, headers)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"Accept": "application/json", "Connection": "close"}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        connection.request(method, path, body=payload, headers=headers)
        response = connection.getresponse()
        raw = response.read()
        try:
            content = json.loads(raw) if raw else None
        except ValueError:
            content = raw
        return response.status, content, dict(response.getheaders())
    finally:
        connection.close()


def _interrupt(signum, _frame) -> None:
    raise KeyboardInterrupt(f"signal {signal.Signals(signum).name}")


def interrupt_on_signals() -> None:
    """Turn SIGTERM, SIGHUP and SIGINT (even if inherited as ignored) into KeyboardInterrupt,
    so that `finally` blocks and context managers still stop gunicorn."""
    for number in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(number, _interrupt)


class Gunicorn:
    """gunicorn serving config.wsgi on 127.0.0.1 with --preload as in production, started and stopped by this process only."""

    def __init__(
        self,
        workers: int,
        threads: int = 1,
        port: int | None = None,
        env: dict[str, str] | None = None,
        probe_path: str = "/api/v1/practitioners/",
    ):
        self.workers = workers
        self.threads = threads
        self.port = port or free_port()
        self.env = env  # default: bench_env(), the clinic role on openrdv_bench
        self.probe_path = probe_path  # answered 200 once the workers are up
        handle, name = tempfile.mkstemp(prefix="openrdv-bench-gunicorn-", suffix=".log")
        os.close(handle)
        self.log_path = Path(name)
        self.process: subprocess.Popen | None = None

    @property
    def description(self) -> str:
        kind = f"gthread, {self.threads} threads each" if self.threads > 1 else "sync"
        return f"gunicorn {self.workers} workers ({kind}) on 127.0.0.1:{self.port}"

    def __enter__(self) -> "Gunicorn":
        interrupt_on_signals()
        command = [
            str(VENV_BIN / "gunicorn"),
            "config.wsgi",
            "--preload",  # as deploy/systemd/openrdv-web@.service: the views load once, before the fork
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "--timeout",
            "60",
            "--graceful-timeout",
            "5",
            "--backlog",
            "512",
            "--log-level",
            "warning",
        ]
        if self.threads > 1:
            command += ["--worker-class", "gthread", "--threads", str(self.threads)]
        log = self.log_path.open("wb")
        try:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=self.env or bench_env(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        finally:
            log.close()
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        print(f"Started {self.description} (log: {self.log_path})", flush=True)
        return self

    def _wait_ready(self, seconds: float = 30.0) -> None:
        deadline = clock.monotonic() + seconds
        while clock.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                status, _content, _headers = http_request(self.port, "GET", self.probe_path, timeout=5)
            except OSError:
                clock.sleep(0.2)
                continue
            if status == 200:
                return
            raise RuntimeError(f"gunicorn answered {status} to the readiness probe:\n{self.log_tail()}")
        raise RuntimeError(f"gunicorn not ready after {seconds:.0f} s:\n{self.log_tail()}")

    def worker_pids(self) -> list[int]:
        """The pids of gunicorn's workers (the master's children)."""
        assert self.process is not None
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text()
        return [int(pid) for pid in children.split()]

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)  # graceful: the master stops its workers
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)  # the session this script created for it
                process.wait(timeout=5)
        if self.log_path.exists() and self.log_path.stat().st_size == 0:
            self.log_path.unlink()  # nothing was logged at WARNING or above
        elif self.log_path.exists():
            print(f"gunicorn logged warnings or errors: see {self.log_path}", file=sys.stderr)

    def __exit__(self, *exc_info) -> None:
        self.stop()


def add_server_arguments(parser, workers: int, threads: int) -> None:
    parser.add_argument("--workers", type=int, default=workers, help=f"gunicorn workers (default {workers})")
    parser.add_argument(
        "--threads", type=int, default=threads, help=f"threads per worker; >1 means gthread (default {threads})"
    )
