"""The practitioner's private calendar feed: its settings page, and the public feed itself (calendar_feed.py)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST, require_safe

from ..calendar_feed import (
    FEED_AHEAD,
    FEED_PAST,
    can_manage_feed,
    create_feed,
    read_feed,
    revoke_feed,
    set_patient_names,
)
from ..models import CalendarFeed
from ..staff_access import practitioner_for
from .access import staff_required
from .rendering import render_workspace
from .schedule_forms import FeedNamesForm


def _practitioner(request, practitioner_id: int):
    """404 outside the user's agendas; 403 for staff who see the agenda but are neither its practitioner nor admin."""
    practitioner = practitioner_for(request.user, practitioner_id)
    if not can_manage_feed(request.staff_member, practitioner):
        raise PermissionDenied
    return practitioner


def _page(request, practitioner, *, token: str = "", status: int = 200):
    feed = CalendarFeed.objects.filter(practitioner=practitioner).first()
    url = request.build_absolute_uri(reverse("calendar-feed", args=[token])) if token else ""
    return render_workspace(
        request,
        "clinic_instance/workspace/calendar_feed.html",
        {
            "practitioner": practitioner,
            "feed": feed,
            "url": url,
            "names_form": FeedNamesForm(
                initial={"include_patient_names": feed.include_patient_names} if feed else None
            ),
            "past_days": FEED_PAST.days,
            "ahead_days": FEED_AHEAD.days,
        },
        section="practitioners",
        status=status,
    )


@staff_required
@require_GET
def feed_settings(request, practitioner_id: int):
    return _page(request, _practitioner(request, practitioner_id))


@staff_required
@require_POST
def feed_create(request, practitioner_id: int):
    practitioner = _practitioner(request, practitioner_id)
    # Rendered, not redirected: the URL is shown this once and kept nowhere, not even in the session.
    return _page(request, practitioner, token=create_feed(practitioner=practitioner, request=request))


@staff_required
@require_POST
def feed_revoke(request, practitioner_id: int):
    practitioner = _practitioner(request, practitioner_id)
    if revoke_feed(practitioner=practitioner, request=request):
        messages.success(request, _("The calendar feed is revoked: its address no longer works."))
    return redirect("workspace:calendar-feed-settings", practitioner.pk)


@staff_required
@require_POST
def feed_names(request, practitioner_id: int):
    practitioner = _practitioner(request, practitioner_id)
    feed = CalendarFeed.objects.filter(practitioner=practitioner).select_related("practitioner").first()
    if feed is None:
        raise Http404
    form = FeedNamesForm(request.POST)
    form.is_valid()  # a checkbox: always valid, absent means off
    set_patient_names(feed=feed, include=form.cleaned_data["include_patient_names"], request=request)
    messages.success(request, _("The calendar feed's settings are saved."))
    return redirect("workspace:calendar-feed-settings", practitioner.pk)


@require_safe
def feed(request, token: str):
    """The public feed: no session, the secret in the address is the key."""
    body = read_feed(token, request=request, host=request.get_host(), now=timezone.now())
    if body is None:
        raise Http404
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response
