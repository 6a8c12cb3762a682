"""The clinic stack as the systemd units run it: its memory at rest and after bookings, and its start time.

    .venv/bin/python bench/stack_memory.py [--bookings 1000] [--clients 4] [--settle 10]

Runs exactly the ExecStart lines of deploy/systemd/openrdv-web@.service and openrdv-worker@.service
(with /opt/openrdv and /var/lib/openrdv replaced by this checkout and a temporary folder), DEBUG off,
on a freshly created PostgreSQL database `openrdv_bench_memory` and Redis database 12. E-mail goes
by SMTP to a server in this process; SMS through the real Twilio client to a local stand-in for
Twilio's API (tests/twilio_server.py): production's code paths, libraries and all. The clinic
has no quiet hours, so that SMS go whatever the hour of the run.

Figures:
- start: seconds from launching both units to the first answer of the public booking page,
  and to the worker's "ready" line;
- at rest: the sum of PSS (proportional set size: each shared page counted once over all the
  processes sharing it) over every process of both units (web, worker, scheduler), `--settle`
  seconds after both are ready;
- after: the same once `--bookings` bookings were made through the API and every message they
  queued (a confirmation SMS and e-mail each) was sent.
Targets: first answer <= 2 s, <= 250 MB at rest, <= 300 MB after 1,000 bookings. Exits 1 if one is missed.
"""

import argparse
import hashlib
import logging
import os
import random
import shlex
import signal
import subprocess
import sys
import tempfile
import threading
import time as clock
from collections import Counter
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from _common import (  # (puts the project on sys.path)
    PARIS,
    ROOT,
    VENV_BIN,
    bench_env,
    clear_bench_redis,
    free_port,
    http_request,
    interrupt_on_signals,
    recreate_database,
    setup_django,
)
from bookings_http import build_data_set, fetch_free_slots, outcome, patient

DB_NAME = "openrdv_bench_memory"
DATABASE_URL = f"postgres://openrdv@127.0.0.1:5432/{DB_NAME}"
UNITS = ROOT / "deploy" / "systemd"
TARGET_START_SECONDS = 2.0
TARGET_REST_MB = 250.0
TARGET_AFTER_MB = 300.0
TARGET_BOOKINGS = 1000
SEND_BUDGET_SECONDS = 300


def production_venv() -> Path:
    """A virtualenv with the runtime dependencies only, as deploy/install.sh makes (no test tools:
    some libraries import optional ones they find, e.g. DRF and pygments). Rebuilt when pyproject.toml changes."""
    venv = ROOT / "var" / "bench-production-venv"
    stamp = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    marker = venv / ".installed"
    if not marker.exists() or marker.read_text().strip() != stamp:
        print(f"Making {venv} (runtime dependencies only)…", flush=True)
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True, timeout=120)
        subprocess.run(
            [
                str(VENV_BIN / "uv"),
                "pip",
                "install",
                "--quiet",
                "--compile-bytecode",
                "--python",
                str(venv / "bin" / "python"),
                "-r",
                str(ROOT / "pyproject.toml"),
            ],
            check=True,
            timeout=600,
        )
        marker.write_text(stamp)
    return venv / "bin"


def unit_command(unit: str, *, venv_bin: Path, port: int, state: Path) -> list[str]:
    """The ExecStart of deploy/systemd/`unit`, pointed at `venv_bin`, this checkout, `port` and `state`."""
    lines = [line for line in (UNITS / unit).read_text().splitlines() if line.startswith("ExecStart=")]
    if len(lines) != 1:
        raise RuntimeError(f"{unit}: expected one ExecStart line, found {len(lines)}")
    command = lines[0].removeprefix("ExecStart=")
    command = command.replace("/opt/openrdv/.venv/bin/", f"{venv_bin}/").replace("/var/lib/openrdv", str(state))
    command = command.replace("127.0.0.1:8001", f"127.0.0.1:{port}")
    return shlex.split(command)


def unit_environment(unit: str) -> dict[str, str]:
    """The unit's own Environment= lines (the rest comes from its EnvironmentFile, here bench_env)."""
    values = {}
    for line in (UNITS / unit).read_text().splitlines():
        if line.startswith("Environment="):
            name, _, value = line.removeprefix("Environment=").partition("=")
            values[name] = value
    return values


# ---------------------------------------------------------------- processes and memory


def descendants(pid: int) -> list[int]:
    """`pid` and every process below it (children of all its threads, recursively)."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        try:
            tasks = os.listdir(f"/proc/{current}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                children = Path(f"/proc/{current}/task/{task}/children").read_text().split()
            except OSError:
                continue
            pending.extend(int(child) for child in children)
    return found


def memory_kb(pid: int) -> dict[str, int] | None:
    """/proc/PID/smaps_rollup in kB (Pss, Pss_Anon: the heap, Pss_File: code and libraries, Rss…); None when gone."""
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return None
    fields = {}
    for line in rollup.splitlines()[1:]:
        name, _, rest = line.partition(":")
        fields[name] = int(rest.split()[0])
    return fields


def process_name(pid: int) -> str:
    try:
        words = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return "?"
    return " ".join(word.decode(errors="replace") for word in words if word)[:90]


def stack_memory(roots: dict[str, int]) -> tuple[float, float]:
    """Print each process of each unit with its PSS and RSS; return the sums (PSS, RSS) in MB."""
    total_pss = total_rss = 0
    for unit, root in roots.items():
        for pid in descendants(root):
            measured = memory_kb(pid)
            if measured is None:
                continue
            pss, rss = measured["Pss"], measured["Rss"]
            total_pss, total_rss = total_pss + pss, total_rss + rss
            print(
                f"  {unit:7} {pid:>7}  PSS {pss / 1024:6.1f} MB (heap {measured['Pss_Anon'] / 1024:5.1f},"
                f" files {measured['Pss_File'] / 1024:5.1f})  RSS {rss / 1024:6.1f} MB  {process_name(pid)[-60:]}"
            )
    print(f"  sum: PSS {total_pss / 1024:.1f} MB, RSS {total_rss / 1024:.1f} MB")
    return total_pss / 1024, total_rss / 1024


# ---------------------------------------------------------------- the stack


class Stack:
    """The two units' processes, started together in their own sessions and stopped by TERM."""

    def __init__(self, env: dict[str, str], state: Path, venv_bin: Path):
        self.env = env
        self.venv_bin = venv_bin
        self.state = state
        self.port = free_port()
        self.processes: dict[str, subprocess.Popen] = {}
        self.logs: dict[str, Path] = {}

    def start(self) -> float:
        interrupt_on_signals()
        started = clock.perf_counter()
        for name, unit in (("web", "openrdv-web@.service"), ("worker", "openrdv-worker@.service")):
            env = {**self.env, **unit_environment(unit)}
            env["PROMETHEUS_MULTIPROC_DIR"] = str(self.state / "metrics")
            log_path = self.state / f"{name}.log"
            self.logs[name] = log_path
            with log_path.open("wb") as log:
                self.processes[name] = subprocess.Popen(
                    unit_command(unit, venv_bin=self.venv_bin, port=self.port, state=self.state),
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
        return started

    def pids(self) -> dict[str, int]:
        return {name: process.pid for name, process in self.processes.items()}

    def check_running(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise RuntimeError(f"the {name} unit exited with {process.returncode}:\n{self.log_tail(name)}")

    def log_tail(self, name: str, lines: int = 30) -> str:
        try:
            return "\n".join(self.logs[name].read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)


def wait_first_answer(stack: Stack, started: float, budget: float = 60.0) -> float:
    """Seconds from `started` to the booking page's first 200 (after its language redirect)."""
    deadline = started + budget
    while clock.perf_counter() < deadline:
        stack.check_running()
        try:
            status, _content, headers = http_request(stack.port, "GET", "/", timeout=10)
            if status in (301, 302) and headers.get("Location", "").startswith("/"):
                status, _content, _headers = http_request(stack.port, "GET", headers["Location"], timeout=10)
        except OSError:
            clock.sleep(0.02)
            continue
        if status == 200:
            return clock.perf_counter() - started
        raise RuntimeError(f"the booking page answered {status}:\n{stack.log_tail('web')}")
    raise RuntimeError(f"no answer within {budget:.0f} s:\n{stack.log_tail('web')}")


def wait_worker_ready(stack: Stack, started: float, budget: float = 60.0) -> float:
    """Seconds from `started` to Celery's "ready." line in the worker's log."""
    deadline = started + budget
    while clock.perf_counter() < deadline:
        stack.check_running()
        if " ready." in stack.logs["worker"].read_text(errors="replace"):
            return clock.perf_counter() - started
        clock.sleep(0.05)
    raise RuntimeError(f"the worker was not ready within {budget:.0f} s:\n{stack.log_tail('worker')}")


# ---------------------------------------------------------------- load


def book(port: int, practitioner_ids: list[int], reason_id: int, count: int, clients: int) -> Counter[str]:
    """`count` bookings of distinct free slots by `clients` threads, each patient with their own phone."""
    first = datetime.now(UTC).astimezone(PARIS).date() + timedelta(days=2)
    slots = []
    for practitioner_id in practitioner_ids:
        if len(slots) >= count:
            break
        for start in fetch_free_slots(port, practitioner_id, reason_id, first, first + timedelta(days=6)):
            slots.append((practitioner_id, start))
    if len(slots) < count:
        raise RuntimeError(f"only {len(slots)} free slots for {count} bookings")
    random.Random(11).shuffle(slots)
    slots = slots[:count]
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()
    position = iter(range(count))

    def client() -> None:
        while True:
            with lock:
                index = next(position, None)
            if index is None:
                return
            practitioner_id, start = slots[index]
            body = {
                "practitioner": practitioner_id,
                "visit_reason": reason_id,
                "start": start,
                "patient": patient(index),
            }
            try:
                status, content, _headers = http_request(port, "POST", "/api/v1/appointments/", body)
                result = outcome(status, content)
            except OSError as error:
                result = f"error {type(error).__name__}"
            with lock:
                outcomes[result] += 1

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    return outcomes


def message_counts() -> Counter[str]:
    """Messages that are due, by status (reminders due later are left out)."""
    from django.db.models import Count
    from django.utils import timezone

    from clinic_instance.models import OutgoingMessage

    rows = OutgoingMessage.objects.filter(due_at__lte=timezone.now()).values("status").annotate(n=Count("id"))
    return Counter({row["status"]: row["n"] for row in rows})


def wait_sent(stack: Stack, budget: float) -> tuple[Counter[str], float]:
    """Wait until no due message is waiting or being sent; the final counts and the seconds it took."""
    started = clock.perf_counter()
    while True:
        stack.check_running()
        counts = message_counts()
        if not counts.keys() & {"pending", "claimed", "sending"}:
            return counts, clock.perf_counter() - started
        if clock.perf_counter() - started > budget:
            return counts, clock.perf_counter() - started
        clock.sleep(0.5)


# ---------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--bookings", type=int, default=TARGET_BOOKINGS, help="bookings made (default 1000)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent booking clients (default 4)")
    parser.add_argument("--settle", type=float, default=10.0, help="seconds at rest before measuring (default 10)")
    args = parser.parse_args()
    bookings = max(1, min(args.bookings, 20_000))

    from aiosmtpd.controller import Controller

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's line per SMTP command

    from tests.twilio_server import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, TwilioServer

    class CountingHandler:
        received = 0

        async def handle_DATA(self, server, session, envelope):  # (aiosmtpd's hook name)
            CountingHandler.received += 1
            return "250 OK"

    smtp_port = free_port()
    smtp = Controller(CountingHandler(), hostname="127.0.0.1", port=smtp_port)
    twilio = TwilioServer()
    smtp.start()
    twilio.start()
    state = Path(tempfile.mkdtemp(prefix="openrdv-bench-stack-"))
    (state / "metrics").mkdir()
    env = bench_env(
        database_url=DATABASE_URL,
        debug=False,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp_port),
        SMS_BACKEND="clinic_instance.sms.twilio.SmsBackend",
        TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        TWILIO_FROM_NUMBER=FROM_NUMBER,
        TWILIO_API_BASE_URL=twilio.base_url,
        LOG_LEVEL="INFO",
        STATIC_ROOT=str(state / "static"),
    )
    recreate_database(DB_NAME, env)
    subprocess.run(  # as install.sh does: the manifest the pages' {% static %} reads
        [str(VENV_BIN / "python"), "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
    )
    setup_django(env)
    practitioner_ids, _contested, reason_id = build_data_set(0)
    from django.db import connection

    from clinic_instance.models import Clinic

    Clinic.objects.filter(pk=1).update(quiet_hours_start=time(0), quiet_hours_end=time(0))  # any hour of the run

    connection.close()
    clear_bench_redis()

    ok = True
    stack = Stack(env, state, production_venv())
    try:
        started = stack.start()
        first_answer = wait_first_answer(stack, started)
        worker_ready = wait_worker_ready(stack, started)
        print(
            f"\nStart: first answer of the booking page after {first_answer:.2f} s, worker ready after {worker_ready:.2f} s"
        )
        clock.sleep(max(0.0, args.settle))
        print(f"\nAt rest ({args.settle:.0f} s after start):")
        rest_pss, _rest_rss = stack_memory(stack.pids())

        print(f"\nBooking {bookings} appointments with {args.clients} clients…", flush=True)
        booked_at = clock.perf_counter()
        outcomes = book(stack.port, practitioner_ids, reason_id, bookings, max(1, args.clients))
        print(f"Bookings: {dict(outcomes)} in {clock.perf_counter() - booked_at:.1f} s")
        counts, waited = wait_sent(stack, SEND_BUDGET_SECONDS)
        print(
            f"Messages due: {dict(counts)}; {waited:.1f} s after the last booking. "
            f"Received: {CountingHandler.received} e-mails by SMTP, {len(twilio.created)} SMS by the Twilio stand-in"
        )
        clock.sleep(max(0.0, args.settle))
        print(f"\nAfter {bookings} bookings and their messages ({args.settle:.0f} s later):")
        after_pss, _after_rss = stack_memory(stack.pids())

        if outcomes != Counter({"201": bookings}):
            print("FAIL: not every booking of a distinct free slot was answered 201", file=sys.stderr)
            ok = False
        if counts.keys() - {"sent"} or counts["sent"] != 2 * bookings:
            print(f"FAIL: expected {2 * bookings} messages sent, have {dict(counts)}", file=sys.stderr)
            ok = False
        if CountingHandler.received != bookings or len(twilio.created) != bookings:
            print("FAIL: the SMTP server and the Twilio stand-in did not each receive one message per booking")
            ok = False
        for label, value, target, unit in (
            ("first answer", first_answer, TARGET_START_SECONDS, "s"),
            ("PSS at rest", rest_pss, TARGET_REST_MB, "MB"),
            (f"PSS after {bookings} bookings", after_pss, TARGET_AFTER_MB, "MB"),
        ):
            met = value <= target
            ok = ok and met
            print(f"{'OK' if met else 'FAIL'}: {label} {value:.1f} {unit} (target <= {target:.0f} {unit})")
    finally:
        stack.stop()
        smtp.stop()
        twilio.stop()
        clear_bench_redis()
    for name in stack.logs:
        text = stack.logs[name].read_text(errors="replace")
        if "Traceback" in text or " ERROR" in text:
            print(f"The {name} unit logged errors: see {stack.logs[name]}", file=sys.stderr)
            ok = False
    print("\nOK: every target met" if ok else "\nFAIL: see above", file=sys.stdout if ok else sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
