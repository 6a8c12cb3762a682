"""Book by phone: pick the time and find (or create) the patient on one page.

The page works without JavaScript: it posts back to itself to show the free
times of the chosen day, the patients found or the likely duplicates, keeping
what was typed (and keeping patient data out of addresses); only the "Book"
button books. static/js/workspace-booking.js finds patients as one types
(patients/search.json) and picks a free time without a reload.

Staff rules (staff_booking.py): no minimum notice, two years ahead, any free
time, outside the usual hours after ticking a box; never in the past.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from config.template_format import phone_display

from .. import audit, staff_booking
from ..availability import clinic_timezone
from ..booking import AgendaBusy, BookingError, SlotTaken
from ..date_bounds import parse_moment
from ..models import AuditEntry, Patient, Practitioner, VisitReason
from ..patient_search import QUERY_MAX_LENGTH, PatientMatch, likely_duplicates, search_patients
from ..slots import Interval
from ..staff_access import practitioner_for, visible_patients, visible_practitioners
from .access import staff_required
from .appointment_forms import NEW_PATIENT, BookingForm
from .appointment_views import local_moment
from .rendering import render_workspace

Action = AuditEntry.Action
# Which form field shows a refusal of the booking service.
FIELD_OF_ERROR = {"start": "time", "patient": "patient", "practitioner": "practitioner", "visit_reason": "visit_reason"}


@dataclass
class PageState:
    practitioner: Practitioner | None = None
    reasons: list[VisitReason] = field(default_factory=list)
    reason: VisitReason | None = None
    start: datetime | None = None
    slots: list[Interval] = field(default_factory=list)
    outside_hours: bool = False
    matches: list[PatientMatch] = field(default_factory=list)
    chosen: Patient | None = None
    duplicates: list[Patient] = field(default_factory=list)


@staff_required
@require_http_methods(["GET", "POST"])
def book(request: HttpRequest) -> HttpResponse:
    practitioners = visible_practitioners(request.user).filter(is_active=True).order_by("last_name", "first_name")
    if request.method == "POST":
        data = request.POST.copy()
        if data.get("pick"):
            data["time"] = data["pick"]  # a free time's button, without JavaScript
        asked_to_book = data.get("action") == "book"
    else:
        data = _data_from_address(request, practitioners)
        asked_to_book = False
    form = BookingForm(data, practitioners=practitioners)
    form.is_valid()
    state = _state(request, form)
    if asked_to_book:
        return _book(request, form, state)
    return _render(request, form, state, show_errors=False)


def _data_from_address(request: HttpRequest, practitioners) -> dict:
    """What the agenda's links (?practitioner=<id>&start=<iso> or &day=<date>) or a patient's page (?patient=<id>)
    preset."""
    params = request.GET
    practitioner = practitioners.first()
    if params.get("practitioner"):
        if not params["practitioner"].isdigit():
            raise Http404
        practitioner = practitioner_for(request.user, int(params["practitioner"]))
    try:  # the agenda's "Book an appointment" link (?practitioner=<id>&day=<date>)
        day = date.fromisoformat(params.get("day", "")[:10]).isoformat()
    except ValueError:
        day = timezone.localdate().isoformat()
    data = {
        "practitioner": practitioner.pk if practitioner else "",
        "visit_reason": params.get("visit_reason", ""),
        "day": day,
        "time": "",
        "q": params.get("q", "")[:QUERY_MAX_LENGTH],
        "patient": params.get("patient", ""),
    }
    # A "+01:00" offset typed unencoded in an address arrives as " 01:00".
    start = parse_moment(params.get("start", "")[:40].replace(" ", "+"))
    if start is not None and start.tzinfo is not None:
        local = start.astimezone(clinic_timezone())
        data.update(day=local.date().isoformat(), time=local.strftime("%H:%M"))
    return data


def _state(request: HttpRequest, form: BookingForm) -> PageState:
    data = form.cleaned_data
    state = PageState(practitioner=data.get("practitioner"), start=data.get("start"))
    now = timezone.now()
    if state.practitioner is not None:
        state.reasons = list(state.practitioner.visit_reasons.filter(is_active=True).order_by("name"))
        chosen_reason = data.get("visit_reason")
        state.reason = chosen_reason if chosen_reason in state.reasons else next(iter(state.reasons), None)
    if state.reason is not None and data.get("day"):
        state.slots = staff_booking.staff_slots(
            practitioner=state.practitioner, visit_reason=state.reason, day=data["day"], now=now
        )
    if state.reason is not None and state.start is not None and state.start >= now:
        end = state.start + state.reason.duration
        state.outside_hours = not staff_booking.within_usual_hours(state.practitioner, state.reason, state.start, end)
    if data.get("q"):
        state.matches = search_patients(data["q"])
        audit.record_search_results(request, [match.patient for match in state.matches])
    choice = data.get("patient", "")
    if choice.isdigit():
        state.chosen = visible_patients(request.user).filter(pk=int(choice)).first()
    return state


def _book(request: HttpRequest, form: BookingForm, state: PageState) -> HttpResponse:
    if not form.is_valid():
        return _render(request, form, state, status=400)
    data = form.cleaned_data
    if data["patient"] == NEW_PATIENT:
        state.duplicates = likely_duplicates(data["first_name"], data["last_name"], data["birth_date"], data["phone"])
        audit.record_search_results(request, state.duplicates)
        if state.duplicates and not data["create_anyway"]:
            form.add_error("patient", _("This patient may already be known: choose them below, or create anyway."))
            return _render(request, form, state, status=400)
        patient = form.new_patient()
    elif state.chosen is not None:
        patient = state.chosen
    else:
        form.add_error("patient", _("Find the patient and choose them, or enter a new patient."))
        return _render(request, form, state, status=400)
    try:
        result = staff_booking.book_by_phone(
            practitioner=data["practitioner"],
            visit_reason=data["visit_reason"],
            start=data["start"],
            patient=patient,
            now=timezone.now(),
            force=data["force"],
        )
    except AgendaBusy:
        form.add_error(None, _("The agenda is busy right now; please try again."))
        return _render(request, form, state, status=503)
    except BookingError as error:
        if error.code == "outside_hours":
            state.outside_hours = True  # its warning box says so, with the box to tick: not said twice
        else:
            form.add_error(FIELD_OF_ERROR.get(error.field or ""), error.message)
        return _render(request, form, state, status=409 if isinstance(error, SlotTaken) else 400)
    appointment = result.appointment
    if result.patient_created:
        audit.record_patient(request, Action.CREATE, appointment.patient)
    detail = local_moment(appointment.start) + (" forced" if appointment.forced else "")
    audit.record_appointment(request, Action.CREATE, appointment, detail=detail)
    messages.success(request, _("The appointment is booked."))
    return redirect("workspace:appointment", appointment.pk)


def _render(
    request: HttpRequest, form: BookingForm, state: PageState, *, show_errors: bool = True, status: int = 200
) -> HttpResponse:
    tz = clinic_timezone()
    found = [match.patient.pk for match in state.matches]
    if state.chosen is not None and state.chosen.pk not in found:  # the page shows who was chosen
        audit.record_patient(request, AuditEntry.Action.VIEW, state.chosen, detail="booking")
    return render_workspace(
        request,
        "clinic_instance/workspace/book.html",
        {
            "form": form,
            "show_errors": show_errors,
            "state": state,
            "practitioners": form.fields["practitioner"].queryset,
            "new_patient_fields": [form[name] for name in ("first_name", "last_name", "birth_date", "phone", "email")],
            "free_times": [slot.start.astimezone(tz).strftime("%H:%M") for slot in state.slots],
            "chosen_time": form.data.get("time", ""),
            "chosen_patient": form.data.get("patient", ""),
            "extra_chosen": state.chosen if state.chosen and state.chosen.pk not in found else None,
        },
        section="book",
        status=status,
    )


@staff_required
@require_GET
def patient_search_json(request: HttpRequest) -> JsonResponse:
    """At most 20 patients matching `q`, for the as-you-type search of the booking page."""
    matches = search_patients(request.GET.get("q", "")[:QUERY_MAX_LENGTH])
    audit.record_search_results(request, [match.patient for match in matches])
    response = JsonResponse(
        {
            "results": [
                {
                    "id": match.patient.pk,
                    "first_name": match.patient.first_name,
                    "last_name": match.patient.last_name,
                    "name": str(match.patient),
                    "birth_date": match.patient.birth_date.isoformat(),
                    "phone": match.patient.phone,
                    "phone_display": phone_display(match.patient.phone),
                    "possible_duplicate": match.possible_duplicate,
                }
                for match in matches
            ]
        }
    )
    response.headers["Cache-Control"] = "no-store, private"
    return response
