"""Weekly schedules and visit reasons through the staff API, checked as the pages check them; attacks too."""

import json

import pytest
from django.test import Client

from clinic_instance.models import AuditEntry, VisitReason, WeeklyRange
from tests.factories import make_appointment, make_reason, paris
from tests.workspace import sign_in, staff_user

API = "/api/v1/staff/practitioners/"
INJECTION = "'; DROP TABLE clinic_instance_weeklyrange; -- <script>alert(1)</script>"


@pytest.fixture
def sarah(alice):
    """Alice's secretary, who does not manage Bob's agenda."""
    return staff_user("sarah", "secretary", agendas=[alice])


@pytest.fixture
def api(client, sarah, now):
    sign_in(client, sarah)
    return client


def send(client, method: str, path: str, body: object):
    return getattr(client, method)(API + path, json.dumps(body), content_type="application/json")


def monday(start: str = "08:00", end: str = "12:00", **fields) -> dict:
    return {"weekday": 0, "start_time": start, "end_time": end, **fields}


def week_of(practitioner) -> list[tuple]:
    return list(
        WeeklyRange.objects.filter(practitioner=practitioner)
        .order_by("weekday", "start_time")
        .values_list("weekday", "start_time", "end_time")
    )


def test_the_week_is_read_in_order(api, alice):
    ranges = api.get(f"{API}{alice.pk}/schedule/").json()["ranges"]
    assert len(ranges) == 10
    assert {key: ranges[0][key] for key in ("weekday", "start_time", "end_time", "visit_reasons", "valid_from")} == {
        "weekday": 0,
        "start_time": "09:00",
        "end_time": "12:00",
        "visit_reasons": [],
        "valid_from": None,
    }


def test_a_week_sent_back_unchanged_changes_nothing(api, alice):
    ranges = api.get(f"{API}{alice.pk}/schedule/").json()["ranges"]
    response = send(api, "put", f"{alice.pk}/schedule/", {"ranges": ranges})
    assert response.status_code == 200 and response.json()["ranges"] == ranges
    assert not AuditEntry.objects.exists()


def test_a_new_week_replaces_the_old_one_and_is_audited(api, alice, consultation):
    week = {"ranges": [monday(visit_reasons=[consultation.pk], valid_from="2027-03-01"), monday("14:00", "19:00")]}
    response = send(api, "put", f"{alice.pk}/schedule/", week)
    assert response.status_code == 200
    assert [(r["start_time"], r["visit_reasons"]) for r in response.json()["ranges"]] == [
        ("08:00", [consultation.pk]),
        ("14:00", []),
    ]
    assert [(day, f"{start:%H:%M}") for day, start, _end in week_of(alice)] == [(0, "08:00"), (0, "14:00")]
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.object_type, entry.practitioner_id) == ("update", "schedule", alice.pk)
    assert entry.detail == "weekly ranges: 0 added, 2 changed, 8 removed"


def test_an_empty_week_removes_every_range(api, alice):
    assert send(api, "put", f"{alice.pk}/schedule/", {"ranges": []}).json() == {"ranges": []}
    assert week_of(alice) == []


@pytest.mark.parametrize(
    ("ranges", "where"),
    [
        ([monday(), monday("11:00", "13:00")], (1, "start_time")),
        ([monday("12:00", "08:00")], (0, "end_time")),
        ([monday(valid_from="2027-05-01", valid_until="2027-04-01")], (0, "valid_until")),
    ],
)
def test_the_pages_rules_refuse_a_week_naming_the_range_and_field(api, alice, ranges, where):
    before = week_of(alice)
    response = send(api, "put", f"{alice.pk}/schedule/", {"ranges": ranges})
    assert response.status_code == 400
    index, field = where
    assert field in response.json()["ranges"][index]
    assert week_of(alice) == before and not AuditEntry.objects.exists()


def test_another_practitioners_visit_reason_is_refused(api, alice, bob):
    dermatology = make_reason(bob, "Dermatologie", 30)
    response = send(api, "put", f"{alice.pk}/schedule/", {"ranges": [monday(visit_reasons=[dermatology.pk])]})
    assert response.status_code == 400 and "visit_reasons" in response.json()["ranges"][0]
    assert len(week_of(alice)) == 10


@pytest.mark.parametrize(
    "body",
    [
        {"ranges": [monday(weekday=7)]},
        {"ranges": [monday(start=INJECTION)]},
        {"ranges": [monday(visit_reasons=["1 OR 1=1"])]},
        {"ranges": [monday()] * 71},
        {"ranges": INJECTION},
        {"ranges": [INJECTION]},
        {},
    ],
)
def test_bad_weeks_are_refused_naming_ranges_and_nothing_is_written(api, alice, body):
    response = send(api, "put", f"{alice.pk}/schedule/", body)
    assert response.status_code == 400 and "ranges" in response.json()
    assert len(week_of(alice)) == 10 and not AuditEntry.objects.exists()


def test_bobs_schedule_is_not_found_by_id(api, bob):
    before = week_of(bob)
    for practitioner_id in (bob.pk, 987654):
        assert api.get(f"{API}{practitioner_id}/schedule/").status_code == 404
        assert send(api, "put", f"{practitioner_id}/schedule/", {"ranges": []}).status_code == 404
        assert api.get(f"{API}{practitioner_id}/visit-reasons/").status_code == 404
        assert (
            send(api, "post", f"{practitioner_id}/visit-reasons/", {"name": "X", "duration_minutes": 10}).status_code
            == 404
        )
    assert week_of(bob) == before and not AuditEntry.objects.exists()


def test_visit_reasons_are_listed_with_whether_the_caller_may_change_them(api, alice, bob, consultation):
    shared = make_reason(alice, "Vaccination", 10)
    shared.practitioners.add(bob)
    reasons = api.get(f"{API}{alice.pk}/visit-reasons/").json()
    assert [(r["name"], r["shared_with"], r["editable"]) for r in reasons] == [
        ("Consultation", [], True),
        ("Vaccination", [bob.pk], False),
    ]


def test_a_visit_reason_is_added_with_the_models_defaults_and_audited(api, alice):
    response = send(api, "post", f"{alice.pk}/visit-reasons/", {"name": "Suivi", "duration_minutes": 15})
    assert response.status_code == 201
    body = response.json()
    assert (body["name"], body["online_bookable"], body["is_active"], body["patients"]) == ("Suivi", True, True, "all")
    assert list(VisitReason.objects.get(pk=body["id"]).practitioners.all()) == [alice]
    assert AuditEntry.objects.get().detail == "visit reason created"


def test_a_visit_reason_is_changed_and_the_audit_names_the_fields(api, alice, consultation):
    response = send(
        api, "patch", f"{alice.pk}/visit-reasons/{consultation.pk}/", {"duration_minutes": 30, "online_bookable": False}
    )
    assert response.status_code == 200
    consultation.refresh_from_db()
    assert (consultation.duration_minutes, consultation.online_bookable, consultation.name) == (
        30,
        False,
        "Consultation",
    )
    assert AuditEntry.objects.get().detail == "visit reason: duration_minutes, online_bookable"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x" * 121}, "name"),
        ({"name": ""}, "name"),
        ({"duration_minutes": 3}, "duration_minutes"),
        ({"duration_minutes": 481}, "duration_minutes"),
        ({"duration_minutes": INJECTION}, "duration_minutes"),
        ({"patients": INJECTION}, "patients"),
        ({"instructions": "x" * 2001}, "instructions"),
        ({"name": {"$ne": ""}}, "name"),
    ],
)
def test_bad_visit_reasons_are_refused_naming_the_field(api, alice, consultation, body, field):
    before = VisitReason.objects.values().get(pk=consultation.pk)
    changed = send(api, "patch", f"{alice.pk}/visit-reasons/{consultation.pk}/", body)
    assert changed.status_code == 400 and field in changed.json()
    created = send(api, "post", f"{alice.pk}/visit-reasons/", {"name": "Suivi", "duration_minutes": 15, **body})
    assert created.status_code == 400 and field in created.json()
    assert VisitReason.objects.values().get(pk=consultation.pk) == before
    assert VisitReason.objects.count() == 1 and not AuditEntry.objects.exists()


def test_a_reason_shared_with_a_practitioner_outside_her_agendas_is_403(api, alice, bob):
    shared = make_reason(alice, "Vaccination", 10)
    shared.practitioners.add(bob)
    assert api.get(f"{API}{alice.pk}/visit-reasons/{shared.pk}/").status_code == 200
    assert send(api, "patch", f"{alice.pk}/visit-reasons/{shared.pk}/", {"duration_minutes": 60}).status_code == 403
    assert api.delete(f"{API}{alice.pk}/visit-reasons/{shared.pk}/").status_code == 403
    shared.refresh_from_db()
    assert shared.duration_minutes == 10 and not AuditEntry.objects.exists()


def test_bobs_reasons_are_not_found_through_alices_agenda_or_his(api, alice, bob):
    dermatology = make_reason(bob, "Dermatologie", 30)
    for path in (f"{alice.pk}/visit-reasons/{dermatology.pk}/", f"{bob.pk}/visit-reasons/{dermatology.pk}/"):
        assert api.get(API + path).status_code == 404
        assert send(api, "patch", path, {"name": "Hacked"}).status_code == 404
        assert api.delete(API + path).status_code == 404
    assert VisitReason.objects.get(pk=dermatology.pk).name == "Dermatologie"


def test_a_reason_in_use_is_deactivated_not_deleted(api, alice, consultation):
    unused = make_reason(alice, "Suivi", 15)
    make_appointment(alice, consultation, paris(2027, 3, 2, 9, 0))
    assert api.delete(f"{API}{alice.pk}/visit-reasons/{unused.pk}/").status_code == 204
    in_use = api.delete(f"{API}{alice.pk}/visit-reasons/{consultation.pk}/")
    assert in_use.status_code == 409 and in_use.json()["code"] == "in_use"
    assert list(VisitReason.objects.all()) == [consultation]


def test_wrong_methods_are_405(api, alice, consultation):
    assert send(api, "post", f"{alice.pk}/schedule/", {"ranges": []}).status_code == 405
    assert api.delete(f"{API}{alice.pk}/schedule/").status_code == 405
    assert send(api, "put", f"{alice.pk}/visit-reasons/", {}).status_code == 405
    assert send(api, "post", f"{alice.pk}/visit-reasons/{consultation.pk}/", {"name": "X"}).status_code == 405
    assert len(week_of(alice)) == 10 and VisitReason.objects.get().name == "Consultation"


def test_a_cross_site_write_without_the_csrf_token_is_403(sarah, alice, consultation, now):
    browser = Client(enforce_csrf_checks=True)
    sign_in(browser, sarah)
    assert send(browser, "put", f"{alice.pk}/schedule/", {"ranges": []}).status_code == 403
    assert send(browser, "post", f"{alice.pk}/visit-reasons/", {"name": "X", "duration_minutes": 10}).status_code == 403
    assert send(browser, "patch", f"{alice.pk}/visit-reasons/{consultation.pk}/", {"name": "X"}).status_code == 403
    assert browser.delete(f"{API}{alice.pk}/visit-reasons/{consultation.pk}/").status_code == 403
    assert len(week_of(alice)) == 10 and VisitReason.objects.get().name == "Consultation"


def test_anonymous_callers_get_401(client, alice, consultation, now):
    assert client.get(f"{API}{alice.pk}/schedule/").status_code == 401
    assert send(client, "put", f"{alice.pk}/schedule/", {"ranges": []}).status_code == 401
    assert client.get(f"{API}{alice.pk}/visit-reasons/").status_code == 401
    assert send(client, "patch", f"{alice.pk}/visit-reasons/{consultation.pk}/", {"name": "X"}).status_code == 401
    assert len(week_of(alice)) == 10
