"""The patient pages: choose, book, and manage an appointment, with no account."""

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from . import booking, phone_verification
from .availability import bookable_practitioners, clinic_timezone, nearest_free_slots
from .calendar_file import appointment_ics
from .code_step import TOKEN_FIELD, verified_attempt
from .forms import PatientDetailsForm, SlotForm
from .manage_links import appointment_or_404
from .models import Appointment, Clinic, Practitioner, VisitReason
from .week_view import week_of_slots


@require_GET
def home(request):
    return render(
        request, "clinic_instance/home.html", {"clinic": Clinic.load(), "practitioners": bookable_practitioners()}
    )


def _week_context(request, *, practitioner, visit_reason, ignore_appointment_id=None, not_before=None) -> dict:
    week = week_of_slots(
        practitioner=practitioner,
        visit_reason=visit_reason,
        asked_week=request.GET.get("week"),
        now=timezone.now(),
        ignore_appointment_id=ignore_appointment_id,
        not_before=not_before,
    )
    return {"week": week, "days": week.days}


@require_GET
def practitioner_page(request, practitioner_id: int):
    practitioner = get_object_or_404(bookable_practitioners(), pk=practitioner_id)
    context = {"clinic": Clinic.load(), "practitioner": practitioner, "reasons": practitioner.bookable_reasons}
    reason_id = request.GET.get("reason", "")
    if reason_id.isdigit():
        visit_reason = next((r for r in practitioner.bookable_reasons if r.pk == int(reason_id)), None)
        if visit_reason is None:
            raise Http404
        context.update(visit_reason=visit_reason, week_query=f"reason={visit_reason.pk}&")
        context.update(_week_context(request, practitioner=practitioner, visit_reason=visit_reason))
    return render(request, "clinic_instance/practitioner.html", context)


def bookable_or_404(practitioner_id: int, reason_id: int) -> tuple[Practitioner, VisitReason]:
    """A practitioner taking bookings and one of the visit reasons patients may book online with them."""
    practitioner = get_object_or_404(bookable_practitioners(), pk=practitioner_id)
    visit_reason = next((r for r in practitioner.bookable_reasons if r.pk == reason_id), None)
    if visit_reason is None:
        raise Http404
    return practitioner, visit_reason


@require_http_methods(["GET", "POST"])
def book_details(request, practitioner_id: int, reason_id: int):
    practitioner, visit_reason = bookable_or_404(practitioner_id, reason_id)
    context = {"clinic": Clinic.load(), "practitioner": practitioner, "visit_reason": visit_reason}
    if request.method == "GET":
        form = PatientDetailsForm(initial={"start": request.GET.get("start", "")})
        start = SlotForm({"start": request.GET.get("start", "")})
        if not start.is_valid():
            return redirect(f"{reverse('practitioner', args=[practitioner.pk])}?reason={visit_reason.pk}")
        context.update(form=form, start=start.cleaned_data["start"])
        return render(request, "clinic_instance/book_details.html", context)

    form = PatientDetailsForm(request.POST)
    context["form"] = form
    if not form.is_valid():
        context["start"] = form.cleaned_data.get("start")
        return render(request, "clinic_instance/book_details.html", context, status=400)
    start = form.cleaned_data["start"]
    verification = None
    if phone_verification.is_required():
        context.update(
            summary=f"{practitioner.name} · {visit_reason.shown_name} · {date_format(start.astimezone(clinic_timezone()), 'l j F Y, H:i')}",
            confirm_label=_("Confirm the appointment"),
        )
        verification = verified_attempt(
            request, form=form, phone=form.cleaned_data["phone"], form_template="clinic_instance/book_details.html",
            context={**context, "start": start},
        )  # fmt: skip
        if isinstance(verification, HttpResponse):
            return verification
        context["verification_token"] = request.POST.get(TOKEN_FIELD, "")
    try:
        result = booking.book_appointment(
            practitioner=practitioner,
            visit_reason=visit_reason,
            start=start,
            patient=form.patient_details(),
            now=timezone.now(),
            verification=verification,
        )
    except booking.SlotTaken as error:
        context.update(
            start=None,
            slot_error=error.message,
            alternatives=[
                slot.start.astimezone(clinic_timezone())
                for slot in nearest_free_slots(
                    practitioner=practitioner, visit_reason=visit_reason, around=start, now=timezone.now()
                )
            ],
        )
        return render(request, "clinic_instance/book_details.html", context, status=409)
    except booking.BookingError as error:
        context.update(start=start, booking_error=error.message)
        return render(request, "clinic_instance/book_details.html", context, status=400)
    except booking.AgendaBusy:
        context.update(start=start, booking_error=_("Booking is busy right now; please try again."))
        return render(request, "clinic_instance/book_details.html", context, status=503)
    return redirect(f"{reverse('manage', args=[result.appointment.manage_token])}?booked=1")


def _manage_context(request, appointment: Appointment, token: str, **extra) -> dict:
    return {
        "clinic": Clinic.load(),
        "appointment": appointment,
        "token": token,
        "can_change": booking.patient_can_change(appointment, timezone.now()),
        "manage_url": request.build_absolute_uri(reverse("manage", args=[token])),
        "just_booked": request.GET.get("booked") == "1",
        **extra,
    }


def _book_again_url(appointment: Appointment) -> str:
    """Where a patient who cancelled can book again: the practitioner's page (with the same visit reason if
    it can still be booked online), else the clinic's home page."""
    practitioner = bookable_practitioners().filter(pk=appointment.practitioner_id).first()
    if practitioner is None:
        return reverse("home")
    url = reverse("practitioner", args=[practitioner.pk])
    if any(reason.pk == appointment.visit_reason_id for reason in practitioner.bookable_reasons):
        url += f"?reason={appointment.visit_reason_id}"
    return url


@never_cache
@require_GET
def manage(request, token: str):
    appointment = appointment_or_404(token)
    context = _manage_context(request, appointment, token)
    if appointment.status == Appointment.Status.CANCELLED:
        context["book_again_url"] = _book_again_url(appointment)
    return render(request, "clinic_instance/manage.html", context)


def _too_late(request, appointment: Appointment, token: str, message: str) -> HttpResponse:
    context = _manage_context(request, appointment, token, error=message)
    return render(request, "clinic_instance/manage.html", context, status=400)


@never_cache
@require_http_methods(["GET", "POST"])
def cancel(request, token: str):
    """GET asks for confirmation; the confirmed POST cancels. Sent twice, it answers as the first time."""
    appointment = appointment_or_404(token)
    cancelled = f"{reverse('manage', args=[token])}?cancelled=1"
    if (
        appointment.status == Appointment.Status.CANCELLED
        and appointment.cancelled_by == Appointment.CancelledBy.PATIENT
    ):
        return redirect(cancelled)
    if request.method == "GET":
        if not booking.patient_can_change(appointment, timezone.now()):
            return _too_late(
                request,
                appointment,
                token,
                _("It is too late to cancel this appointment online; please call the clinic."),
            )
        return render(request, "clinic_instance/cancel_confirm.html", _manage_context(request, appointment, token))
    try:
        booking.cancel_appointment(appointment=appointment, now=timezone.now())
    except booking.BookingError as error:
        appointment.refresh_from_db()
        if appointment.status == Appointment.Status.CANCELLED and error.code == "not_booked":
            return redirect(cancelled)  # the same form sent twice at once: the other request cancelled it
        return _too_late(request, appointment, token, error.message)
    return redirect(cancelled)


@never_cache
@require_http_methods(["GET", "POST"])
def move(request, token: str):
    """The week of times the appointment may move to (none inside the cancellation cutoff); choosing one
    (GET ?start=) asks for confirmation; the confirmed POST moves it."""
    appointment = appointment_or_404(token)
    context = _manage_context(request, appointment, token)
    if not context["can_change"]:
        return _too_late(
            request, appointment, token, _("This appointment can no longer be moved online; please call the clinic.")
        )
    now = timezone.now()
    status = 200
    if request.method == "POST":
        form = SlotForm(request.POST)
        if form.is_valid():
            try:
                booking.reschedule_appointment(appointment=appointment, start=form.cleaned_data["start"], now=now)
            except booking.BookingError as error:
                context["error"], status = error.message, (409 if isinstance(error, booking.SlotTaken) else 400)
            except booking.AgendaBusy:
                context["error"], status = _("Booking is busy right now; please try again."), 503
            else:
                return redirect(f"{reverse('manage', args=[token])}?moved=1")
        else:
            context["error"], status = _("Choose a slot."), 400
    elif "start" in request.GET:
        form = SlotForm(request.GET)
        if not form.is_valid():
            context["error"], status = _("Choose a slot."), 400
        else:
            try:
                booking.check_move_time(form.cleaned_data["start"], now)
            except booking.BookingError as error:
                context["error"], status = error.message, 400
            else:
                context["new_start"] = form.cleaned_data["start"]
                return render(request, "clinic_instance/move_confirm.html", context)
    context.update(
        _week_context(
            request,
            practitioner=appointment.practitioner,
            visit_reason=appointment.visit_reason,
            ignore_appointment_id=appointment.pk,
            not_before=booking.earliest_move(now),
        ),
        earliest_move=booking.earliest_move(now),
    )
    return render(request, "clinic_instance/move.html", context, status=status)


@never_cache
@require_GET
def calendar_file(request, token: str):
    appointment = appointment_or_404(token)
    manage_url = request.build_absolute_uri(reverse("manage", args=[token]))
    body = appointment_ics(appointment, manage_url=manage_url, now=timezone.now())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="appointment.ics"'
    return response
