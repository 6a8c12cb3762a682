"""One phone or e-mail address is queued at most the clinic's daily share of messages, whatever the bookings.

Issue 17: with phone codes off, four threads booking under one patient's details got 1,190 bookings
in 32 s and the outbox queued 3,492 SMS to one number. Personas: Paul Petit books again and again;
Marie Martin books once, from her own phone; Anne administers the clinic.
"""

import re
import threading
from datetime import date, time, timedelta

import pytest
import requests
import time_machine
from django.utils import timezone

from clinic_instance import booking, message_cap, phone_verification
from clinic_instance.dispatch import dispatch_due
from clinic_instance.models import Clinic, OutgoingMessage
from clinic_instance.outbox_review import resend
from clinic_instance.patient_details import PatientDetails
from tests.dispatch_support import FILE_BACKEND
from tests.factories import make_clinic, make_practitioner, make_reason, paris, patient_json
from tests.workspace import sign_in, staff_user

Status = OutgoingMessage.Status
PHONE, EMAIL = "+33612345678", "paul@example.org"
PAUL = PatientDetails("Paul", "Petit", date(1980, 5, 17), PHONE, EMAIL)
MARIE = PatientDetails("Marie", "Martin", date(1975, 2, 3), "+33698765432", "marie@example.org")
CAP = 5
PAGE = "/workspace/messages/outbox/"
MONDAY_15_9 = paris(2027, 3, 15, 9, 0)


@pytest.fixture(autouse=True)
def _settings(settings, tmp_path):
    settings.OPENRDV_BASE_URL = "https://rdv.lilas.example"
    settings.SMS_BACKEND = FILE_BACKEND
    settings.SMS_FILE_PATH = str(tmp_path / "sms")


@pytest.fixture
def capped_clinic(clinic):
    clinic.messages_per_recipient_per_day = CAP
    clinic.save()
    return clinic


@pytest.fixture
def anne(clinic):
    return staff_user("anne", "admin")


def book(alice, reason, count: int, now, patient=PAUL, first=MONDAY_15_9):
    """`count` bookings, 20 minutes apart from `first`: each queues a confirmation and two reminders."""
    for index in range(count):
        booking.book_appointment(
            practitioner=alice,
            visit_reason=reason,
            start=first + timedelta(minutes=20 * index),
            patient=patient,
            now=now,
        )


def statuses(recipient: str) -> dict[str, int]:
    rows = OutgoingMessage.objects.filter(recipient=recipient).exclude(kind="verification")
    return {status: rows.filter(status=status).count() for status in (Status.PENDING, Status.CAPPED)}


def alerts(**filters):
    return OutgoingMessage.objects.filter(kind=OutgoingMessage.Kind.ALERT, **filters)


# ---------------------------------------------------------------- the cap


def test_sequential_bookings_queue_at_most_the_cap_to_one_phone_and_hold_the_rest_back(
    alice, consultation, capped_clinic, now
):
    book(alice, consultation, 4, now)
    assert statuses(PHONE) == {Status.PENDING: CAP, Status.CAPPED: 4 * 3 - CAP}  # none dropped
    assert statuses(EMAIL) == {Status.PENDING: CAP, Status.CAPPED: 4 * 3 - CAP}
    capped = OutgoingMessage.objects.filter(status=Status.CAPPED).first()
    assert capped.last_error == f"held back: {CAP} messages to this recipient in 24 h"


def test_the_default_cap_is_twenty_a_day(alice, consultation, clinic, now):
    assert Clinic.load().messages_per_recipient_per_day == 20
    book(alice, consultation, 8, now)
    assert statuses(PHONE) == {Status.PENDING: 20, Status.CAPPED: 4}


def test_held_back_messages_are_never_sent(alice, consultation, capped_clinic, now):
    book(alice, consultation, 3, now)
    later = now + timedelta(days=30)  # every reminder is due
    with time_machine.travel(later, tick=False):
        dispatch_due(now=later)
    assert OutgoingMessage.objects.filter(status=Status.CAPPED).count() == 2 * (3 * 3 - CAP)
    assert not OutgoingMessage.objects.filter(status=Status.PENDING, kind__in=["confirmation", "reminder"]).exists()


def test_other_recipients_are_unaffected(alice, consultation, capped_clinic, now):
    book(alice, consultation, 4, now)
    book(alice, consultation, 1, now, patient=MARIE, first=paris(2027, 3, 16, 9, 0))
    assert statuses(MARIE.phone) == {Status.PENDING: 3, Status.CAPPED: 0}
    assert statuses(MARIE.email) == {Status.PENDING: 3, Status.CAPPED: 0}


def test_a_new_day_lets_messages_through_again(alice, consultation, capped_clinic, now):
    book(alice, consultation, 2, now)  # 6 SMS: the cap is reached
    with time_machine.travel(now + timedelta(hours=23), tick=False):
        book(alice, consultation, 1, now + timedelta(hours=23), first=paris(2027, 3, 16, 9, 0))
    assert statuses(PHONE) == {Status.PENDING: CAP, Status.CAPPED: 4}
    tomorrow = now + timedelta(hours=24, minutes=1)
    with time_machine.travel(tomorrow, tick=False):
        book(alice, consultation, 1, tomorrow, first=paris(2027, 3, 17, 9, 0))
    assert statuses(PHONE) == {Status.PENDING: CAP + 3, Status.CAPPED: 4}


def test_withdrawn_messages_and_verification_codes_do_not_count(alice, consultation, capped_clinic, now):
    book(alice, consultation, 1, now)
    appointment = alice.appointments.get()
    booking.cancel_appointment(appointment=appointment, now=now, by="clinic")  # 2 reminders withdrawn, 1 notice
    for index in range(10):
        OutgoingMessage.objects.create(
            channel="sms", kind="verification", recipient=PHONE, body="-", dedupe_key=f"verification:{index}"
        )
    book(alice, consultation, 1, now, first=paris(2027, 3, 16, 9, 0))
    # The confirmation and the cancellation notice, then this booking's three: the cap, not past it.
    assert statuses(PHONE) == {Status.PENDING: CAP, Status.CAPPED: 0}


def test_a_verification_code_is_never_held_back(alice, consultation, capped_clinic, now):
    book(alice, consultation, 2, now)
    phone_verification.send_code(phone=PHONE, address="203.0.113.5", now=now, language="fr")
    code = OutgoingMessage.objects.get(kind="verification")
    assert code.status == Status.PENDING


def test_an_administrator_may_send_a_held_back_message(alice, consultation, capped_clinic, now):
    book(alice, consultation, 2, now)
    held = OutgoingMessage.objects.filter(status=Status.CAPPED).first()
    assert resend(held.pk, now=now, expected=Status.CAPPED).status == Status.PENDING


# ---------------------------------------------------------------- the administrators


def test_the_administrators_are_alerted_once_per_recipient_and_day_without_its_number(
    alice, consultation, capped_clinic, anne, now
):
    book(alice, consultation, 1, now)
    assert not alerts().exists()  # under the cap: nothing to say
    book(alice, consultation, 4, now, first=paris(2027, 3, 16, 9, 0))
    assert alerts().count() == 2  # Paul's phone and Paul's address, to Anne
    sms_alert = alerts(subject__contains="SMS").get()
    assert sms_alert.recipient == anne.email and sms_alert.status == Status.PENDING
    paul = alice.appointments.first().patient
    assert f"https://rdv.lilas.example/workspace/patients/{paul.pk}/" in sms_alert.body
    assert "+33 6 •• •• •• 78" in sms_alert.body
    for alert in alerts():
        assert "612345678" not in alert.body + alert.subject and EMAIL not in alert.body + alert.subject
        assert "Paul" not in alert.body and "Petit" not in alert.body
    tomorrow = now + timedelta(days=1)
    with time_machine.travel(tomorrow, tick=False):
        book(alice, consultation, 3, tomorrow, first=paris(2027, 3, 17, 9, 0))
    assert alerts().count() == 4  # a new day, a new alert per recipient


def test_the_alert_is_written_in_the_clinics_language(alice, consultation, capped_clinic, anne, now):
    book(alice, consultation, 2, now)
    assert alerts(subject__startswith="Messages retenus").count() == 2


def test_the_staff_outbox_lists_held_back_messages_and_why(client, alice, consultation, capped_clinic, anne, now):
    book(alice, consultation, 2, now)
    sign_in(client, anne)
    response = client.get(PAGE, headers={"Accept-Language": "en"})
    listed = list(response.context["page"].object_list)
    assert len(listed) == 2 and {message.status for message in listed} == {Status.CAPPED}
    text = re.sub(r"<[^>]+>", "", response.content.decode())
    assert "2 held back" in text and "Held back: too many messages to this recipient in 24 hours" in text
    assert "this recipient already had the clinic's limit of messages" in text
    assert PHONE not in text and EMAIL not in text
    french = re.sub(
        r"<[^>]+>", "", client.get(f"{PAGE}?status=capped", headers={"Accept-Language": "fr"}).content.decode()
    )
    assert "2 retenus" in french and "Retenu : trop de messages à ce destinataire en 24 heures" in french


def test_administrators_set_the_cap_in_the_admin(client, clinic):
    from clinic_instance.staff_accounts import grant_admin_site

    admin = staff_user("anne", "admin")
    grant_admin_site(admin, "admin")
    sign_in(client, admin)
    page = client.get("/admin/clinic_instance/clinic/1/change/", headers={"Accept-Language": "fr"}).content.decode()
    assert 'name="messages_per_recipient_per_day"' in page and "Messages par destinataire et par jour" in page


# ---------------------------------------------------------------- a burst of real requests

THREADS, BOOKINGS_EACH = 4, 5


@pytest.fixture
def agendas(transactional_db):
    """One agenda per thread: bookings of one agenda wait for each other (its lock), those of four do not."""
    make_clinic(messages_per_recipient_per_day=CAP)
    practitioners = [
        make_practitioner("Alice", f"Durand {index}", weekdays=range(7), ranges=((time(8), time(18)),))
        for index in range(THREADS)
    ]
    reason = make_reason(practitioners[0], "Consultation", 20)
    reason.practitioners.add(*practitioners)
    return practitioners, reason


def free_slots(live_server, practitioner, reason) -> list[str]:
    day = timezone.localdate() + timedelta(days=10)  # both reminders are still ahead
    response = requests.get(
        f"{live_server.url}/api/v1/slots/",
        params={"practitioner": practitioner.pk, "visit_reason": reason.pk, "from": day, "to": day},
        timeout=10,
    )
    return [slot["start"] for slot in response.json()["slots"]][:BOOKINGS_EACH]


def burst(live_server, practitioners, reason) -> list[int]:
    """THREADS clients released together, each booking BOOKINGS_EACH slots of its agenda for Paul."""
    slots = [free_slots(live_server, practitioner, reason) for practitioner in practitioners]
    barrier = threading.Barrier(THREADS)
    codes: list[int] = []

    def client(practitioner, starts) -> None:
        with requests.Session() as session:
            barrier.wait()
            for start in starts:
                body = {"practitioner": practitioner.pk, "visit_reason": reason.pk, "start": start}
                response = session.post(
                    f"{live_server.url}/api/v1/appointments/", json={**body, "patient": patient_json()}, timeout=30
                )
                codes.append(response.status_code)

    threads = [threading.Thread(target=client, args=pair) for pair in zip(practitioners, slots, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return codes


def test_a_burst_of_simultaneous_bookings_for_one_phone_queues_at_most_the_cap(live_server, agendas):
    practitioners, reason = agendas
    codes = burst(live_server, practitioners, reason)
    assert codes == [201] * THREADS * BOOKINGS_EACH
    queued = THREADS * BOOKINGS_EACH * 3  # a confirmation and two reminders each
    assert statuses(PHONE) == {Status.PENDING: CAP, Status.CAPPED: queued - CAP}
    assert statuses(EMAIL) == {Status.PENDING: CAP, Status.CAPPED: queued - CAP}


def test_negative_control_without_the_recipient_lock_the_burst_passes_the_cap(live_server, agendas, monkeypatch):
    practitioners, reason = agendas
    # No lock, and a window between the count and the insert as a loaded server has.
    monkeypatch.setattr(message_cap, "_lock_statement", lambda recipients: ("SELECT pg_sleep(0.05)", []))
    codes = burst(live_server, practitioners, reason)
    assert codes == [201] * THREADS * BOOKINGS_EACH
    assert statuses(PHONE)[Status.PENDING] > CAP
