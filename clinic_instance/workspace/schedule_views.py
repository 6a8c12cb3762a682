"""Practitioners' weekly schedules and visit reasons (who may edit: see schedule_editing.py)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ..booking import AgendaBusy
from ..calendar_feed import can_manage_feed
from ..schedule_editing import (
    ScheduleError,
    add_visit_reason,
    can_edit_reason,
    delete_visit_reason,
    reason_of,
    reasons_of,
    save_schedule,
    update_visit_reason,
)
from ..staff_access import practitioner_for, visible_practitioners
from .access import staff_required
from .rendering import render_workspace
from .schedule_forms import VisitReasonForm, WeeklyRangeFormSet


@staff_required
@require_GET
def practitioners(request):
    member = request.staff_member
    rows = [(p, can_manage_feed(member, p)) for p in visible_practitioners(request.user).order_by("last_name")]
    return render_workspace(
        request, "clinic_instance/workspace/practitioners.html", {"rows": rows}, section="practitioners"
    )


@staff_required
@require_http_methods(["GET", "POST"])
def schedule(request, practitioner_id: int):
    practitioner = practitioner_for(request.user, practitioner_id)
    formset = WeeklyRangeFormSet(
        request.POST or None,
        instance=practitioner,
        queryset=practitioner.weekly_ranges.prefetch_related("visit_reasons").order_by("weekday", "start_time"),
        form_kwargs={"practitioner": practitioner},
    )
    status = 200
    if request.method == "POST":
        status = 400
        if formset.is_valid():
            try:
                changed = save_schedule(practitioner=practitioner, formset=formset, request=request)
            except ScheduleError as error:
                messages.error(request, error.message)
                return redirect("workspace:practitioner-schedule", practitioner.pk)
            except AgendaBusy:
                messages.error(request, _("The agenda is busy; please try again."))
                status = 503
            else:
                messages.success(request, _("The schedule is saved.") if changed else _("Nothing changed."))
                return redirect("workspace:practitioner-schedule", practitioner.pk)
    return render_workspace(
        request,
        "clinic_instance/workspace/schedule.html",
        {"practitioner": practitioner, "formset": formset},
        section="practitioners",
        status=status,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def reasons(request, practitioner_id: int):
    practitioner = practitioner_for(request.user, practitioner_id)
    form = VisitReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        reason = add_visit_reason(practitioner=practitioner, reason=form.save(commit=False), request=request)
        messages.success(request, _("The visit reason “%(name)s” is added.") % {"name": reason.name})
        return redirect("workspace:practitioner-reasons", practitioner.pk)
    rows = [
        (reason, [p for p in reason.practitioners.all() if p.pk != practitioner.pk])
        for reason in reasons_of(practitioner)
    ]
    return render_workspace(
        request,
        "clinic_instance/workspace/reasons.html",
        {"practitioner": practitioner, "rows": rows, "form": form},
        section="practitioners",
        status=400 if request.method == "POST" else 200,
    )


def _reason(request, practitioner_id: int, reason_id: int):
    practitioner = practitioner_for(request.user, practitioner_id)
    reason = reason_of(practitioner, reason_id)
    if reason is None:
        raise Http404
    return practitioner, reason


@staff_required
@require_http_methods(["GET", "POST"])
def reason(request, practitioner_id: int, reason_id: int):
    practitioner, found = _reason(request, practitioner_id, reason_id)
    editable = can_edit_reason(request.user, found)
    if request.method == "POST" and not editable:
        raise PermissionDenied
    form = VisitReasonForm(request.POST or None, instance=found)
    if request.method == "POST" and form.is_valid():
        update_visit_reason(
            reason=form.save(commit=False), practitioner=practitioner, changed=form.changed_data, request=request
        )
        messages.success(request, _("The visit reason is saved.") if form.changed_data else _("Nothing changed."))
        return redirect("workspace:practitioner-reasons", practitioner.pk)
    if not editable:
        for field in form.fields.values():
            field.disabled = True
    return render_workspace(
        request,
        "clinic_instance/workspace/reason.html",
        {
            "practitioner": practitioner,
            "reason": found,
            "form": form,
            "editable": editable,
            "others": [p for p in found.practitioners.all() if p.pk != practitioner.pk],
            "in_use": found.appointments.exists(),
        },
        section="practitioners",
        status=400 if request.method == "POST" else 200,
    )


@staff_required
@require_POST
def reason_delete(request, practitioner_id: int, reason_id: int):
    practitioner, found = _reason(request, practitioner_id, reason_id)
    if not can_edit_reason(request.user, found):
        raise PermissionDenied
    try:
        delete_visit_reason(reason=found, practitioner=practitioner, request=request)
    except ScheduleError as error:
        messages.error(request, error.message)
        return redirect("workspace:practitioner-reason", practitioner.pk, found.pk)
    messages.success(request, _("The visit reason is deleted."))
    return redirect("workspace:practitioner-reasons", practitioner.pk)
