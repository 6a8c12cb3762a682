"""Signing in: password, then the second factor (work in progress)."""

from django.http import HttpResponse
from django.shortcuts import redirect

from .access import staff_required
from .rendering import render_workspace


@staff_required
def home(request):
    return redirect("workspace:agenda")


@staff_required
def placeholder(request):
    return render_workspace(request, "clinic_instance/workspace/base.html")


def _todo(request, *args, **kwargs):
    return HttpResponse(status=501)


login_view = second_factor = enroll = recovery_codes = logout_view = accept_invitation = _todo
