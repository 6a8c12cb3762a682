"""The waiting lists of the practitioners a staff member may see: who waits, for what, in which order."""

from django.contrib import messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from .. import audit, waitlist
from ..models import WaitlistEntry, WaitlistOffer
from ..staff_access import visible_practitioners
from .access import staff_required
from .rendering import render_workspace

LISTED = 300


def _visible_entries(user) -> QuerySet[WaitlistEntry]:
    return WaitlistEntry.objects.filter(
        status=WaitlistEntry.Status.WAITING, practitioner__in=visible_practitioners(user)
    ).select_related("practitioner", "visit_reason", "patient")


@staff_required
@require_GET
def waiting_list(request):
    practitioners = list(visible_practitioners(request.user).order_by("last_name", "first_name"))
    chosen = request.GET.get("practitioner", "")
    entries = _visible_entries(request.user)
    if chosen:
        if not chosen.isdigit() or int(chosen) not in {p.pk for p in practitioners}:
            raise Http404
        entries = entries.filter(practitioner_id=int(chosen))
    entries = list(entries.order_by("practitioner__last_name", "visit_reason__name", "created_at", "pk")[:LISTED])
    live = {
        offer.entry_id: offer
        for offer in WaitlistOffer.objects.filter(status=WaitlistOffer.Status.OFFERED, entry__in=entries)
    }
    rows, position, previous = [], 0, None
    for entry in entries:
        queue = (entry.practitioner_id, entry.visit_reason_id)
        position = position + 1 if queue == previous else 1
        previous = queue
        days = ", ".join(str(WEEKDAYS_ABBR[day]) for day in entry.weekday_numbers())
        rows.append({"entry": entry, "position": position, "days": days, "offer": live.get(entry.pk)})
    audit.record_search_results(request, [entry.patient for entry in entries], detail="waiting list")
    return render_workspace(
        request,
        "clinic_instance/workspace/waiting_list.html",
        {"rows": rows, "practitioners": practitioners, "chosen": chosen},
        section="waiting-list",
    )


@staff_required
@require_POST
def remove(request, entry_id: int):
    entry = _visible_entries(request.user).filter(pk=entry_id).first()
    if entry is None:
        raise Http404
    with transaction.atomic():
        waitlist.leave(entry, now=timezone.now())
        audit.record_patient(request, audit.Action.DELETE, entry.patient, detail=f"waiting-list entry {entry.pk}")
    messages.success(request, _("The patient was taken off the waiting list."))
    return redirect("workspace:waiting-list")
