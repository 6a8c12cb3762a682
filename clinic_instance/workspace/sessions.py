"""Staff sessions end when idle for too long, and when the account's second factor changes.

Django already ends every other session on a password change (the session
keeps a hash of the password). A change of second factor bumps the staff
member's `session_generation`; a session started under an older one ends here.
Background requests (the agenda's live updates) do not count as activity.
A session that did not come through the workspace login has no generation:
workspace.access refuses it.
"""

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

LAST_ACTIVITY_KEY = "workspace_last_activity"
GENERATION_KEY = "workspace_session_generation"
BACKGROUND_HEADER = "X-Workspace-Background"


def start(request: HttpRequest, generation: int) -> None:
    """Called right after login(): the new session belongs to this generation."""
    request.session[GENERATION_KEY] = generation
    request.session[LAST_ACTIVITY_KEY] = int(time.time())


def follow_generation(request: HttpRequest, generation: int) -> None:
    """Keep the current session alive across a second-factor change it made itself."""
    request.session[GENERATION_KEY] = generation


class WorkspaceSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and GENERATION_KEY in request.session:
            if self._expired(request, user):
                logout(request)
                request.workspace_session_expired = True
            elif request.headers.get(BACKGROUND_HEADER) != "1":
                request.session[LAST_ACTIVITY_KEY] = int(time.time())
        if request.path.startswith("/admin/") and not self._may_use_admin(request):
            return redirect_to_login(request.get_full_path(), reverse("workspace:login"))
        return self.get_response(request)

    @staticmethod
    def _may_use_admin(request: HttpRequest) -> bool:
        """The clinic's Django admin takes the same sign-in as the workspace, second factor included."""
        if settings.ROOT_URLCONF != "clinic_instance.urls":
            return True  # a directory (or a test of one) keeps its own admin sign-in
        user = request.user
        if not user.is_authenticated:
            return True  # the admin's own login page redirects to the workspace's
        signed_in_here = GENERATION_KEY in request.session
        return signed_in_here and (not settings.STAFF_TWO_FACTOR_REQUIRED or user.is_verified())

    @staticmethod
    def _expired(request: HttpRequest, user) -> bool:
        last_activity = request.session.get(LAST_ACTIVITY_KEY, 0)
        if time.time() - last_activity > settings.STAFF_IDLE_TIMEOUT.total_seconds():
            return True
        member = getattr(user, "staff_member", None)
        generation = member.session_generation if member is not None else 0
        return generation != request.session.get(GENERATION_KEY)
