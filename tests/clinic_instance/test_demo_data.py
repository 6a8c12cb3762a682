"""The demo practices as seeded: what a visitor trying the demo at night sees."""

from datetime import date, time

import pytest
import time_machine

from clinic_instance import waitlist
from clinic_instance.demo_data import create_demo_clinic
from clinic_instance.dispatch import claim, deliver
from clinic_instance.models import Clinic, OutgoingMessage, Practitioner
from clinic_instance.patient_details import PatientDetails
from clinic_instance.waitlist import Preferences
from tests.factories import paris

pytestmark = pytest.mark.django_db

TUESDAY_22 = paris(2027, 3, 2, 22, 0)  # past the clinics' usual quiet-hours start (20:00)
THURSDAY = 1 << 3
LOU = PatientDetails("Lou", "Petit", date(1990, 1, 1), "+33687654321")


@pytest.fixture
def night():
    with time_machine.travel(TUESDAY_22, tick=False):
        yield TUESDAY_22


@pytest.fixture
def chenes(night, settings, tmp_path):
    settings.SMS_BACKEND = "clinic_instance.sms.file.SmsBackend"
    settings.SMS_FILE_PATH = str(tmp_path / "sms")
    return create_demo_clinic(now=night, practice="chenes")


def test_a_demo_booking_made_at_22_00_in_paris_is_texted_at_once(chenes, night):
    sms = next(message for message in claim("w1", now=night, limit=20) if message.channel == "sms")
    assert sms.kind == OutgoingMessage.Kind.CONFIRMATION and sms.appointment_id
    assert deliver(sms, now=night) == OutgoingMessage.Status.SENT
    sms.refresh_from_db()
    assert sms.sent_at == night


def test_a_demo_clinic_offers_free_time_to_its_waiting_list_at_night(chenes, night):
    garnier = Practitioner.objects.get(last_name="Garnier")
    every_thursday = Preferences(weekdays=THURSDAY, earliest=time(8), latest=time(18), until=date(2027, 3, 10))
    waitlist.join(
        practitioner=garnier, visit_reason=garnier.visit_reasons.get(patients="all"), patient=LOU,
        preferences=every_thursday, now=night, address=None,
    )  # fmt: skip
    assert waitlist.offer_free_slots(night) == 1


def test_the_negative_control_default_quiet_hours_hold_a_demo_sms_at_night(chenes, night):
    Clinic.objects.update(quiet_hours_start=time(20), quiet_hours_end=time(8))
    sms = next(message for message in claim("w1", now=night, limit=20) if message.channel == "sms")
    assert deliver(sms, now=night) == OutgoingMessage.Status.PENDING
    sms.refresh_from_db()
    assert sms.due_at == paris(2027, 3, 3, 8, 0)


def test_the_demo_has_a_cardiologist_with_visit_reasons(chenes):
    cardiologist = Practitioner.objects.get(specialty_code="cardiologie")
    assert cardiologist.visit_reasons.filter(patients="all").exists()
