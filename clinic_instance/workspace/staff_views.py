"""Administrators' staff pages: who has access, invitations, roles and agendas."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.federation_node import base_url

from .. import audit, staff_accounts
from ..models import AuditEntry, StaffInvite, StaffMember
from .access import administrator_required
from .rendering import render_workspace
from .staff_forms import InviteForm, MemberForm


@require_GET
@administrator_required
def staff_list(request):
    members = StaffMember.objects.select_related("user", "practitioner").prefetch_related("agendas")
    invites = StaffInvite.objects.filter(accepted_at__isnull=True, revoked_at__isnull=True,
                                         expires_at__gt=timezone.now())  # fmt: skip
    return render_workspace(
        request,
        "clinic_instance/workspace/staff_list.html",
        {"members": members.order_by("user__username"), "invites": invites},
        section="staff",
    )


@require_http_methods(["GET", "POST"])
@administrator_required
def invite(request):
    form = InviteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        invitation, token = staff_accounts.invite(
            email=data["email"], role=data["role"], practitioner=data["practitioner"], agendas=data["agendas"],
            invited_by=request.user, now=timezone.now(),
        )  # fmt: skip
        link = base_url(request).rstrip("/") + reverse("workspace:invitation", args=[token])
        try:
            staff_accounts.send_invitation(invitation, link)
        except OSError:  # smtplib's errors are OSErrors: the server is down or refused the message
            invitation.delete()
            form.add_error(
                None, _("The invitation could not be sent: the e-mail server did not accept it. Try again later.")
            )
            return render_workspace(request, "clinic_instance/workspace/staff_invite.html", {"form": form},
                                    section="staff", status=503)  # fmt: skip
        audit.record(request, AuditEntry.Action.STAFF, AuditEntry.ObjectType.STAFF, object_id=invitation.pk,
                     detail=f"invitation sent, role {invitation.role}")  # fmt: skip
        messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
        return redirect("workspace:staff")
    return render_workspace(request, "clinic_instance/workspace/staff_invite.html", {"form": form}, section="staff")


@require_POST
@administrator_required
def revoke_invite(request, invite_id: int):
    invitation = get_object_or_404(StaffInvite, pk=invite_id, accepted_at__isnull=True, revoked_at__isnull=True)
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit.record(request, AuditEntry.Action.STAFF, AuditEntry.ObjectType.STAFF, object_id=invitation.pk,
                 detail="invitation revoked")  # fmt: skip
    messages.success(request, _("The invitation is withdrawn."))
    return redirect("workspace:staff")


@require_http_methods(["GET", "POST"])
@administrator_required
def edit_member(request, member_id: int):
    member = get_object_or_404(StaffMember.objects.select_related("user"), pk=member_id)
    initial = {
        "role": member.role,
        "practitioner": member.practitioner_id,
        "agendas": list(member.agendas.values_list("pk", flat=True)),
        "active": member.user.is_active,
        "member_id": member.pk,
    }
    form = MemberForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        before = f"{member.role}/{'active' if member.user.is_active else 'inactive'}"
        try:
            staff_accounts.change_member(member, role=data["role"], practitioner=data["practitioner"],
                                         agendas=data["agendas"], active=data["active"])  # fmt: skip
        except ValidationError as error:
            form.add_error(None, error)
        else:
            after = f"{data['role']}/{'active' if data['active'] else 'inactive'}"
            audit.record(request, AuditEntry.Action.STAFF, AuditEntry.ObjectType.STAFF, object_id=member.user_id,
                         detail=f"{before} → {after}")  # fmt: skip
            messages.success(request, _("Access of %(name)s updated.") % {"name": member.user.get_username()})
            return redirect("workspace:staff")
    return render_workspace(request, "clinic_instance/workspace/staff_member.html",
                            {"form": form, "member": member}, section="staff")  # fmt: skip
