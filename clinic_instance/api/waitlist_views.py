"""Public API of the waiting list: join, see or leave an entry, answer an offer. No account.

The entry's and the offer's tokens are their only keys, as on the pages
(waitlist_views.py): a wrong token is the same 404 as a missing one.
"""

from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import booking, waitlist
from ..audit import client_address
from ..models import Practitioner, VisitReason, WaitlistEntry, WaitlistOffer
from ..patient_details import PatientDetails
from .errors import booking_error_response, busy_response
from .serializers import BookedAppointmentSerializer, ErrorSerializer
from .verification_views import checked_verification
from .waitlist_serializers import (
    WaitlistEntrySerializer,
    WaitlistJoinSerializer,
    WaitlistOfferSerializer,
    preferences,
)

NOT_FOUND = OpenApiResponse(description="No such token; a malformed one is the same 404")


class WaitlistJoinView(APIView):
    @extend_schema(
        request=WaitlistJoinSerializer,
        responses={
            201: WaitlistEntrySerializer,
            400: OpenApiResponse(
                description="The failing field and why (verification: the code is missing or wrong), or detail "
                "and code (already_waiting; too_many_entries_with_practitioner: 2 waiting entries of one phone with "
                "the practitioner; too_many_entries: 3 in the clinic)"
            ),
            429: OpenApiResponse(
                ErrorSerializer,
                description="too_many_joins: too many new entries from this network within an hour; see Retry-After",
            ),
        },
    )
    def post(self, request):
        """Wait for a time of one practitioner and visit reason; joining again updates the entry, keeping its place.

        Keep the returned token: it is the only way to see or leave the entry. When a matching time
        frees up, the clinic texts or e-mails the patient a link to the offer, held for them a while.
        When the clinic verifies phone numbers, first ask for a code (POST phone-verifications/) and
        send `verification` with its token and the code the patient received.
        """
        serializer = WaitlistJoinSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        practitioner = Practitioner.objects.filter(pk=data["practitioner"]).first()
        if practitioner is None:
            raise ValidationError({"practitioner": [_("Unknown practitioner.")]})
        visit_reason = VisitReason.objects.filter(pk=data["visit_reason"]).first()
        if visit_reason is None:
            raise ValidationError({"visit_reason": [_("Unknown visit reason.")]})
        patient = PatientDetails(**data["patient"])
        verification = checked_verification(data, patient.phone)
        if isinstance(verification, Response):
            return verification
        try:
            entry = waitlist.join(
                practitioner=practitioner,
                visit_reason=visit_reason,
                patient=patient,
                preferences=preferences(data),
                now=timezone.now(),
                address=client_address(request),
                verification=verification,
            )
        except booking.BookingError as error:
            return booking_error_response(error)
        return Response(WaitlistEntrySerializer(entry).data, status=status.HTTP_201_CREATED)


def _entry_or_404(token: str) -> WaitlistEntry:
    found = WaitlistEntry.objects.select_related("practitioner", "visit_reason").filter(token=token).first()
    if found is None:
        raise NotFound()
    return found


def _offer_or_404(token: str) -> WaitlistOffer:
    found = WaitlistOffer.objects.select_related("practitioner", "entry__visit_reason").filter(token=token).first()
    if found is None:
        raise NotFound()
    return found


def _offer_response(token: str) -> Response:
    return Response(WaitlistOfferSerializer(_offer_or_404(token), context={"now": timezone.now()}).data)


@method_decorator(never_cache, name="dispatch")
class WaitlistEntryView(APIView):
    @extend_schema(responses={200: WaitlistEntrySerializer, 404: NOT_FOUND})
    def get(self, request, token):
        """The entry behind a waiting-list token, with the time offered right now if any."""
        return Response(WaitlistEntrySerializer(_entry_or_404(token)).data)


@method_decorator(never_cache, name="dispatch")
class WaitlistLeaveView(APIView):
    @extend_schema(request=None, responses={200: WaitlistEntrySerializer, 404: NOT_FOUND})
    def post(self, request, token):
        """Leave the waiting list; a time held for the patient goes to the next one.

        Idempotent: an entry already left, booked or expired is returned unchanged.
        """
        waitlist.leave(_entry_or_404(token), now=timezone.now())
        return Response(WaitlistEntrySerializer(_entry_or_404(token)).data)


@method_decorator(never_cache, name="dispatch")
class WaitlistOfferView(APIView):
    @extend_schema(responses={200: WaitlistOfferSerializer, 404: NOT_FOUND})
    def get(self, request, token):
        """A time offered to a waiting patient, in the clinic's time zone."""
        return _offer_response(token)


@method_decorator(never_cache, name="dispatch")
class WaitlistOfferAcceptView(APIView):
    @extend_schema(
        request=None,
        responses={
            201: BookedAppointmentSerializer,
            400: OpenApiResponse(ErrorSerializer, description="The offer is closed (offer_closed) or cannot book"),
            404: NOT_FOUND,
            409: OpenApiResponse(ErrorSerializer, description="Someone else has the time; the patient stays waiting"),
            503: OpenApiResponse(ErrorSerializer, description="The agenda is busy; retry (see Retry-After)"),
        },
    )
    def post(self, request, token):
        """Book the offered time. Keep the returned manage_token: it is the only way to manage the booking.

        A hold that has ended still books if the time is free and nobody else holds it.
        """
        offer = _offer_or_404(token)
        try:
            appointment = waitlist.accept(offer, now=timezone.now())
        except booking.SlotTaken as error:
            return Response({"detail": error.message, "code": error.code}, status=status.HTTP_409_CONFLICT)
        except booking.BookingError as error:
            # The request has no fields: a refusal of the booking behind it (the start has passed...) is the offer's.
            return Response({"detail": error.message, "code": error.code}, status=status.HTTP_400_BAD_REQUEST)
        except booking.AgendaBusy:
            return busy_response()
        return Response(BookedAppointmentSerializer(appointment).data, status=status.HTTP_201_CREATED)


@method_decorator(never_cache, name="dispatch")
class WaitlistOfferDeclineView(APIView):
    @extend_schema(request=None, responses={200: WaitlistOfferSerializer, 404: NOT_FOUND})
    def post(self, request, token):
        """Not this time: the patient stays on the waiting list and the time goes to the next one.

        Idempotent: an offer already accepted, declined or taken is returned unchanged.
        """
        waitlist.decline(_offer_or_404(token), now=timezone.now())
        return _offer_response(token)
