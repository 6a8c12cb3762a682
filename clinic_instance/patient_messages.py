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
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import translation

from config.bulk_insert import insert_returning_pks
from config.federation_node import base_url
from config.template_format import phone_display

from . import message_cap
from .calendar_file import appointment_ics
from .message_templates import CustomTemplates, custom_templates, date_and_time, render_message
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


def queue_booking_messages(
    appointment: Appointment, *, now: datetime, clinic: Clinic | None = None, new_appointment: bool = False
) -> None:
    """A confirmation now (the e-mail with the appointment's calendar file) and the reminders.

    `new_appointment`: the caller's transaction created `appointment`, so none of its messages can be
    queued yet and the check for them is skipped (one query of a booking's ~20).
    """
    batch = _Batch(appointment, now=now, clinic=clinic or Clinic.load(), new_appointment=new_appointment)
    batch.add(Kind.CONFIRMATION, f"confirmation:{appointment.pk}")
    _add_reminders(batch)
    batch.store()
    wake_dispatcher_on_commit()


def queue_change_messages(appointment: Appointment, *, now: datetime) -> None:
    """After a move: a change notice now, the old reminders cancelled and new ones queued."""
    batch = _Batch(appointment, now=now, clinic=Clinic.load())
    version = f"{appointment.start.timestamp():.0f}:{appointment.updated_at.timestamp():.6f}"
    batch.add(Kind.CHANGE, f"change:{appointment.pk}:{version}")
    cancel_reminders(appointment)
    _add_reminders(batch)
    batch.store()
    wake_dispatcher_on_commit()


def queue_cancellation_messages(appointment: Appointment, *, now: datetime) -> None:
    """After a cancellation by the patient or the clinic: a notice (without the clinic's reason), no reminders."""
    cancel_reminders(appointment)
    batch = _Batch(appointment, now=now, clinic=Clinic.load())
    batch.add(Kind.CANCELLATION, f"cancellation:{appointment.pk}")
    batch.store()
    wake_dispatcher_on_commit()


def queue_absence_messages(appointment: Appointment, *, now: datetime) -> None:
    """For an appointment cancelled by an absence: an absence notice instead of the plain cancellation notice.

    The cancellation notice queued by the same transaction is withdrawn (it was never visible to a worker).
    """
    cancel_reminders(appointment)
    OutgoingMessage.objects.filter(
        appointment=appointment, kind=Kind.CANCELLATION, status__in=[Status.PENDING, Status.CAPPED]
    ).delete()
    batch = _Batch(appointment, now=now, clinic=Clinic.load())
    batch.add(Kind.ABSENCE, f"absence:{appointment.pk}")
    batch.store()
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


def _add_reminders(batch: "_Batch") -> None:
    """One reminder per offset still ahead; keyed by the start, so a moved appointment gets fresh ones."""
    appointment = batch.appointment
    for hours in _offsets(batch.clinic):
        # In UTC: arithmetic on a Paris datetime is wall-clock time, an hour off across a clock change.
        due = appointment.start.astimezone(UTC) - timedelta(hours=hours)
        if due <= batch.now:
            continue
        key = f"reminder:{appointment.pk}:{hours}h:{appointment.start.timestamp():.0f}"
        batch.add(Kind.REMINDER, key, due_at=due, revive=True)


def _offsets(clinic: Clinic) -> list[int]:
    offsets = clinic.reminder_offsets_hours or []
    return sorted({int(hours) for hours in offsets if isinstance(hours, int | float) and hours > 0}, reverse=True)


def _status(channel: str, recipient: str, kind: str, *, clinic: Clinic, now: datetime) -> dict[str, str]:
    """A new row's status, PENDING or CAPPED (message_cap.py: locks the recipient until the transaction ends)."""
    status = message_cap.status_for_new_message(channel=channel, recipient=recipient, kind=kind, clinic=clinic, now=now)
    return _status_fields(status, clinic)


def _status_fields(status: str, clinic: Clinic) -> dict[str, str]:
    return {"status": status, **(message_cap.capped_fields(clinic) if status == Status.CAPPED else {})}


def patient_channels(patient: Patient, clinic: Clinic) -> Iterable[tuple[str, str]]:
    if clinic.sms_enabled and patient.phone and not SmsOptOut.objects.filter(phone=patient.phone).exists():
        yield Channel.SMS, patient.phone
    if clinic.email_enabled and patient.email:
        yield Channel.EMAIL, patient.email


@dataclass
class _Row:
    """One message an event adds, before its status is known."""

    dedupe_key: str
    revive: bool
    fields: dict[str, object]


@dataclass
class _Batch:
    """The messages one event queues for an appointment, stored together.

    A booking adds up to six rows (a confirmation and two reminders, by SMS and e-mail): read the
    patient's channels, the clinic's wordings and the recipients' counts once for all of them, and
    insert them in one statement, instead of a dozen queries per row.
    """

    appointment: Appointment
    now: datetime
    clinic: Clinic
    new_appointment: bool = False  # created by this transaction: no row of it can exist yet
    rows: list[_Row] = field(default_factory=list)
    # Read once for every row, from the appointment's patient and the clinic:
    language: str = field(init=False)
    channels: list[tuple[str, str]] = field(init=False)
    context: dict[str, str] = field(init=False)
    custom: CustomTemplates = field(init=False)

    def __post_init__(self) -> None:
        patient = self.appointment.patient
        self.language = language_of(patient)
        self.channels = list(patient_channels(patient, self.clinic))
        self.context = message_context(self.appointment, self.language, self.clinic) if self.channels else {}
        self.custom = custom_templates(self.language) if self.channels else {}

    def add(self, kind: str, key: str, *, due_at: datetime | None = None, revive: bool = False) -> None:
        """One row per channel under `key`, unless already queued; with `revive`, a row of the same key that
        was withdrawn unsent (a reminder for a start the appointment left, then came back to) is due again."""
        appointment = self.appointment
        for channel, recipient in self.channels:
            rendered = render_message(kind, channel, self.language, self.context, self.custom)
            with_calendar_file = kind in _WITH_CALENDAR_FILE and channel == Channel.EMAIL
            fields: dict[str, object] = {
                "channel": channel,
                "kind": kind,
                "appointment": appointment,
                "patient": appointment.patient,
                "recipient": recipient,
                "language": self.language,
                "subject": rendered.subject,
                "body": rendered.body,
                "attachment": _calendar_file(appointment, self.context, self.language, self.now, self.clinic)
                if with_calendar_file
                else "",
                "appointment_start": appointment.start if kind == Kind.REMINDER else None,
                "due_at": due_at or self.now,
            }
            self.rows.append(_Row(f"{key}:{channel}", revive, fields))

    def store(self) -> None:
        """Insert the rows not queued yet (and revive the withdrawn ones), each PENDING or CAPPED."""
        if not self.rows:
            return
        existing: dict[str, tuple[int, str]] = {}  # dedupe key: (pk, status)
        if not self.new_appointment:
            keys = [row.dedupe_key for row in self.rows]
            for pk, key, status in OutgoingMessage.objects.filter(dedupe_key__in=keys).values_list(
                "pk", "dedupe_key", "status"
            ):
                existing[key] = (pk, status)
        new = [
            row
            for row in self.rows
            if row.dedupe_key not in existing or (row.revive and existing[row.dedupe_key][1] == Status.CANCELLED)
        ]
        self._set_statuses(new)
        stored = _insert([row for row in new if row.dedupe_key not in existing], new_appointment=self.new_appointment)
        for row in new:
            if row.dedupe_key in existing:
                pk = existing[row.dedupe_key][0]
                revived = OutgoingMessage.objects.filter(pk=pk, status=Status.CANCELLED).update(
                    **{"attempts": 0, "last_error": "", **row.fields}
                )
                if revived:
                    stored.append(OutgoingMessage(pk=pk, dedupe_key=row.dedupe_key, **row.fields))
        for message in stored:
            logger.info("queued message %s (%s, %s): %s", message.pk, message.kind, message.channel, message.status)
            if message.status == Status.CAPPED:
                message_cap.alert_on_cap(message, clinic=self.clinic, now=self.now)

    def _set_statuses(self, rows: list[_Row]) -> None:
        """Each row PENDING or CAPPED, counted by recipient in one batch (message_cap.py)."""
        rows_by_recipient: dict[message_cap.Recipient, list[_Row]] = {}
        for row in rows:
            rows_by_recipient.setdefault((str(row.fields["channel"]), str(row.fields["recipient"])), []).append(row)
        statuses = message_cap.statuses_for_new_messages(
            {recipient: [str(row.fields["kind"]) for row in group] for recipient, group in rows_by_recipient.items()},
            clinic=self.clinic,
            now=self.now,
        )
        for recipient, group in rows_by_recipient.items():
            for row, status in zip(group, statuses[recipient], strict=True):
                row.fields.update(_status_fields(status, self.clinic))


def _insert(rows: list[_Row], *, new_appointment: bool = False) -> list[OutgoingMessage]:
    """Insert `rows` in one statement; if another transaction queued one of their keys meanwhile, one by one.

    A new appointment's keys cannot be taken (no other transaction sees the appointment yet): no savepoint.
    """
    if not rows:
        return []
    messages = [OutgoingMessage(dedupe_key=row.dedupe_key, **row.fields) for row in rows]
    if new_appointment:
        insert_returning_pks(messages)
        return messages
    try:
        with transaction.atomic():
            insert_returning_pks(messages)
            return messages
    except IntegrityError:
        created = []
        for row in rows:
            message, was_created = OutgoingMessage.objects.get_or_create(dedupe_key=row.dedupe_key, defaults=row.fields)
            if was_created:
                created.append(message)
        return created


def _calendar_file(
    appointment: Appointment, context: dict[str, str], language: str, now: datetime, clinic: Clinic
) -> str:
    """The appointment's calendar file for an e-mail: the same event as the manage page's download, without
    the visit reason (calendar_file.py)."""
    with translation.override(language):
        ics = appointment_ics(
            appointment, manage_url=context["manage_url"], now=now, with_visit_reason=False, clinic=clinic
        )
    return ics.decode()
