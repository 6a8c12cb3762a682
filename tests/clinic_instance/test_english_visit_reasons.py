"""Visit reasons and specialties in English on the booking pages, from the English name staff give them."""

import json

import pytest
from django.urls import reverse

from clinic_instance.demo_data import PRACTICES, REASONS_IN_ENGLISH
from clinic_instance.models import VisitReason
from tests.factories import make_appointment, make_reason, paris
from tests.workspace import sign_in, staff_user

FOLLOW_UP = {"name": "Consultation de suivi", "name_en": "Follow-up consultation"}


@pytest.fixture
def follow_up(alice):
    return make_reason(alice, minutes=20, **FOLLOW_UP)


def in_english(client, url: str, **params) -> str:
    return client.get(url, params, headers={"Accept-Language": "en"}).content.decode()


def in_french(client, url: str, **params) -> str:
    return client.get(url, params, headers={"Accept-Language": "fr"}).content.decode()


def test_the_practitioner_page_names_the_visit_reason_in_english(client, alice, follow_up, now):
    url = f"/book/{alice.pk}/"
    assert "Follow-up consultation" in in_english(client, url, reason=follow_up.pk)
    assert "Consultation de suivi" not in in_english(client, url, reason=follow_up.pk)
    assert "Consultation de suivi" in in_french(client, url, reason=follow_up.pk)


def test_without_an_english_name_english_pages_show_the_french_one(client, alice, now):
    renewal = make_reason(alice, "Renouvellement d'ordonnance", 15)
    assert "Renouvellement d&#x27;ordonnance" in in_english(client, f"/book/{alice.pk}/", reason=renewal.pk)


def test_the_details_and_manage_pages_and_the_calendar_file_name_it_in_english(client, alice, follow_up, now):
    start = "2027-03-02T09:00:00+01:00"
    assert "Follow-up consultation" in in_english(client, f"/book/{alice.pk}/{follow_up.pk}/", start=start)
    appointment = make_appointment(alice, follow_up, paris(2027, 3, 2, 9, 0))
    manage = f"/appointment/{appointment.manage_token}/"
    assert "Follow-up consultation" in in_english(client, manage)
    assert "Consultation de suivi" in in_french(client, manage)
    assert "Follow-up consultation" in in_english(client, f"{manage}calendar.ics")


def test_the_specialty_reads_in_english_when_its_directory_code_is_known(client, alice, bob, now):
    alice.specialty_code = "medecine-generale"
    alice.save()
    page = in_english(client, "/")
    assert "General practitioner" in page and "Médecin généraliste" not in page
    assert "Dermatologue" in page  # Bob has no directory code: as the staff wrote it
    assert "Médecin généraliste" in in_french(client, "/")


def test_staff_give_the_english_name_in_the_workspace(client, alice, follow_up, now):
    sign_in(client, staff_user("sarah", "secretary", agendas=[alice]))
    url = reverse("workspace:practitioner-reason", args=[alice.pk, follow_up.pk])
    assert 'name="name_en"' in client.get(url).content.decode()
    data = {"name": "Consultation de suivi", "name_en": "Check-up", "duration_minutes": "20", "online_bookable": "on",
            "patients": "all", "instructions": "", "is_active": "on"}  # fmt: skip
    assert client.post(url, data).status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.name_en == "Check-up"


def test_staff_give_the_english_name_through_the_api(client, alice, follow_up, now):
    sign_in(client, staff_user("sarah", "secretary", agendas=[alice]))
    url = f"/api/v1/staff/practitioners/{alice.pk}/visit-reasons/{follow_up.pk}/"
    response = client.patch(url, json.dumps({"name_en": "Check-up"}), content_type="application/json")
    assert response.status_code == 200 and response.json()["name_en"] == "Check-up"
    assert VisitReason.objects.get(pk=follow_up.pk).name_en == "Check-up"


def test_every_visit_reason_of_the_demo_has_an_english_name():
    names = {reason[0] for practice in PRACTICES.values() for row in practice["practitioners"] for reason in row[6]}
    assert names and names <= REASONS_IN_ENGLISH.keys()
