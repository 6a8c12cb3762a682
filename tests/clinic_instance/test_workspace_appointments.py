"""The appointment page and its changes, as a secretary would use them, and as attacks (issue 5)."""

import json

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client

from clinic_instance.models import Appointment, AuditEntry
from tests.factories import make_appointment, make_patient, make_reason, paris
from tests.workspace import sign_in, staff_user

INJECTION = "<script>alert(1)</script>' OR 1=1; DROP TABLE clinic_instance_appointment;--"


@pytest.fixture
def sarah(alice):
    """Sarah, Dr Durand's secretary (not Dr Martin's)."""
    return staff_user("sarah", "secretary", agendas=[alice])


@pytest.fixture
def client_of_sarah(client, sarah, now):
    sign_in(client, sarah)  # at the frozen time: the idle timeout counts from it
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def appointment(alice, consultation, now):
    return make_appointment(alice, consultation, paris(2027, 3, 1, 9, 0), patient=make_patient(), source="online")


@pytest.fixture
def bobs(bob, now):
    return make_appointment(bob, make_reason(bob, "Dermatologie", 30), paris(2027, 3, 1, 9, 0))


def url(appointment_id: int, action: str = "") -> str:
    return f"/workspace/appointments/{appointment_id}/" + (f"{action}/" if action else "")


def test_the_page_shows_the_appointment_and_records_the_read(client_of_sarah, appointment):
    response = client_of_sarah.get(url(appointment.pk))
    assert response.status_code == 200
    page = response.content.decode()
    assert "PETIT Paul" in page and f'href="/workspace/patients/{appointment.patient_id}/"' in page
    assert response.headers["Cache-Control"] == "no-store, private"
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.object_id, entry.patient_id, entry.actor_label) == (
        "view",
        appointment.pk,
        appointment.patient_id,
        "sarah",
    )


def test_a_move_by_the_form_redirects_with_a_message_and_is_audited(client_of_sarah, appointment):
    response = client_of_sarah.post(url(appointment.pk, "move"), {"day": "2027-03-01", "time": "10:00"}, follow=True)
    assert response.redirect_chain[-1][0] == url(appointment.pk)
    assert "The appointment was moved." in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.start == paris(2027, 3, 1, 10, 0)
    move = AuditEntry.objects.get(action="move")
    assert (
        move.detail
        == f"2027-03-01 09:00 #{appointment.practitioner_id} → 2027-03-01 10:00 #{appointment.practitioner_id}"
    )


def test_the_move_endpoint_answers_the_calendar_in_json(client_of_sarah, appointment, alice, consultation):
    json_headers = {"Accept": "application/json"}
    response = client_of_sarah.post(
        url(appointment.pk, "move"), {"start": "2027-03-01T10:00:00+01:00"}, headers=json_headers
    )
    assert response.status_code == 200
    assert response.json() == {
        "id": appointment.pk,
        "start": "2027-03-01T10:00:00+01:00",
        "end": "2027-03-01T10:20:00+01:00",
        "practitioner": alice.pk,
        "status": "booked",
    }
    make_appointment(alice, consultation, paris(2027, 3, 1, 11, 0))
    taken = client_of_sarah.post(
        url(appointment.pk, "move"), {"start": "2027-03-01T11:10:00+01:00"}, headers=json_headers
    )
    assert taken.status_code == 409 and taken.json()["code"] == "slot_taken" and taken.json()["error"]
    evening = {"start": "2027-03-01T19:00:00+01:00"}
    outside = client_of_sarah.post(url(appointment.pk, "move"), evening, headers=json_headers)
    assert outside.status_code == 400
    assert outside.json()["code"] == "outside_hours" and outside.json()["field"] == "start"
    forced = client_of_sarah.post(url(appointment.pk, "move"), {**evening, "force": "1"}, headers=json_headers)
    assert forced.status_code == 200
    appointment.refresh_from_db()
    assert appointment.forced and appointment.start == paris(2027, 3, 1, 19, 0)


def test_a_move_without_an_offset_or_in_the_past_is_refused(client_of_sarah, appointment):
    headers = {"Accept": "application/json"}
    naive = client_of_sarah.post(url(appointment.pk, "move"), {"start": "2027-03-01T10:00:00"}, headers=headers)
    assert naive.status_code == 400 and naive.json()["field"] == "start"
    past = client_of_sarah.post(url(appointment.pk, "move"), {"start": "2027-02-28T10:00:00+01:00"}, headers=headers)
    assert past.status_code == 400 and past.json()["code"] == "past"
    appointment.refresh_from_db()
    assert appointment.start == paris(2027, 3, 1, 9, 0)


def test_a_move_to_a_practitioner_outside_her_agendas_is_not_found(client_of_sarah, appointment, bob, consultation):
    consultation.practitioners.add(bob)
    response = client_of_sarah.post(
        url(appointment.pk, "move"),
        {"start": "2027-03-01T10:00:00+01:00", "practitioner": bob.pk},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 404
    appointment.refresh_from_db()
    assert appointment.practitioner_id != bob.pk


def test_cancel_status_and_note_by_the_forms(client_of_sarah, appointment, now):
    cancel = client_of_sarah.post(url(appointment.pk, "cancel"), {"reason": ""})
    assert cancel.status_code == 400 and 'class="error" role="alert"' in cancel.content.decode()
    client_of_sarah.post(url(appointment.pk, "note"), {"note": "Wheelchair: ground-floor room"})
    client_of_sarah.post(url(appointment.pk, "status"), {"status": "arrived"})
    appointment.refresh_from_db()
    assert (appointment.status, appointment.staff_note) == ("arrived", "Wheelchair: ground-floor room")
    details = list(AuditEntry.objects.filter(action__in=["note", "status"]).values_list("action", "detail"))
    assert sorted(details) == [("note", "29 characters"), ("status", "booked → arrived")]


def test_the_clinic_cancels_with_a_reason(client_of_sarah, appointment):
    response = client_of_sarah.post(
        url(appointment.pk, "cancel"), {"reason": "Dr Durand is ill"}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    appointment.refresh_from_db()
    assert (appointment.cancelled_by, appointment.cancellation_reason) == ("clinic", "Dr Durand is ill")
    assert AuditEntry.objects.get(action="cancel").detail == "2027-03-01 09:00"


@pytest.mark.parametrize(
    ("action", "data", "field"),
    [
        ("note", {"note": "x" * 2001}, "note"),
        ("cancel", {"reason": "x" * 301}, "reason"),
        ("status", {"status": INJECTION}, "status"),
        ("move", {"start": INJECTION}, "start"),
        ("move", {"start": "2027-03-01T10:00:00+01:00", "practitioner": INJECTION}, "practitioner"),
        ("note", {"note": "a\x00b"}, "note"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(
    client_of_sarah, appointment, action, data, field
):
    before = Appointment.objects.values().get(pk=appointment.pk)
    response = client_of_sarah.post(url(appointment.pk, action), data, headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.json()["field"] == field
    assert Appointment.objects.values().get(pk=appointment.pk) == before
    assert not AuditEntry.objects.exclude(action="view").exists()
    page = client_of_sarah.post(url(appointment.pk, action), data)
    assert page.status_code == 400


def test_injection_strings_are_stored_as_text_and_escaped(client_of_sarah, appointment):
    client_of_sarah.post(url(appointment.pk, "note"), {"note": INJECTION})
    appointment.refresh_from_db()
    assert appointment.staff_note == INJECTION
    page = client_of_sarah.get(url(appointment.pk)).content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert INJECTION not in "".join(AuditEntry.objects.values_list("detail", flat=True))


ACTIONS = [("", {}), ("move", {"start": "2027-03-01T10:00:00+01:00"}), ("cancel", {"reason": "x"}),
           ("status", {"status": "arrived"}), ("note", {"note": "x"})]  # fmt: skip


@pytest.mark.parametrize(("action", "data"), ACTIONS)
def test_bobs_appointment_is_not_found_for_alices_secretary(client_of_sarah, bobs, action, data):
    before = Appointment.objects.values().get(pk=bobs.pk)
    method = client_of_sarah.post if action else client_of_sarah.get
    assert method(url(bobs.pk, action), data).status_code == 404
    assert method(url(bobs.pk, action), data, headers={"Accept": "application/json"}).status_code == 404
    assert method(url(987654, action), data).status_code == 404  # the same answer for an id that does not exist
    assert Appointment.objects.values().get(pk=bobs.pk) == before
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("action", ["move", "cancel", "status", "note"])
def test_a_state_change_sent_as_get_is_refused(client_of_sarah, appointment, action):
    assert client_of_sarah.get(url(appointment.pk, action), {"status": "arrived", "note": "x"}).status_code == 405
    appointment.refresh_from_db()
    assert (appointment.status, appointment.staff_note) == ("booked", "")


@pytest.mark.parametrize(("action", "data"), ACTIONS[1:])
def test_a_cross_site_post_without_the_csrf_token_is_refused(sarah, appointment, now, action, data):
    browser = Client(enforce_csrf_checks=True)
    sign_in(browser, sarah)
    assert browser.post(url(appointment.pk, action), data).status_code == 403
    assert Appointment.objects.values().get(pk=appointment.pk)["updated_at"] == appointment.updated_at


@pytest.mark.parametrize(("action", "data"), ACTIONS)
def test_anonymous_visitors_go_to_the_login_page(client, appointment, action, data):
    method = client.post if action else client.get
    response = method(url(appointment.pk, action), data)
    assert response.status_code == 302 and response.url.startswith("/workspace/login/")


def test_a_practitioner_manages_his_own_appointments_only(client, alice, bob, appointment, bobs, now):
    doctor = staff_user("bob", "practitioner", practitioner=bob)
    sign_in(client, doctor)
    assert client.get(url(bobs.pk)).status_code == 200
    assert client.get(url(appointment.pk)).status_code == 404


def test_a_done_appointment_offers_no_status_button(client_of_sarah, appointment):
    Appointment.objects.filter(pk=appointment.pk).update(status="done")
    page = client_of_sarah.get(url(appointment.pk)).content.decode()
    assert 'name="status"' not in page
    refused = client_of_sarah.post(
        url(appointment.pk, "status"), {"status": "booked"}, headers={"Accept": "application/json"}
    )
    assert refused.status_code == 400 and json.loads(refused.content)["code"] == "not_allowed"


def test_the_page_offers_only_the_statuses_possible_now(client_of_sarah, alice, consultation, now):
    tomorrow = make_appointment(alice, consultation, paris(2027, 3, 2, 9, 0), patient=make_patient())
    assert 'name="status"' not in client_of_sarah.get(url(tomorrow.pk)).content.decode()
    later_today = make_appointment(alice, consultation, paris(2027, 3, 1, 11, 0), patient=make_patient("Léa"))
    page = client_of_sarah.get(url(later_today.pk)).content.decode()
    assert 'value="arrived"' in page and 'value="no_show"' not in page and 'value="done"' not in page
    with time_machine.travel(paris(2027, 3, 1, 11, 5), tick=False):
        sign_in(client_of_sarah, get_user_model().objects.get(username="sarah"))
        page = client_of_sarah.get(url(later_today.pk)).content.decode()
    assert 'value="arrived"' in page and 'value="no_show"' in page and 'value="done"' in page


def test_a_time_the_clocks_skip_is_refused_and_summer_time_is_counted(client_of_sarah, alice, consultation):
    appointment = make_appointment(alice, consultation, paris(2027, 3, 22, 9, 0), patient=make_patient())
    skipped = client_of_sarah.post(
        url(appointment.pk, "move"),
        {"day": "2027-03-28", "time": "02:30", "force": "1"},  # Paris: 02:00 → 03:00 that night
        headers={"Accept": "application/json"},
    )
    assert skipped.status_code == 400 and json.loads(skipped.content)["field"] == "time"
    appointment.refresh_from_db()
    assert appointment.start == paris(2027, 3, 22, 9, 0)
    moved = client_of_sarah.post(
        url(appointment.pk, "move"), {"day": "2027-03-30", "time": "09:00"}, headers={"Accept": "application/json"}
    )
    assert moved.status_code == 200, moved.content
    assert json.loads(moved.content)["start"] == "2027-03-30T09:00:00+02:00"
