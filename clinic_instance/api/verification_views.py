"""Public API: ask for a phone verification code (phone_verification.py holds the rules)."""

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import phone_verification
from ..audit import client_address
from ..models import PhoneVerification
from ..patient_details import normalize_mobile_phone
from ..patient_messages import current_language
from .serializers import ErrorSerializer, LocalDateTimeField, django_to_drf


class CodeRequestSerializer(serializers.Serializer):
    phone = serializers.CharField(max_length=32)

    def validate_phone(self, value):
        return django_to_drf(normalize_mobile_phone, value)


class IssuedCodeSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send it back with the code when booking; keep it secret")
    phone = serializers.CharField()
    expires_at = LocalDateTimeField()


class PhoneVerificationView(APIView):
    @extend_schema(
        request=CodeRequestSerializer,
        responses={
            201: IssuedCodeSerializer,
            400: OpenApiResponse(
                description="The phone field and why (malformed, not a French mobile, opted out), "
                "or verification_not_required: this clinic books without a code"
            ),
            429: OpenApiResponse(ErrorSerializer, description="Too many codes for this number, address or day"),
        },
    )
    def post(self, request):
        """Text a 6-digit code to a French mobile number; valid 10 minutes, for one booking or waiting-list request."""
        serializer = CodeRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if not phone_verification.is_required():  # no SMS for nothing: each one costs the clinic
            return Response(
                {"detail": _("This clinic books without a code."), "code": "verification_not_required"},
                status=status.HTTP_400_BAD_REQUEST,
            )
        try:
            issued = phone_verification.send_code(
                phone=serializer.validated_data["phone"],
                address=client_address(request),
                now=timezone.now(),
                language=current_language(),
            )
        except phone_verification.TooManyCodes as error:
            return Response(
                {"detail": error.message, "code": error.code},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
                headers={"Retry-After": str(error.retry_after)},
            )
        except phone_verification.VerificationError as error:
            return Response({error.field: [error.message], "code": error.code}, status=status.HTTP_400_BAD_REQUEST)
        return Response(IssuedCodeSerializer(issued).data, status=status.HTTP_201_CREATED)


def checked_verification(data: dict, phone: str) -> PhoneVerification | Response | None:
    """The request's verified attempt, the 400 to answer, or None (no code sent, or none required).

    A wrong code counts against the attempt whatever the request does next.
    """
    if "verification" not in data or not phone_verification.is_required():
        return None
    try:
        return phone_verification.check_code(
            token=data["verification"]["token"], code=data["verification"]["code"], phone=phone, now=timezone.now()
        )
    except phone_verification.VerificationError as error:
        return Response({"verification": [error.message], "code": error.code}, status=status.HTTP_400_BAD_REQUEST)
