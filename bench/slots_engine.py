"""The pure slot engine on one practitioner's 28 days: 1,000 appointments, 50 absences, a DST change.

    .venv/bin/python bench/slots_engine.py [--runs 1000] [--dst-after YYYY-MM-DD]

Target: p95 <= 10 ms per call (wall time; CPU time is printed too, to tell a busy machine apart). Exits 1 if the target is missed or the answer is wrong.
"""

import argparse
import os
import sys
import time as clock
from datetime import UTC, datetime

from _common import (
    BOOKING_HORIZON,
    DURATION,
    MINIMUM_NOTICE,
    PARIS,
    add_plan_argument,
    agenda_plan,
    describe_plan,
    format_summary,
    p95_verdict,
    summary_ms,
)

TARGET_P95_MS = 10.0
WARM_UP_RUNS = 20


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=1000, help="measured calls (at least 500; default 1000)")
    add_plan_argument(parser)
    args = parser.parse_args()
    runs = max(500, min(args.runs, 100_000))

    from clinic_instance.slots import Interval, Policy, WorkingRange, free_slots

    now = datetime.now(UTC)
    plan = agenda_plan(args.dst_after)
    print(f"Data set: {describe_plan(plan)}")
    arguments = {
        "day_from": plan.day_from,
        "day_to": plan.day_to,
        "duration": DURATION,
        "visit_reason_id": 1,
        "tz": PARIS,
        "now": now,
        "policy": Policy(MINIMUM_NOTICE, BOOKING_HORIZON),
        "weekly_ranges": [WorkingRange(weekday, start, end) for weekday, start, end in plan.weekly],
        "absences": [Interval(start, end) for start, end in plan.absences],
        "busy": [Interval(start, end) for start, end in plan.appointments],
        "closed_days": plan.closed_days,
    }

    slots = free_slots(**arguments)
    starts = [slot.start for slot in slots]
    if starts != list(plan.expected_starts) or any(slot.end - slot.start != DURATION for slot in slots):
        print(f"FAIL: wrong answer: {len(slots)} slots, {len(plan.expected_starts)} expected", file=sys.stderr)
        return 1
    print(f"Answer checked: {len(slots)} free slots, each one expected, none missing.")

    for _ in range(WARM_UP_RUNS):
        free_slots(**arguments)
    print(f"Load average before the run: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    durations, cpu_times = [], []
    budget = clock.monotonic() + 120  # bounded in time as well as in count
    for _ in range(runs):
        started, cpu_started = clock.perf_counter_ns(), clock.thread_time_ns()
        free_slots(**arguments)
        cpu_times.append(clock.thread_time_ns() - cpu_started)
        durations.append(clock.perf_counter_ns() - started)
        if clock.monotonic() > budget:
            break
    figures = summary_ms(durations)
    print(f"free_slots (28 days), wall time: {format_summary(figures)}")
    print(f"free_slots (28 days), CPU time:  {format_summary(summary_ms(cpu_times))}")
    return p95_verdict(figures, target_ms=TARGET_P95_MS, minimum_n=500, unit="runs")


if __name__ == "__main__":
    sys.exit(main())
