"""The waiting list: who waits for which times, and offering freed slots to them in order.

offer_free_slots() runs every minute (beat) and after every change that may
free time. For each practitioner and visit reason with waiting patients it
reads the free slots (availability.available_slots, which already treats held
slots as busy) and offers each one to the first patient, in the order they
joined, whose days, hours and end date it matches and who holds no other
offer. An offer holds its slot for that patient alone for the clinic's hold
time; when it ends without an answer, the next patient is offered the slot.
An offer whose hold has ended still books if the slot is free and nobody
else holds it: whoever confirms first gets it. At most
WAITLIST_OFFERS_HELD_PER_PRACTITIONER slots of one practitioner are held at
once; the other free slots wait for a later sweep (waitlist_limits.py says why).

No offer is made during the clinic's SMS quiet hours: a hold would run out
while the patient sleeps.
"""

import logging
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from config.federation_node import base_url

from . import booking, patient_messages, waitlist_limits
from .availability import available_slots, clinic_timezone, time_is_taken
from .dispatch import quiet_hours_end
from .models import Appointment, Clinic, Practitioner, VisitReason, WaitlistEntry, WaitlistOffer
from .models.verification import PhoneVerification
from .patient_details import PatientDetails
from .patient_messages import current_language
from .slots import MAX_DAYS, Interval
from .wakeups import wake_offerer_on_commit

logger = logging.getLogger("openrdv.waitlist")
Status = WaitlistEntry.Status
OfferStatus = WaitlistOffer.Status


@dataclass(frozen=True)
class Preferences:
    weekdays: int  # bit 0 is Monday
    earliest: time
    latest: time
    until: date


def join(
    *,
    practitioner: Practitioner,
    visit_reason: VisitReason,
    patient: PatientDetails,
    preferences: Preferences,
    now: datetime,
    address: str | None,
    verification: PhoneVerification | None = None,
) -> WaitlistEntry:
    """Put the patient on the waiting list, or update their entry for the same practitioner and reason.

    `address` is the client's (audit.client_address), counted with the phone by waitlist_limits.
    Raises booking.BookingError naming the field at fault, waitlist_limits.TooManyJoins past the
    network's limit.
    """
    booking.check_offer(practitioner, visit_reason, Appointment.Source.ONLINE)
    _check_preferences(preferences, now)
    booking.check_patient_rules(practitioner, visit_reason, patient, now)
    with transaction.atomic():
        booking.spend_verification_if_required(verification, phone=patient.phone, now=now)
        person = booking.find_or_create_patient(patient, language=current_language())
        fields = {
            "weekdays": preferences.weekdays,
            "earliest_time": preferences.earliest,
            "latest_time": preferences.latest,
            "until": preferences.until,
        }
        entry = WaitlistEntry.objects.filter(
            patient=person, practitioner=practitioner, visit_reason=visit_reason, status=Status.WAITING
        ).first()
        if entry is not None and verification is None:
            # Without a proven phone, knowing someone's details must not hand out their entry's link.
            raise booking.BookingError(
                _("You are already on this waiting list: use the link you were given to see or leave it."),
                code="already_waiting",
            )
        if entry is not None:  # keeps its place in the queue
            WaitlistEntry.objects.filter(pk=entry.pk).update(**fields, updated_at=now)
            entry.refresh_from_db()
        else:
            waitlist_limits.admit_new_entry(address=address, phone=person.phone, practitioner=practitioner, now=now)
            entry = WaitlistEntry.objects.create(
                practitioner=practitioner, visit_reason=visit_reason, patient=person, created_at=now, **fields
            )
        wake_offerer_on_commit()
    return entry


def leave(entry: WaitlistEntry, *, now: datetime) -> None:
    """Take the entry off the list; a slot it holds goes to the next patient."""
    with transaction.atomic():
        _end_entries([entry.pk], Status.LEFT, now=now)


def decline(offer: WaitlistOffer, *, now: datetime) -> None:
    """Not this slot: the patient stays on the list and the slot goes to the next one."""
    with transaction.atomic():
        _close_offer(offer, OfferStatus.DECLINED, now=now)


def _close_offer(offer: WaitlistOffer, status: str, *, now: datetime, **fields) -> None:
    """An offer that can no longer be taken: its unsent messages are withdrawn, its slot offered on."""
    WaitlistOffer.objects.filter(pk=offer.pk, status__in=WaitlistOffer.OPEN_STATUSES).update(
        status=status, answered_at=now, **fields
    )
    patient_messages.withdraw_waitlist_offers([offer.pk])
    wake_offerer_on_commit()


def _end_entries(entry_ids: list[int], status: str, *, now: datetime) -> None:
    """Entries that stop waiting: a slot one holds goes to the next patient, their offers' messages are withdrawn."""
    if not entry_ids:
        return
    WaitlistEntry.objects.filter(pk__in=entry_ids, status=Status.WAITING).update(status=status, updated_at=now)
    offers = WaitlistOffer.objects.filter(entry_id__in=entry_ids)
    offers.filter(status=OfferStatus.OFFERED).update(status=OfferStatus.DECLINED, answered_at=now)
    patient_messages.withdraw_waitlist_offers(offers.values_list("pk", flat=True))
    wake_offerer_on_commit()


def accept(offer: WaitlistOffer, *, now: datetime) -> Appointment:
    """Book the offered slot for its patient, if it is still free; BookingError / SlotTaken otherwise."""
    with transaction.atomic():
        offer = (
            WaitlistOffer.objects.select_for_update(of=("self",)).select_related("entry__visit_reason").get(pk=offer.pk)
        )
        entry = offer.entry
        if not offer.is_open:
            raise booking.BookingError(_("This offer is no longer open."), code="offer_closed")
        patient = entry.patient
        taken = refused = None
        try:
            result = booking.book_appointment(
                practitioner=offer.practitioner,
                visit_reason=entry.visit_reason,
                start=offer.start,
                patient=PatientDetails(
                    first_name=patient.first_name,
                    last_name=patient.last_name,
                    birth_date=patient.birth_date,
                    phone=patient.phone,
                    email=patient.email,
                ),
                now=now,
                through_offer=offer.pk,
            )
        except booking.SlotTaken:
            _close_offer(offer, OfferStatus.TAKEN, now=now)
            taken = True
        except booking.BookingError as error:  # e.g. the visit reason's patient rules: the hold is released
            WaitlistOffer.objects.filter(pk=offer.pk).update(status=OfferStatus.EXPIRED, hold_until=now)
            wake_offerer_on_commit()
            refused = error
        else:
            offer.status, offer.answered_at, offer.appointment = OfferStatus.ACCEPTED, now, result.appointment
            offer.save(update_fields=["status", "answered_at", "appointment"])
            # Booked from an older offer: a newer one held for the same patient goes to the next.
            _end_entries([entry.pk], Status.BOOKED, now=now)
    if taken:  # raised out here, or the offer's new status would be rolled back with it
        raise booking.SlotTaken(_("Sorry, someone else has just taken this time. You stay on the waiting list."))
    if refused is not None:
        raise refused
    return result.appointment


def open_offer(entry: WaitlistEntry, now: datetime) -> WaitlistOffer | None:
    """The newest offer the patient may still take: held for them, or whose hold ended (first to confirm)."""
    if entry.status != Status.WAITING:
        return None
    return (
        entry.offers.filter(status__in=WaitlistOffer.OPEN_STATUSES, start__gt=now)
        .order_by("-created_at", "-pk")
        .first()
    )


def offer_free_slots(now: datetime) -> int:
    """End the holds that ran out, then offer free slots to waiting patients; returns the offers made."""
    clinic = Clinic.load()
    today = now.astimezone(clinic_timezone()).date()
    WaitlistOffer.objects.filter(status=OfferStatus.OFFERED, hold_until__lte=now).update(status=OfferStatus.EXPIRED)
    past_their_date = WaitlistEntry.objects.filter(status=Status.WAITING, until__lt=today)
    _end_entries(list(past_their_date.values_list("pk", flat=True)), Status.EXPIRED, now=now)
    hold_until = now + timedelta(minutes=clinic.waitlist_hold_minutes)
    if quiet_hours_end(clinic, now) is not None or quiet_hours_end(clinic, hold_until) is not None:
        return 0  # a hold that ran into the night would end before its SMS went out
    with one_sweep_at_a_time() as alone:
        if not alone:
            return 0  # another process is sweeping; it sees the same free slots
        return _sweep(clinic, today, now)


@contextmanager
def one_sweep_at_a_time() -> Iterator[bool]:
    """A session-level advisory lock on PostgreSQL (beat and a wake-up may start sweeps together).

    On SQLite the demo runs a single sweeping process.
    """
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(hashtext('openrdv.waitlist_sweep'))")
        alone = cursor.fetchone()[0]
    try:
        yield alone
    finally:
        if alone:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(hashtext('openrdv.waitlist_sweep'))")


def _sweep(clinic: Clinic, today: date, now: datetime) -> int:
    waiting = WaitlistEntry.objects.filter(status=Status.WAITING).select_related(
        "practitioner", "visit_reason", "patient"
    )
    holds = list(WaitlistOffer.objects.filter(status=OfferStatus.OFFERED).values_list("entry_id", "practitioner_id"))
    holding = {entry_id for entry_id, _practitioner_id in holds}
    held_by = Counter(practitioner_id for _entry_id, practitioner_id in holds)
    offered = set(WaitlistOffer.objects.filter(entry__status=Status.WAITING).values_list("entry_id", "start"))
    queues: dict[tuple[int, int], list[WaitlistEntry]] = defaultdict(list)
    for entry in waiting.order_by("created_at", "pk"):
        if entry.pk not in holding:
            queues[(entry.practitioner_id, entry.visit_reason_id)].append(entry)
    made = 0
    for (practitioner_id, _reason_id), queue in queues.items():
        # Few slots held at once per practitioner: a flood of entries keeps few from the patients booking directly.
        room = settings.WAITLIST_OFFERS_HELD_PER_PRACTITIONER - held_by[practitioner_id]
        if room > 0:
            made_here = _offer_to_queue(queue, offered, room=room, clinic=clinic, today=today, now=now)
            held_by[practitioner_id] += made_here
            made += made_here
    return made


def _offer_to_queue(
    queue: list[WaitlistEntry],
    offered: set[tuple[int, datetime]],
    *,
    room: int,
    clinic: Clinic,
    today: date,
    now: datetime,
) -> int:
    """Offer free slots to the queue's entries in order, `room` offers at most."""
    practitioner, visit_reason = queue[0].practitioner, queue[0].visit_reason
    try:
        booking.check_offer(practitioner, visit_reason, Appointment.Source.ONLINE)
    except booking.BookingError:
        return 0  # the practitioner stopped, or the reason is no longer bookable online: the entries wait
    last_day = min(max(entry.until for entry in queue), today + timedelta(days=MAX_DAYS - 1))
    slots = available_slots(
        practitioner=practitioner, visit_reason=visit_reason, day_from=today, day_to=last_day, now=now, clinic=clinic
    )
    made, held = 0, []
    for slot in slots:
        if any(slot.start < other.end and other.start < slot.end for other in held):
            continue  # overlaps a slot offered a moment ago
        entry = next((e for e in queue if _matches(e, slot) and (e.pk, slot.start) not in offered), None)
        if entry is None:
            continue
        if _make_offer(entry, slot, clinic=clinic, now=now):
            made += 1
            held.append(slot)
            queue.remove(entry)
            if not queue or made == room:
                break
    return made


def _matches(entry: WaitlistEntry, slot: Interval) -> bool:
    local = slot.start.astimezone(clinic_timezone())
    return (
        bool(entry.weekdays & (1 << local.weekday()))
        and entry.earliest_time <= local.time() <= entry.latest_time
        and local.date() <= entry.until
    )


def _make_offer(entry: WaitlistEntry, slot: Interval, *, clinic: Clinic, now: datetime) -> WaitlistOffer | None:
    """Hold the slot for the entry, unless a booking or another hold took it since the slots were read.

    Under the practitioner's agenda lock, like every booking: a booking either
    committed before (and is seen here) or waits and then sees the hold.
    """
    practitioner = entry.practitioner
    try:
        with booking.locked_agenda(practitioner):
            if time_is_taken(practitioner, slot.start, slot.end, now, clinic=clinic):
                return None
            offer = WaitlistOffer.objects.create(
                entry=entry,
                practitioner=entry.practitioner,
                start=slot.start,
                end=slot.end,
                hold_until=now + timedelta(minutes=clinic.waitlist_hold_minutes),
                created_at=now,
            )
            patient_messages.queue_waitlist_offer(offer, offer_url(offer), now=now)
    except (IntegrityError, booking.AgendaBusy):  # a unique offer raced us, or the agenda stayed locked: next sweep
        return None
    logger.info("waiting-list offer %s made to entry %s", offer.pk, entry.pk)
    return offer


def offer_url(offer: WaitlistOffer) -> str:
    return base_url() + reverse("waitlist-offer", args=[offer.token])


def _check_preferences(preferences: Preferences, now: datetime) -> None:
    today = now.astimezone(clinic_timezone()).date()
    if not 1 <= preferences.weekdays <= 0b1111111:
        raise booking.BookingError(_("Choose at least one day."), field="weekdays", code="invalid")
    if preferences.earliest > preferences.latest:
        raise booking.BookingError(_("The end of the hours is before their start."), field="latest", code="invalid")
    if preferences.until < today:
        raise booking.BookingError(_("This date is in the past."), field="until", code="past")
    horizon = (now + Clinic.load().booking_horizon).astimezone(clinic_timezone()).date()
    if preferences.until > horizon:
        raise booking.BookingError(
            _("The clinic takes bookings up to %(day)s.") % {"day": horizon.strftime("%d/%m/%Y")},
            field="until",
            code="too_far",
        )
