"""What the staff API's views share: JSON bodies fed to the workspace's forms, errors, pagination.

The API checks input with the pages' own forms, so both refuse the same things.

The forms expect what a browser posts: strings, booleans, lists of ids. A JSON
body may carry anything (objects, nested lists); those are refused here, naming
the field, before a form ever coerces them into text.
"""

from collections.abc import Iterable, Mapping

from django import forms
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

SCALARS = (str, int, float, bool)


class StaffPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def form_input(
    body: object, fields: Iterable[str], *, lists: Iterable[str] = (), start: Mapping | None = None
) -> tuple[dict, dict]:
    """(data, errors): the known fields of `body` over `start` (the values left out of a partial change).

    Unknown keys are ignored, as DRF serializers do. A field named in `lists`
    takes a list of scalars; every other field a scalar or null.
    """
    if not isinstance(body, Mapping):
        return {}, {"non_field_errors": [_("Send a JSON object.")]}
    lists = set(lists)
    data, errors = dict(start or {}), {}
    for name in fields:
        if name not in body:
            continue
        value = body[name]
        if name in lists:
            if not isinstance(value, list) or not all(isinstance(item, SCALARS) for item in value):
                errors[name] = [_("Give a list of ids.")]
                continue
        elif value is not None and not isinstance(value, SCALARS):
            errors[name] = [_("Give a single value.")]
            continue
        data[name] = "" if value is None else value
    return data, errors


def form_errors(form: forms.Form) -> dict[str, list[str]]:
    """A form's errors keyed by field, the form-wide ones under non_field_errors (DRF's key)."""
    return {
        ("non_field_errors" if name == forms.forms.NON_FIELD_ERRORS else name): list(messages)
        for name, messages in form.errors.items()
    }


def bad_request(errors: dict) -> Response:
    return Response(errors, status=status.HTTP_400_BAD_REQUEST)


def conflict(message: str, code: str) -> Response:
    return Response({"detail": message, "code": code}, status=status.HTTP_409_CONFLICT)


def agenda_busy() -> Response:
    """The agenda lock was not free in time (booking.AgendaBusy): as the rest of the staff API, 503."""
    return Response(
        {"detail": _("The agenda is busy right now; please try again."), "code": "busy"},
        status=status.HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Retry-After": "1"},
    )
