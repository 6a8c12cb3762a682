"""Directory staff moderate: new profiles, claims, edits and reports, in one queue."""

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import federated_profiles, moderation
from .models import Instance, Profile, ProfileChange, ProfileReport


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
            "reports": ProfileReport.objects.filter(resolved_at__isnull=True).select_related("profile"),
            "instances": Instance.objects.filter(status=Instance.Status.PENDING).order_by("created_at"),
        },
    )


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
def resolve_report(request, report_id: int):
    moderation.resolve_report(report=get_object_or_404(ProfileReport, pk=report_id), now=timezone.now())
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
