"""The rows of the agenda's day lists, built in Python.

A template loop costs about 0.15 ms a row: 90 ms for a day of 20 practitioners x 30
appointments, most of the day view's budget (bench/workspace_day_view.py).
"""

from collections.abc import Iterable
from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from ..agenda import AgendaAppointment

register = template.Library()

ROW = (
    '<tr class="agenda-row agenda-status-{status}" data-appointment="{id}">'
    '<td class="agenda-time">{start}–{end}</td>'
    '<td><a href="{path}{id}/">{patient}</a></td>'
    '<td><span class="agenda-swatch" style="background-color: {colour}" aria-hidden="true"></span> {reason}</td>'
    '<td><span class="agenda-badge agenda-badge-{status}">{status_label}</span> '
    '<span class="agenda-badge agenda-badge-source">{source}</span>{forced}{note}</td>'
    "</tr>"
)


@register.filter
def agenda_rows(appointments: Iterable[AgendaAppointment], appointments_path: str) -> SafeString:
    """`{{ day.appointments|agenda_rows:appointments_path }}`: one <tr> per appointment.

    Every value goes through html.escape (the standard library's: Django's lazy-aware
    escape, called 7,000 times, cost more than the rest of the list).
    """
    online, phone = escape(_("online")), escape(_("phone"))
    forced = f' <span class="agenda-badge agenda-badge-forced">{escape(_("outside usual hours"))}</span>'
    note = f' <span class="agenda-badge agenda-badge-note">{escape(_("note"))}</span>'
    path = escape(appointments_path)
    rows = [
        ROW.format(
            id=int(a.id),
            status=escape(a.status),
            start=a.start.strftime("%H:%M"),
            end=a.end.strftime("%H:%M"),
            path=path,
            patient=escape(a.patient_name),
            colour=escape(a.colour),
            reason=escape(a.reason_name),
            status_label=escape(a.status_label),
            source=online if a.is_online else phone,
            forced=forced if a.forced else "",
            note=note if a.has_note else "",
        )
        for a in appointments
    ]
    return mark_safe("\n".join(rows))  # noqa: S308 -- each value above is escaped
