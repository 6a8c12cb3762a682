"""The waiting list (issue 6): joining, offers in order with a hold, first to confirm gets the slot."""

import threading
from datetime import date, time, timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import translation

from clinic_instance import booking, gdpr, waitlist
from clinic_instance.availability import available_slots
from clinic_instance.models import Appointment, Clinic, OutgoingMessage, WaitlistEntry, WaitlistOffer
from clinic_instance.patient_details import PatientDetails
from clinic_instance.waitlist import Preferences
from tests.factories import make_appointment, make_patient, paris

TUESDAY_9 = paris(2027, 3, 2, 9)
TUESDAY = 1 << 1


def person(first_name: str, phone: str, email: str = "") -> PatientDetails:
    return PatientDetails(
        first_name=first_name, last_name="Petit", birth_date=date(1980, 5, 17), phone=phone, email=email
    )


PAUL = person("Paul", "+33612345678", "paul@example.org")
MARIE = person("Marie", "+33698765432")
ONLY_TUESDAY_9 = Preferences(weekdays=TUESDAY, earliest=time(9), latest=time(9), until=date(2027, 3, 2))


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


def join(who, alice, consultation, now, preferences=ONLY_TUESDAY_9):
    return waitlist.join(
        practitioner=alice, visit_reason=consultation, patient=who, preferences=preferences, now=now, address=None
    )


@pytest.fixture
def tuesday_taken(alice, consultation):
    return make_appointment(alice, consultation, TUESDAY_9, make_patient("Zoé", phone="+33611111111"))


def free_slot(alice, consultation, now):
    booking.cancel_appointment(
        appointment=Appointment.objects.get(start=TUESDAY_9), now=now, by=Appointment.CancelledBy.CLINIC
    )


def test_joining_again_needs_a_proven_phone_and_keeps_the_place(clinic, alice, consultation, now):
    from clinic_instance import phone_verification

    first = join(PAUL, alice, consultation, now)
    later = Preferences(weekdays=0b11111, earliest=time(8), latest=time(18), until=date(2027, 3, 20))
    with pytest.raises(booking.BookingError) as refused:  # details alone must not reach someone's entry
        join(PAUL, alice, consultation, now, later)
    assert refused.value.code == "already_waiting"
    clinic.phone_verification = True
    clinic.save()
    issued = phone_verification.send_code(phone=PAUL.phone, address=None, now=now, language="en")
    code = OutgoingMessage.objects.get(kind="verification").body.split("code is ")[1][:6]
    proof = phone_verification.check_code(token=issued.token, code=code, phone=PAUL.phone, now=now)
    again = waitlist.join(
        practitioner=alice,
        visit_reason=consultation,
        patient=PAUL,
        preferences=later,
        now=now,
        address=None,
        verification=proof,
    )
    assert again.pk == first.pk and again.created_at == now and again.weekday_numbers() == [0, 1, 2, 3, 4]
    assert WaitlistEntry.objects.count() == 1


def test_a_new_patient_cannot_wait_for_a_reason_kept_for_known_patients(alice, now):
    from tests.factories import make_reason

    with pytest.raises(booking.BookingError) as refused:
        join(PAUL, alice, make_reason(alice, "Suivi", patients="known"), now)
    assert refused.value.code == "known_patients_only"


@pytest.mark.parametrize(
    ("preferences", "field"),
    [
        (Preferences(0, time(9), time(12), date(2027, 3, 10)), "weekdays"),
        (Preferences(1, time(12), time(9), date(2027, 3, 10)), "latest"),
        (Preferences(1, time(9), time(12), date(2027, 2, 28)), "until"),
        (Preferences(1, time(9), time(12), date(2028, 3, 10)), "until"),
    ],
)
def test_impossible_preferences_are_refused_with_the_field(alice, consultation, now, preferences, field):
    with pytest.raises(booking.BookingError) as refused:
        join(PAUL, alice, consultation, now, preferences)
    assert refused.value.field == field and not WaitlistEntry.objects.exists()


def test_a_patient_waits_on_three_lists_at_most(alice, consultation, bob, now):
    from tests.factories import make_reason

    join(PAUL, alice, consultation, now)
    join(PAUL, alice, make_reason(alice, "Motif 1"), now)
    join(PAUL, bob, make_reason(bob, "Motif 2"), now)
    with pytest.raises(booking.BookingError, match="3 waiting lists"):
        join(PAUL, bob, make_reason(bob, "Motif 3"), now)


def test_a_freed_slot_is_offered_to_the_first_who_joined_and_held_for_them(
    alice, consultation, tuesday_taken, now, client
):
    join(PAUL, alice, consultation, now)
    join(MARIE, alice, consultation, now + timedelta(minutes=1))
    assert waitlist.offer_free_slots(now) == 0  # nothing free yet
    free_slot(alice, consultation, now)
    assert waitlist.offer_free_slots(now) == 1
    offer = WaitlistOffer.objects.get()
    assert offer.entry.patient.first_name == "Paul" and offer.start == TUESDAY_9
    assert offer.hold_until == now + timedelta(minutes=30)
    messages = OutgoingMessage.objects.filter(kind="waitlist_offer").order_by("channel")
    assert [m.channel for m in messages] == ["email", "sms"]
    assert offer.token in messages[1].body and "Consultation" not in messages[1].body and len(messages[1].body) <= 306
    # Held: not among the public free slots, and an online booking of it is refused as taken.
    day = TUESDAY_9.date()
    starts = [
        s.start
        for s in available_slots(practitioner=alice, visit_reason=consultation, day_from=day, day_to=day, now=now)
    ]
    assert TUESDAY_9 not in starts
    with pytest.raises(booking.SlotTaken):
        booking.book_appointment(
            practitioner=alice,
            visit_reason=consultation,
            start=TUESDAY_9,
            patient=person("Eve", "+33622222222"),
            now=now,
        )
    assert waitlist.offer_free_slots(now) == 0  # Marie waits her turn


def test_when_the_hold_ends_the_next_patient_is_asked_and_the_first_to_confirm_gets_it(
    alice, consultation, tuesday_taken, now
):
    join(PAUL, alice, consultation, now)
    join(MARIE, alice, consultation, now + timedelta(minutes=1))
    free_slot(alice, consultation, now)
    waitlist.offer_free_slots(now)
    later = now + timedelta(minutes=31)
    assert waitlist.offer_free_slots(later) == 1
    paul_offer, marie_offer = WaitlistOffer.objects.order_by("pk")
    assert paul_offer.status == "expired" and marie_offer.entry.patient.first_name == "Marie"
    with pytest.raises(booking.SlotTaken):  # Marie holds it now
        waitlist.accept(paul_offer, now=later)
    paul_offer.refresh_from_db()
    assert paul_offer.status == "taken"
    appointment = waitlist.accept(marie_offer, now=later)
    assert appointment.patient.first_name == "Marie" and appointment.start == TUESDAY_9
    assert WaitlistEntry.objects.get(pk=marie_offer.entry_id).status == "booked"
    assert OutgoingMessage.objects.filter(appointment=appointment, kind="confirmation").exists()


def test_an_expired_offer_still_books_a_slot_nobody_holds(alice, consultation, tuesday_taken, now):
    join(PAUL, alice, consultation, now)
    free_slot(alice, consultation, now)
    waitlist.offer_free_slots(now)
    later = now + timedelta(hours=2)
    waitlist.offer_free_slots(later)  # the hold ends; nobody else waits
    offer = WaitlistOffer.objects.get()
    assert offer.status == "expired"
    assert waitlist.accept(offer, now=later).start == TUESDAY_9
    with pytest.raises(booking.BookingError, match="no longer open"):
        waitlist.accept(offer, now=later)
    assert Appointment.objects.filter(status="booked").count() == 1


def test_declining_passes_the_slot_on_and_keeps_the_place(alice, consultation, tuesday_taken, now):
    join(PAUL, alice, consultation, now)
    join(MARIE, alice, consultation, now + timedelta(minutes=1))
    free_slot(alice, consultation, now)
    waitlist.offer_free_slots(now)
    waitlist.decline(WaitlistOffer.objects.get(), now=now)
    assert waitlist.offer_free_slots(now) == 1
    assert WaitlistOffer.objects.get(status="offered").entry.patient.first_name == "Marie"
    assert WaitlistEntry.objects.get(patient__first_name="Paul").status == "waiting"
    waitlist.decline(WaitlistOffer.objects.get(status="offered"), now=now)
    assert waitlist.offer_free_slots(now) == 0  # each was offered this slot once


def test_leaving_releases_a_held_slot(alice, consultation, tuesday_taken, now):
    entry = join(PAUL, alice, consultation, now)
    free_slot(alice, consultation, now)
    waitlist.offer_free_slots(now)
    waitlist.leave(entry, now=now)
    entry.refresh_from_db()
    assert entry.status == "left" and WaitlistOffer.objects.get().status == "declined"
    day = TUESDAY_9.date()
    assert TUESDAY_9 in [
        s.start
        for s in available_slots(practitioner=alice, visit_reason=consultation, day_from=day, day_to=day, now=now)
    ]


def test_no_offer_is_made_during_quiet_hours(alice, consultation, tuesday_taken, now):
    join(PAUL, alice, consultation, now)
    free_slot(alice, consultation, now)
    night = paris(2027, 3, 1, 21, 0)
    assert waitlist.offer_free_slots(night) == 0
    assert waitlist.offer_free_slots(paris(2027, 3, 2, 7, 59)) == 0
    assert waitlist.offer_free_slots(paris(2027, 3, 1, 19, 0)) == 1


def test_entries_past_their_date_expire(alice, consultation, now):
    join(PAUL, alice, consultation, now)
    waitlist.offer_free_slots(paris(2027, 3, 3, 10))
    assert WaitlistEntry.objects.get().status == "expired"


def test_overlapping_slots_are_not_held_twice(alice, consultation, now):
    """Two waiting patients, one free hour cut into overlapping 20-minute slots: no two holds overlap."""
    from tests.factories import make_reason

    long_visit = make_reason(alice, "Long", 60)
    for hour in (9, 10, 11):
        if hour != 10:
            make_appointment(
                alice, long_visit, paris(2027, 3, 2, hour), make_patient(f"P{hour}", phone=f"+3361111{hour:04d}")
            )
    wide = Preferences(weekdays=TUESDAY, earliest=time(9), latest=time(11), until=date(2027, 3, 2))
    join(PAUL, alice, long_visit, now, wide)
    join(MARIE, alice, long_visit, now, wide)
    waitlist.offer_free_slots(now)
    offers = list(WaitlistOffer.objects.all())
    for one in offers:
        for other in offers:
            assert one is other or not (one.start < other.end and other.start < one.end)


@pytest.mark.django_db(transaction=True)
def test_a_double_click_on_book_this_time_books_once(alice, consultation):
    with time_machine.travel(paris(2027, 3, 1, 8), tick=False):
        now = paris(2027, 3, 1, 8)
        make_appointment(alice, consultation, TUESDAY_9, make_patient("Zoé", phone="+33611111111"))
        join(PAUL, alice, consultation, now)
        free_slot(alice, consultation, now)
        waitlist.offer_free_slots(now)
        offer = WaitlistOffer.objects.get()
    results, barrier = [], threading.Barrier(4)

    def click():
        barrier.wait()
        try:
            waitlist.accept(offer, now=paris(2027, 3, 1, 8, 5))
            results.append("booked")
        except booking.BookingError as error:
            results.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count("booked") == 1 and set(results) == {"booked", "offer_closed"}
    assert Appointment.objects.filter(start=TUESDAY_9, status="booked").count() == 1


def test_erasure_removes_the_waiting_list_and_export_shows_it(alice, consultation, now):
    entry = join(PAUL, alice, consultation, now)
    exported = gdpr.export_patient(entry.patient, now=now)
    assert exported["waiting_list"][0]["weekdays"] == [1] and exported["waiting_list"][0]["status"] == "waiting"
    gdpr.erase_patient(entry.patient, now=now)
    assert not WaitlistEntry.objects.exists()


def test_a_waiting_patient_is_not_purged(alice, consultation, now, clinic):
    entry = join(PAUL, alice, consultation, now)
    assert entry.patient not in gdpr.expired_patients(now + timedelta(days=365 * 4))


def test_the_beat_schedule_runs_the_offerer(settings):
    from config.celery import app

    app.loader.import_default_modules()
    assert settings.CELERY_BEAT_SCHEDULE["offer-waitlist-slots"]["task"] in app.tasks


def test_a_slot_booked_after_the_sweep_read_it_is_not_offered(alice, consultation, now):
    """The sweep reads the free slots, a booking commits, then the sweep would offer: it re-checks under the lock."""
    from clinic_instance.slots import Interval

    entry = join(PAUL, alice, consultation, now)
    make_appointment(alice, consultation, TUESDAY_9, make_patient("Eve", phone="+33622222222"))
    slot = Interval(TUESDAY_9, TUESDAY_9 + timedelta(minutes=20))
    assert waitlist._make_offer(entry, slot, clinic=Clinic.load(), now=now) is None
    assert not WaitlistOffer.objects.exists() and not OutgoingMessage.objects.filter(kind="waitlist_offer").exists()


def test_an_overlapping_hold_made_meanwhile_is_not_doubled(alice, consultation, tuesday_taken, now):
    from clinic_instance.slots import Interval

    join(PAUL, alice, consultation, now)
    marie = join(MARIE, alice, consultation, now)
    free_slot(alice, consultation, now)
    waitlist.offer_free_slots(now)  # Paul holds 09:00-09:20
    overlapping = Interval(TUESDAY_9 + timedelta(minutes=10), TUESDAY_9 + timedelta(minutes=30))
    assert waitlist._make_offer(marie, overlapping, clinic=Clinic.load(), now=now) is None


@pytest.mark.django_db(transaction=True)
def test_only_one_sweep_runs_at_a_time(alice, consultation):
    from django.db import connections

    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(hashtext('openrdv.waitlist_sweep'))")
        with waitlist.one_sweep_at_a_time() as alone:
            assert not alone
    finally:
        other.close()
    with waitlist.one_sweep_at_a_time() as alone:
        assert alone


def test_booking_from_an_older_offer_releases_the_newer_hold(alice, consultation, tuesday_taken, now):
    wide = Preferences(weekdays=TUESDAY, earliest=time(9), latest=time(10), until=date(2027, 3, 2))
    join(PAUL, alice, consultation, now, wide)
    free_slot(alice, consultation, now)
    waitlist.offer_free_slots(now)
    first = WaitlistOffer.objects.get()
    assert first.start == TUESDAY_9
    later = now + timedelta(minutes=31)
    waitlist.offer_free_slots(later)  # the 09:00 hold ends; Paul is offered another time
    newer = WaitlistOffer.objects.get(status="offered")
    assert newer.start != TUESDAY_9
    waitlist.accept(first, now=later)
    newer.refresh_from_db()
    assert newer.status == "declined"
    day = TUESDAY_9.date()
    free = [
        s.start
        for s in available_slots(practitioner=alice, visit_reason=consultation, day_from=day, day_to=day, now=later)
    ]
    assert newer.start in free


def test_merging_patients_keeps_their_waiting_list(alice, consultation, now):
    from clinic_instance.patient_records import merge
    from tests.factories import make_reason

    paul = join(PAUL, alice, consultation, now).patient
    twin = person("Paul", "+33612345679")
    other_reason = make_reason(alice, "Vaccination", 10)
    join(twin, alice, other_reason, now)
    join(twin, alice, consultation, now + timedelta(minutes=5))  # the same list, joined later
    duplicate = WaitlistEntry.objects.filter(patient__phone="+33612345679").first().patient
    merge(paul, duplicate, now=now)
    entries = WaitlistEntry.objects.filter(patient=paul).order_by("visit_reason__name")
    assert [(e.visit_reason.name, e.created_at) for e in entries] == [("Consultation", now), ("Vaccination", now)]
