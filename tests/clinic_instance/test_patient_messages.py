"""Which messages a booking, a move, a cancellation, an absence or an erasure queues, and what they say."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.utils import translation
from icalendar import Calendar

from clinic_instance import booking, gdpr, message_templates, patient_messages, staff_booking
from clinic_instance.absences import create_absence
from clinic_instance.message_templates import SMS_MAX_LENGTH
from clinic_instance.models import Clinic, OutgoingMessage, SmsOptOut
from clinic_instance.patient_details import PatientDetails
from clinic_instance.wakeups import SEND_MESSAGES, send_soon
from tests.factories import make_appointment, make_patient, make_reason, paris

pytestmark = pytest.mark.django_db

PAUL = PatientDetails("Paul", "Petit", date(1980, 5, 17), "+33612345678", "paul@example.org")
MONDAY_15_9 = paris(2027, 3, 15, 9, 0)
REASON = "Dermatologie – grain de beauté"


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.OPENRDV_BASE_URL = "https://rdv.lilas.example"


@pytest.fixture
def mole(alice):
    """A visit reason that must never appear in a message."""
    return make_reason(alice, REASON, 20)


def book(alice, reason, start, now, patient=PAUL):
    return booking.book_appointment(
        practitioner=alice, visit_reason=reason, start=start, patient=patient, now=now
    ).appointment


def rows(**filters):
    return list(OutgoingMessage.objects.filter(**filters).order_by("kind", "due_at", "channel"))


def summary(**filters) -> set[tuple[str, str, str, datetime]]:
    return {(m.kind, m.channel, m.status, m.due_at) for m in rows(**filters)}


def test_a_booking_queues_a_confirmation_now_and_reminders_a_week_and_a_day_before(alice, consultation, now):
    appointment = book(alice, consultation, MONDAY_15_9, now)
    week, day = MONDAY_15_9 - timedelta(days=7), MONDAY_15_9 - timedelta(days=1)
    assert summary() == {
        ("confirmation", "sms", "pending", now),
        ("confirmation", "email", "pending", now),
        ("reminder", "sms", "pending", week),
        ("reminder", "email", "pending", week),
        ("reminder", "sms", "pending", day),
        ("reminder", "email", "pending", day),
    }
    for message in rows():
        assert message.appointment == appointment and message.patient == appointment.patient
        assert message.recipient == ("+33612345678" if message.channel == "sms" else "paul@example.org")
        assert str(appointment.pk) in message.dedupe_key
    assert {m.appointment_start for m in rows(kind="reminder")} == {MONDAY_15_9}
    assert rows(kind="reminder", channel="sms")[0].dedupe_key == (
        f"reminder:{appointment.pk}:168h:{MONDAY_15_9.timestamp():.0f}:sms"
    )


def test_queuing_twice_for_the_same_booking_queues_once(alice, consultation, now):
    appointment = book(alice, consultation, MONDAY_15_9, now)
    patient_messages.queue_booking_messages(appointment, now=now)
    assert OutgoingMessage.objects.count() == 6


def test_reminders_already_past_are_skipped(alice, consultation, now):
    book(alice, consultation, paris(2027, 3, 3, 9, 0), now)  # Wednesday: a week before is past
    assert {(m.kind, m.due_at) for m in rows(channel="sms")} == {
        ("confirmation", now),
        ("reminder", paris(2027, 3, 2, 9, 0)),
    }


def test_the_clinic_chooses_its_channels_and_offsets(alice, consultation, now):
    Clinic.objects.filter(pk=1).update(sms_enabled=False, reminder_offsets_hours=[48, 2])
    book(alice, consultation, MONDAY_15_9, now)
    assert {(m.kind, m.channel, m.due_at) for m in rows()} == {
        ("confirmation", "email", now),
        ("reminder", "email", MONDAY_15_9 - timedelta(hours=48)),
        ("reminder", "email", MONDAY_15_9 - timedelta(hours=2)),
    }


def test_a_patient_without_e_mail_or_who_answered_stop_gets_only_what_reaches_them(alice, consultation, now):
    SmsOptOut.objects.create(phone="+33600000002")
    book(alice, consultation, MONDAY_15_9, now, patient=PatientDetails("Zoé", "Roux", date(1990, 1, 1), "+33600000001"))
    book(alice, consultation, MONDAY_15_9 + timedelta(hours=1), now,
         patient=PatientDetails("Léo", "Roy", date(1990, 1, 1), "+33600000002", "leo@example.org"))  # fmt: skip
    assert {m.channel for m in rows(patient__last_name="Roux")} == {"sms"}
    assert {m.channel for m in rows(patient__last_name="Roy")} == {"email"}


def test_the_confirmation_e_mail_carries_the_calendar_file_without_the_visit_reason(alice, mole, now):
    appointment = book(alice, mole, MONDAY_15_9, now)
    (email,) = rows(kind="confirmation", channel="email")
    event = Calendar.from_ical(email.attachment).walk("VEVENT")[0]
    assert event.decoded("dtstart") == MONDAY_15_9
    assert str(event["url"]) == patient_messages.manage_url(appointment)
    assert REASON not in email.attachment and "Dermatologie" not in email.attachment
    assert all(m.attachment == "" for m in rows() if m != email)


def test_a_moved_appointment_cancels_its_old_reminders_and_queues_new_ones(alice, consultation, now):
    appointment = book(alice, consultation, MONDAY_15_9, now)
    new_start = paris(2027, 3, 16, 10, 0)
    with time_machine.travel(now + timedelta(minutes=5), tick=False):
        booking.reschedule_appointment(appointment=appointment, start=new_start, now=now + timedelta(minutes=5))
    assert {m.due_at for m in rows(kind="reminder", status="cancelled")} == {
        MONDAY_15_9 - timedelta(days=7),
        MONDAY_15_9 - timedelta(days=1),
    }
    assert {(m.due_at, m.appointment_start) for m in rows(kind="reminder", status="pending")} == {
        (new_start - timedelta(days=7), new_start),
        (new_start - timedelta(days=1), new_start),
    }
    (change,) = rows(kind="change", channel="sms")
    with translation.override("fr"):
        assert "mardi 16 mars 2027" in change.body and "10:00" in change.body


def test_a_staff_move_there_and_back_revives_the_first_reminders(alice, consultation, now):
    appointment = book(alice, consultation, MONDAY_15_9, now)
    elsewhere = paris(2027, 3, 16, 10, 0)
    for minutes, start in ((5, elsewhere), (10, MONDAY_15_9)):
        moment = now + timedelta(minutes=minutes)
        with time_machine.travel(moment, tick=False):
            staff_booking.move_appointment(appointment=appointment, start=start, now=moment)
    assert {m.appointment_start for m in rows(kind="reminder", status="pending")} == {MONDAY_15_9}
    assert len(rows(kind="reminder", status="pending")) == 4
    assert len(rows(kind="change")) == 4  # two moves, two channels


def test_cancelling_withdraws_the_reminders_and_queues_one_notice(alice, consultation, now):
    appointment = book(alice, consultation, MONDAY_15_9, now)
    staff_booking.cancel_by_clinic(appointment=appointment, reason="Le Dr Durand est malade", now=now)
    assert {m.status for m in rows(kind="reminder")} == {"cancelled"}
    notices = rows(kind="cancellation")
    assert {m.channel for m in notices} == {"sms", "email"}
    assert all("malade" not in m.body for m in notices)  # the clinic's reason may be clinical


def test_a_patient_who_cancels_gets_a_confirmation_of_the_cancellation(alice, consultation, now):
    appointment = book(alice, consultation, MONDAY_15_9, now)
    booking.cancel_appointment(appointment=appointment, now=now)
    assert {(m.kind, m.channel) for m in rows(status="pending")} == {
        ("confirmation", "sms"),
        ("confirmation", "email"),
        ("cancellation", "sms"),
        ("cancellation", "email"),
    }


def test_an_absence_sends_an_absence_notice_instead_of_the_cancellation_notice(alice, consultation, now):
    appointment = book(alice, consultation, MONDAY_15_9, now)
    create_absence(alice, "absence", paris(2027, 3, 15, 0), paris(2027, 3, 16, 0), "", cancel_affected=True,
                   reason="Congrès", now=now)  # fmt: skip
    assert not rows(kind="cancellation")
    assert {m.channel for m in rows(kind="absence", appointment=appointment)} == {"sms", "email"}
    assert {m.status for m in rows(kind="reminder")} == {"cancelled"}


def test_an_absence_keeping_the_appointments_sends_nothing(alice, consultation, now):
    book(alice, consultation, MONDAY_15_9, now)
    create_absence(alice, "absence", paris(2027, 3, 15, 0), paris(2027, 3, 16, 0), "", cancel_affected=False,
                   reason="", now=now)  # fmt: skip
    assert not rows(kind="absence") and not rows(kind="cancellation")


def test_erasure_withdraws_the_patients_messages_and_forgets_their_recipient(alice, consultation, now):
    appointment = book(alice, consultation, MONDAY_15_9, now)
    OutgoingMessage.objects.filter(kind="confirmation").update(status="sent", sent_at=now)
    gdpr.erase_patient(appointment.patient, now=now)
    assert {m.status for m in rows(kind="reminder")} == {"cancelled"}
    assert {m.status for m in rows(kind="confirmation")} == {"sent"}
    for message in rows():
        assert (message.recipient, message.body, message.subject, message.attachment) == ("erased", "erased", "", "")


def test_a_booking_by_phone_queues_the_same_messages(alice, consultation, now):
    patient = make_patient(language="en")
    staff_booking.book_by_phone(practitioner=alice, visit_reason=consultation, start=MONDAY_15_9, patient=patient,
                                now=now)  # fmt: skip
    assert len(rows()) == 6
    assert {m.language for m in rows()} == {"en"}
    assert "Monday 15 March 2027" in rows(kind="confirmation", channel="sms")[0].body


def test_an_online_booking_records_the_language_of_the_page(alice, consultation, now):
    with translation.override("en-us"):
        appointment = book(alice, consultation, MONDAY_15_9, now)
    assert appointment.patient.language == "en"
    assert {m.language for m in rows()} == {"en"}


def test_no_message_names_the_visit_reason_or_the_specialty(alice, mole, now):
    for index, language in enumerate(("fr", "en")):
        patient = make_patient("Zoé", language, language=language, phone=f"+3361111111{index}")
        appointment = make_appointment(alice, mole, MONDAY_15_9 + timedelta(hours=index), patient=patient,
                                       staff_note="grain de beauté suspect")  # fmt: skip
        patient_messages.queue_booking_messages(appointment, now=now)
        patient_messages.queue_change_messages(appointment, now=now)
        patient_messages.queue_cancellation_messages(appointment, now=now)
        patient_messages.queue_absence_messages(appointment, now=now)
    messages = rows()
    assert {m.kind for m in messages} == {"confirmation", "reminder", "change", "absence"}
    for message in messages:
        text = f"{message.subject}\n{message.body}"
        for secret in (REASON, "Dermatologie", "grain de beauté", alice.specialty, "Médecin"):
            assert secret not in text
        assert "Dr Alice Durand" in message.body
        assert "Cabinet des Lilas" in message.body
        assert "https://rdv.lilas.example/appointment/" in message.body or message.kind in ("cancellation", "absence")


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_sms_fits_in_two_segments_even_with_long_names(alice, consultation, now, language):
    Clinic.objects.filter(pk=1).update(
        name="Maison de santé pluriprofessionnelle universitaire des Coteaux de Saint-Martin-la-Garenne",
        phone="+33123456789",
    )
    alice.first_name, alice.last_name = "Marie-Bernadette", "de La Rochefoucauld-Montmorency"
    alice.save()
    patient = make_patient(language=language)
    appointment = make_appointment(alice, consultation, paris(2027, 9, 22, 17, 40), patient=patient)
    patient_messages.queue_booking_messages(appointment, now=now)
    patient_messages.queue_change_messages(appointment, now=now)
    patient_messages.queue_cancellation_messages(appointment, now=now)
    patient_messages.queue_absence_messages(appointment, now=now)
    sms = rows(channel="sms")
    assert {m.kind for m in sms} == {"confirmation", "reminder", "change", "absence"}
    for message in sms:
        assert len(message.body) <= SMS_MAX_LENGTH, (message.kind, len(message.body))
        assert "\n" not in message.body


@pytest.mark.parametrize(
    ("start", "expected_date", "utc_hour"),
    [
        (paris(2027, 3, 27, 9, 20), "samedi 27 mars 2027", 8),  # last day of winter time
        (paris(2027, 3, 28, 9, 20), "dimanche 28 mars 2027", 7),  # clocks go forward at 2:00
        (paris(2027, 10, 31, 9, 20), "dimanche 31 octobre 2027", 8),  # and back
        (paris(2027, 3, 1, 9, 20), "lundi 1 mars 2027", 8),
    ],
)
def test_dates_are_written_in_french_in_the_clinics_zone(alice, consultation, start, expected_date, utc_hour):
    appointment = make_appointment(alice, consultation, start)
    assert appointment.start.utctimetuple().tm_hour == utc_hour
    context = patient_messages.message_context(appointment, "fr")
    assert (context["date"], context["time"]) == (expected_date, "09:20")


def test_offsets_are_hours_so_across_the_change_to_summer_time_a_reminder_comes_an_hour_earlier(alice, consultation):
    Clinic.objects.filter(pk=1).update(reminder_offsets_hours=[72])
    moment = paris(2027, 3, 25, 8)
    with time_machine.travel(moment, tick=False):
        appointment = book(alice, consultation, paris(2027, 3, 30, 9, 20), moment)  # Tuesday, summer time
    (reminder,) = rows(kind="reminder", channel="sms")
    assert reminder.due_at == paris(2027, 3, 27, 8, 20)  # winter time: 72 hours, not 3 days, before
    assert appointment.start.astimezone(UTC) - reminder.due_at == timedelta(hours=72)
    assert "mardi 30 mars 2027" in reminder.body and "09:20" in reminder.body


def test_a_booking_wakes_the_dispatcher_only_once_committed(
    alice, consultation, now, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        book(alice, consultation, MONDAY_15_9, now)
    assert [(callback.func, callback.args) for callback in callbacks] == [(send_soon, (SEND_MESSAGES,))]


def test_a_french_patient_reads_french_and_an_english_one_english(alice, consultation, now):
    with translation.override("fr"):
        book(alice, consultation, MONDAY_15_9, now)
    with translation.override("en"):
        book(alice, consultation, MONDAY_15_9 + timedelta(hours=1), now,
             patient=PatientDetails("Ann", "Smith", date(1990, 1, 2), "+33622222222", ""))  # fmt: skip
    french = OutgoingMessage.objects.get(kind="confirmation", channel="sms", recipient="+33612345678")
    english = OutgoingMessage.objects.get(kind="confirmation", channel="sms", recipient="+33622222222")
    assert french.language == "fr" and "RDV confirmé" in french.body and "lundi 15 mars 2027" in french.body
    assert english.language == "en" and "appointment confirmed" in english.body and "10:00" in english.body


@pytest.mark.parametrize("language", ["fr", "en"])
def test_messages_name_the_clinic_beside_the_practitioner_without_an_article_and_its_phone_for_reading(
    alice, consultation, now, language
):
    """'avec Dr Alice Durand au Maison de santé…' was wrong French: no article is written before the clinic."""
    Clinic.objects.filter(pk=1).update(name="Maison de santé des Tilleuls", phone="+33299000000")
    context = patient_messages.message_context(book(alice, consultation, MONDAY_15_9, now), language)
    for kind in message_templates.EDITABLE_KINDS:
        for channel in ("sms", "email"):
            body = message_templates.render_message(kind, channel, language, context).body
            assert " au Maison" not in body and " à Maison" not in body and " at Maison" not in body
            assert "+33299000000" not in body
    confirmation = message_templates.render_message("confirmation", "email", language, context).body
    assert "Dr Alice Durand (Maison de santé des Tilleuls)" in confirmation
    assert "02 99 00 00 00" in confirmation


def test_a_foreign_clinic_phone_reaches_messages_in_international_format(alice, consultation, now):
    Clinic.objects.filter(pk=1).update(phone="+3222001111")
    context = patient_messages.message_context(book(alice, consultation, MONDAY_15_9, now), "fr")
    assert context["clinic_phone"] == "+32 2 200 11 11"
