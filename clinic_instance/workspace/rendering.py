"""Rendering a workspace page: every page gets the clinic, the staff member and its menu section."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ..models import Clinic


def render_workspace(
    request: HttpRequest, template: str, context: dict | None = None, *, section: str = "", status: int = 200
) -> HttpResponse:
    response = render(
        request,
        template,
        {
            "clinic": Clinic.load(),
            "staff_member": getattr(request, "staff_member", None),
            "section": section,
            **(context or {}),
        },
        status=status,
    )
    # Patient data: never kept by a shared browser's cache or a proxy.
    response.headers["Cache-Control"] = "no-store, private"
    return response
