"""Properties of the slot engine that must hold for any agenda (hypothesis)."""

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from clinic_instance.slots import Interval, Policy, WorkingRange, free_slots
from tests.factories import PARIS

FIRST_DAY = date(2027, 3, 22)  # the week of the spring-forward change
DAYS = 14  # ... and the week after
EPOCH = datetime.combine(FIRST_DAY, time(0), PARIS)

minutes_of_day = st.integers(min_value=0, max_value=24 * 60 - 5).map(lambda m: m - m % 5)


@st.composite
def working_ranges(draw):
    ranges = []
    for _ in range(draw(st.integers(1, 8))):
        start = draw(minutes_of_day)
        length = draw(st.integers(min_value=5, max_value=24 * 60 - start))
        end = min(start + length, 24 * 60 - 1)
        if end <= start:
            continue
        ranges.append(
            WorkingRange(
                weekday=draw(st.integers(0, 6)),
                start=time(start // 60, start % 60),
                end=time(end // 60, end % 60),
                visit_reason_ids=draw(st.sampled_from([frozenset(), frozenset({1}), frozenset({2})])),
            )
        )
    return ranges


@st.composite
def intervals(draw, max_minutes=8 * 60):
    start = EPOCH + timedelta(minutes=draw(st.integers(-600, DAYS * 24 * 60)))
    return Interval(start, start + timedelta(minutes=draw(st.integers(1, max_minutes))))


agendas = st.fixed_dictionaries(
    {
        "weekly_ranges": working_ranges(),
        "busy": st.lists(intervals(max_minutes=90), max_size=40),
        "absences": st.lists(intervals(max_minutes=3 * 24 * 60), max_size=4),
        "openings": st.lists(intervals(), max_size=3),
        "duration": st.sampled_from([10, 15, 20, 30, 45, 60, 90]).map(lambda m: timedelta(minutes=m)),
        "now": st.integers(-3 * 24 * 60, DAYS * 24 * 60).map(lambda m: EPOCH + timedelta(minutes=m)),
        "notice": st.integers(0, 48 * 60).map(lambda m: timedelta(minutes=m)),
        "buffer": st.sampled_from([0, 5, 10]).map(lambda m: timedelta(minutes=m)),
    }
)


def compute(agenda):
    return free_slots(
        day_from=FIRST_DAY,
        day_to=FIRST_DAY + timedelta(days=DAYS - 1),
        duration=agenda["duration"],
        visit_reason_id=1,
        tz=PARIS,
        now=agenda["now"],
        policy=Policy(agenda["notice"], timedelta(days=60), agenda["buffer"]),
        weekly_ranges=agenda["weekly_ranges"],
        openings=agenda["openings"],
        absences=agenda["absences"],
        busy=agenda["busy"],
    )


def overlaps(a: Interval, b: Interval) -> bool:
    return a.start < b.end and b.start < a.end


def inside_working_time(slot: Interval, agenda) -> bool:
    """Inside the union of the day's working ranges and the openings (touching ranges join)."""
    day = slot.start.astimezone(PARIS).date()
    # As instants: on the spring change a range starting in the skipped hour (02:10-03:00) is empty,
    # and compared as wall-clock times it would wrongly join the next one.
    weekly = [
        (datetime.combine(day, r.start, PARIS).astimezone(UTC), datetime.combine(day, r.end, PARIS).astimezone(UTC))
        for r in agenda["weekly_ranges"]
        if r.applies(day, 1)
    ]
    pieces = sorted(
        [(start, end) for start, end in weekly if start < end] + [(o.start, o.end) for o in agenda["openings"]]
    )
    joined: list[list[datetime]] = []
    for start, end in pieces:
        if joined and start <= joined[-1][1]:
            joined[-1][1] = max(joined[-1][1], end)
        else:
            joined.append([start, end])
    return any(start <= slot.start and slot.end <= end for start, end in joined)


@settings(max_examples=300, deadline=None)
@given(agendas)
def test_no_slot_overlaps_a_booking_or_its_buffer(agenda):
    for slot in compute(agenda):
        for appointment in agenda["busy"]:
            guarded = Interval(appointment.start - agenda["buffer"], appointment.end + agenda["buffer"])
            assert not overlaps(slot, guarded)


@settings(max_examples=300, deadline=None)
@given(agendas)
def test_no_slot_overlaps_an_absence(agenda):
    for slot in compute(agenda):
        assert not any(overlaps(slot, absence) for absence in agenda["absences"])


@settings(max_examples=300, deadline=None)
@given(agendas)
def test_every_slot_lies_inside_working_time(agenda):
    for slot in compute(agenda):
        assert inside_working_time(slot, agenda)


@settings(max_examples=300, deadline=None)
@given(agendas)
def test_no_slot_starts_before_the_minimum_notice(agenda):
    for slot in compute(agenda):
        assert slot.start >= agenda["now"] + agenda["notice"]


@settings(max_examples=300, deadline=None)
@given(agendas)
def test_slots_are_sorted_apart_of_the_right_length_and_never_repeat_a_wall_time(agenda):
    slots = compute(agenda)
    assert slots == sorted(slots)
    for earlier, later in pairwise(slots):
        assert earlier.end <= later.start
    assert all(slot.end - slot.start == agenda["duration"] for slot in slots)
    walls = [slot.start.astimezone(PARIS).replace(tzinfo=None) for slot in slots]
    assert len(walls) == len(set(walls))
    assert all(slot.start.tzinfo == UTC for slot in slots)
