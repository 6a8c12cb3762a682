"""A practitioner's weekly schedule and visit reasons through the staff API, as the workspace pages.

Practitioners are looked up through staff_access.practitioner_for (404 outside
the caller's agendas). The week is checked by the schedule page's formset and
saved by schedule_editing.save_schedule; visit reasons by the page's
VisitReasonForm and the services of schedule_editing.py, shared-reason rule included.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from ..booking import AgendaBusy
from ..models import Practitioner, VisitReason, WeeklyRange
from ..schedule_editing import (
    ScheduleError,
    add_visit_reason,
    can_edit_reason,
    delete_visit_reason,
    reason_of,
    reasons_of,
    save_schedule,
    update_visit_reason,
)
from ..staff_access import practitioner_for
from ..workspace.schedule_forms import VisitReasonForm, WeeklyRangeFormSet
from .staff_auth import StaffAPIMixin
from .staff_common import agenda_busy, bad_request, conflict, form_errors, form_input
from .staff_schedule_serializers import (
    ReasonInputSerializer,
    StaffReasonSerializer,
    WeeklyRangeSerializer,
    WeekSerializer,
)
from .staff_serializers import StaffErrorSerializer

PREFIX = "ranges"
RANGE_FIELDS = ("weekday", "start_time", "end_time", "valid_from", "valid_until")
REASON_FIELDS = tuple(ReasonInputSerializer.Meta.fields)


def _ranges(practitioner: Practitioner) -> list[WeeklyRange]:
    return list(practitioner.weekly_ranges.prefetch_related("visit_reasons").order_by("weekday", "start_time", "pk"))


def _formset_data(saved: list[WeeklyRange], ranges: list[dict]) -> dict:
    """The schedule page's POST for this week: the saved rows, in order, take the new ranges; the rest is added or deleted.

    So form i holds ranges[i], and a week sent back unchanged changes nothing.
    """
    data = {
        f"{PREFIX}-TOTAL_FORMS": str(max(len(saved), len(ranges))),
        f"{PREFIX}-INITIAL_FORMS": str(len(saved)),
        f"{PREFIX}-MIN_NUM_FORMS": "0",
        f"{PREFIX}-MAX_NUM_FORMS": str(WeeklyRangeFormSet.max_num),
    }
    for i in range(max(len(saved), len(ranges))):
        row = f"{PREFIX}-{i}-"
        if i < len(saved):
            data[row + "id"] = str(saved[i].pk)
        if i >= len(ranges):
            data[row + "DELETE"] = "on"
            continue
        values = ranges[i]
        for name in RANGE_FIELDS:
            value = values.get(name)
            data[row + name] = "" if value is None else (value.isoformat() if hasattr(value, "isoformat") else value)
        data[row + "visit_reasons"] = [str(pk) for pk in values.get("visit_reasons", [])]
    return data


class StaffScheduleView(StaffAPIMixin, APIView):
    @extend_schema(responses={200: WeekSerializer, 401: None, 404: None})
    def get(self, request, practitioner_id: int):
        """The practitioner's weekly working ranges (local wall-clock times), by weekday and start."""
        practitioner = practitioner_for(request.user, practitioner_id)
        return Response({"ranges": WeeklyRangeSerializer(_ranges(practitioner), many=True).data})

    @extend_schema(
        request=WeekSerializer,
        responses={
            200: WeekSerializer,
            400: OpenApiResponse(description="`ranges`: one object of errors per range sent (overlaps included)"),
            401: None,
            404: None,
            409: OpenApiResponse(StaffErrorSerializer, description="The schedule changed meanwhile; nothing saved"),
            503: OpenApiResponse(StaffErrorSerializer, description="The agenda is busy; retry"),
        },
    )
    def put(self, request, practitioner_id: int):
        """Replace the whole week; checked and saved as the schedule page does (audited when something changed)."""
        practitioner = practitioner_for(request.user, practitioner_id)
        week = WeekSerializer(data=request.data)
        week.is_valid(raise_exception=True)
        ranges = week.validated_data["ranges"]
        saved = _ranges(practitioner)
        formset = WeeklyRangeFormSet(
            _formset_data(saved, ranges),
            instance=practitioner,
            prefix=PREFIX,
            queryset=practitioner.weekly_ranges.prefetch_related("visit_reasons").order_by(
                "weekday", "start_time", "pk"
            ),
            form_kwargs={"practitioner": practitioner},
        )
        if not formset.is_valid():
            return self._refused(formset, len(ranges))
        try:
            save_schedule(practitioner=practitioner, formset=formset, request=request)
        except ScheduleError as error:
            return conflict(error.message, error.code)
        except AgendaBusy:
            return agenda_busy()
        return Response({"ranges": WeeklyRangeSerializer(_ranges(practitioner), many=True).data})

    def _refused(self, formset, sent: int) -> Response:
        general = formset.non_form_errors()
        if any(error.code == "stale" for error in general.as_data()):
            return conflict(general[0], "conflict")
        rows = [form_errors(form) for form in formset.forms[:sent]]
        errors = {PREFIX: rows} if any(rows) else {PREFIX: list(general)}
        if any(rows) and general:
            errors["non_field_errors"] = list(general)
        return bad_request(errors)


def _reason_response(request, practitioner: Practitioner, reason: VisitReason, status_code: int = 200) -> Response:
    reason = reason_of(practitioner, reason.pk)
    context = {"practitioner": practitioner, "editable": lambda found: can_edit_reason(request.user, found)}
    return Response(StaffReasonSerializer(reason, context=context).data, status=status_code)


class StaffReasonListView(StaffAPIMixin, APIView):
    @extend_schema(responses={200: StaffReasonSerializer(many=True), 401: None, 404: None})
    def get(self, request, practitioner_id: int):
        """The practitioner's visit reasons, active ones first; `editable` says whether the caller may change each."""
        practitioner = practitioner_for(request.user, practitioner_id)
        context = {"practitioner": practitioner, "editable": lambda found: can_edit_reason(request.user, found)}
        return Response(StaffReasonSerializer(reasons_of(practitioner), many=True, context=context).data)

    @extend_schema(
        request=ReasonInputSerializer,
        responses={
            201: StaffReasonSerializer,
            400: OpenApiResponse(description="The failing field"),
            401: None,
            404: None,
        },
    )
    def post(self, request, practitioner_id: int):
        """Add a visit reason offered by this practitioner (audited)."""
        practitioner = practitioner_for(request.user, practitioner_id)
        defaults = {name: getattr(VisitReason(), name) for name in REASON_FIELDS}
        data, errors = form_input(request.data, REASON_FIELDS, start=defaults)
        if errors:
            return bad_request(errors)
        form = VisitReasonForm(data)
        if not form.is_valid():
            return bad_request(form_errors(form))
        reason = add_visit_reason(practitioner=practitioner, reason=form.save(commit=False), request=request)
        return _reason_response(request, practitioner, reason, status.HTTP_201_CREATED)


class StaffReasonView(StaffAPIMixin, APIView):
    def _found(self, request, practitioner_id: int, reason_id: int) -> tuple[Practitioner, VisitReason]:
        practitioner = practitioner_for(request.user, practitioner_id)
        reason = reason_of(practitioner, reason_id)
        if reason is None:
            raise Http404
        return practitioner, reason

    def _editable(self, request, practitioner_id: int, reason_id: int) -> tuple[Practitioner, VisitReason]:
        practitioner, reason = self._found(request, practitioner_id, reason_id)
        if not can_edit_reason(request.user, reason):
            raise PermissionDenied
        return practitioner, reason

    @extend_schema(responses={200: StaffReasonSerializer, 401: None, 404: None})
    def get(self, request, practitioner_id: int, reason_id: int):
        """One of the practitioner's visit reasons."""
        practitioner, reason = self._found(request, practitioner_id, reason_id)
        return _reason_response(request, practitioner, reason)

    @extend_schema(
        request=ReasonInputSerializer,
        responses={
            200: StaffReasonSerializer,
            400: OpenApiResponse(description="The failing field"),
            401: None,
            403: OpenApiResponse(description="The reason is shared with a practitioner outside the caller's agendas"),
            404: None,
        },
    )
    def patch(self, request, practitioner_id: int, reason_id: int):
        """Change a visit reason, for every practitioner who offers it (audited with the fields' names)."""
        practitioner, reason = self._editable(request, practitioner_id, reason_id)
        current = {name: getattr(reason, name) for name in REASON_FIELDS}
        data, errors = form_input(request.data, REASON_FIELDS, start=current)
        if errors:
            return bad_request(errors)
        form = VisitReasonForm(data, instance=reason)
        if not form.is_valid():
            return bad_request(form_errors(form))
        update_visit_reason(
            reason=form.save(commit=False), practitioner=practitioner, changed=form.changed_data, request=request
        )
        return _reason_response(request, practitioner, reason)

    @extend_schema(
        responses={
            204: None,
            401: None,
            403: OpenApiResponse(description="The reason is shared with a practitioner outside the caller's agendas"),
            404: None,
            409: OpenApiResponse(StaffErrorSerializer, description="Appointments use it: deactivate it instead"),
        }
    )
    def delete(self, request, practitioner_id: int, reason_id: int):
        """Delete a visit reason no appointment uses."""
        practitioner, reason = self._editable(request, practitioner_id, reason_id)
        try:
            delete_visit_reason(reason=reason, practitioner=practitioner, request=request)
        except ScheduleError as error:
            return conflict(error.message, error.code)
        return Response(status=status.HTTP_204_NO_CONTENT)
