"""Administrators manage the staff: invitations by e-mail, roles, agendas, deactivation."""

from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from . import audit
from .models import (
    AuditEntry,
    Clinic,
    DirectoryRegistration,
    OutgoingMessage,
    Practitioner,
    ScheduleException,
    StaffInvite,
    StaffMember,
    VisitReason,
    WeeklyRange,
)
from .models.messages import Channel, Kind
from .models.staff import new_secret_token, token_digest
from .wakeups import wake_dispatcher_on_commit


def invite(
    *,
    email: str,
    role: str,
    practitioner: Practitioner | None,
    agendas: QuerySet[Practitioner] | list[Practitioner],
    invited_by,
    now: datetime,
) -> tuple[StaffInvite, str]:
    """A new invitation and its secret token (only its digest is stored: the link is in the e-mail only)."""
    token = new_secret_token()
    with transaction.atomic():
        created = StaffInvite.objects.create(
            email=email,
            role=role,
            practitioner=practitioner if role == StaffMember.Role.PRACTITIONER else None,
            token_digest=token_digest(token),
            invited_by=invited_by,
            expires_at=now + settings.STAFF_INVITE_VALIDITY,
        )
        created.agendas.set(agendas)
    return created, token


def accept_invitation(
    invitation: StaffInvite, username: str, password: str, *, now: datetime, request: HttpRequest | None = None
):
    """The new account, or None when the invitation was used meanwhile or its practitioner has an account."""
    try:
        with transaction.atomic():
            invitation = (
                StaffInvite.objects.select_for_update()
                .filter(pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True)
                .first()
            )
            if invitation is None:
                return None
            user = get_user_model().objects.create_user(username, invitation.email, password)
            member = StaffMember.objects.create(user=user, role=invitation.role, practitioner=invitation.practitioner)
            member.agendas.set(invitation.agendas.all())
            grant_admin_site(user, invitation.role)
            invitation.accepted_at = now
            invitation.save(update_fields=["accepted_at"])
            audit.record(
                request,
                AuditEntry.Action.CREATE,
                AuditEntry.ObjectType.STAFF,
                actor=user,
                object_id=user.pk,
                detail=f"invitation {invitation.pk} accepted, role {invitation.role}",
            )
    except IntegrityError:  # the practitioner (or the username) was taken meanwhile
        return None
    return user


def send_invitation(invitation: StaffInvite, link: str) -> None:
    clinic = Clinic.load()
    context = {"clinic": clinic, "invite": invitation, "link": link}
    send_mail(
        subject=_("Your staff account at %(clinic)s") % {"clinic": clinic.name},
        message=render_to_string("clinic_instance/workspace/email/invitation.txt", context),
        from_email=None,
        recipient_list=[invitation.email],
    )


ADMIN_SITE_GROUP = "Clinic administrators"


def administrators_group() -> Group:
    """The Django admin's permissions of clinic administrators: the practice's configuration, nothing else.

    Patients, appointments and staff are not in the admin (the workspace audits them);
    user accounts and second factors stay with the operator's superusers.
    """
    models = (Clinic, Practitioner, VisitReason, WeeklyRange, ScheduleException, DirectoryRegistration)
    group, _created = Group.objects.get_or_create(name=ADMIN_SITE_GROUP)
    content_types = ContentType.objects.get_for_models(*models).values()
    group.permissions.set(Permission.objects.filter(content_type__in=content_types))
    return group


def grant_admin_site(user, role: str) -> None:
    """Clinic administrators also configure the practice in the Django admin; nobody else does."""
    is_admin = role == StaffMember.Role.ADMINISTRATOR
    group = administrators_group()
    if is_admin:
        user.groups.add(group)
    else:
        user.groups.remove(group)
        user.is_superuser = False
    user.is_staff = is_admin
    user.save(update_fields=["is_staff", "is_superuser"])


def change_member(member: StaffMember, *, role: str, practitioner: Practitioner | None, agendas, active: bool) -> None:
    """Refuses to leave the clinic without an active administrator."""
    with transaction.atomic():
        administrators = StaffMember.objects.select_for_update().filter(
            role=StaffMember.Role.ADMINISTRATOR, user__is_active=True
        )
        remaining = administrators.exclude(pk=member.pk).count()
        if (role != StaffMember.Role.ADMINISTRATOR or not active) and remaining == 0:
            raise ValidationError(_("The clinic must keep at least one active administrator."), code="last_admin")
        member.role = role
        member.practitioner = practitioner if role == StaffMember.Role.PRACTITIONER else None
        member.save(update_fields=["role", "practitioner"])
        member.agendas.set(agendas)
        grant_admin_site(member.user, role)
        if member.user.is_active != active:
            member.user.is_active = active
            member.user.save(update_fields=["is_active"])
            # A deactivated account's open sessions end at their next request.
            StaffMember.objects.filter(pk=member.pk).update(session_generation=F("session_generation") + 1)


def alert_administrators(clinic: Clinic, *, key: str, subject: str, body: str, now: datetime) -> bool:
    """E-mail every active administrator and the clinic's address, once per `key`.

    The e-mails are outbox rows (sent by the dispatcher, like every message) whose dedupe key makes
    a repeated alert a no-op, so a caller may raise the same alert on every request. Returns whether
    any e-mail was queued.
    """
    recipients = set(
        StaffMember.objects.filter(role=StaffMember.Role.ADMINISTRATOR, user__is_active=True)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    if clinic.email:
        recipients.add(clinic.email)
    created_any = False
    for email in sorted(recipients):
        _message, created = OutgoingMessage.objects.get_or_create(
            dedupe_key=f"alert:{key}:{email}",
            defaults={
                "channel": Channel.EMAIL,
                "kind": Kind.ALERT,
                "recipient": email,
                "language": settings.LANGUAGE_CODE,
                "subject": subject,
                "body": body,
                "due_at": now,
            },
        )
        created_any = created_any or created
    if created_any:
        wake_dispatcher_on_commit()
    return created_any
