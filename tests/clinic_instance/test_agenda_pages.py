"""The agenda pages and the events API: who sees what, without JavaScript, live versions, audit."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from clinic_instance.models import Appointment, AuditEntry
from tests.factories import make_absence, make_appointment, make_patient, make_practitioner, make_reason, paris
from tests.workspace import sign_in, staff_user

AGENDA = "/workspace/agenda/"
WEEK = "/workspace/agenda/week/"
EVENTS = "/workspace/agenda/events/"
PRINT = "/workspace/agenda/print/"


@pytest.fixture
def carol(clinic):
    """Dr Carol Petit, physiotherapist: no secretary of this file is assigned to her."""
    return make_practitioner("Carol", "Petit", "Kinésithérapeute")


@pytest.fixture
def day(alice, bob, carol, consultation, now):
    """Tuesday 2 March 2027: Paul with Alice at 9:00, Zoé with Bob at 10:00, Carol's patient at 11:00."""
    derm = make_reason(bob, "Dermatologie", 30)
    return {
        "alice": make_appointment(alice, consultation, paris(2027, 3, 2, 9, 0), source="phone", staff_note="x"),
        "bob": make_appointment(bob, derm, paris(2027, 3, 2, 10, 0), patient=make_patient("Zoé", "Roux")),
        "carol": make_appointment(
            carol, make_reason(carol, "Kiné", 30), paris(2027, 3, 2, 11, 0), patient=make_patient("Hugo", "Lenoir")
        ),
    }


@pytest.fixture
def sarah(alice, bob):
    """Sarah, secretary of Alice and Bob."""
    return staff_user("sarah", "secretary", agendas=[alice, bob])


@pytest.fixture
def signed_in(client, sarah, now):
    sign_in(client, sarah)  # at the frozen time: the session is not idle
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_anonymous_visitors_are_sent_to_the_login_page(client, day):
    for url in (AGENDA, WEEK, EVENTS + "?start=2027-03-02&end=2027-03-03", PRINT):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/workspace/login/")


def test_the_day_view_lists_her_practitioners_side_by_side_without_javascript(signed_in, day, alice, bob):
    response = signed_in.get(AGENDA, {"date": "2027-03-02"})
    assert response.status_code == 200
    html = response.content.decode()
    # The list in plain HTML: times, patients, visit reasons, status, badges, links to the appointments.
    for text in ("Dr Alice Durand", "Dr Bob Martin", "09:00–09:20", "PETIT Paul", "Consultation", "10:00–10:30"):
        assert text in html
    assert "ROUX Zoé" in html and "Dermatologie" in html
    assert f'href="/workspace/appointments/{day["alice"].pk}/"' in html
    assert "agenda-badge-note" in html and ">phone<" in html and ">online<" in html
    # Carol is not hers: neither her column nor her patient.
    assert "Carol" not in html and "LENOIR" not in html
    # Navigation and chooser are GET links and forms.
    assert 'href="?date=2027-03-01"' in html and 'href="?date=2027-03-03"' in html
    assert '<input type="date" id="agenda-date" name="date" value="2027-03-02"' in html
    assert f'name="p" value="{alice.pk}" checked' in html
    # The calendar's data and the script, from this host only.
    config = json.loads(response.context["calendar"] and json.dumps(response.context["calendar"]))
    assert [r["title"] for r in config["resources"]] == ["Dr Alice Durand", "Dr Bob Martin"]
    assert {e["id"] for e in config["events"] if e.get("display") != "background"} == {
        str(day["alice"].pk),
        str(day["bob"].pk),
    }
    assert 'id="agenda-config"' in html and "/static/js/workspace-agenda.js" in html
    assert "no-store" in response["Cache-Control"]


def test_the_day_view_defaults_to_today_and_can_show_one_practitioner(signed_in, day, bob):
    response = signed_in.get(AGENDA)
    assert response.context["day"].isoformat() == "2027-03-01"
    response = signed_in.get(AGENDA, {"date": "2027-03-02", "p": [bob.pk]})
    html = response.content.decode()
    assert "ROUX Zoé" in html and "PETIT Paul" not in html
    # The day links keep the choice.
    assert f'href="?date=2027-03-03&amp;p={bob.pk}"' in html


def test_a_practitioner_she_may_not_see_is_not_found_whatever_the_page(signed_in, day, alice, carol):
    assert signed_in.get(AGENDA, {"date": "2027-03-02", "p": [alice.pk, carol.pk]}).status_code == 404
    assert signed_in.get(AGENDA, {"p": [999_999]}).status_code == 404
    assert signed_in.get(WEEK, {"practitioner": carol.pk}).status_code == 404
    assert signed_in.get(PRINT, {"practitioner": carol.pk}).status_code == 404
    response = signed_in.get(EVENTS, {"start": "2027-03-02", "end": "2027-03-03", "p": [carol.pk]})
    assert response.status_code == 404
    assert not AuditEntry.objects.filter(practitioner_id=carol.pk).exists()


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ({"date": "2027-02-30"}, "date"),
        ({"date": "'; DROP TABLE clinic_instance_appointment; --"}, "date"),
        ({"date": "9999-12-31"}, "date"),
        ({"p": ["1 OR 1=1"]}, "p"),
        ({"p": ["-1"]}, "p"),
        ({"p": [str(n) for n in range(101)]}, "p"),
    ],
)
def test_bad_parameters_are_refused_naming_them(signed_in, day, query, name):
    response = signed_in.get(AGENDA, query)
    assert response.status_code == 400
    assert f"Parameter “{name}”" in response.content.decode()
    assert Appointment.objects.count() == 3


def test_the_week_view_shows_one_practitioner_monday_to_sunday(signed_in, day, alice, consultation):
    make_appointment(alice, consultation, paris(2027, 3, 7, 9, 0), patient=make_patient("Léa", "Sunday"))
    make_appointment(alice, consultation, paris(2027, 3, 8, 9, 0), patient=make_patient("Max", "Nextweek"))
    response = signed_in.get(WEEK, {"practitioner": alice.pk, "date": "2027-03-03"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Week of 1 March 2027" in html
    assert "PETIT Paul" in html and "SUNDAY Léa" in html and "NEXTWEEK" not in html and "ROUX" not in html
    assert "Sunday 7 March" in html
    assert response.context["calendar"]["view"] == "timeGridWeek"
    assert f'href="?practitioner={alice.pk}&amp;date=2027-03-08"' in html


def test_a_practitioner_opens_his_own_week_by_default(client, day, bob):
    doctor_bob = staff_user("drbob", "practitioner", practitioner=bob)
    sign_in(client, doctor_bob)
    html = client.get(WEEK, {"date": "2027-03-02"}).content.decode()
    assert "ROUX Zoé" in html and "PETIT" not in html
    assert "Dr Alice" not in client.get(AGENDA, {"date": "2027-03-02"}).content.decode()


def test_the_print_page_lists_the_day_with_contact_details(signed_in, day, alice):
    response = signed_in.get(PRINT, {"practitioner": alice.pk, "date": "2027-03-02"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "PETIT Paul" in html and "17/05/1980" in html and "06 12 34 56 78" in html and "Consultation" in html
    assert "ROUX" not in html
    assert "data-print" in html and "/static/js/workspace-agenda.js" in html
    assert "Use your browser's Print command." in html


def test_absences_and_hours_are_in_the_list_and_the_calendar(signed_in, day, alice):
    make_absence(alice, paris(2027, 3, 2, 14, 0), paris(2027, 3, 2, 16, 0))
    response = signed_in.get(AGENDA, {"date": "2027-03-02", "p": [alice.pk]})
    html = response.content.decode()
    assert "Absence: 14:00–16:00" in html and "Working hours: 09:00–12:00, 14:00–18:00" in html
    background = [e for e in response.context["calendar"]["events"] if e.get("display") == "background"]
    assert {(e["start"], e["classNames"][0]) for e in background} == {
        ("2027-03-02T09:00:00+01:00", "agenda-hours"),
        ("2027-03-02T14:00:00+01:00", "agenda-hours"),
        ("2027-03-02T14:00:00+01:00", "agenda-absence"),
    }


def events(client, practitioners, etag=None, start="2027-03-02", end="2027-03-03"):
    headers = {"If-None-Match": etag} if etag else {}
    return client.get(EVENTS, {"start": start, "end": end, "p": [p.pk for p in practitioners]}, headers=headers)


def test_the_events_api_answers_304_until_something_changes(signed_in, day, alice, bob, now):
    first = events(signed_in, [alice, bob])
    assert first.status_code == 200 and first["Content-Type"] == "application/json"
    etag = first["ETag"]
    data = first.json()
    shown = {e["id"]: e for e in data["events"] if e.get("display") != "background"}
    assert set(shown) == {str(day["alice"].pk), str(day["bob"].pk)}
    paul = shown[str(day["alice"].pk)]
    assert paul["resourceId"] == str(alice.pk) and paul["start"] == "2027-03-02T09:00:00+01:00"
    assert paul["title"].startswith("PETIT Paul · Consultation") and paul["extendedProps"]["note"] is True
    assert paul["extendedProps"]["url"] == f"/workspace/appointments/{day['alice'].pk}/"
    assert "PETIT Paul" in data["list_html"] and data["version"] == etag

    assert events(signed_in, [alice, bob], etag).status_code == 304

    # Another secretary marks Paul arrived: the next poll gets the change.
    appointment = day["alice"]
    appointment.status = Appointment.Status.ARRIVED
    with time_machine.travel(now + timedelta(seconds=5), tick=False):  # the clock is frozen: let it move
        appointment.save()
    changed = events(signed_in, [alice, bob], etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert "arrived" in changed.json()["list_html"]
    etag = changed["ETag"]

    # ... then deletes Zoé's appointment.
    day["bob"].delete()
    after_delete = events(signed_in, [alice, bob], etag)
    assert after_delete.status_code == 200 and "ROUX" not in after_delete.json()["list_html"]

    # ... and moves Paul out of the day with a queryset update (which sets updated_at itself).
    etag = after_delete["ETag"]
    Appointment.objects.filter(pk=appointment.pk).update(
        start=appointment.start + timedelta(days=1),
        end=appointment.end + timedelta(days=1),
        updated_at=now + timedelta(seconds=10),
    )
    moved_out = events(signed_in, [alice, bob], etag)
    assert moved_out.status_code == 200 and "PETIT" not in moved_out.json()["list_html"]
    # An absence added to the day changes it too.
    absence = make_absence(alice, paris(2027, 3, 2, 16), paris(2027, 3, 2, 17))
    with_absence = events(signed_in, [alice, bob], moved_out["ETag"])
    assert with_absence.status_code == 200 and "Absence: 16:00–17:00" in with_absence.json()["list_html"]
    absence.delete()
    assert events(signed_in, [alice, bob], with_absence["ETag"]).status_code == 200


def test_the_events_api_refuses_bad_ranges_with_the_field(signed_in, day, alice):
    cases = [
        ({"end": "2027-03-03"}, "start"),
        ({"start": "yesterday", "end": "2027-03-03"}, "start"),
        ({"start": "2027-03-03", "end": "2027-03-02"}, "end"),
        ({"start": "2027-03-01", "end": "2027-03-15"}, "end"),
        ({"start": "2027-03-01", "end": "2027-03-02", "p": "abc"}, "p"),
    ]
    for query, field in cases:
        response = signed_in.get(EVENTS, query)
        assert response.status_code == 400, query
        assert response.json()["field"] == field


def test_the_events_api_takes_date_times_with_offsets(signed_in, day, alice):
    response = signed_in.get(
        EVENTS, {"start": "2027-03-02T00:00:00+01:00", "end": "2027-03-02T23:00:00Z", "p": [alice.pk]}
    )
    assert response.status_code == 200
    assert any(e["id"] == str(day["alice"].pk) for e in response.json()["events"])
    # An unencoded "+" arrives as a space.
    raw = signed_in.get(EVENTS + f"?start=2027-03-02T00:00:00+01:00&end=2027-03-03T00:00:00+01:00&p={alice.pk}")
    assert raw.status_code == 200


def test_each_page_and_each_changed_events_answer_is_audited_without_clinical_content(
    signed_in, day, sarah, alice, bob
):
    signed_in.get(AGENDA, {"date": "2027-03-02"})
    entries = AuditEntry.objects.filter(actor=sarah, action=AuditEntry.Action.VIEW).all
    assert sorted(entries().values_list("object_id", flat=True)) == sorted([day["alice"].pk, day["bob"].pk])
    assert {(e.detail, e.actor_label, e.ip_address, e.object_type) for e in entries()} == {
        ("agenda 2027-03-02", "sarah", "127.0.0.1", "appointment")
    }
    assert {(e.patient_id, e.practitioner_id) for e in entries()} == {
        (day["alice"].patient_id, alice.pk),
        (day["bob"].patient_id, bob.pk),
    }

    first = events(signed_in, [alice])
    assert entries().count() == 3
    events(signed_in, [alice], first["ETag"])  # 304: nothing shown, nothing written
    assert entries().count() == 3

    signed_in.get(WEEK, {"practitioner": alice.pk, "date": "2027-03-02"})
    assert entries().filter(detail="agenda 2027-03-01..2027-03-07").count() == 1
    signed_in.get(PRINT, {"practitioner": alice.pk, "date": "2027-03-02"})
    assert entries().filter(detail="print 2027-03-02").count() == 1


def test_the_day_view_makes_the_same_number_of_queries_for_one_or_many_practitioners(
    client, clinic, now, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    practitioners = [make_practitioner(f"P{n}", f"Nom{n}") for n in range(8)]
    for n, practitioner in enumerate(practitioners):
        reason = make_reason(practitioner, f"Motif {n}", 20)
        for slot in range(n + 1):
            make_appointment(practitioner, reason, paris(2027, 3, 2, 9) + timedelta(minutes=20 * slot))
    sign_in(client, staff_user("anne", "admin"))  # after `now`: the session is fresh
    with CaptureQueriesContext(connection) as one:
        assert client.get(AGENDA, {"date": "2027-03-02", "p": [practitioners[0].pk]}).status_code == 200
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert client.get(AGENDA, {"date": "2027-03-02"}).status_code == 200


def test_state_changes_are_not_accepted_here(signed_in, day):
    assert signed_in.post(AGENDA).status_code == 405
    assert signed_in.post(EVENTS).status_code == 405


def test_the_list_escapes_what_patients_and_staff_typed(signed_in, alice, sarah, now):
    reason = make_reason(alice, '<img src=x onerror="alert(2)">', 20)
    make_appointment(alice, reason, paris(2027, 3, 2, 9), patient=make_patient("<script>alert(1)</script>", "O'Brien"))
    for html in (
        signed_in.get(AGENDA, {"date": "2027-03-02"}).content.decode(),
        signed_in.get(EVENTS, {"start": "2027-03-02", "end": "2027-03-03"}).json()["list_html"],
    ):
        assert "<script>alert(1)</script>" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "O&#x27;BRIEN" in html
        assert "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in html


def test_the_home_page_leads_to_the_agenda(signed_in):
    assert signed_in.get(reverse("workspace:home"))["Location"] == AGENDA
