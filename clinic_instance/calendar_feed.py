"""A practitioner's private iCalendar feed, for the calendar app on their phone.

The secret URL is the only key. The database keeps only its SHA-256
(models.staff.token_digest), so a dump reveals no usable feed, and the lookup
is an exact match on the digest: nothing to time, nothing to compare
character by character. Revoking deletes the row; creating again replaces the
URL.

Only the practitioner himself or an administrator manages the feed
(can_manage_feed): the URL hands the agenda to whoever holds it.

What goes out: the practitioner's appointments that are not cancelled, from
FEED_PAST ago to FEED_AHEAD ahead, and absences and blocked time as busy
events. Never the visit reason, never a note; the patient's name only when the
practitioner turned it on, knowing that the calendar provider receives it.

Audit: a calendar server reads the feed every few minutes, so one entry per
read would flood the trail. Without names the feed carries no patient data and
no entry is written; with names every read writes one VIEW entry
("calendar feed") for the agenda.
"""

from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from . import audit
from .models import Appointment, AuditEntry, CalendarFeed, Practitioner, ScheduleException, StaffMember
from .models.staff import new_secret_token, token_digest

FEED_PAST = timedelta(days=30)
FEED_AHEAD = timedelta(days=180)
# token_urlsafe(32) gives 43 characters; anything much longer is not a token of ours.
MAX_TOKEN_LENGTH = 64


def can_manage_feed(member: StaffMember, practitioner: Practitioner) -> bool:
    return member.role == StaffMember.Role.ADMINISTRATOR or member.practitioner_id == practitioner.pk


def create_feed(*, practitioner: Practitioner, request: HttpRequest | None) -> str:
    """A new secret token for the practitioner's feed (the old URL, if any, stops working).

    The token is returned once, to be shown once; only its digest is stored.
    """
    token = new_secret_token()
    with transaction.atomic():
        _feed, created = CalendarFeed.objects.update_or_create(
            practitioner=practitioner, defaults={"token_digest": token_digest(token), "last_read_at": None}
        )
        _record(request, practitioner, "calendar feed created" if created else "calendar feed replaced")
    return token


def revoke_feed(*, practitioner: Practitioner, request: HttpRequest | None) -> bool:
    """Delete the feed; its URL answers 404 from now on. False if there was none."""
    with transaction.atomic():
        deleted, _by_model = CalendarFeed.objects.filter(practitioner=practitioner).delete()
        if deleted:
            _record(request, practitioner, "calendar feed revoked")
    return bool(deleted)


def set_patient_names(*, feed: CalendarFeed, include: bool, request: HttpRequest | None) -> None:
    if feed.include_patient_names == include:
        return
    with transaction.atomic():
        feed.include_patient_names = include
        feed.save(update_fields=["include_patient_names"])
        _record(request, feed.practitioner, "calendar feed: patient names " + ("on" if include else "off"))


def read_feed(token: str, *, request: HttpRequest | None, host: str, now: datetime) -> bytes | None:
    """The feed's iCalendar body, or None for an unknown or revoked token."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    feed = CalendarFeed.objects.select_related("practitioner").filter(token_digest=token_digest(token)).first()
    if feed is None:
        return None
    CalendarFeed.objects.filter(pk=feed.pk).update(last_read_at=now)
    if feed.include_patient_names:
        audit.record(
            request,
            AuditEntry.Action.VIEW,
            AuditEntry.ObjectType.AGENDA,
            practitioner_id=feed.practitioner_id,
            detail="calendar feed",
        )
    return feed_ics(feed, host=host, now=now)


def feed_ics(feed: CalendarFeed, *, host: str, now: datetime) -> bytes:
    practitioner = feed.practitioner
    calendar = Calendar()
    calendar.add("prodid", "-//OpenRDV//Clinic instance//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", practitioner.name)
    calendar.add("x-published-ttl", "PT15M")
    appointments = (
        Appointment.objects.filter(practitioner=practitioner, start__lt=now + FEED_AHEAD, end__gt=now - FEED_PAST)
        .exclude(status=Appointment.Status.CANCELLED)
        .order_by("start")
    )
    if feed.include_patient_names:
        appointments = appointments.select_related("patient")
    for appointment in appointments:
        summary = _("Appointment")
        if feed.include_patient_names and appointment.patient.erased_at is None:
            summary = f"{appointment.patient.first_name} {appointment.patient.last_name}"
        calendar.add_component(
            _event(f"feed-appointment-{appointment.pk}@{host}", appointment.start, appointment.end, summary, now)
        )
    absences = ScheduleException.objects.filter(
        practitioner=practitioner,
        kind__in=[ScheduleException.Kind.ABSENCE, ScheduleException.Kind.BLOCK],
        start__lt=now + FEED_AHEAD,
        end__gt=now - FEED_PAST,
    ).order_by("start")
    for absence in absences:
        summary = _("Absence") if absence.kind == ScheduleException.Kind.ABSENCE else _("Blocked time")
        calendar.add_component(_event(f"feed-absence-{absence.pk}@{host}", absence.start, absence.end, summary, now))
    return calendar.to_ical()


def _event(uid: str, start: datetime, end: datetime, summary: str, now: datetime) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", now.astimezone(UTC))
    event.add("dtstart", start.astimezone(UTC))
    event.add("dtend", end.astimezone(UTC))
    event.add("summary", summary)
    event.add("status", "CONFIRMED")
    event.add("transp", "OPAQUE")
    return event


def _record(request: HttpRequest | None, practitioner: Practitioner, detail: str) -> None:
    audit.record(
        request,
        AuditEntry.Action.SECURITY,
        AuditEntry.ObjectType.AGENDA,
        practitioner_id=practitioner.pk,
        detail=detail,
    )
