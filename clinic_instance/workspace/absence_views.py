"""Absences and blocked time: list, create (with a preview of the appointments inside), show, delete.

Creating an absence over appointments takes two steps: the first POST shows
the patients concerned; the second carries the decision (cancel them with a
reason, or keep them to move them one by one) and the ids that were shown,
so that an appointment booked in between is never cancelled unseen.
"""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import audit
from ..absences import (
    AbsenceError,
    AffectedAppointmentsChanged,
    absence_for,
    affected_appointments,
    create_absence,
    delete_absence,
    patients_to_warn,
    visible_absences,
)
from ..booking import AgendaBusy
from ..models import ScheduleException
from ..staff_access import visible_practitioners
from .access import staff_required
from .rendering import render_workspace
from .schedule_forms import AbsenceForm, DecisionForm

LISTED = 200


@staff_required
@require_http_methods(["GET", "POST"])
def absences(request):
    form = AbsenceForm(request.POST or None, practitioners=visible_practitioners(request.user))
    if request.method == "GET" or not form.is_valid():
        return _list(request, form, status=200 if request.method == "GET" else 400)
    data = form.cleaned_data
    if data["kind"] == ScheduleException.Kind.OPENING:
        affected = []
    else:
        affected = affected_appointments(data["practitioner"], data["start"], data["end"])
    if "decision" not in request.POST:
        if affected:
            return _preview(request, form, DecisionForm(), affected)
        return _create(request, form, DecisionForm({"decision": "keep"}), affected)
    return _create(request, form, DecisionForm(request.POST), affected)


def _create(request, form, decision, affected):
    if not decision.is_valid():
        return _preview(request, form, decision, affected, status=400)
    data = form.cleaned_data
    cancel = decision.cleaned_data["decision"] == "cancel"
    try:
        absence, cancelled = create_absence(
            data["practitioner"],
            data["kind"],
            data["start"],
            data["end"],
            data["note"],
            cancel_affected=cancel,
            reason=decision.cleaned_data["reason"],
            now=timezone.now(),
            request=request,
            expected=decision.cleaned_data["seen"],
        )
    except AffectedAppointmentsChanged as error:
        fresh = affected_appointments(data["practitioner"], data["start"], data["end"])
        return _preview(request, form, DecisionForm(), fresh, error=error.message, status=409)
    except AbsenceError as error:
        if error.field == "reason":
            decision.add_error("reason", error.message)
            return _preview(request, form, decision, affected, status=400)
        form.add_error(AbsenceForm.FIELD_OF.get(error.field), error.message)
        return _list(request, form, status=400)
    except AgendaBusy:
        return _preview(request, form, decision, affected, error=_("The agenda is busy; please try again."), status=503)
    text = _("The absence is saved.")
    if cancelled:
        count = len(cancelled)
        text += " " + ngettext(
            "%(count)d appointment was cancelled.", "%(count)d appointments were cancelled.", count
        ) % {"count": count}
    messages.success(request, text)
    return redirect("workspace:absence", absence.pk)


def _list(request, form, *, status=200):
    upcoming = visible_absences(request.user).filter(end__gt=timezone.now()).order_by("start")[:LISTED]
    return render_workspace(
        request,
        "clinic_instance/workspace/absences.html",
        {"form": form, "absences": upcoming},
        section="absences",
        status=status,
    )


def _preview(request, form, decision, affected, *, error="", status=200):
    # The preview shows who the patients are: a read of these appointments.
    audit.record_appointments_read(request, affected, detail="absence preview")
    seen = ",".join(str(appointment.pk) for appointment in affected)
    return render_workspace(
        request,
        "clinic_instance/workspace/absence_preview.html",
        {"form": form, "decision": decision, "affected": affected, "seen": seen, "error": error},
        section="absences",
        status=status,
    )


@staff_required
@require_GET
def absence(request, absence_id: int):
    found = absence_for(request.user, absence_id)
    appointments = patients_to_warn(found)
    audit.record_appointments_read(request, appointments, detail="absence")
    return render_workspace(
        request,
        "clinic_instance/workspace/absence.html",
        {"absence": found, "appointments": appointments, "now": timezone.now()},
        section="absences",
    )


@staff_required
@require_POST
def absence_delete(request, absence_id: int):
    found = absence_for(request.user, absence_id)
    delete_absence(found, request=request)
    messages.success(request, _("Deleted: %(kind)s.") % {"kind": found.get_kind_display()})
    return redirect("workspace:absences")
