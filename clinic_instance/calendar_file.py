"""An iCalendar (RFC 5545) file for one appointment, for the patient's own calendar."""

from datetime import datetime

from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from .models import Appointment, Clinic


def appointment_ics(appointment: Appointment, *, manage_url: str, host: str, now: datetime) -> bytes:
    clinic = Clinic.load()
    calendar = Calendar()
    calendar.add("prodid", "-//OpenRDV//Clinic instance//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"appointment-{appointment.pk}@{host}")
    event.add("dtstamp", now)
    event.add("dtstart", appointment.start)
    event.add("dtend", appointment.end)
    event.add("summary", _("Appointment with %(name)s") % {"name": appointment.practitioner.name})
    location = ", ".join(part for part in (clinic.name, clinic.address) if part)
    if location:
        event.add("location", location)
    description = [appointment.visit_reason.name]
    if appointment.visit_reason.instructions:
        description.append(appointment.visit_reason.instructions)
    description.append(_("Cancel or move: %(url)s") % {"url": manage_url})
    event.add("description", "\n\n".join(description))
    event.add("url", manage_url)
    event.add("status", "CANCELLED" if appointment.status == Appointment.Status.CANCELLED else "CONFIRMED")
    calendar.add_component(event)
    return calendar.to_ical()
