"""Staff API views (/api/v1/staff/): the workspace's operations, with its permission checks and audit.

Parse, look the objects up through staff_access (404 outside the caller's
agendas), call one service of staff_booking, audit, render.
"""

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import audit, staff_booking
from ..availability import clinic_timezone, local_day_bounds
from ..booking import AgendaBusy, BookingError, SlotTaken
from ..models import Appointment, AuditEntry, VisitReason
from ..patient_details import PatientDetails
from ..patient_search import QUERY_MAX_LENGTH, likely_duplicates, search_patients
from ..staff_access import (
    appointment_for,
    patient_for,
    practitioner_for,
    visible_appointments,
    visible_patients,
    visible_practitioners,
)
from ..workspace.appointment_views import local_moment
from .errors import booking_error_response
from .staff_auth import StaffAPIMixin
from .staff_common import agenda_busy, conflict
from .staff_serializers import (
    AppointmentQuerySerializer,
    CancelSerializer,
    MoveSerializer,
    NoteSerializer,
    PatientMatchSerializer,
    PhoneBookingSerializer,
    StaffAppointmentSerializer,
    StaffErrorSerializer,
    StaffPatientSerializer,
    StaffPractitionerSerializer,
    StatusSerializer,
)

Action = AuditEntry.Action
CHANGE_RESPONSES = {
    200: StaffAppointmentSerializer,
    400: OpenApiResponse(description="The failing field and why, with a code (e.g. outside_hours)"),
    401: OpenApiResponse(description="Not signed in to the workspace (second factor included)"),
    404: OpenApiResponse(description="No such appointment in the caller's agendas"),
}


def _refused(error: Exception) -> Response:
    """The same answers as the public API: 400 naming the field, 409 for a taken slot, 503 when busy."""
    if isinstance(error, AgendaBusy):
        return agenda_busy()
    if isinstance(error, SlotTaken):
        return conflict(error.message, error.code)
    return booking_error_response(error)


def _render(appointment: Appointment) -> Response:
    appointment = Appointment.objects.select_related("visit_reason", "patient").get(pk=appointment.pk)
    return Response(StaffAppointmentSerializer(appointment).data)


class StaffPractitionerListView(StaffAPIMixin, APIView):
    @extend_schema(responses={200: StaffPractitionerSerializer(many=True)})
    def get(self, request):
        """The practitioners whose agendas the caller may see, with their active visit reasons."""
        reasons = VisitReason.objects.filter(is_active=True).order_by("name")
        practitioners = visible_practitioners(request.user).prefetch_related(
            Prefetch("visit_reasons", queryset=reasons, to_attr="active_reasons")
        )
        return Response(StaffPractitionerSerializer(practitioners, many=True).data)


class StaffAppointmentListView(StaffAPIMixin, APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("from", str, required=True, description="First local day, YYYY-MM-DD"),
            OpenApiParameter("to", str, required=True, description="Last local day, YYYY-MM-DD (62 days at most)"),
            OpenApiParameter("practitioner", int, required=False),
        ],
        responses={200: StaffAppointmentSerializer(many=True), 400: None, 401: None, 404: None},
    )
    def get(self, request):
        """Appointments of the caller's agendas in a range of days (every one shown is audited as read)."""
        query = AppointmentQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        start, end = local_day_bounds(data["from"], data["to"], clinic_timezone())
        appointments = visible_appointments(request.user).filter(start__lt=end, end__gt=start)
        if "practitioner" in data:
            appointments = appointments.filter(practitioner=practitioner_for(request.user, data["practitioner"]))
        appointments = list(appointments.select_related("visit_reason", "patient").order_by("start", "pk"))
        audit.record_appointments_read(request, appointments, detail=f"api {data['from']}..{data['to']}")
        return Response(StaffAppointmentSerializer(appointments, many=True).data)

    @extend_schema(
        request=PhoneBookingSerializer,
        responses={
            201: StaffAppointmentSerializer,
            400: OpenApiResponse(description="The failing field and why; possible_duplicates lists look-alikes"),
            401: None,
            404: OpenApiResponse(description="The practitioner is not in the caller's agendas"),
            409: OpenApiResponse(StaffErrorSerializer, description="The time overlaps another appointment"),
            503: OpenApiResponse(StaffErrorSerializer, description="The agenda is busy; retry (see Retry-After)"),
        },
    )
    def post(self, request):
        """Book by phone, for a known patient (`patient`) or a new one (`new_patient`)."""
        serializer = PhoneBookingSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        practitioner = practitioner_for(request.user, data["practitioner"])
        visit_reason = VisitReason.objects.filter(pk=data["visit_reason"]).first()
        if visit_reason is None:
            return Response({"visit_reason": [_("Unknown visit reason.")]}, status=status.HTTP_400_BAD_REQUEST)
        if "patient" in data:
            patient = visible_patients(request.user).filter(pk=data["patient"]).first()
            if patient is None:
                return Response({"patient": [_("Unknown patient.")]}, status=status.HTTP_400_BAD_REQUEST)
        else:
            patient = PatientDetails(**data["new_patient"])
            duplicates = likely_duplicates(patient.first_name, patient.last_name, patient.birth_date, patient.phone)
            if duplicates and not data["create_anyway"]:
                audit.record_search_results(request, duplicates)
                return Response(
                    {
                        "new_patient": [_("This patient may already be known; book them, or set create_anyway.")],
                        "code": "possible_duplicates",
                        "possible_duplicates": StaffPatientSerializer(duplicates, many=True).data,
                    },
                    status=status.HTTP_400_BAD_REQUEST,
                )
        try:
            result = staff_booking.book_by_phone(
                practitioner=practitioner,
                visit_reason=visit_reason,
                start=data["start"],
                patient=patient,
                now=timezone.now(),
                force=data["force"],
            )
        except (BookingError, AgendaBusy) as error:
            return _refused(error)
        appointment = result.appointment
        if result.patient_created:
            audit.record_patient(request, Action.CREATE, appointment.patient)
        forced = " forced" if appointment.forced else ""
        audit.record_appointment(request, Action.CREATE, appointment, detail=local_moment(appointment.start) + forced)
        response = _render(appointment)
        response.status_code = status.HTTP_201_CREATED
        return response


class StaffAppointmentView(StaffAPIMixin, APIView):
    @extend_schema(responses={200: StaffAppointmentSerializer, 401: None, 404: None})
    def get(self, request, appointment_id: int):
        """One appointment of the caller's agendas (audited as read)."""
        appointment = appointment_for(request.user, appointment_id)
        audit.record_appointment(request, Action.VIEW, appointment)
        return _render(appointment)


class StaffMoveView(StaffAPIMixin, APIView):
    @extend_schema(
        request=MoveSerializer,
        responses={
            **CHANGE_RESPONSES,
            409: OpenApiResponse(StaffErrorSerializer, description="The time overlaps another appointment"),
            503: OpenApiResponse(StaffErrorSerializer, description="The agenda is busy; retry"),
        },
    )
    def post(self, request, appointment_id: int):
        """Move to another time, and to another practitioner of the visit reason if given; no cutoff for staff."""
        appointment = appointment_for(request.user, appointment_id)
        serializer = MoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        target = practitioner_for(request.user, data["practitioner"]) if "practitioner" in data else None
        before = f"{local_moment(appointment.start)} #{appointment.practitioner_id}"
        try:
            moved = staff_booking.move_appointment(
                appointment=appointment,
                start=data["start"],
                now=timezone.now(),
                practitioner=target,
                force=data["force"],
            )
        except (BookingError, AgendaBusy) as error:
            return _refused(error)
        after = f"{local_moment(moved.start)} #{moved.practitioner_id}"
        audit.record_appointment(request, Action.MOVE, moved, detail=f"{before} → {after}")
        return _render(moved)


class StaffCancelView(StaffAPIMixin, APIView):
    @extend_schema(request=CancelSerializer, responses=CHANGE_RESPONSES)
    def post(self, request, appointment_id: int):
        """Cancel for the clinic, with a reason (kept with the appointment)."""
        appointment = appointment_for(request.user, appointment_id)
        serializer = CancelSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            cancelled = staff_booking.cancel_by_clinic(
                appointment=appointment, reason=serializer.validated_data["reason"], now=timezone.now()
            )
        except BookingError as error:
            return _refused(error)
        audit.record_appointment(request, Action.CANCEL, cancelled, detail=local_moment(cancelled.start))
        return _render(cancelled)


class StaffStatusView(StaffAPIMixin, APIView):
    @extend_schema(request=StatusSerializer, responses=CHANGE_RESPONSES)
    def post(self, request, appointment_id: int):
        """Arrived, done, no-show, or back to booked (see staff_booking.TRANSITIONS)."""
        appointment = appointment_for(request.user, appointment_id)
        serializer = StatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        before = appointment.status
        try:
            changed = staff_booking.change_status(
                appointment=appointment, status=serializer.validated_data["status"], now=timezone.now()
            )
        except BookingError as error:
            return _refused(error)
        audit.record_appointment(request, Action.STATUS, changed, detail=f"{before} → {changed.status}")
        return _render(changed)


class StaffNoteView(StaffAPIMixin, APIView):
    @extend_schema(request=NoteSerializer, responses=CHANGE_RESPONSES)
    def post(self, request, appointment_id: int):
        """Replace the private note (staff only); an empty note clears it."""
        appointment = appointment_for(request.user, appointment_id)
        serializer = NoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            noted = staff_booking.set_note(
                appointment=appointment, note=serializer.validated_data["note"], now=timezone.now()
            )
        except BookingError as error:
            return _refused(error)
        size = f"{len(noted.staff_note)} characters" if noted.staff_note else "cleared"
        audit.record_appointment(request, Action.NOTE, noted, detail=size)
        return _render(noted)


class StaffPatientSearchView(StaffAPIMixin, APIView):
    @extend_schema(
        parameters=[OpenApiParameter("q", str, required=True, description="Name words, a birth date, a phone")],
        responses={200: PatientMatchSerializer(many=True), 401: None},
    )
    def get(self, request):
        """At most 20 patients matching the query, best first; typing mistakes are forgiven."""
        matches = search_patients(request.query_params.get("q", "")[:QUERY_MAX_LENGTH])
        audit.record_search_results(request, [match.patient for match in matches])
        return Response(PatientMatchSerializer(matches, many=True).data)


class StaffPatientView(StaffAPIMixin, APIView):
    @extend_schema(responses={200: StaffPatientSerializer, 401: None, 404: None})
    def get(self, request, patient_id: int):
        """One patient's contact details (audited as read)."""
        patient = patient_for(request.user, patient_id)
        audit.record_patient(request, Action.VIEW, patient)
        return Response(StaffPatientSerializer(patient).data)
