"""Signing in to the workspace: password, then the second factor, then a brand-new session.

Between the two steps the session only holds who passed the password (for a
few minutes); nothing of the workspace opens before the second factor. Failed
passwords and failed codes both count towards the account's lockout (django-axes).
"""

import time

import django_otp
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login, logout, user_login_failed
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from .. import audit, staff_accounts, two_factor
from ..models import AuditEntry, StaffInvite, StaffMember
from ..models.staff import token_digest
from . import sessions
from .access import staff_required
from .auth_forms import CodeForm, EnrollmentForm, InvitationForm
from .rendering import render_workspace

PENDING_USER = "workspace_pending_user"
PENDING_SINCE = "workspace_pending_since"
PENDING_NEXT = "workspace_pending_next"
PENDING_VALIDITY_SECONDS = 600
BACKEND = "django.contrib.auth.backends.ModelBackend"


@staff_required
def home(request):
    return redirect("workspace:agenda")


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


def _may_sign_in(user) -> bool:
    """Staff members, and the operator's Django-admin accounts (for /admin/ only)."""
    return user.is_active and (StaffMember.objects.filter(user=user).exists() or user.is_staff)


@never_cache
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def login_view(request):
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    form = AuthenticationForm(request, data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        user = form.get_user()
        if _may_sign_in(user):
            request.session.cycle_key()
            request.session[PENDING_USER] = user.pk
            request.session[PENDING_SINCE] = int(time.time())
            request.session[PENDING_NEXT] = next_url
            if two_factor.has_authenticator(user):
                return redirect("workspace:login-code")
            if settings.STAFF_TWO_FACTOR_REQUIRED:
                return redirect("workspace:login-enroll")
            return redirect(_finish(request, user, device=None))
        form.add_error(None, form.get_invalid_login_error())
    if getattr(request, "workspace_session_expired", False):
        messages.info(request, _("You were signed out after a period of inactivity or a security change."))
    return render_workspace(request, "clinic_instance/workspace/login.html", {"form": form, "next": next_url})


def _pending_user(request: HttpRequest):
    user_id, since = request.session.get(PENDING_USER), request.session.get(PENDING_SINCE, 0)
    if user_id is None or time.time() - since > PENDING_VALIDITY_SECONDS:
        return None
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    return user if user is not None and _may_sign_in(user) else None


def _locked(request: HttpRequest, user) -> bool:
    return not AxesProxyHandler.is_allowed(request, {"username": user.get_username()})


def _lockout_page(request: HttpRequest) -> HttpResponse:
    for key in (PENDING_USER, PENDING_SINCE, PENDING_NEXT):
        request.session.pop(key, None)
    return render(request, settings.AXES_LOCKOUT_TEMPLATE, status=429)


@never_cache
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def second_factor(request):
    user = _pending_user(request)
    if user is None:
        return redirect("workspace:login")
    if _locked(request, user):
        return _lockout_page(request)
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        device = two_factor.verify(user, form.cleaned_data["code"])
        if device is not None:
            return redirect(_finish(request, user, device))
        user_login_failed.send(sender=__name__, credentials={"username": user.get_username()}, request=request)
        if _locked(request, user):
            return _lockout_page(request)
        form.add_error("code", _("This code is not valid. Check your phone's time, or use a recovery code."))
    return render_workspace(request, "clinic_instance/workspace/login_code.html", {"form": form})


@never_cache
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def enroll(request):
    """First sign-in without an authenticator: set one up before anything opens."""
    user = _pending_user(request)
    if user is None or two_factor.has_authenticator(user):
        return redirect("workspace:login")
    if _locked(request, user):
        return _lockout_page(request)
    device = two_factor.pending_enrollment(user)
    if device is None or request.method == "GET":
        device = two_factor.start_enrollment(user)
    form = EnrollmentForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        codes = two_factor.confirm_enrollment(user, form.cleaned_data["code"])
        if codes is not None:
            next_url = _finish(request, user, two_factor.confirmed_authenticator(user))
            audit.record(request, AuditEntry.Action.SECURITY, AuditEntry.ObjectType.STAFF, object_id=user.pk,
                         detail="authenticator set up")  # fmt: skip
            return render_workspace(
                request, "clinic_instance/workspace/recovery_codes.html", {"codes": codes, "next": next_url}
            )
        user_login_failed.send(sender=__name__, credentials={"username": user.get_username()}, request=request)
        form.add_error("code", _("This code is not valid. Check that your phone's time is right and try again."))
    return render_workspace(
        request,
        "clinic_instance/workspace/login_enroll.html",
        {"form": form, "qr_code": two_factor.qr_code_svg(device), "secret": two_factor.secret_of(device)},
    )


def _landing(user) -> str:
    return "/workspace/" if StaffMember.objects.filter(user=user).exists() else "/admin/"


def _finish(request: HttpRequest, user, device) -> str:
    """Log in on a new session key (no fixation), bound to the second factor and this generation.

    Returns where to go next.
    """
    next_url = request.session.pop(PENDING_NEXT, "")
    for key in (PENDING_USER, PENDING_SINCE):
        request.session.pop(key, None)
    login(request, user, backend=BACKEND)
    if device is not None:
        django_otp.login(request, device)
    member = StaffMember.objects.filter(user=user).first()
    sessions.start(request, member.session_generation if member else 0)
    audit.record(request, AuditEntry.Action.LOGIN, AuditEntry.ObjectType.STAFF, object_id=user.pk)
    if device is not None and device.persistent_id.startswith("otp_static"):
        left = two_factor.remaining_recovery_codes(user)
        messages.warning(request, _("You used a recovery code; %(count)d left. Make new ones from your account.")
                         % {"count": left})  # fmt: skip
    return next_url or _landing(user)


@require_POST
def logout_view(request):
    if request.user.is_authenticated:
        audit.record(request, AuditEntry.Action.LOGOUT, AuditEntry.ObjectType.STAFF, object_id=request.user.pk)
    logout(request)
    messages.info(request, _("You are signed out."))
    return redirect("workspace:login")


def _valid_invite(token: str) -> StaffInvite | None:
    if len(token) > 100:
        return None
    return (
        StaffInvite.objects.filter(
            token_digest=token_digest(token),
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .select_related("practitioner")
        .first()
    )


@never_cache
@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "POST"])
def accept_invitation(request, token: str):
    invite = _valid_invite(token)
    if invite is None:
        return render_workspace(request, "clinic_instance/workspace/invitation_invalid.html", status=404)
    form = InvitationForm(invite.email, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        user = staff_accounts.accept_invitation(
            invite, form.cleaned_data["username"], form.cleaned_data["password1"], now=timezone.now(), request=request
        )
        if user is None:
            return render_workspace(request, "clinic_instance/workspace/invitation_invalid.html", status=404)
        logout(request)
        request.session.cycle_key()
        request.session[PENDING_USER] = user.pk
        request.session[PENDING_SINCE] = int(time.time())
        request.session[PENDING_NEXT] = ""
        if settings.STAFF_TWO_FACTOR_REQUIRED:
            return redirect("workspace:login-enroll")
        return redirect(_finish(request, user, device=None))
    return render_workspace(request, "clinic_instance/workspace/invitation.html", {"form": form, "invite": invite})
