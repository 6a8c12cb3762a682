"""Absences and blocked time through the staff API: as the absences page, with the same two steps.

Creating an absence over appointments: the first POST (no `decision`) creates
nothing and answers 409 with the appointments inside and their patients; the
second carries the decision (cancel with a reason, or keep) and the ids that
were listed (`seen`), so an appointment booked in between is never cancelled
unseen. Absences are looked up through absences.absence_for (404 outside the
caller's agendas).
"""

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import audit
from ..absences import (
    AbsenceError,
    AffectedAppointmentsChanged,
    absence_for,
    affected_appointments,
    create_absence,
    delete_absence,
    patients_to_warn,
    visible_absences,
)
from ..availability import clinic_timezone, local_day_bounds
from ..booking import AgendaBusy
from ..models import ScheduleException
from ..staff_access import practitioner_for
from .staff_absence_serializers import (
    AbsenceCreatedSerializer,
    AbsenceDetailSerializer,
    AbsenceInputSerializer,
    AbsenceQuerySerializer,
    AbsenceSerializer,
    AffectedAppointmentSerializer,
    AffectedConflictSerializer,
)
from .staff_auth import StaffAPIMixin
from .staff_common import StaffPagination, agenda_busy, bad_request
from .staff_serializers import StaffErrorSerializer


def _affected(request, affected, *, code: str, detail: str) -> Response:
    # The list shows who the patients are: a read of these appointments, as the page's preview.
    audit.record_appointments_read(request, affected, detail="absence preview")
    body = {"detail": detail, "code": code, "affected": AffectedAppointmentSerializer(affected, many=True).data}
    return Response(body, status=status.HTTP_409_CONFLICT)


def _detail(request, absence: ScheduleException, *, cancelled=None, status_code: int = 200) -> Response:
    absence.to_warn = patients_to_warn(absence)
    audit.record_appointments_read(request, absence.to_warn, detail="absence")
    if cancelled is None:
        return Response(AbsenceDetailSerializer(absence).data, status=status_code)
    absence.cancelled = [appointment.pk for appointment in cancelled]
    return Response(AbsenceCreatedSerializer(absence).data, status=status_code)


class StaffAbsenceListView(StaffAPIMixin, ListAPIView):
    serializer_class = AbsenceSerializer
    pagination_class = StaffPagination

    def get_queryset(self):
        data = self.query
        absences = visible_absences(self.request.user).order_by("start", "pk")
        if "practitioner" in data:
            absences = absences.filter(practitioner=practitioner_for(self.request.user, data["practitioner"]))
        tz = clinic_timezone()
        if "from" in data:
            absences = absences.filter(end__gt=local_day_bounds(data["from"], data["from"], tz)[0])
        else:
            absences = absences.filter(end__gt=timezone.now())
        if "to" in data:
            absences = absences.filter(start__lt=local_day_bounds(data["to"], data["to"], tz)[1])
        return absences

    @extend_schema(
        parameters=[
            OpenApiParameter("practitioner", int, required=False),
            OpenApiParameter("from", str, required=False, description="First local day, YYYY-MM-DD (default: now)"),
            OpenApiParameter("to", str, required=False, description="Last local day, YYYY-MM-DD"),
        ],
        responses={200: AbsenceSerializer(many=True), 400: None, 401: None, 404: None},
    )
    def get(self, request, *args, **kwargs):
        """Absences, blocked time and extra openings of the caller's agendas that are not over, soonest first."""
        query = AbsenceQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        self.query = query.validated_data
        return self.list(request, *args, **kwargs)

    @extend_schema(
        request=AbsenceInputSerializer,
        responses={
            201: AbsenceCreatedSerializer,
            400: OpenApiResponse(description="The failing field and why (start, end, kind, note, reason...)"),
            401: None,
            404: OpenApiResponse(description="The practitioner is not in the caller's agendas"),
            409: OpenApiResponse(
                AffectedConflictSerializer,
                description="Appointments are inside and no `decision` was given (or they changed since `seen`): "
                "nothing was created",
            ),
            503: OpenApiResponse(StaffErrorSerializer, description="The agenda is busy; retry (see Retry-After)"),
        },
    )
    def post(self, request):
        """Create an absence, blocked time or extra opening, deciding about the appointments inside."""
        now = timezone.now()
        serializer = AbsenceInputSerializer(data=request.data, context={"now": now})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        practitioner = practitioner_for(request.user, data["practitioner"])
        if data["kind"] == ScheduleException.Kind.OPENING:
            affected = []
        else:
            affected = affected_appointments(practitioner, data["start"], data["end"])
        decision = data.get("decision")
        if decision is None:
            if affected:
                message = _("Appointments are booked during this time: cancel them or keep them (decision).")
                return _affected(request, affected, code="affected_appointments", detail=message)
            decision = "keep"
        try:
            absence, cancelled = create_absence(
                practitioner,
                data["kind"],
                data["start"],
                data["end"],
                data["note"],
                cancel_affected=decision == "cancel",
                reason=data["reason"],
                now=now,
                request=request,
                expected=data["seen"],
            )
        except AffectedAppointmentsChanged as error:
            fresh = affected_appointments(practitioner, data["start"], data["end"])
            return _affected(request, fresh, code=error.code, detail=error.message)
        except AgendaBusy:
            return agenda_busy()
        except AbsenceError as error:
            return bad_request({error.field or "non_field_errors": [error.message], "code": error.code})
        return _detail(request, absence, cancelled=cancelled, status_code=status.HTTP_201_CREATED)


class StaffAbsenceView(StaffAPIMixin, APIView):
    @extend_schema(responses={200: AbsenceDetailSerializer, 401: None, 404: None})
    def get(self, request, absence_id: int):
        """One absence and the patients to warn (each appointment listed is audited as read)."""
        return _detail(request, absence_for(request.user, absence_id))

    @extend_schema(responses={204: None, 401: None, 404: None})
    def delete(self, request, absence_id: int):
        """Give the time back to the agenda; appointments cancelled for the absence stay cancelled."""
        delete_absence(absence_for(request.user, absence_id), request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)
