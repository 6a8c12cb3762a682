"""The waiting list's patient pages: join, see or leave an entry, answer an offer. No account."""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from . import booking, phone_verification, waitlist, waitlist_limits
from .audit import client_address
from .code_step import verified_attempt
from .models import Clinic, WaitlistEntry, WaitlistOffer
from .views import bookable_or_404
from .waitlist_forms import WaitlistForm

JOIN_TEMPLATE = "clinic_instance/waitlist_join.html"


@require_http_methods(["GET", "POST"])
def join(request, practitioner_id: int, reason_id: int):
    practitioner, visit_reason = bookable_or_404(practitioner_id, reason_id)
    context = {"clinic": Clinic.load(), "practitioner": practitioner, "visit_reason": visit_reason}
    if request.method == "GET":
        return render(request, JOIN_TEMPLATE, {**context, "form": WaitlistForm()})
    form = WaitlistForm(request.POST)
    if not form.is_valid():
        return render(request, JOIN_TEMPLATE, {**context, "form": form}, status=400)
    verification = None
    if phone_verification.is_required():
        context.update(
            summary=f"{practitioner.name} · {visit_reason.shown_name}", confirm_label=_("Join the waiting list")
        )
        verification = verified_attempt(
            request, form=form, phone=form.cleaned_data["phone"], form_template=JOIN_TEMPLATE, context=context
        )
        if isinstance(verification, HttpResponse):
            return verification
    try:
        entry = waitlist.join(
            practitioner=practitioner,
            visit_reason=visit_reason,
            patient=form.patient_details(),
            preferences=form.preferences(),
            now=timezone.now(),
            address=client_address(request),
            verification=verification,
        )
    except waitlist_limits.TooManyJoins as error:
        context["booking_error"] = error.message
        response = render(request, JOIN_TEMPLATE, {**context, "form": form}, status=error.status)
        response["Retry-After"] = str(error.retry_after)
        return response
    except booking.BookingError as error:
        if error.field in form.fields:
            form.add_error(error.field, error.message)
        else:
            context["booking_error"] = error.message
        return render(request, JOIN_TEMPLATE, {**context, "form": form}, status=400)
    return redirect(f"{reverse('waitlist-entry', args=[entry.token])}?joined=1")


def _entry_or_404(token: str) -> WaitlistEntry:
    return get_object_or_404(WaitlistEntry.objects.select_related("practitioner", "visit_reason"), token=token)


@never_cache
@require_http_methods(["GET"])
def entry(request, token: str):
    found = _entry_or_404(token)
    offer = waitlist.open_offer(found, timezone.now())
    return render(
        request,
        "clinic_instance/waitlist_entry.html",
        {
            "clinic": Clinic.load(),
            "entry": found,
            "days": [WEEKDAYS[day] for day in found.weekday_numbers()],
            "offer": offer,
            "entry_url": request.build_absolute_uri(reverse("waitlist-entry", args=[token])),
        },
    )


@never_cache
@require_POST
def leave(request, token: str):
    found = _entry_or_404(token)
    waitlist.leave(found, now=timezone.now())
    return redirect(f"{reverse('waitlist-entry', args=[token])}?left=1")


@never_cache
@require_http_methods(["GET", "POST"])
def offer(request, token: str):
    found = get_object_or_404(WaitlistOffer.objects.select_related("practitioner", "entry__visit_reason"), token=token)
    now = timezone.now()
    context = {"clinic": Clinic.load(), "offer": found}
    status = 200
    if request.method == "POST":
        if request.POST.get("answer") == "decline":
            waitlist.decline(found, now=now)
            return redirect(reverse("waitlist-offer", args=[token]))
        try:
            appointment = waitlist.accept(found, now=now)
        except booking.SlotTaken as error:
            context["error"], status = error.message, 409
        except booking.BookingError as error:
            context["error"], status = error.message, 400
        except booking.AgendaBusy:
            context["error"], status = _("Booking is busy right now; please try again."), 503
        else:
            return redirect(f"{reverse('manage', args=[appointment.manage_token])}?booked=1")
        found.refresh_from_db()
    context.update(open=found.is_open, held=found.is_held(now))
    return render(request, "clinic_instance/waitlist_offer.html", context, status=status)
