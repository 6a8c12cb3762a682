"""The absences, schedules and visit reasons pages: the absence workflow, and who may reach what (as attacks)."""

import pytest
from django.test import Client

from clinic_instance.models import Appointment, AuditEntry, ScheduleException
from tests.factories import make_absence, make_appointment, make_patient, make_reason, paris
from tests.workspace import sign_in, staff_user

ABSENCES = "/workspace/absences/"


@pytest.fixture
def english(client, now):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def sarah(alice):
    """Alice's secretary, who does not work for Bob."""
    return staff_user("sarah", "secretary", agendas=[alice])


@pytest.fixture
def client_of_sarah(english, sarah):
    sign_in(english, sarah)
    return english


@pytest.fixture
def bobs_things(bob, now):
    reason = make_reason(bob, "Dermatologie", 30)
    return {
        "reason": reason,
        "absence": make_absence(bob, paris(2027, 3, 10, 0, 0), paris(2027, 3, 11, 0, 0)),
        "appointment": make_appointment(bob, reason, paris(2027, 3, 2, 9, 0)),
    }


def tuesday(**overrides) -> dict:
    """Alice away on Tuesday 2 March 2027, all day."""
    return {
        "kind": "absence",
        "start_date": "2027-03-02",
        "start_time": "",
        "end_date": "2027-03-02",
        "end_time": "",
    } | overrides


# --- Creating an absence ---------------------------------------------------------------------


def test_an_absence_over_no_appointment_is_created_at_once(client_of_sarah, alice):
    response = client_of_sarah.post(ABSENCES, tuesday(practitioner=alice.pk, note="Congrès"))
    absence = ScheduleException.objects.get()
    assert response["Location"] == f"/workspace/absences/{absence.pk}/"
    assert (absence.start, absence.end, absence.note) == (paris(2027, 3, 2), paris(2027, 3, 3), "Congrès")
    page = client_of_sarah.get(response["Location"]).content.decode()
    assert "No appointment during this time." in page


def test_an_absence_over_appointments_shows_the_patients_first_and_saves_nothing(client_of_sarah, alice, consultation):
    léa = make_patient("Léa", "Moreau", phone="+33698765432")
    make_appointment(alice, consultation, paris(2027, 3, 2, 9, 0), léa)
    make_appointment(alice, consultation, paris(2027, 3, 2, 15, 0))
    response = client_of_sarah.post(ABSENCES, tuesday(practitioner=alice.pk))
    assert response.status_code == 200
    page = response.content.decode()
    assert "MOREAU Léa" in page and "+33698765432" in page and "PETIT Paul" in page
    assert "Create and cancel these 2 appointments" in page and "Create and keep them" in page
    for appointment in Appointment.objects.all():
        assert f'href="/workspace/appointments/{appointment.pk}/"' in page
    assert not ScheduleException.objects.exists()
    # Showing who the patients are is a read of their appointments.
    assert AuditEntry.objects.filter(action="view", object_type="appointment").count() == 2


def test_choosing_to_cancel_cancels_them_with_the_reason(client_of_sarah, alice, consultation):
    first = make_appointment(alice, consultation, paris(2027, 3, 2, 9, 0))
    second = make_appointment(alice, consultation, paris(2027, 3, 2, 15, 0), make_patient("Léa"))
    seen = f"{first.pk},{second.pk}"
    data = tuesday(practitioner=alice.pk, decision="cancel", reason="Absence imprévue", seen=seen)
    response = client_of_sarah.post(ABSENCES, data, follow=True)
    assert "2 appointments were cancelled." in response.content.decode()
    for appointment in (first, second):
        appointment.refresh_from_db()
        assert appointment.status == "cancelled" and appointment.cancelled_by == "clinic"
        assert appointment.cancellation_reason == "Absence imprévue"
    page = response.content.decode()
    assert page.count("Cancelled by the clinic") == 2  # still listed: the patients to warn


def test_choosing_to_keep_them_lists_them_to_move(client_of_sarah, alice, consultation):
    kept = make_appointment(alice, consultation, paris(2027, 3, 2, 9, 0))
    data = tuesday(practitioner=alice.pk, decision="keep", seen=str(kept.pk))
    response = client_of_sarah.post(ABSENCES, data, follow=True)
    kept.refresh_from_db()
    assert kept.status == "booked"
    page = response.content.decode()
    assert "Still booked: move it" in page and f'href="/workspace/appointments/{kept.pk}/"' in page


def test_cancelling_without_a_reason_is_refused_on_the_reason(client_of_sarah, alice, consultation):
    shown = make_appointment(alice, consultation, paris(2027, 3, 2, 9, 0))
    response = client_of_sarah.post(ABSENCES, tuesday(practitioner=alice.pk, decision="cancel", seen=str(shown.pk)))
    assert response.status_code == 400
    assert "reason" in response.context["decision"].errors
    assert not ScheduleException.objects.exists()


def test_an_appointment_booked_since_the_preview_shows_the_preview_again(client_of_sarah, alice, consultation):
    shown = make_appointment(alice, consultation, paris(2027, 3, 2, 9, 0))
    make_appointment(alice, consultation, paris(2027, 3, 2, 10, 0), make_patient("Léa"))
    data = tuesday(practitioner=alice.pk, decision="cancel", reason="x", seen=str(shown.pk))
    response = client_of_sarah.post(ABSENCES, data)
    assert response.status_code == 409
    assert "Create and cancel these 2 appointments" in response.content.decode()
    assert not ScheduleException.objects.exists() and not Appointment.objects.filter(status="cancelled").exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"start_date": "2027-02-26", "end_date": "2027-02-27"}, "start_date"),  # in the past
        ({"end_date": "2027-03-01"}, "end_date"),  # before the start
        ({"end_date": "2028-04-01"}, "end_date"),  # over a year
        ({"start_date": "2027-02-30"}, "start_date"),
        ({"end_time": "9h"}, "end_time"),
        ({"note": "x" * 201}, "note"),
        ({"kind": "holiday"}, "kind"),
    ],
)
def test_a_bad_absence_is_refused_naming_the_field(client_of_sarah, alice, overrides, field):
    response = client_of_sarah.post(ABSENCES, tuesday(practitioner=alice.pk, **overrides))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not ScheduleException.objects.exists()


def test_a_note_is_shown_as_text_never_as_markup(client_of_sarah, alice):
    client_of_sarah.post(ABSENCES, tuesday(practitioner=alice.pk, note="<script>alert(1)</script>"))
    page = client_of_sarah.get(ABSENCES).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page


def test_deleting_an_absence_gives_the_time_back(client_of_sarah, alice):
    absence = make_absence(alice, paris(2027, 3, 2), paris(2027, 3, 3))
    response = client_of_sarah.post(f"/workspace/absences/{absence.pk}/delete/")
    assert response["Location"] == ABSENCES
    assert not ScheduleException.objects.exists()
    assert AuditEntry.objects.filter(object_type="absence", object_id=absence.pk, action="delete").exists()


def test_the_list_shows_upcoming_absences_of_visible_practitioners_only(client_of_sarah, alice, bobs_things):
    make_absence(alice, paris(2027, 3, 4, 14, 0), paris(2027, 3, 4, 16, 0))
    page = client_of_sarah.get(ABSENCES).content.decode()
    assert "Dr Alice Durand" in page and "Dr Bob Martin" not in page


# --- Who may reach what ---------------------------------------------------------------------


def test_a_secretary_cannot_reach_another_practitioners_pages_by_id(client_of_sarah, bob, bobs_things):
    absence, reason = bobs_things["absence"], bobs_things["reason"]
    for url in [
        f"/workspace/absences/{absence.pk}/",
        f"/workspace/practitioners/{bob.pk}/schedule/",
        f"/workspace/practitioners/{bob.pk}/reasons/",
        f"/workspace/practitioners/{bob.pk}/reasons/{reason.pk}/",
        f"/workspace/practitioners/{bob.pk}/calendar-feed/",
        "/workspace/absences/999999/",
        "/workspace/practitioners/999999/schedule/",
    ]:
        assert client_of_sarah.get(url).status_code == 404, url
    for url in [
        f"/workspace/absences/{absence.pk}/delete/",
        f"/workspace/practitioners/{bob.pk}/schedule/",
        f"/workspace/practitioners/{bob.pk}/reasons/",
        f"/workspace/practitioners/{bob.pk}/reasons/{reason.pk}/",
        f"/workspace/practitioners/{bob.pk}/reasons/{reason.pk}/delete/",
        f"/workspace/practitioners/{bob.pk}/calendar-feed/create/",
    ]:
        assert client_of_sarah.post(url, {"name": "x", "duration_minutes": "10"}).status_code == 404, url
    assert ScheduleException.objects.filter(pk=absence.pk).exists()
    reason.refresh_from_db()
    assert reason.name == "Dermatologie"


def test_a_secretary_cannot_create_an_absence_for_another_practitioner(client_of_sarah, bob, bobs_things):
    response = client_of_sarah.post(ABSENCES, tuesday(practitioner=bob.pk, decision="cancel", reason="x", seen=""))
    assert response.status_code == 400
    assert "practitioner" in response.context["form"].errors
    assert ScheduleException.objects.count() == 1  # Bob's own, untouched
    assert Appointment.objects.get(pk=bobs_things["appointment"].pk).status == "booked"


def test_a_visit_reason_of_another_practitioner_is_not_reached_through_ones_own(client_of_sarah, alice, bobs_things):
    url = f"/workspace/practitioners/{alice.pk}/reasons/{bobs_things['reason'].pk}/"
    assert client_of_sarah.get(url).status_code == 404
    assert client_of_sarah.post(url + "delete/").status_code == 404


def test_the_practitioners_page_lists_only_visible_practitioners(client_of_sarah, alice, bob):
    page = client_of_sarah.get("/workspace/practitioners/").content.decode()
    assert "Dr Alice Durand" in page and "Dr Bob Martin" not in page
    assert f"/workspace/practitioners/{alice.pk}/schedule/" in page
    assert "/calendar-feed/" not in page  # a secretary does not manage feeds


def test_a_practitioner_edits_his_own_schedule_and_an_administrator_every_one(english, alice, bob):
    sign_in(english, staff_user("bob", "practitioner", practitioner=bob))
    assert english.get(f"/workspace/practitioners/{bob.pk}/schedule/").status_code == 200
    assert english.get(f"/workspace/practitioners/{alice.pk}/schedule/").status_code == 404
    sign_in(english, staff_user("anne", "admin"))
    assert english.get(f"/workspace/practitioners/{alice.pk}/schedule/").status_code == 200
    assert english.get(f"/workspace/practitioners/{bob.pk}/reasons/").status_code == 200


def test_anonymous_visitors_are_sent_to_sign_in(alice, bobs_things, now):
    anonymous = Client()
    absence = bobs_things["absence"]
    for url in [
        ABSENCES,
        f"/workspace/absences/{absence.pk}/",
        "/workspace/practitioners/",
        f"/workspace/practitioners/{alice.pk}/schedule/",
        f"/workspace/practitioners/{alice.pk}/reasons/",
        f"/workspace/practitioners/{alice.pk}/calendar-feed/",
    ]:
        response = anonymous.get(url)
        assert response.status_code == 302 and "login" in response["Location"], url
    response = anonymous.post(f"/workspace/absences/{absence.pk}/delete/")
    assert response.status_code == 302 and "login" in response["Location"]
    assert ScheduleException.objects.filter(pk=absence.pk).exists()


def test_state_changes_sent_as_get_are_refused(client_of_sarah, alice, consultation):
    absence = make_absence(alice, paris(2027, 3, 2), paris(2027, 3, 3))
    for url in [
        f"/workspace/absences/{absence.pk}/delete/",
        f"/workspace/practitioners/{alice.pk}/reasons/{consultation.pk}/delete/",
    ]:
        assert client_of_sarah.get(url).status_code == 405, url
    assert ScheduleException.objects.filter(pk=absence.pk).exists()


def test_a_cross_site_post_without_the_csrf_token_is_refused(sarah, alice, now):
    browser = Client(enforce_csrf_checks=True)
    sign_in(browser, sarah)
    absence = make_absence(alice, paris(2027, 3, 2), paris(2027, 3, 3))
    assert browser.post(f"/workspace/absences/{absence.pk}/delete/").status_code == 403
    assert browser.post(ABSENCES, tuesday(practitioner=alice.pk)).status_code == 403
    assert ScheduleException.objects.count() == 1


def test_pages_are_never_cached(client_of_sarah, alice):
    for url in [ABSENCES, "/workspace/practitioners/", f"/workspace/practitioners/{alice.pk}/schedule/"]:
        assert "no-store" in client_of_sarah.get(url)["Cache-Control"], url


@pytest.mark.parametrize("seen", ["1," * 600, "1;DROP", "-1", "9" * 20])
def test_a_tampered_list_of_shown_appointments_is_refused(client_of_sarah, alice, consultation, seen):
    make_appointment(alice, consultation, paris(2027, 3, 2, 9, 0))
    response = client_of_sarah.post(ABSENCES, tuesday(practitioner=alice.pk, decision="keep", seen=seen))
    assert response.status_code == 400
    assert not ScheduleException.objects.exists()
