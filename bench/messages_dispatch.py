"""The outbox dispatcher: how fast one worker sends, and a large outbox drained by two workers once.

    .venv/bin/python bench/messages_dispatch.py [--throughput 20000] [--drain 100000] [--batch 100]

Drops and recreates the PostgreSQL database `openrdv_bench_messages`, migrates it with
DEBUG off, and sends to the file SMS backend in a temporary folder (no quiet hours, so the
run does not depend on the hour).
(a) `--throughput` due SMS, sent by `dispatch_due` in this process: messages per second.
    Target: >= 200/s.
(b) `--drain` due reminders, one per appointment (each checked against its appointment
    before sending), drained by two `manage.py send_messages` processes at once: the file
    must hold exactly one line per message id, none missing, none twice.
Exits 1 if a target is missed or a message is missing or duplicated.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time as clock
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from _common import (  # (puts the project on sys.path)
    ROOT,
    VENV_BIN,
    bench_env,
    recreate_database,
    setup_django,
)

DB_NAME = "openrdv_bench_messages"
DATABASE_URL = f"postgres://openrdv@127.0.0.1:5432/{DB_NAME}"
TARGET_PER_SECOND = 200
PRACTITIONERS = 100


def messages_env(sms_dir: str) -> dict[str, str]:
    return bench_env(
        database_url=DATABASE_URL,
        debug=False,
        SMS_BACKEND="clinic_instance.sms.file.SmsBackend",
        SMS_FILE_PATH=sms_dir,
    )


def sent_lines(sms_dir: Path) -> list[str]:
    path = sms_dir / "messages.jsonl"
    return [json.loads(line)["reference"] for line in path.read_text().splitlines()] if path.exists() else []


def check_once(sms_dir: Path, ids: list[int]) -> str:
    """'' when the file holds exactly one line per message id; else what is wrong."""
    references = sent_lines(sms_dir)
    expected = {f"message-{pk}" for pk in ids}
    duplicates = len(references) - len(set(references))
    missing = len(expected - set(references))
    unexpected = len(set(references) - expected)
    if duplicates or missing or unexpected:
        return f"{len(references)} lines: {duplicates} duplicates, {missing} missing, {unexpected} unexpected"
    return ""


def queue_sms(count: int, now: datetime) -> list[int]:
    from clinic_instance.models import OutgoingMessage

    OutgoingMessage.objects.bulk_create(
        (
            OutgoingMessage(
                channel="sms",
                kind="confirmation",
                recipient=f"+336{10_000_000 + index:08d}",
                body="Cabinet du banc d'essai : rendez-vous confirmé lundi 8 mars à 9 h 00.",
                dedupe_key=f"throughput-{index}",
                due_at=now,
            )
            for index in range(count)
        ),
        batch_size=5000,
    )
    return list(OutgoingMessage.objects.filter(dedupe_key__startswith="throughput-").values_list("pk", flat=True))


def queue_reminders(count: int, now: datetime) -> list[int]:
    """`count` appointments over PRACTITIONERS agendas, 10 minutes apart, and a reminder due for each."""
    from clinic_instance.models import Appointment, OutgoingMessage, Patient, Practitioner, VisitReason

    reason = VisitReason.objects.create(name="Consultation", duration_minutes=10)
    practitioners = Practitioner.objects.bulk_create(
        Practitioner(first_name="Dr", last_name=f"Banc {index}", specialty="Généraliste")
        for index in range(PRACTITIONERS)
    )
    patients = Patient.objects.bulk_create(
        Patient(
            first_name="Paul",
            last_name=f"Petit {index}",
            birth_date=date(1980, 5, 17),
            phone=f"+336{20_000_000 + index:08d}",
        )
        for index in range(1000)
    )
    first = datetime.combine(now.date() + timedelta(days=30), time(8), UTC)
    appointments = Appointment.objects.bulk_create(
        (
            Appointment(
                practitioner=practitioners[index % PRACTITIONERS],
                visit_reason=reason,
                patient=patients[index % len(patients)],
                start=first + timedelta(minutes=10 * (index // PRACTITIONERS)),
                end=first + timedelta(minutes=10 * (index // PRACTITIONERS) + 10),
            )
            for index in range(count)
        ),
        batch_size=5000,
    )
    OutgoingMessage.objects.bulk_create(
        (
            OutgoingMessage(
                channel="sms",
                kind="reminder",
                appointment=appointment,
                patient_id=appointment.patient_id,
                recipient=patients[index % len(patients)].phone,
                appointment_start=appointment.start,
                body="Rappel : rendez-vous demain à 9 h 00 au Cabinet du banc d'essai.",
                dedupe_key=f"reminder-{appointment.pk}",
                due_at=now,
            )
            for index, appointment in enumerate(appointments)
        ),
        batch_size=5000,
    )
    return list(OutgoingMessage.objects.filter(kind="reminder").values_list("pk", flat=True))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--throughput", type=int, default=20_000, help="SMS sent by one worker (default 20000)")
    parser.add_argument("--drain", type=int, default=100_000, help="reminders drained by two workers (default 100000)")
    parser.add_argument("--batch", type=int, default=100, help="messages claimed at a time (default 100)")
    args = parser.parse_args()
    throughput, drain = max(100, min(args.throughput, 200_000)), max(100, min(args.drain, 500_000))

    with tempfile.TemporaryDirectory(prefix="openrdv-bench-sms-") as temporary:
        first_dir, second_dir = Path(temporary) / "throughput", Path(temporary) / "drain"
        env = messages_env(str(first_dir))
        recreate_database(DB_NAME, env)
        setup_django(env)
        from django.utils import timezone

        from clinic_instance.dispatch import dispatch_due
        from clinic_instance.models import Clinic, OutgoingMessage

        Clinic.objects.create(pk=1, name="Cabinet du banc d'essai", quiet_hours_start=time(0), quiet_hours_end=time(0))
        print(f"Load average before the run: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores", flush=True)
        failed = False

        ids = queue_sms(throughput, timezone.now())
        started = clock.perf_counter()
        sent = dispatch_due("bench", limit=args.batch)
        elapsed = clock.perf_counter() - started
        rate = sent / elapsed
        problem = check_once(first_dir, ids) or ("" if sent == throughput else f"{sent} sent of {throughput}")
        print(f"(a) one worker: {sent} SMS in {elapsed:.1f} s = {rate:.0f} messages/s (batch {args.batch})")
        if problem:
            print(f"FAIL: (a) {problem}", file=sys.stderr)
        failed |= bool(problem) or rate < TARGET_PER_SECOND
        print(f"{'OK' if rate >= TARGET_PER_SECOND else 'FAIL'}: target >= {TARGET_PER_SECOND} messages/s")
        OutgoingMessage.objects.all().delete()

        print(f"(b) queuing {drain} reminders…", flush=True)
        ids = queue_reminders(drain, timezone.now())
        command = [str(VENV_BIN / "python"), "manage.py", "send_messages", "--batch", str(args.batch)]
        worker_env = {**env, "SMS_FILE_PATH": str(second_dir)}
        started = clock.perf_counter()
        workers = [
            subprocess.Popen(command, cwd=ROOT, env=worker_env, stdout=subprocess.PIPE, text=True) for _ in range(2)
        ]
        counts = [int(worker.communicate(timeout=3600)[0].split()[0]) for worker in workers]
        elapsed = clock.perf_counter() - started
        problem = check_once(second_dir, ids)
        left = OutgoingMessage.objects.exclude(status="sent").count()
        print(
            f"(b) two workers: {drain} reminders drained in {elapsed:.1f} s = {drain / elapsed:.0f} messages/s "
            f"(shares {counts[0]} + {counts[1]}); not sent: {left}"
        )
        if problem or left or sum(counts) != drain:
            print(f"FAIL: (b) {problem or f'{left} not sent'}", file=sys.stderr)
            failed = True
        else:
            print(f"OK: the file holds exactly one line per message ({drain}), none missing, none twice")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
