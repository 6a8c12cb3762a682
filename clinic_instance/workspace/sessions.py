"""Staff sessions end when idle for too long, and when the account's second factor changes.

Django already ends every other session on a password change (the session
keeps a hash of the password). A change of second factor bumps the staff
member's `session_generation`; a session started under an older one ends here.
Background requests (the agenda's live updates) do not count as activity.
"""

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

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
        return self.get_response(request)

    @staticmethod
    def _expired(request: HttpRequest, user) -> bool:
        last_activity = request.session.get(LAST_ACTIVITY_KEY, 0)
        if time.time() - last_activity > settings.STAFF_IDLE_TIMEOUT.total_seconds():
            return True
        member = getattr(user, "staff_member", None)
        return member is None or member.session_generation != request.session.get(GENERATION_KEY)
