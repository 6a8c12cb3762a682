"""Public API views: parse, call one service, render."""

import hashlib
import json

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import booking
from ..availability import (
    available_slots,
    bookable_practitioners,
    clinic_timezone,
    first_free_slot,
    nearest_free_slots,
)
from ..cross_origin import readable_by_directories
from ..manage_links import appointment_or_404
from ..models import Appointment, Practitioner, VisitReason
from ..patient_details import PatientDetails
from ..slots import SlotRangeError
from .errors import booking_error_response, busy_response
from .serializers import (
    AppointmentRequestSerializer,
    BookedAppointmentSerializer,
    ErrorSerializer,
    ManagedAppointmentSerializer,
    NextSlotSerializer,
    PractitionerSerializer,
    RescheduleSerializer,
    SlotListSerializer,
    SlotQuerySerializer,
    SlotSerializer,
)
from .verification_views import checked_verification

IDEMPOTENCY_KEY_MAX_LENGTH = 255


class PractitionerListView(generics.ListAPIView):
    """Practitioners taking bookings, with the visit reasons a patient can book online."""

    serializer_class = PractitionerSerializer
    pagination_class = None

    def get_queryset(self):
        return bookable_practitioners()


@method_decorator(readable_by_directories, name="dispatch")
class NextSlotView(APIView):
    @extend_schema(responses={200: NextSlotSerializer, 404: None})
    def get(self, request, practitioner_id: int):
        """The practitioner's first free slot a new patient can book online, for directories' pages."""
        practitioner = get_object_or_404(bookable_practitioners(), pk=practitioner_id)
        reasons = [r for r in practitioner.bookable_reasons if r.patients != VisitReason.Patients.KNOWN]
        now = timezone.now()
        found = [
            (slot, reason)
            for reason in reasons or practitioner.bookable_reasons
            if (slot := first_free_slot(practitioner=practitioner, visit_reason=reason, now=now)) is not None
        ]
        page = request.build_absolute_uri(reverse("practitioner", args=[practitioner.pk]))
        if not found:
            return Response({"practitioner": practitioner.pk, "start": None, "visit_reason": None, "booking_url": page})
        slot, reason = min(found, key=lambda item: (item[0].start, item[1].name))
        return Response(
            {
                "practitioner": practitioner.pk,
                "start": slot.start.astimezone(clinic_timezone()).isoformat(),
                "visit_reason": {"id": reason.pk, "name": reason.name},
                "booking_url": f"{page}?reason={reason.pk}",
            }
        )


@method_decorator(readable_by_directories, name="dispatch")
class SlotListView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("practitioner", int, required=True),
            OpenApiParameter("visit_reason", int, required=True),
            OpenApiParameter("from", str, required=True, description="First local day, YYYY-MM-DD"),
            OpenApiParameter("to", str, required=True, description="Last local day, YYYY-MM-DD (62 days at most)"),
        ],
        responses={200: SlotListSerializer, 400: OpenApiResponse(description="Bad or oversized range"), 404: None},
    )
    def get(self, request):
        """Free slots of one practitioner for one visit reason, in the clinic's time zone."""
        query = SlotQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        practitioner, visit_reason = _offer_or_404(query.validated_data)
        try:
            slots = available_slots(
                practitioner=practitioner,
                visit_reason=visit_reason,
                day_from=query.validated_data["from"],
                day_to=query.validated_data["to"],
                now=timezone.now(),
            )
        except SlotRangeError as error:
            raise ValidationError({"to": [str(error)]}) from None
        tz = clinic_timezone()  # by hand: the same output as SlotSerializer, twice as fast
        return Response(
            {
                "slots": [
                    {"start": s.start.astimezone(tz).isoformat(), "end": s.end.astimezone(tz).isoformat()}
                    for s in slots
                ]
            }
        )


def _offer_or_404(data) -> tuple[Practitioner, VisitReason]:
    practitioner = get_object_or_404(Practitioner, pk=data["practitioner"], is_active=True)
    visit_reason = get_object_or_404(
        VisitReason, pk=data["visit_reason"], practitioners=practitioner, is_active=True, online_bookable=True
    )
    return practitioner, visit_reason


class AppointmentCreateView(APIView):
    @extend_schema(
        request=AppointmentRequestSerializer,
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)],
        responses={
            201: BookedAppointmentSerializer,
            400: OpenApiResponse(description="The failing field and why"),
            409: OpenApiResponse(ErrorSerializer, description="The slot is not free; nearest free slots included"),
            503: OpenApiResponse(ErrorSerializer, description="The agenda is busy; retry (see Retry-After)"),
        },
    )
    def post(self, request):
        """Book a free slot. Keep the returned manage_token: it is the only way to manage the booking.

        When the clinic verifies phone numbers, first ask for a code (POST phone-verifications/) and
        send `verification` with its token and the code the patient received.
        """
        serializer = AppointmentRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        key = request.headers.get("Idempotency-Key") or None
        if key is not None and len(key) > IDEMPOTENCY_KEY_MAX_LENGTH:
            raise ValidationError({"Idempotency-Key": [f"At most {IDEMPOTENCY_KEY_MAX_LENGTH} characters."]})
        practitioner = Practitioner.objects.filter(pk=data["practitioner"]).first()
        if practitioner is None:
            raise ValidationError({"practitioner": ["Unknown practitioner."]})
        visit_reason = VisitReason.objects.filter(pk=data["visit_reason"]).first()
        if visit_reason is None:
            raise ValidationError({"visit_reason": ["Unknown visit reason."]})
        patient = PatientDetails(**data["patient"])
        verification, refused = checked_verification(data, patient.phone), None
        if isinstance(verification, Response):
            if key is None:
                return verification
            # Unless this is a retry of a booking the code already made (same key): book_appointment says.
            verification, refused = None, verification
        try:
            result = booking.book_appointment(
                practitioner=practitioner,
                visit_reason=visit_reason,
                start=data["start"],
                patient=patient,
                now=timezone.now(),
                idempotency_key=key,
                request_fingerprint=_fingerprint(request.data) if key else "",
                verification=verification,
            )
        except booking.SlotTaken as error:
            return _taken_response(error, practitioner, visit_reason, data["start"])
        except booking.BookingError as error:
            if refused is not None and error.code == "verification_required":
                return refused
            return booking_error_response(error)
        except booking.AgendaBusy:
            return busy_response()
        return Response(BookedAppointmentSerializer(result.appointment).data, status=status.HTTP_201_CREATED)


def _fingerprint(data) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def _taken_response(error, practitioner, visit_reason, start) -> Response:
    nearest = nearest_free_slots(practitioner=practitioner, visit_reason=visit_reason, around=start, now=timezone.now())
    return Response(
        {"detail": error.message, "code": error.code, "nearest_slots": SlotSerializer(nearest, many=True).data},
        status=status.HTTP_409_CONFLICT,
    )


def _manage_context(appointment: Appointment) -> dict:
    return {"can_change": booking.patient_can_change(appointment, timezone.now())}


@method_decorator(never_cache, name="dispatch")
class ManageAppointmentView(APIView):
    @extend_schema(responses={200: ManagedAppointmentSerializer, 404: None})
    def get(self, request, token):
        """The appointment behind a manage link."""
        appointment = appointment_or_404(token)
        return Response(ManagedAppointmentSerializer(appointment, context=_manage_context(appointment)).data)


@method_decorator(never_cache, name="dispatch")
class CancelAppointmentView(APIView):
    @extend_schema(request=None, responses={200: ManagedAppointmentSerializer, 400: ErrorSerializer, 404: None})
    def post(self, request, token):
        """Cancel the appointment, unless the clinic's cancellation cutoff has passed."""
        appointment = appointment_or_404(token)
        try:
            appointment = booking.cancel_appointment(appointment=appointment, now=timezone.now())
        except booking.BookingError as error:
            return booking_error_response(error)
        return Response(ManagedAppointmentSerializer(appointment, context=_manage_context(appointment)).data)


@method_decorator(never_cache, name="dispatch")
class RescheduleAppointmentView(APIView):
    @extend_schema(
        request=RescheduleSerializer,
        responses={200: ManagedAppointmentSerializer, 400: None, 404: None, 409: ErrorSerializer, 503: ErrorSerializer},
    )
    def post(self, request, token):
        """Move the appointment to another free slot of the same practitioner and visit reason."""
        appointment = appointment_or_404(token)
        serializer = RescheduleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        start = serializer.validated_data["start"]
        try:
            appointment = booking.reschedule_appointment(appointment=appointment, start=start, now=timezone.now())
        except booking.SlotTaken as error:
            return _taken_response(error, appointment.practitioner, appointment.visit_reason, start)
        except booking.BookingError as error:
            return booking_error_response(error)
        except booking.AgendaBusy:
            return busy_response()
        return Response(ManagedAppointmentSerializer(appointment, context=_manage_context(appointment)).data)
