"""One's own account: password, authenticator, recovery codes, other sessions.

Each change ends every other session of the account (a stolen session does
not survive its owner's reaction), and keeps the current one.
"""

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import audit, two_factor
from ..models import AuditEntry
from . import sessions
from .access import staff_required
from .auth_forms import CheckedPasswordChangeForm, EnrollmentForm, PasswordConfirmationForm, locked_out
from .rendering import render_workspace

ACCOUNT = "clinic_instance/workspace/account.html"


def _security_change(request, detail: str) -> None:
    generation = two_factor.end_other_sessions(request.user)
    sessions.follow_generation(request, generation)
    audit.record(request, AuditEntry.Action.SECURITY, AuditEntry.ObjectType.STAFF, object_id=request.user.pk,
                 detail=detail)  # fmt: skip


def _wrong_password(request, confirm_form) -> HttpResponse:
    """The account page again; once the account is locked out, the session ends too."""
    if locked_out(request):
        logout(request)
        return render(request, settings.AXES_LOCKOUT_TEMPLATE, status=429)
    context = _account_context(request, confirm_form=confirm_form)
    return render_workspace(request, ACCOUNT, context, section="account", status=400)


def _account_context(request, **extra) -> dict:
    return {
        "has_authenticator": two_factor.has_authenticator(request.user),
        "recovery_codes_left": two_factor.remaining_recovery_codes(request.user),
        "confirm_form": PasswordConfirmationForm(request),
        **extra,
    }


@require_GET
@staff_required
def account(request):
    return render_workspace(request, ACCOUNT, _account_context(request), section="account")


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@require_http_methods(["GET", "POST"])
@staff_required
def change_password(request):
    form = CheckedPasswordChangeForm(request, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        form.save()
        # The password hash changed: Django ends every other session; this one continues.
        update_session_auth_hash(request, form.user)
        _security_change(request, "password changed")
        messages.success(request, _("Your password is changed. Your other sessions are signed out."))
        return redirect("workspace:account")
    if request.method == "POST" and locked_out(request):
        logout(request)
        return render(request, settings.AXES_LOCKOUT_TEMPLATE, status=429)
    return render_workspace(request, "clinic_instance/workspace/account_password.html", {"form": form},
                            section="account")  # fmt: skip


@sensitive_post_parameters("password", "code")
@require_POST
@staff_required
def replace_authenticator(request):
    """Two posts: the password (shows a new key), then a code from the new app (switches to it)."""
    if "code" not in request.POST:
        confirm_form = PasswordConfirmationForm(request, request.POST)
        if not confirm_form.is_valid():
            return _wrong_password(request, confirm_form)
        device = two_factor.start_enrollment(request.user)
        return _enrollment_page(request, device, EnrollmentForm())
    form = EnrollmentForm(request.POST)
    device = two_factor.pending_enrollment(request.user)
    if device is None:
        return redirect("workspace:account")
    if form.is_valid():
        codes = two_factor.confirm_enrollment(request.user, form.cleaned_data["code"])
        if codes is not None:
            django_otp.login(request, two_factor.confirmed_authenticator(request.user))
            _security_change(request, "authenticator replaced")
            return render_workspace(request, "clinic_instance/workspace/recovery_codes.html",
                                    {"codes": codes, "next": "/workspace/account/"}, section="account")  # fmt: skip
        form.add_error("code", _("This code is not valid. Check that your phone's time is right and try again."))
    return _enrollment_page(request, device, form, status=400)


def _enrollment_page(request, device, form, status: int = 200):
    return render_workspace(
        request,
        "clinic_instance/workspace/account_authenticator.html",
        {"form": form, "qr_code": two_factor.qr_code_svg(device), "secret": two_factor.secret_of(device)},
        section="account",
        status=status,
    )


@sensitive_post_parameters("password")
@require_POST
@staff_required
def new_recovery_codes(request):
    confirm_form = PasswordConfirmationForm(request, request.POST)
    if not confirm_form.is_valid():
        return _wrong_password(request, confirm_form)
    codes = two_factor.replace_recovery_codes(request.user)
    _security_change(request, "recovery codes replaced")
    return render_workspace(request, "clinic_instance/workspace/recovery_codes.html",
                            {"codes": codes, "next": "/workspace/account/"}, section="account")  # fmt: skip


@require_POST
@staff_required
def sign_out_elsewhere(request):
    _security_change(request, "other sessions signed out")
    messages.success(request, _("Your other sessions are signed out."))
    return redirect("workspace:account")
