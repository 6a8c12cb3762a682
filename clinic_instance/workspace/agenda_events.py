"""The agenda as the calendar component reads it: plain event objects with offsets (EventCalendar's format).

Appointments are foreground events coloured by visit reason; working hours, absences,
blocked time and extra openings are background events. The same list serves the page's
first paint (json_script) and the events API the page polls.
"""

from django.utils.translation import gettext as _

from ..agenda import Agenda, AgendaAppointment
from ..models import Appointment


def iso(moment) -> str:
    return moment.isoformat(timespec="seconds")


def calendar_resources(agenda: Agenda) -> list[dict]:
    return [{"id": str(column.practitioner.pk), "title": column.practitioner.name} for column in agenda.columns]


def calendar_events(agenda: Agenda, appointments_path: str) -> list[dict]:
    """EventCalendar event objects; `appointments_path` is the appointment pages' prefix."""
    events = []
    for column in agenda.columns:
        resource = str(column.practitioner.pk)
        for day in column.days:
            for hours in day.hours:
                events.append(
                    {
                        "id": f"h{resource}-{iso(hours.start)}",
                        "resourceId": resource,
                        "start": iso(hours.start),
                        "end": iso(hours.end),
                        "display": "background",
                        "classNames": ["agenda-hours"],
                    }
                )
            for exception in day.exceptions:
                events.append(
                    {
                        "id": f"x{exception.id}-{day.day.isoformat()}",
                        "resourceId": resource,
                        "start": iso(exception.start),
                        "end": iso(exception.end),
                        "display": "background",
                        "title": exception.kind_label,
                        "classNames": [f"agenda-{exception.kind}"],
                    }
                )
            events.extend(_appointment_event(a, resource, appointments_path) for a in day.appointments)
    return events


def _appointment_event(appointment: AgendaAppointment, resource: str, appointments_path: str) -> dict:
    title = f"{appointment.patient_name} · {appointment.reason_name}"
    if appointment.status != Appointment.Status.BOOKED:
        title += f" ({appointment.status_label})"
    if appointment.forced:
        title += " · " + _("outside usual hours")
    if appointment.has_note:
        title += " · " + _("note")
    classes = ["agenda-appointment", f"agenda-status-{appointment.status}"]
    if appointment.forced:
        classes.append("agenda-forced")
    return {
        "id": str(appointment.id),
        "resourceId": resource,
        "start": iso(appointment.start),
        "end": iso(appointment.end),
        "title": title,
        "backgroundColor": appointment.colour,
        "textColor": "#ffffff",
        "classNames": classes,
        # Only booked appointments move; their length is the visit reason's.
        "startEditable": appointment.status == Appointment.Status.BOOKED,
        "durationEditable": False,
        "extendedProps": {
            "appointment": appointment.id,
            "practitioner": appointment.practitioner_id,
            "url": f"{appointments_path}{appointment.id}/",
            "status": appointment.status,
            "source": appointment.source,
            "forced": appointment.forced,
            "note": appointment.has_note,
        },
    }
