"""Who may enter the workspace: an active staff member, past the second factor when it is required.

Object-level checks live in clinic_instance.staff_access; these decorators
only guard the door, so every workspace view starts with one of them.
"""

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from ..models import StaffMember
from ..staff_access import REQUEST_MEMBER
from .sessions import GENERATION_KEY


def signed_in_member(request: HttpRequest) -> StaffMember | None:
    """The request's staff member if the session is fully signed in (second factor included)."""
    user = request.user
    if not user.is_authenticated or not user.is_active or GENERATION_KEY not in request.session:
        return None
    member = StaffMember.objects.filter(user=user).select_related("practitioner").first()
    if member is None:
        return None
    if settings.STAFF_TWO_FACTOR_REQUIRED and not user.is_verified():
        return None
    setattr(user, REQUEST_MEMBER, member)  # staff_access need not load it again in this request
    return member


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Anyone not signed in as staff goes to the login page; the view gets request.staff_member."""

    @wraps(view)
    def guarded(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        member = signed_in_member(request)
        if member is None:
            return redirect_to_login(request.get_full_path(), reverse("workspace:login"))
        request.staff_member = member
        return view(request, *args, **kwargs)

    return guarded


def administrator_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Staff who are not administrators get 403 (they know the page exists: it is in the menu's code)."""

    @staff_required
    @wraps(view)
    def guarded(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.staff_member.role != StaffMember.Role.ADMINISTRATOR:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return guarded
