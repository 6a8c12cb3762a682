"""Editing weekly schedules and visit reasons from the workspace (schedule_editing.py and its pages)."""

from datetime import date, time

import pytest
from django.urls import reverse

from clinic_instance.availability import available_slots
from clinic_instance.models import AuditEntry, VisitReason, WeeklyRange
from clinic_instance.schedule_editing import RangeRow, ScheduleError, find_overlaps, save_schedule
from clinic_instance.workspace.schedule_forms import WeeklyRangeFormSet
from tests.factories import make_appointment, make_reason, paris
from tests.workspace import sign_in, staff_user

SATURDAY = date(2027, 3, 6)
MONDAY = date(2027, 3, 8)


@pytest.fixture
def sarah(alice):
    """Alice's secretary."""
    return staff_user("sarah", "secretary", agendas=[alice])


@pytest.fixture
def english(client, now):
    """An English-speaking browser; time is frozen first, so the session is not idle at once."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def client_of_sarah(english, sarah):
    sign_in(english, sarah)
    return english


def schedule_url(practitioner) -> str:
    return reverse("workspace:practitioner-schedule", args=[practitioner.pk])


def schedule_post(practitioner, new=(), changes=None, delete=()) -> dict:
    """The schedule form as the page sends it: every saved range (changed as asked), then `new` rows."""
    prefix = WeeklyRangeFormSet(instance=practitioner, form_kwargs={"practitioner": practitioner}).prefix
    saved = list(practitioner.weekly_ranges.order_by("weekday", "start_time"))
    rows = []
    for weekly_range in saved:
        row = {
            "id": weekly_range.pk,
            "weekday": weekly_range.weekday,
            "start_time": f"{weekly_range.start_time:%H:%M}",
            "end_time": f"{weekly_range.end_time:%H:%M}",
            "valid_from": "",
            "valid_until": "",
            "visit_reasons": [r.pk for r in weekly_range.visit_reasons.all()],
        }
        row.update((changes or {}).get(weekly_range.pk, {}))
        if weekly_range.pk in delete:
            row["DELETE"] = "on"
        rows.append(row)
    rows.extend({"id": "", "valid_from": "", "valid_until": "", **row} for row in new)
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(len(saved)),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"{prefix}-{index}-{key}"] = value
    return data


def slots_on(practitioner, reason, day, now):
    return available_slots(practitioner=practitioner, visit_reason=reason, day_from=day, day_to=day, now=now)


# --- The overlap rule ------------------------------------------------------------------


def test_ranges_overlap_only_on_the_same_weekday_with_shared_minutes_and_validity():
    morning = RangeRow(0, time(9), time(12))
    assert morning.overlaps(RangeRow(0, time(11), time(13)))
    assert not morning.overlaps(RangeRow(0, time(12), time(14)))  # back to back
    assert not morning.overlaps(RangeRow(1, time(9), time(12)))
    march = RangeRow(0, time(9), time(12), date(2027, 3, 1), date(2027, 3, 31))
    april = RangeRow(0, time(9), time(12), date(2027, 4, 1), None)
    assert not march.overlaps(april)
    assert march.overlaps(morning)  # open-ended validity meets every period
    assert find_overlaps([morning, april, RangeRow(0, time(14), time(18))]) == [(0, 1)]


# --- The schedule page -----------------------------------------------------------------


def test_adding_a_saturday_morning_opens_its_slots(client_of_sarah, alice, consultation, now):
    assert slots_on(alice, consultation, SATURDAY, now) == []
    response = client_of_sarah.post(
        schedule_url(alice), schedule_post(alice, new=[{"weekday": 5, "start_time": "09:00", "end_time": "12:00"}])
    )
    assert response.status_code == 302
    assert len(slots_on(alice, consultation, SATURDAY, now)) == 9
    entry = AuditEntry.objects.get(object_type="schedule")
    assert entry.action == "update" and entry.practitioner_id == alice.pk and "1 added" in entry.detail


def test_shortening_and_removing_ranges_closes_slots(client_of_sarah, alice, consultation, now):
    monday_morning, monday_afternoon = alice.weekly_ranges.filter(weekday=0).order_by("start_time")
    response = client_of_sarah.post(
        schedule_url(alice),
        schedule_post(alice, changes={monday_morning.pk: {"end_time": "10:00"}}, delete=[monday_afternoon.pk]),
    )
    assert response.status_code == 302
    assert len(slots_on(alice, consultation, MONDAY, now)) == 3
    assert not WeeklyRange.objects.filter(pk=monday_afternoon.pk).exists()


def test_a_range_can_accept_only_some_visit_reasons(client_of_sarah, alice, consultation, now):
    vaccine = make_reason(alice, "Vaccination", 10)
    response = client_of_sarah.post(
        schedule_url(alice),
        schedule_post(
            alice, new=[{"weekday": 5, "start_time": "09:00", "end_time": "10:00", "visit_reasons": [vaccine.pk]}]
        ),
    )
    assert response.status_code == 302
    assert len(slots_on(alice, vaccine, SATURDAY, now)) == 6
    assert slots_on(alice, consultation, SATURDAY, now) == []


def test_an_overlapping_range_is_refused_naming_the_rows_and_nothing_is_saved(client_of_sarah, alice, now):
    before = set(WeeklyRange.objects.values_list("pk", "weekday", "start_time", "end_time"))
    data = schedule_post(
        alice,
        new=[
            {"weekday": 5, "start_time": "09:00", "end_time": "12:00"},  # fine on its own
            {"weekday": 0, "start_time": "11:00", "end_time": "13:00"},  # overlaps Monday 09:00-12:00 (row 1)
        ],
    )
    response = client_of_sarah.post(schedule_url(alice), data)
    assert response.status_code == 400
    assert "Row 12 overlaps row 1 on the same weekday." in response.content.decode()
    assert set(WeeklyRange.objects.values_list("pk", "weekday", "start_time", "end_time")) == before
    assert not AuditEntry.objects.filter(object_type="schedule").exists()


def test_an_end_before_the_start_is_refused_on_the_end_field(client_of_sarah, alice):
    response = client_of_sarah.post(
        schedule_url(alice), schedule_post(alice, new=[{"weekday": 5, "start_time": "12:00", "end_time": "09:00"}])
    )
    assert response.status_code == 400
    form = response.context["formset"].forms[-1]
    assert "end_time" in form.errors
    assert not alice.weekly_ranges.filter(weekday=5).exists()


@pytest.mark.parametrize("value", ["25:00", "9h", "'; DROP TABLE x; --", "9" * 500])
def test_nonsense_times_are_refused_on_their_field(client_of_sarah, alice, value):
    response = client_of_sarah.post(
        schedule_url(alice), schedule_post(alice, new=[{"weekday": 5, "start_time": value, "end_time": "12:00"}])
    )
    assert response.status_code == 400
    assert "start_time" in response.context["formset"].forms[-1].errors


def test_an_unchanged_schedule_saves_nothing(client_of_sarah, alice):
    response = client_of_sarah.post(schedule_url(alice), schedule_post(alice), follow=True)
    assert "Nothing changed." in response.content.decode()
    assert not AuditEntry.objects.filter(object_type="schedule").exists()


def test_a_range_of_another_practitioner_cannot_be_edited_through_this_form(client_of_sarah, alice, bob):
    bobs_range = bob.weekly_ranges.first()
    data = schedule_post(alice)
    prefix = WeeklyRangeFormSet(instance=alice, form_kwargs={"practitioner": alice}).prefix
    data[f"{prefix}-0-id"] = bobs_range.pk
    data[f"{prefix}-0-start_time"] = "06:00"
    response = client_of_sarah.post(schedule_url(alice), data)
    assert response.status_code == 400
    bobs_range.refresh_from_db()
    assert bobs_range.start_time == time(9)


def test_a_visit_reason_of_another_practitioner_cannot_restrict_a_range(client_of_sarah, alice, bob):
    bobs_reason = make_reason(bob, "Dermatologie", 30)
    response = client_of_sarah.post(
        schedule_url(alice),
        schedule_post(
            alice, new=[{"weekday": 5, "start_time": "09:00", "end_time": "12:00", "visit_reasons": [bobs_reason.pk]}]
        ),
    )
    assert response.status_code == 400
    assert not alice.weekly_ranges.filter(weekday=5).exists()


def test_a_schedule_saved_meanwhile_by_someone_else_cannot_leave_an_overlap(alice, now):
    formset = WeeklyRangeFormSet(
        schedule_post(alice, new=[{"weekday": 5, "start_time": "09:00", "end_time": "12:00"}]),
        instance=alice,
        form_kwargs={"practitioner": alice},
    )
    assert formset.is_valid()
    WeeklyRange.objects.create(practitioner=alice, weekday=5, start_time=time(10), end_time=time(11))  # the other edit
    with pytest.raises(ScheduleError):
        save_schedule(practitioner=alice, formset=formset, request=None)
    assert list(alice.weekly_ranges.filter(weekday=5).values_list("start_time", flat=True)) == [time(10)]


# --- Visit reasons -----------------------------------------------------------------------


def reason_data(**overrides) -> dict:
    return {
        "name": "Suivi",
        "duration_minutes": "15",
        "online_bookable": "on",
        "patients": "known",
        "instructions": "",
        "is_active": "on",
        **overrides,
    }


def test_a_new_visit_reason_is_offered_by_the_practitioner(client_of_sarah, alice, now):
    response = client_of_sarah.post(reverse("workspace:practitioner-reasons", args=[alice.pk]), reason_data())
    assert response.status_code == 302
    reason = VisitReason.objects.get(name="Suivi")
    assert list(reason.practitioners.all()) == [alice]
    assert reason.duration_minutes == 15 and reason.patients == "known"
    assert AuditEntry.objects.filter(object_type="schedule", action="create", object_id=reason.pk).exists()


@pytest.mark.parametrize(
    ("field", "value"), [("duration_minutes", "3"), ("duration_minutes", "481"), ("name", ""), ("patients", "some")]
)
def test_a_bad_visit_reason_is_refused_on_its_field(client_of_sarah, alice, field, value):
    response = client_of_sarah.post(
        reverse("workspace:practitioner-reasons", args=[alice.pk]), reason_data(**{field: value})
    )
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not VisitReason.objects.exists()


def test_editing_a_visit_reason_changes_the_slots(client_of_sarah, alice, consultation, now):
    url = reverse("workspace:practitioner-reason", args=[alice.pk, consultation.pk])
    response = client_of_sarah.post(url, reason_data(name="Consultation", duration_minutes="30", patients="all"))
    assert response.status_code == 302
    consultation.refresh_from_db()
    assert consultation.duration_minutes == 30
    assert len(slots_on(alice, consultation, MONDAY, now)) == 6 + 8
    entry = AuditEntry.objects.get(object_type="schedule", action="update")
    assert "duration_minutes" in entry.detail and "30" not in entry.detail


def test_a_shared_visit_reason_says_so_and_only_someone_managing_all_its_practitioners_edits_it(
    english, alice, bob, consultation
):
    client = english
    consultation.practitioners.add(bob)
    url = reverse("workspace:practitioner-reason", args=[alice.pk, consultation.pk])
    anne = staff_user("anne", "admin")
    sign_in(client, anne)
    page = client.get(url).content.decode()
    assert "also used by another practitioner" in page and "Dr Bob Martin" in page
    assert "Your changes apply to them too." in page

    sign_in(client, staff_user("sarah", "secretary", agendas=[alice]))
    page = client.get(url).content.decode()
    assert "You do not manage all of them" in page
    response = client.post(url, reason_data(name="Renamed", duration_minutes="20", patients="all"))
    assert response.status_code == 403
    delete = client.post(reverse("workspace:practitioner-reason-delete", args=[alice.pk, consultation.pk]))
    assert delete.status_code == 403
    consultation.refresh_from_db()
    assert consultation.name == "Consultation"


def test_a_visit_reason_in_use_is_deactivated_not_deleted(client_of_sarah, alice, consultation, now):
    make_appointment(alice, consultation, paris(2027, 3, 2, 9, 0))
    response = client_of_sarah.post(
        reverse("workspace:practitioner-reason-delete", args=[alice.pk, consultation.pk]), follow=True
    )
    assert "deactivate it instead" in response.content.decode()
    assert VisitReason.objects.filter(pk=consultation.pk).exists()
    response = client_of_sarah.post(
        reverse("workspace:practitioner-reason", args=[alice.pk, consultation.pk]),
        reason_data(name="Consultation", duration_minutes="20", patients="all", is_active=""),
    )
    assert response.status_code == 302
    consultation.refresh_from_db()
    assert not consultation.is_active


def test_an_unused_visit_reason_can_be_deleted(client_of_sarah, alice):
    spare = make_reason(alice, "Spare", 10)
    response = client_of_sarah.post(reverse("workspace:practitioner-reason-delete", args=[alice.pk, spare.pk]))
    assert response.status_code == 302
    assert not VisitReason.objects.filter(pk=spare.pk).exists()
