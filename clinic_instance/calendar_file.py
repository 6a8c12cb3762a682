"""The iCalendar (RFC 5545) file of one appointment: the manage page's download and the e-mails' attachment.

One generator for both, so that a calendar application sees one event:
- the UID comes from the appointment's id and this instance's public host
  (OPENRDV_BASE_URL), never from the manage token nor from the address a
  request came to, so the download and the e-mail name the same event;
- SEQUENCE grows with each revision (a move, a cancellation), so an imported
  file updates the event instead of adding a second one;
- times are written in UTC (`...Z`): no TZID, hence no VTIMEZONE to get wrong
  (an aware datetime with a fixed offset would otherwise be written as
  `TZID="UTC+01:00"`, which no calendar knows).
"""

from datetime import UTC, datetime
from urllib.parse import urlsplit

from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vCalAddress

from config.federation_node import base_url

from .models import Appointment, Clinic


def event_uid(appointment: Appointment) -> str:
    return f"appointment-{appointment.pk}@{urlsplit(base_url()).hostname}"


def revision(appointment: Appointment) -> int:
    """The event's SEQUENCE: whole seconds between the booking and the appointment's last change.

    Every move or cancellation stamps `updated_at`, so it grows without a counter
    column, and the download and the e-mail of one state of the appointment agree.
    """
    if appointment.created_at is None or appointment.updated_at is None:
        return 0
    return max(0, int((appointment.updated_at - appointment.created_at).total_seconds()))


def appointment_ics(
    appointment: Appointment,
    *,
    manage_url: str,
    now: datetime,
    with_visit_reason: bool = True,
    clinic: Clinic | None = None,
) -> bytes:
    """The calendar file of `appointment` as it is now; a cancelled one is a METHOD:CANCEL of the same event.

    `with_visit_reason` writes the visit reason and its instructions in the
    description: right for the patient's own download, not for an e-mail (read
    on shared screens and kept by providers), which carries the link alone.
    """
    clinic = clinic or Clinic.load()
    cancelled = appointment.status == Appointment.Status.CANCELLED
    calendar = Calendar()
    calendar.add("prodid", "-//OpenRDV//Clinic instance//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    event = Event()
    event.add("uid", event_uid(appointment))
    event.add("sequence", revision(appointment))
    event.add("dtstamp", now.astimezone(UTC))
    event.add("dtstart", appointment.start.astimezone(UTC))
    event.add("dtend", appointment.end.astimezone(UTC))
    event.add("summary", _("Appointment with %(name)s") % {"name": appointment.practitioner.name})
    if clinic.email:
        organizer = vCalAddress(f"mailto:{clinic.email}")
        if clinic.name:
            organizer.params["cn"] = clinic.name
        event.add("organizer", organizer)
    location = ", ".join(part for part in (clinic.name, clinic.address) if part)
    if location:
        event.add("location", location)
    description = []
    if with_visit_reason:
        description.append(appointment.visit_reason.shown_name)
        if appointment.visit_reason.instructions:
            description.append(appointment.visit_reason.instructions)
        description.append(_("Cancel or move: %(url)s") % {"url": manage_url})
    else:
        description.append(manage_url)
    event.add("description", "\n\n".join(description))
    event.add("url", manage_url)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    calendar.add_component(event)
    return calendar.to_ical()
