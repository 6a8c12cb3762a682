"""Queuing messages to patients: which rows a booking, a move or a cancellation adds to the outbox.

Every function here must be called inside the transaction of the write that
makes the message necessary: the rows commit with the booking or not at all,
and a booking never waits for Redis or the provider (dispatch.py sends them).
Queuing is idempotent through OutgoingMessage.dedupe_key: calling a function
twice for the same event queues each message once.

A message names the clinic, the practitioner, the date and time (in the
clinic's zone), the manage link and the clinic's phone: never the visit
reason, the specialty or any note. One row per channel the patient can
receive: SMS with a phone (not opted out) when the clinic sends SMS, e-mail
with an address when it sends e-mails. Each row is PENDING, or CAPPED when its
recipient already had the clinic's daily share (message_cap.py): the caller's
transaction then holds a lock on the recipient until it ends, taken SMS before
e-mail.
"""

import logging
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import translation

from config.federation_node import base_url
from config.template_format import phone_display

from . import message_cap
from .calendar_file import appointment_ics
from .message_templates import date_and_time, render_message
from .models import Appointment, Clinic, OutgoingMessage, Patient, Practitioner, SmsOptOut, WaitlistOffer
from .models.messages import ERASED, Channel, Kind
from .wakeups import wake_dispatcher_on_commit

logger = logging.getLogger("openrdv.messages")
Status = OutgoingMessage.Status
# The e-mails whose calendar file adds, updates (a higher SEQUENCE) or cancels (METHOD:CANCEL) the patient's event.
_WITH_CALENDAR_FILE = (Kind.CONFIRMATION, Kind.CHANGE, Kind.CANCELLATION, Kind.ABSENCE)


def supported_language(code: str | None) -> str:
    """`code` as one of settings.LANGUAGES ("en-us" is "en"), else the site's default."""
    try:
        return translation.get_supported_language_variant(code or settings.LANGUAGE_CODE)
    except LookupError:
        return settings.LANGUAGE_CODE


def current_language() -> str:
    """The language of the request being served: a new patient's messages are written in it."""
    return supported_language(translation.get_language())


def language_of(patient: Patient) -> str:
    return supported_language(patient.language)


def manage_url(appointment: Appointment) -> str:
    """The absolute manage link (OPENRDV_BASE_URL): the patient's only key to the appointment."""
    return base_url() + reverse("manage", args=[appointment.manage_token])


def message_context(appointment: Appointment, language: str, clinic: Clinic | None = None) -> dict[str, str]:
    """The six strings a template may use, in `language`; nothing medical is among them."""
    return _context(appointment.start, appointment.practitioner, manage_url(appointment), language, clinic)


def _context(start: datetime, practitioner: Practitioner, link: str, language: str, clinic: Clinic | None):
    clinic = clinic or Clinic.load()
    return {
        "clinic": clinic.name,
        **date_and_time(start, language),
        "practitioner": practitioner.name,
        "manage_url": link,
        # Written as patients read it (02 99 00 00 00), never as stored (+33299000000).
        "clinic_phone": phone_display(clinic.phone),
    }


def queue_booking_messages(appointment: Appointment, *, now: datetime) -> None:
    """A confirmation now (the e-mail with the appointment's calendar file) and the reminders."""
    clinic = Clinic.load()
    _queue(appointment, Kind.CONFIRMATION, f"confirmation:{appointment.pk}", now=now, clinic=clinic)
    _queue_reminders(appointment, now=now, clinic=clinic)
    wake_dispatcher_on_commit()


def queue_change_messages(appointment: Appointment, *, now: datetime) -> None:
    """After a move: a change notice now, the old reminders cancelled and new ones queued."""
    clinic = Clinic.load()
    version = f"{appointment.start.timestamp():.0f}:{appointment.updated_at.timestamp():.6f}"
    _queue(appointment, Kind.CHANGE, f"change:{appointment.pk}:{version}", now=now, clinic=clinic)
    cancel_reminders(appointment)
    _queue_reminders(appointment, now=now, clinic=clinic)
    wake_dispatcher_on_commit()


def queue_cancellation_messages(appointment: Appointment, *, now: datetime) -> None:
    """After a cancellation by the patient or the clinic: a notice (without the clinic's reason), no reminders."""
    cancel_reminders(appointment)
    _queue(appointment, Kind.CANCELLATION, f"cancellation:{appointment.pk}", now=now, clinic=Clinic.load())
    wake_dispatcher_on_commit()


def queue_absence_messages(appointment: Appointment, *, now: datetime) -> None:
    """For an appointment cancelled by an absence: an absence notice instead of the plain cancellation notice.

    The cancellation notice queued by the same transaction is withdrawn (it was never visible to a worker).
    """
    cancel_reminders(appointment)
    OutgoingMessage.objects.filter(
        appointment=appointment, kind=Kind.CANCELLATION, status__in=[Status.PENDING, Status.CAPPED]
    ).delete()
    _queue(appointment, Kind.ABSENCE, f"absence:{appointment.pk}", now=now, clinic=Clinic.load())
    wake_dispatcher_on_commit()


def queue_waitlist_offer(offer: WaitlistOffer, link: str, *, now: datetime) -> None:
    """An offer of a freed slot, by every channel the waiting patient can receive; `link` opens the offer."""
    clinic = Clinic.load()
    patient = offer.entry.patient
    language = language_of(patient)
    context = _context(offer.start, offer.practitioner, link, language, clinic)
    for channel, recipient in patient_channels(patient, clinic):
        rendered = render_message(Kind.WAITLIST_OFFER, channel, language, context)
        status = _status(channel, recipient, Kind.WAITLIST_OFFER, clinic=clinic, now=now)
        message = OutgoingMessage.objects.create(
            channel=channel,
            kind=Kind.WAITLIST_OFFER,
            patient=patient,
            recipient=recipient,
            language=language,
            subject=rendered.subject,
            body=rendered.body,
            dedupe_key=f"{_offer_key(offer.pk)}{channel}",
            due_at=now,
            **status,
        )
        if message.status == Status.CAPPED:
            message_cap.alert_on_cap(message, clinic=clinic, now=now)
    wake_dispatcher_on_commit()


def withdraw_waitlist_offers(offer_ids: Iterable[int]) -> int:
    """Withdraw the unsent messages of offers that can no longer be taken; returns how many."""
    keys = Q()
    for offer_id in offer_ids:
        keys |= Q(dedupe_key__startswith=_offer_key(offer_id))
    if not keys:
        return 0
    return OutgoingMessage.objects.filter(keys, kind=Kind.WAITLIST_OFFER, status=Status.PENDING).update(
        status=Status.CANCELLED, last_error="waiting-list offer closed"
    )


def _offer_key(offer_id: int) -> str:
    return f"waitlist-offer:{offer_id}:"


def cancel_reminders(appointment: Appointment) -> int:
    """Withdraw the appointment's reminders not yet taken by a worker; returns how many."""
    return OutgoingMessage.objects.filter(appointment=appointment, kind=Kind.REMINDER, status=Status.PENDING).update(
        status=Status.CANCELLED
    )


def forget_patient_messages(patient: Patient) -> int:
    """For erasure: withdraw the patient's unsent messages and blank every message's recipient and text.

    A row a worker is sending (SENDING) keeps its status: the provider may
    already have it. Returns how many messages were withdrawn.
    """
    messages = OutgoingMessage.objects.filter(patient=patient)
    withdrawn = messages.filter(status__in=[Status.PENDING, Status.CLAIMED]).update(
        status=Status.CANCELLED, claimed_by="", claimed_until=None
    )
    messages.update(recipient=ERASED, subject="", body=ERASED, attachment="")
    return withdrawn


def _queue_reminders(appointment: Appointment, *, now: datetime, clinic: Clinic) -> None:
    """One reminder per offset still ahead; keyed by the start, so a moved appointment gets fresh ones."""
    for hours in _offsets(clinic):
        # In UTC: arithmetic on a Paris datetime is wall-clock time, an hour off across a clock change.
        due = appointment.start.astimezone(UTC) - timedelta(hours=hours)
        if due <= now:
            continue
        key = f"reminder:{appointment.pk}:{hours}h:{appointment.start.timestamp():.0f}"
        _queue(appointment, Kind.REMINDER, key, now=now, clinic=clinic, due_at=due, revive=True)


def _offsets(clinic: Clinic) -> list[int]:
    offsets = clinic.reminder_offsets_hours or []
    return sorted({int(hours) for hours in offsets if isinstance(hours, int | float) and hours > 0}, reverse=True)


def _queue(
    appointment: Appointment,
    kind: str,
    key: str,
    *,
    now: datetime,
    clinic: Clinic,
    due_at: datetime | None = None,
    revive: bool = False,
) -> None:
    """Add one row per channel the patient can receive, unless its key is already queued.

    With `revive`, a row of the same key that was withdrawn unsent (a reminder
    for a start the appointment left, then came back to) is made due again.
    """
    patient = appointment.patient
    language = language_of(patient)
    context = message_context(appointment, language, clinic)
    for channel, recipient in patient_channels(patient, clinic):
        dedupe_key = f"{key}:{channel}"
        rendered = render_message(kind, channel, language, context)
        fields = {
            "channel": channel,
            "kind": kind,
            "appointment": appointment,
            "patient": patient,
            "recipient": recipient,
            "language": language,
            "subject": rendered.subject,
            "body": rendered.body,
            "attachment": _calendar_file(appointment, context, language, now)
            if kind in _WITH_CALENDAR_FILE and channel == Channel.EMAIL
            else "",
            "appointment_start": appointment.start if kind == Kind.REMINDER else None,
            "due_at": due_at or now,
            **_status(channel, recipient, kind, clinic=clinic, now=now),
        }
        message, created = OutgoingMessage.objects.get_or_create(dedupe_key=dedupe_key, defaults=fields)
        if not created and revive:
            revived = OutgoingMessage.objects.filter(pk=message.pk, status=Status.CANCELLED).update(
                **{"attempts": 0, "last_error": "", **fields}
            )
            created = bool(revived)
        if created:
            logger.info("queued message %s (%s, %s): %s", message.pk, kind, channel, fields["status"])
            if fields["status"] == Status.CAPPED:
                message_cap.alert_on_cap(message, clinic=clinic, now=now)


def _status(channel: str, recipient: str, kind: str, *, clinic: Clinic, now: datetime) -> dict[str, str]:
    """A new row's status, PENDING or CAPPED (message_cap.py: locks the recipient until the transaction ends)."""
    status = message_cap.status_for_new_message(channel=channel, recipient=recipient, kind=kind, clinic=clinic, now=now)
    return {"status": status, **(message_cap.capped_fields(clinic) if status == Status.CAPPED else {})}


def patient_channels(patient: Patient, clinic: Clinic) -> Iterable[tuple[str, str]]:
    if clinic.sms_enabled and patient.phone and not SmsOptOut.objects.filter(phone=patient.phone).exists():
        yield Channel.SMS, patient.phone
    if clinic.email_enabled and patient.email:
        yield Channel.EMAIL, patient.email


def _calendar_file(appointment: Appointment, context: dict[str, str], language: str, now: datetime) -> str:
    """The appointment's calendar file for an e-mail: the same event as the manage page's download, without
    the visit reason (calendar_file.py)."""
    with translation.override(language):
        return appointment_ics(appointment, manage_url=context["manage_url"], now=now, with_visit_reason=False).decode()
