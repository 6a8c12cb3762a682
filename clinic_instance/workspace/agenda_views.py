"""The agenda pages: a day of several practitioners side by side, a week of one, a printable day.

Every page works without JavaScript (GET forms and links, the day's list in HTML); the
calendar component renders the same data, polls the events API and moves appointments by
drag and drop. Practitioners come only from staff_access.visible_practitioners: an id the
user may not see answers 404. Each page and each events answer writes one audit VIEW entry
per appointment shown.
"""

from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified, JsonResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import parse_etags, quote_etag
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from .. import audit
from ..agenda import LONGEST_RANGE, Agenda, agenda_version, day_time_window, load_agenda
from ..availability import clinic_timezone
from ..models import Practitioner
from ..staff_access import visible_practitioners
from .access import staff_required
from .agenda_events import calendar_events, calendar_resources
from .rendering import render_workspace

MAX_PRACTITIONER_IDS = 100
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)
LIST_TEMPLATE = "clinic_instance/workspace/agenda_list.html"


class BadParameter(Exception):
    """A query parameter the agenda cannot read: answered 400, naming the parameter."""

    def __init__(self, name: str, message: str):
        super().__init__(message)
        self.name = name
        self.message = message


def _today() -> date:
    return timezone.now().astimezone(clinic_timezone()).date()


def _day(raw: str | None) -> date:
    if not raw:
        return _today()
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise BadParameter("date", _("Enter a valid date (YYYY-MM-DD).")) from None
    if not EARLIEST <= day <= LATEST:
        raise BadParameter("date", _("Enter a date between 2000 and 2100."))
    return day


def _ids(raw: list[str], name: str) -> list[int]:
    if len(raw) > MAX_PRACTITIONER_IDS:
        raise BadParameter(name, _("Too many practitioners."))
    ids = []
    for value in raw:
        if not value.isdigit() or len(value) > 18:
            raise BadParameter(name, _("Choose practitioners from the list."))
        if int(value) not in ids:
            ids.append(int(value))
    return ids


def _chosen(visible: list[Practitioner], ids: list[int]) -> list[Practitioner]:
    """The asked practitioners (404 if any is not visible), or every active visible one."""
    if not ids:
        return [p for p in visible if p.is_active] or visible
    by_id = {p.pk: p for p in visible}
    if any(pk not in by_id for pk in ids):
        raise Http404
    return [by_id[pk] for pk in ids]


def _one(visible: list[Practitioner], raw: str | None, member) -> Practitioner | None:
    """The asked practitioner (404 if not visible); by default the member's own, else the first."""
    if raw:
        (pk,) = _ids([raw], "practitioner")
        return _chosen(visible, [pk])[0]
    own = [p for p in visible if p.pk == member.practitioner_id]
    return (own or visible or [None])[0]


def _bad_request(request: HttpRequest, error: BadParameter) -> HttpResponse:
    return render_workspace(
        request, "clinic_instance/workspace/agenda_error.html", {"error": error}, section="agenda", status=400
    )


def _appointments_path() -> str:
    # The appointment pages belong to another area; their addresses follow the workspace's.
    return reverse("workspace:home") + "appointments/"


def _events_url(agenda: Agenda) -> str:
    query = [("start", agenda.first.isoformat()), ("end", (agenda.last + timedelta(days=1)).isoformat())]
    query += [("p", str(column.practitioner.pk)) for column in agenda.columns]
    return reverse("workspace:agenda-events") + "?" + urlencode(query)


def _etag(agenda_first: date, agenda_last: date, ids: list[int]) -> str:
    # The answer carries translated labels: one version per language.
    return quote_etag(f"{agenda_version(ids, agenda_first, agenda_last)}-{get_language()}")


def _calendar_config(agenda: Agenda, view: str, etag: str) -> dict:
    earliest, latest = day_time_window(agenda)
    return {
        "view": view,
        "date": agenda.first.isoformat(),
        "timeZone": str(clinic_timezone()),
        "slotMinTime": earliest.strftime("%H:%M"),
        "slotMaxTime": latest.strftime("%H:%M"),
        "resources": calendar_resources(agenda),
        "events": calendar_events(agenda, _appointments_path()),
        "version": etag,
        "eventsUrl": _events_url(agenda),
        "appointmentsUrl": _appointments_path(),
        "bookUrl": reverse("workspace:home") + "book/",
        "messages": {
            "moved": _("Appointment moved."),
            "outsideHours": _("This time is outside the practitioner's usual hours. Move the appointment anyway?"),
            "failed": _("The appointment could not be moved."),
            "sessionEnded": _("Your session has ended: reload the page to sign in again."),
        },
    }


def _page_context(agenda: Agenda, view: str, etag: str) -> dict:
    return {
        "agenda": agenda,
        "appointments_path": _appointments_path(),
        "calendar": _calendar_config(agenda, view, etag),
        "list_template": LIST_TEMPLATE,
    }


@require_GET
@staff_required
def day_view(request: HttpRequest) -> HttpResponse:
    visible = list(visible_practitioners(request.user))
    try:
        day = _day(request.GET.get("date"))
        chosen = _chosen(visible, _ids(request.GET.getlist("p"), "p"))
    except BadParameter as error:
        return _bad_request(request, error)
    # The version before the data: a change in between makes the first poll fetch it again.
    etag = _etag(day, day, [p.pk for p in chosen])
    agenda = load_agenda(chosen, day, day)
    audit.record_appointments_read(request, agenda.appointments, detail=f"agenda {day.isoformat()}")
    context = _page_context(agenda, "resourceTimeGridDay", etag)
    chosen_ids = [p.pk for p in chosen]
    context.update(
        day=day,
        today=_today(),
        previous_day=day - timedelta(days=1),
        next_day=day + timedelta(days=1),
        visible=visible,
        chosen_ids=chosen_ids,
        chosen_query=urlencode([("p", pk) for pk in chosen_ids]) if request.GET.getlist("p") else "",
    )
    return render_workspace(request, "clinic_instance/workspace/agenda_day.html", context, section="agenda")


@require_GET
@staff_required
def week_view(request: HttpRequest) -> HttpResponse:
    visible = list(visible_practitioners(request.user))
    try:
        day = _day(request.GET.get("date"))
        practitioner = _one(visible, request.GET.get("practitioner"), request.staff_member)
    except BadParameter as error:
        return _bad_request(request, error)
    monday = day - timedelta(days=day.weekday())
    context = {"visible": visible, "practitioner": practitioner, "monday": monday, "today": _today()}
    if practitioner is not None:
        sunday = monday + timedelta(days=6)
        etag = _etag(monday, sunday, [practitioner.pk])
        agenda = load_agenda([practitioner], monday, sunday)
        audit.record_appointments_read(
            request, agenda.appointments, detail=f"agenda {monday.isoformat()}..{sunday.isoformat()}"
        )
        context.update(_page_context(agenda, "timeGridWeek", etag))
    context.update(previous_week=monday - timedelta(days=7), next_week=monday + timedelta(days=7))
    return render_workspace(request, "clinic_instance/workspace/agenda_week.html", context, section="agenda")


@require_GET
@staff_required
def print_view(request: HttpRequest) -> HttpResponse:
    visible = list(visible_practitioners(request.user))
    try:
        day = _day(request.GET.get("date"))
        practitioner = _one(visible, request.GET.get("practitioner"), request.staff_member)
    except BadParameter as error:
        return _bad_request(request, error)
    if practitioner is None:
        raise Http404
    agenda = load_agenda([practitioner], day, day)
    audit.record_appointments_read(request, agenda.appointments, detail=f"print {day.isoformat()}")
    context = {"agenda": agenda, "column": agenda.columns[0], "agenda_day": agenda.columns[0].days[0], "day": day}
    return render_workspace(request, "clinic_instance/workspace/agenda_print.html", context, section="agenda")


def _moment(raw: str | None, name: str) -> datetime:
    """An ISO 8601 date or date-time; without an offset it is the clinic's local time."""
    if not raw:
        raise BadParameter(name, _("This parameter is required."))
    # A "+01:00" offset sent unencoded in a query string arrives as " 01:00".
    raw = raw.strip().replace(" ", "+") if "T" in raw else raw.strip()
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise BadParameter(name, _("Enter a valid ISO 8601 date or date-time.")) from None
    if not EARLIEST <= moment.date() <= LATEST:  # before the conversion, which overflows near year 9999
        raise BadParameter(name, _("Enter a date between 2000 and 2100."))
    tz = clinic_timezone()
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment.astimezone(tz)


@require_GET
@staff_required
def events(request: HttpRequest) -> HttpResponse:
    """The calendar's events for [start, end) (whole local days, a week at most), with an ETag."""
    visible = list(visible_practitioners(request.user))
    try:
        start = _moment(request.GET.get("start"), "start")
        end = _moment(request.GET.get("end"), "end")
        chosen = _chosen(visible, _ids(request.GET.getlist("p"), "p"))
        if end <= start:
            raise BadParameter("end", _("The end must be after the start."))
        first, last = start.date(), (end - timedelta(microseconds=1)).date()
        if (last - first) >= LONGEST_RANGE:
            raise BadParameter("end", _("Ask for seven days at most."))
    except BadParameter as error:
        return JsonResponse({"field": error.name, "error": error.message, "code": "invalid"}, status=400)
    etag = _etag(first, last, [p.pk for p in chosen])  # before the data, as on the pages
    if etag in parse_etags(request.headers.get("If-None-Match", "")):
        response = HttpResponseNotModified()
        response.headers["ETag"] = etag
        response.headers["Cache-Control"] = "no-store, private"
        return response
    agenda = load_agenda(chosen, first, last)
    detail = f"agenda {first.isoformat()}" + (f"..{last.isoformat()}" if last != first else "")
    audit.record_appointments_read(request, agenda.appointments, detail=detail)
    list_html = render_to_string(
        LIST_TEMPLATE, {"agenda": agenda, "appointments_path": _appointments_path()}, request=request
    )
    response = JsonResponse(
        {"version": etag, "events": calendar_events(agenda, _appointments_path()), "list_html": list_html}
    )
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = "no-store, private"
    return response
