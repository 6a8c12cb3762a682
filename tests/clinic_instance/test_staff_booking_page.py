"""Book by phone through the page, without JavaScript, and its attacks (issue 5)."""

from datetime import date

import pytest
from django.test import Client

from clinic_instance.models import Appointment, AuditEntry, Patient
from tests.factories import make_appointment, make_patient, make_reason, paris
from tests.workspace import sign_in, staff_user

BOOK = "/workspace/book/"


@pytest.fixture
def sarah(alice):
    return staff_user("sarah", "secretary", agendas=[alice])


@pytest.fixture
def desk(client, sarah, now):
    sign_in(client, sarah)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def lefevre(db):
    return make_patient("Hélène", "Lefèvre", birth_date=date(1975, 1, 2), phone="+33611111111")


def form(alice, consultation, **fields) -> dict:
    return {"practitioner": alice.pk, "visit_reason": consultation.pk, "day": "2027-03-01", "time": "09:20", **fields}


def test_the_agendas_link_presets_the_practitioner_and_time(desk, alice, consultation):
    response = desk.get(BOOK, {"practitioner": alice.pk, "start": "2027-03-01T14:40:00+01:00"})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'value="2027-03-01"' in page and 'value="14:40"' in page
    assert 'name="pick" value="09:00"' in page  # the day's free times
    assert f'<option value="{consultation.pk}" selected>' in page


def test_a_practitioner_outside_her_agendas_is_not_found(desk, bob):
    assert desk.get(BOOK, {"practitioner": bob.pk}).status_code == 404
    assert desk.get(BOOK, {"practitioner": 987654}).status_code == 404
    assert desk.get(BOOK, {"practitioner": "1 OR 1=1"}).status_code == 404


def test_a_search_without_javascript_lists_the_patients_to_choose(desk, alice, consultation, lefevre):
    response = desk.post(BOOK, form(alice, consultation, q="lefevre", action="refresh"))
    page = response.content.decode()
    assert response.status_code == 200
    assert f'name="patient" value="{lefevre.pk}"' in page
    assert not Appointment.objects.exists()


def test_picking_a_free_time_without_javascript_keeps_what_was_typed(desk, alice, consultation):
    response = desk.post(BOOK, form(alice, consultation, pick="10:00", first_name="Lucie", q="luc"))
    page = response.content.decode()
    assert 'id="id_time" step="300" value="10:00"' in page and 'value="Lucie"' in page
    assert not Appointment.objects.exists()


def test_a_found_patient_is_booked_and_the_booking_audited(desk, alice, consultation, lefevre):
    response = desk.post(BOOK, form(alice, consultation, patient=lefevre.pk, action="book"))
    appointment = Appointment.objects.get()
    assert response.status_code == 302 and response.url == f"/workspace/appointments/{appointment.pk}/"
    assert (appointment.patient, appointment.source, appointment.start) == (lefevre, "phone", paris(2027, 3, 1, 9, 20))
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.object_type, entry.detail) == ("create", "appointment", "2027-03-01 09:20")


def test_a_new_patient_is_created_with_the_booking(desk, alice, consultation):
    new = {"patient": "new", "first_name": "Lucie", "last_name": "Bernard", "birth_date": "1992-04-03"}
    desk.post(BOOK, form(alice, consultation, **new, phone="06 22 22 22 22", action="book"))
    patient = Patient.objects.get()
    assert (patient.last_name, patient.phone) == ("Bernard", "+33622222222")
    assert sorted(AuditEntry.objects.values_list("object_type", "action")) == [
        ("appointment", "create"),
        ("patient", "create"),
    ]


def test_a_likely_duplicate_is_shown_before_creating_a_patient(desk, alice, consultation, lefevre):
    new = {"patient": "new", "first_name": "Helene", "last_name": "Lefevre", "birth_date": "1975-01-02"}
    fields = form(alice, consultation, **new, phone="0633333333", action="book")
    response = desk.post(BOOK, fields)
    assert response.status_code == 400
    assert f'name="patient" value="{lefevre.pk}"' in response.content.decode()
    assert Patient.objects.count() == 1 and not Appointment.objects.exists()
    desk.post(BOOK, {**fields, "create_anyway": "on"})
    assert Patient.objects.count() == 2 and Appointment.objects.count() == 1


def test_outside_the_usual_hours_the_box_must_be_ticked(desk, alice, consultation, lefevre):
    fields = form(alice, consultation, time="19:00", patient=lefevre.pk, action="book")
    response = desk.post(BOOK, fields)
    assert response.status_code == 400
    assert 'name="force"' in response.content.decode()
    assert not Appointment.objects.exists()
    desk.post(BOOK, {**fields, "force": "on"})
    assert Appointment.objects.get().forced


def test_the_past_and_a_taken_time_are_refused(desk, alice, consultation, lefevre):
    past = desk.post(BOOK, form(alice, consultation, time="07:00", patient=lefevre.pk, action="book", force="on"))
    assert past.status_code == 400
    make_appointment(alice, consultation, paris(2027, 3, 1, 9, 20))
    taken = desk.post(BOOK, form(alice, consultation, patient=lefevre.pk, action="book"))
    assert taken.status_code == 409
    assert Appointment.objects.count() == 1


def test_a_reason_not_bookable_online_can_be_booked_by_phone(desk, alice, lefevre):
    private = make_reason(alice, "Certificat", 15, online_bookable=False)
    desk.post(BOOK, form(alice, private, patient=lefevre.pk, action="book"))
    assert Appointment.objects.get().visit_reason == private


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"patient": "new", "first_name": "x" * 101, "last_name": "B", "birth_date": "1990-01-01"}, "first_name"),
        ({"patient": "new", "first_name": "A", "last_name": "B\x00", "birth_date": "1990-01-01"}, "last_name"),
        ({"patient": "new", "first_name": "A", "last_name": "B", "birth_date": "2030-01-01"}, "birth_date"),
        ({"patient": "new", "first_name": "A", "last_name": "B", "birth_date": "1990-01-01", "phone": "12"}, "phone"),
        ({"patient": "' OR 1=1 --"}, "patient"),
        ({"patient": ""}, "patient"),
        ({"time": "25:00"}, "time"),
    ],
)
def test_bad_input_is_refused_naming_the_field(desk, alice, consultation, fields, field):
    data = {"phone": "0622222222", **form(alice, consultation, action="book"), **fields}
    response = desk.post(BOOK, data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not Appointment.objects.exists() and not Patient.objects.exists()


def test_bobs_agenda_cannot_be_booked_by_alices_secretary(desk, bob, lefevre):
    reason = make_reason(bob, "Dermatologie", 30)
    response = desk.post(BOOK, form(bob, reason, patient=lefevre.pk, action="book"))
    assert response.status_code == 400
    assert not Appointment.objects.exists()


def test_an_erased_patient_cannot_be_chosen(desk, alice, consultation, now):
    erased = make_patient(erased_at=now)
    response = desk.post(BOOK, form(alice, consultation, patient=erased.pk, action="book"))
    assert response.status_code == 400
    assert not Appointment.objects.exists()


def test_the_search_json_lists_at_most_twenty_patients(desk, lefevre):
    for number in range(25):
        make_patient("Jean", "Durand", phone=f"+336123450{number:02d}")
    results = desk.get("/workspace/patients/search.json", {"q": "durnd"}).json()["results"]
    assert len(results) == 20
    assert set(results[0]) == {
        "id",
        "first_name",
        "last_name",
        "name",
        "birth_date",
        "phone",
        "phone_display",
        "possible_duplicate",
    }
    found = desk.get("/workspace/patients/search.json", {"q": "Lefevre"}).json()["results"]
    assert found == [
        {
            "id": lefevre.pk,
            "first_name": "Hélène",
            "last_name": "Lefèvre",
            "name": "LEFÈVRE Hélène",
            "birth_date": "1975-01-02",
            "phone": "+33611111111",
            "phone_display": "06 11 11 11 11",
            "possible_duplicate": False,
        }
    ]
    assert desk.post("/workspace/patients/search.json", {"q": "Lefevre"}).status_code == 405


def test_anonymous_visitors_go_to_the_login_page(client, alice, consultation, lefevre):
    for response in (
        client.get(BOOK),
        client.post(BOOK, form(alice, consultation, patient=lefevre.pk, action="book")),
        client.get("/workspace/patients/search.json", {"q": "Lefevre"}),
    ):
        assert response.status_code == 302 and response.url.startswith("/workspace/login/")
    assert not Appointment.objects.exists()


def test_a_cross_site_booking_without_the_csrf_token_is_refused(sarah, alice, consultation, lefevre, now):
    browser = Client(enforce_csrf_checks=True)
    sign_in(browser, sarah)
    assert browser.post(BOOK, form(alice, consultation, patient=lefevre.pk, action="book")).status_code == 403
    assert not Appointment.objects.exists()


def test_an_offset_typed_unencoded_in_the_address_is_understood(desk, alice, consultation):
    page = desk.get(BOOK + f"?practitioner={alice.pk}&start=2027-03-01T14:40:00+01:00").content.decode()
    assert 'value="14:40"' in page


def test_a_patient_opened_on_the_booking_page_by_id_is_a_read(desk, alice, lefevre):
    page = desk.get(BOOK, {"practitioner": alice.pk, "patient": lefevre.pk}).content.decode()
    assert "06 11 11 11 11" in page
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.patient_id, entry.detail) == ("view", lefevre.pk, "booking")


def test_the_out_of_hours_warning_is_said_once_and_the_menu_marks_the_book_page(desk, alice, consultation, lefevre):
    response = desk.post(BOOK, form(alice, consultation, time="19:00", patient=lefevre.pk, action="book"))
    page = response.content.decode()
    assert page.count("outside the practitioner") == 1
    assert '<a href="/workspace/book/" aria-current="page">Book an appointment</a>' in page
    assert '<a href="/workspace/agenda/" aria-current="page">' not in page


def test_the_agenda_links_to_booking_for_each_practitioner_and_day(desk, alice, consultation):
    page = desk.get("/workspace/agenda/", {"date": "2027-03-04"}).content.decode()
    assert f'href="/workspace/book/?practitioner={alice.pk}&amp;day=2027-03-04"' in page
    booking_page = desk.get(BOOK, {"practitioner": alice.pk, "day": "2027-03-04"}).content.decode()
    assert 'name="day" id="id_day" value="2027-03-04"' in booking_page
