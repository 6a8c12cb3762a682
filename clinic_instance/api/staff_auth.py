"""Who may use the staff API: the workspace's own session, second factor included, with CSRF on writes.

An anonymous or unverified caller gets 401 (the authentication header below is
what turns DRF's 403 into a 401); a signed-in caller who lacks a right gets 403;
objects outside the caller's agendas are simply not found (404).
"""

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import BasePermission

from ..models import StaffMember
from ..workspace.access import signed_in_member


class StaffSessionAuthentication(SessionAuthentication):
    """request.user is the staff user, request.auth their StaffMember."""

    def authenticate(self, request):
        member = signed_in_member(request._request)
        if member is None:
            return None
        self.enforce_csrf(request)
        return (member.user, member)

    def authenticate_header(self, request) -> str:
        return 'Session realm="OpenRDV workspace"'


class IsStaff(BasePermission):
    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, StaffMember)


class IsAdministrator(BasePermission):
    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, StaffMember) and request.auth.role == StaffMember.Role.ADMINISTRATOR


class StaffSessionScheme(OpenApiAuthenticationExtension):
    target_class = StaffSessionAuthentication
    name = "staffSession"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": settings.SESSION_COOKIE_NAME,
            "description": "The workspace's session, signed in with the second factor; "
            "writes carry the CSRF token in the X-CSRFToken header.",
        }


class StaffAPIMixin:
    """Every staff API view: the staff session only, never cached."""

    authentication_classes = [StaffSessionAuthentication]
    permission_classes = [IsStaff]

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response.headers["Cache-Control"] = "no-store, private"
        return response
