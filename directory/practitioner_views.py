"""The practitioner area: sign up, verify the e-mail, claim or create a profile, edit it."""

import smtplib

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from . import accounts, moderation
from .forms import ClaimForm, ProfileForm, SignupForm
from .models import Profile, ProfileChange


@require_http_methods(["GET", "POST"])
def signup(request):
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():  # no account left behind if the e-mail cannot go out
                user = accounts.register_practitioner(
                    email=form.cleaned_data["email"],
                    password=form.cleaned_data["password"],
                    first_name=form.cleaned_data["first_name"],
                    last_name=form.cleaned_data["last_name"],
                )
                token = accounts.verification_token(user)
                verify_url = request.build_absolute_uri(reverse("verify-email", args=[token]))
                accounts.send_verification_email(user, verify_url=verify_url)
        except (OSError, smtplib.SMTPException):
            form.add_error(None, _("The confirmation e-mail could not be sent. Please try again later."))
            return render(request, "directory/practitioners/signup.html", {"form": form}, status=503)
        return render(request, "directory/practitioners/check_inbox.html", {"email": user.email})
    return render(request, "directory/practitioners/signup.html", {"form": form}, status=400 if form.errors else 200)


def verify_email(request, token: str):
    try:
        user = accounts.verify_email(token)
    except accounts.VerificationFailed:
        return render(request, "directory/practitioners/verify_failed.html", status=400)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    messages.success(request, _("Your e-mail address is confirmed."))
    return redirect("practitioner-account")


@login_required
def account(request):
    profiles = Profile.objects.filter(owner=request.user).select_related("specialty", "instance")
    claims = ProfileChange.objects.filter(submitted_by=request.user, kind=ProfileChange.Kind.CLAIM).select_related(
        "profile"
    )
    pending_edits = set(
        ProfileChange.objects.filter(
            profile__in=profiles, kind=ProfileChange.Kind.EDIT, status=ProfileChange.Status.PENDING
        ).values_list("profile_id", flat=True)
    )
    return render(
        request,
        "directory/practitioners/account.html",
        {"profiles": profiles, "claims": claims, "pending_edits": pending_edits, "claim_form": ClaimForm()},
    )


@login_required
@require_POST
def claim(request):
    form = ClaimForm(request.POST)
    if form.is_valid():
        try:
            moderation.claim_profile(user=request.user, rpps=form.cleaned_data["rpps"])
        except moderation.ModerationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Your claim is sent; a moderator will check it."))
    else:
        messages.error(request, " ".join(form.errors["rpps"]))
    return redirect("practitioner-account")


@login_required
@require_http_methods(["GET", "POST"])
def create_profile(request):
    form = ProfileForm(
        request.POST or None, initial={"first_name": request.user.first_name, "last_name": request.user.last_name}
    )
    claim_form = ClaimForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and claim_form.is_valid():
        try:
            moderation.submit_new_profile(
                owner=request.user, values=form.values(), rpps=claim_form.cleaned_data["rpps"]
            )
        except moderation.ModerationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Your profile is sent; it will appear once a moderator approves it."))
            return redirect("practitioner-account")
    context = {"form": form, "claim_form": claim_form, "creating": True}
    return render(
        request, "directory/practitioners/profile_form.html", context, status=400 if request.method == "POST" else 200
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit_profile(request, profile_id: int):
    profile = get_object_or_404(Profile, pk=profile_id, owner=request.user)
    pending = profile.changes.filter(kind=ProfileChange.Kind.EDIT, status=ProfileChange.Status.PENDING).first()
    form = ProfileForm(request.POST or None, instance=Profile.objects.get(pk=profile.pk))
    if pending and request.method == "GET":
        form = ProfileForm(instance=profile, initial={k.removesuffix("_id"): v for k, v in pending.fields.items()})
    if request.method == "POST" and form.is_valid():
        change = moderation.propose_edit(user=request.user, profile=profile, values=form.values())
        messages.success(
            request,
            _("Your changes are sent; they will appear once a moderator approves them.")
            if change
            else _("Your profile is updated."),
        )
        return redirect("practitioner-account")
    context = {"form": form, "profile": profile, "pending": pending}
    return render(
        request, "directory/practitioners/profile_form.html", context, status=400 if request.method == "POST" else 200
    )
