"""One appointment in the workspace: its page, and moving, cancelling, status and note.

Every change is a POST answered with a redirect and a message for the page's
forms, or with JSON when the request asks for it (Accept: application/json),
which is how the agenda's drag and drop moves appointments:
200 {"id", "start", "end", "practitioner"}; 400 {"field", "error", "code"};
409 {"code": "slot_taken", "error"}; 503 {"code": "busy", "error"}; 404 for
an appointment or practitioner outside the user's agendas.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from .. import audit, staff_booking
from ..availability import clinic_timezone
from ..booking import AgendaBusy, BookingError, SlotTaken
from ..models import Appointment, AuditEntry
from ..staff_access import appointment_for, practitioner_for, visible_practitioners
from .access import staff_required
from .appointment_forms import CancelForm, MoveForm, NoteForm, StatusForm
from .rendering import render_workspace

Action = AuditEntry.Action
STATUS_BUTTONS = {
    Appointment.Status.ARRIVED: gettext_lazy("Arrived"),
    Appointment.Status.DONE: gettext_lazy("Done"),
    Appointment.Status.NO_SHOW: gettext_lazy("No-show"),
    Appointment.Status.BOOKED: gettext_lazy("Back to booked"),
}


def local_moment(moment) -> str:
    """A short, non-clinical time for the audit trail: "2027-03-01 09:00"."""
    return moment.astimezone(clinic_timezone()).strftime("%Y-%m-%d %H:%M")


def appointment_json(appointment: Appointment) -> dict:
    tz = clinic_timezone()
    return {
        "id": appointment.pk,
        "start": appointment.start.astimezone(tz).isoformat(),
        "end": appointment.end.astimezone(tz).isoformat(),
        "practitioner": appointment.practitioner_id,
        "status": appointment.status,
    }


@staff_required
@require_GET
def appointment_detail(request: HttpRequest, appointment_id: int) -> HttpResponse:
    appointment = appointment_for(request.user, appointment_id)
    audit.record_appointment(request, Action.VIEW, appointment)
    return _page(request, appointment)


def _page(request: HttpRequest, appointment: Appointment, *, failed: str = "", form=None, status: int = 200):
    """The appointment page; after a refused change, with that form's errors and what was typed."""
    tz = clinic_timezone()
    start = appointment.start.astimezone(tz)
    forms = {
        "move": MoveForm(initial={"day": start.date(), "time": start.strftime("%H:%M")}),
        "cancel": CancelForm(),
        "note": NoteForm(initial={"note": appointment.staff_note}),
    }
    if form is not None:
        forms[failed] = form
    colleagues = visible_practitioners(request.user).filter(visit_reasons=appointment.visit_reason, is_active=True)
    allowed = staff_booking.statuses_now(appointment, timezone.now())
    return render_workspace(
        request,
        "clinic_instance/workspace/appointment.html",
        {
            "appointment": appointment,
            "patient": appointment.patient,
            "forms": forms,
            "failed": failed,
            "practitioners": colleagues.distinct(),
            "status_buttons": [(value, label) for value, label in STATUS_BUTTONS.items() if value in allowed],
            "can_move": appointment.status == Appointment.Status.BOOKED,
        },
        section="agenda",
        status=status,
    )


@staff_required
@require_POST
def appointment_move(request: HttpRequest, appointment_id: int) -> HttpResponse:
    appointment = appointment_for(request.user, appointment_id)
    form = MoveForm(request.POST)
    if not form.is_valid():
        return _invalid(request, appointment, "move", form)
    data = form.cleaned_data
    target = practitioner_for(request.user, data["practitioner"]) if data["practitioner"] else None
    before = f"{local_moment(appointment.start)} #{appointment.practitioner_id}"
    try:
        moved = staff_booking.move_appointment(
            appointment=appointment, start=data["start"], now=timezone.now(), practitioner=target, force=data["force"]
        )
    except (BookingError, AgendaBusy) as error:
        return _refused(request, appointment, "move", form, error)
    audit.record_appointment(
        request, Action.MOVE, moved, detail=f"{before} → {local_moment(moved.start)} #{moved.practitioner_id}"
    )
    return _done(request, moved, _("The appointment was moved."))


@staff_required
@require_POST
def appointment_cancel(request: HttpRequest, appointment_id: int) -> HttpResponse:
    appointment = appointment_for(request.user, appointment_id)
    form = CancelForm(request.POST)
    if not form.is_valid():
        return _invalid(request, appointment, "cancel", form)
    try:
        cancelled = staff_booking.cancel_by_clinic(
            appointment=appointment, reason=form.cleaned_data["reason"], now=timezone.now()
        )
    except BookingError as error:
        return _refused(request, appointment, "cancel", form, error)
    audit.record_appointment(request, Action.CANCEL, cancelled, detail=local_moment(cancelled.start))
    return _done(request, cancelled, _("The appointment was cancelled."))


@staff_required
@require_POST
def appointment_status(request: HttpRequest, appointment_id: int) -> HttpResponse:
    appointment = appointment_for(request.user, appointment_id)
    form = StatusForm(request.POST)
    if not form.is_valid():
        return _invalid(request, appointment, "status", form)
    before = appointment.status
    try:
        changed = staff_booking.change_status(
            appointment=appointment, status=form.cleaned_data["status"], now=timezone.now()
        )
    except BookingError as error:
        return _refused(request, appointment, "status", form, error)
    audit.record_appointment(request, Action.STATUS, changed, detail=f"{before} → {changed.status}")
    return _done(request, changed, _("The status is now: %(status)s.") % {"status": changed.get_status_display()})


@staff_required
@require_POST
def appointment_note(request: HttpRequest, appointment_id: int) -> HttpResponse:
    appointment = appointment_for(request.user, appointment_id)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _invalid(request, appointment, "note", form)
    try:
        noted = staff_booking.set_note(appointment=appointment, note=form.cleaned_data["note"], now=timezone.now())
    except BookingError as error:
        return _refused(request, appointment, "note", form, error)
    audit.record_appointment(request, Action.NOTE, noted, detail=_note_size(noted.staff_note))
    return _done(request, noted, _("The private note was saved."))


def _note_size(note: str) -> str:
    # The trail says that the note changed, never what it says.
    return f"{len(note)} characters" if note else "cleared"


def wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _done(request: HttpRequest, appointment: Appointment, message: str) -> HttpResponse:
    if wants_json(request):
        return JsonResponse(appointment_json(appointment))
    messages.success(request, message)
    return redirect(_next_page(request, appointment))


def _next_page(request: HttpRequest, appointment: Appointment) -> str:
    """Back where the form was (the agenda posts `next`), or the appointment's page."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse("workspace:appointment", args=[appointment.pk])


def _invalid(request: HttpRequest, appointment: Appointment, which: str, form) -> HttpResponse:
    field, errors = next(iter(form.errors.items()))
    if wants_json(request):
        return JsonResponse({"field": field, "error": " ".join(errors), "code": "invalid"}, status=400)
    return _page(request, appointment, failed=which, form=form, status=400)


def _refused(request: HttpRequest, appointment: Appointment, which: str, form, error: Exception) -> HttpResponse:
    if isinstance(error, AgendaBusy):
        status, body = 503, {"code": "busy", "error": _("The agenda is busy right now; please try again.")}
    elif isinstance(error, SlotTaken):
        status, body = 409, {"code": error.code, "error": error.message}
    else:
        status, body = 400, {"field": error.field, "error": error.message, "code": error.code}
    if wants_json(request):
        return JsonResponse(body, status=status)
    form.add_error(body.get("field") if body.get("field") in form.fields else None, body["error"])
    if getattr(error, "code", "") == "outside_hours":
        form.outside_hours = True
    return _page(request, appointment, failed=which, form=form, status=status)
