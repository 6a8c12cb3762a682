"""The workspace's waiting list: staff see the queues of their agendas only, and can take a patient off."""

from datetime import date, time

import pytest
from django.test import Client

from clinic_instance import waitlist
from clinic_instance.models import AuditEntry, WaitlistEntry
from clinic_instance.patient_details import PatientDetails
from clinic_instance.waitlist import Preferences
from tests.factories import make_reason
from tests.workspace import sign_in, staff_user

PAGE = "/workspace/waiting-list/"
WEEKDAYS = Preferences(weekdays=0b11111, earliest=time(9), latest=time(12), until=date(2027, 3, 20))


@pytest.fixture
def client():
    return Client(headers={"accept-language": "en"})


def waiting(first_name, phone, practitioner, reason, now):
    details = PatientDetails(
        first_name=first_name, last_name="Petit", birth_date=date(1980, 5, 17), phone=phone, email=""
    )
    return waitlist.join(
        practitioner=practitioner, visit_reason=reason, patient=details, preferences=WEEKDAYS, now=now, address=None
    )


@pytest.fixture
def queues(alice, bob, consultation, now):
    dermatology = make_reason(bob, "Dermatologie", 30)
    return {
        "paul": waiting("Paul", "+33612345678", alice, consultation, now),
        "marie": waiting("Marie", "+33698765432", alice, consultation, now),
        "zoe": waiting("Zoé", "+33611111111", bob, dermatology, now),
    }


def test_a_secretary_sees_the_queue_of_her_agendas_in_order_and_it_is_audited(client, alice, queues, now):
    sign_in(client, staff_user("sarah", "secretary", agendas=[alice]))
    page = client.get(PAGE).content.decode()
    assert page.index("PETIT Paul") < page.index("PETIT Marie") and "Zoé" not in page
    assert "Mon, Tue, Wed, Thu, Fri" in page and "09:00–12:00" in page and "06 12 34 56 78" in page
    viewed = AuditEntry.objects.filter(action="view", detail="waiting list")
    assert sorted(viewed.values_list("patient_id", flat=True)) == sorted(
        [queues["paul"].patient_id, queues["marie"].patient_id]
    )


def test_a_practitioner_filter_outside_her_agendas_is_404(client, alice, bob, queues):
    sign_in(client, staff_user("sarah", "secretary", agendas=[alice]))
    assert client.get(PAGE, {"practitioner": bob.pk}).status_code == 404
    assert client.get(PAGE, {"practitioner": "'; DROP TABLE x; --"}).status_code == 404
    assert client.get(PAGE, {"practitioner": alice.pk}).status_code == 200


def test_taking_a_patient_off_and_the_idor_attempt(client, alice, queues):
    sign_in(client, staff_user("sarah", "secretary", agendas=[alice]))
    other = client.post(f"{PAGE}{queues['zoe'].pk}/remove/")
    missing = client.post(f"{PAGE}999999/remove/")
    assert other.status_code == missing.status_code == 404
    assert WaitlistEntry.objects.get(pk=queues["zoe"].pk).status == "waiting"
    assert client.get(f"{PAGE}{queues['paul'].pk}/remove/").status_code == 405
    assert client.post(f"{PAGE}{queues['paul'].pk}/remove/").status_code == 302
    assert WaitlistEntry.objects.get(pk=queues["paul"].pk).status == "left"
    assert AuditEntry.objects.filter(action="delete", patient_id=queues["paul"].patient_id).exists()


def test_anonymous_visitors_are_sent_to_sign_in(client, queues):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/workspace/login/" in response["Location"]
