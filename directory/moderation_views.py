"""Directory staff moderate: new profiles, claims, edits and reports, in one queue."""

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.paginator import Paginator
from django.db.models import Count, F, Max, Window
from django.db.models.functions import RowNumber
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import federated_profiles, moderation
from .models import Instance, Profile, ProfileChange, ProfileReport

REPORTED_PER_PAGE = 25
LATEST_REASONS = 3


@staff_member_required
def queue(request):
    return render(
        request,
        "directory/moderation/queue.html",
        {
            "new_profiles": Profile.objects.filter(status=Profile.Status.PENDING).select_related("specialty", "owner"),
            "changes": ProfileChange.objects.filter(status=ProfileChange.Status.PENDING).select_related(
                "profile", "submitted_by"
            ),
            "reported": reported_profiles(request.GET.get("page")),
            "instances": Instance.objects.filter(status=Instance.Status.PENDING).order_by("created_at"),
        },
    )


def reported_profiles(page_number):
    """A page of the profiles with open reports, most recently reported first: each with its count of open
    reports and the latest few (a flood on one profile is one row; many profiles, many pages)."""
    profiles = (
        Profile.objects.filter(reports__isnull=False, reports__resolved_at=None)
        .annotate(open_reports=Count("reports"), last_reported=Max("reports__created_at"))
        .order_by("-last_reported", "pk")
    )
    page = Paginator(profiles, REPORTED_PER_PAGE).get_page(page_number)
    latest = (
        ProfileReport.objects.filter(profile__in=[profile.pk for profile in page], resolved_at=None)
        .annotate(rank=Window(RowNumber(), partition_by=F("profile_id"), order_by=F("created_at").desc()))
        .filter(rank__lte=LATEST_REASONS)
        .order_by("profile_id", "-created_at")
    )
    by_profile = {}
    for report in latest:
        by_profile.setdefault(report.profile_id, []).append(report)
    for profile in page:
        profile.latest_reports = by_profile.get(profile.pk, [])
    return page


@staff_member_required
@require_POST
def decide_change(request, change_id: int, decision: str):
    change = get_object_or_404(ProfileChange, pk=change_id)
    try:
        if decision == "approve":
            moderation.approve_change(change=change, moderator=request.user, now=timezone.now())
        else:
            moderation.reject_change(
                change=change, moderator=request.user, now=timezone.now(), note=request.POST.get("note", "")
            )
    except moderation.ModerationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Decision recorded."))
    return redirect("moderation")


@staff_member_required
@require_POST
def set_status(request, profile_id: int, status: str):
    if status not in (Profile.Status.PUBLISHED, Profile.Status.HIDDEN):
        raise Http404
    profile = get_object_or_404(Profile, pk=profile_id)
    moderation.set_profile_status(profile=profile, status=status)
    messages.success(request, _("Profile status changed."))
    return redirect("moderation")


@staff_member_required
@require_POST
def resolve_reports(request, profile_id: int):
    """Mark every open report of a profile as handled."""
    moderation.resolve_reports(profile=get_object_or_404(Profile, pk=profile_id), now=timezone.now())
    messages.success(request, _("Reports marked as handled."))
    return redirect("moderation")


@staff_member_required
@require_POST
def set_instance_status(request, instance_id: int, status: str):
    """Approve a registered clinic instance (its profiles may then appear), or suspend it."""
    if status not in (Instance.Status.APPROVED, Instance.Status.SUSPENDED):
        raise Http404
    instance = get_object_or_404(Instance, pk=instance_id)
    instance.status = status
    instance.save(update_fields=["status"])
    federated_profiles.set_instance_visibility(instance)
    messages.success(request, _("Clinic instance status changed."))
    return redirect("moderation")
