"""Public API: ask for a phone verification code (phone_verification.py holds the rules)."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import phone_verification
from ..patient_details import normalize_phone
from ..patient_messages import current_language
from .serializers import ErrorSerializer, LocalDateTimeField, django_to_drf


class CodeRequestSerializer(serializers.Serializer):
    phone = serializers.CharField(max_length=32)

    def validate_phone(self, value):
        return django_to_drf(normalize_phone, value)


class IssuedCodeSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send it back with the code when booking; keep it secret")
    phone = serializers.CharField()
    expires_at = LocalDateTimeField()
    required = serializers.BooleanField(help_text="Whether this clinic's online bookings need the code")


class PhoneVerificationView(APIView):
    @extend_schema(
        request=CodeRequestSerializer,
        responses={
            201: IssuedCodeSerializer,
            400: OpenApiResponse(description="The phone field and why: malformed, not a French mobile, opted out"),
            429: OpenApiResponse(ErrorSerializer, description="Too many codes for this number, address or day"),
        },
    )
    def post(self, request):
        """Text a 6-digit code to a French mobile number; valid 10 minutes, for one booking or waiting-list request."""
        serializer = CodeRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            issued = phone_verification.send_code(
                phone=serializer.validated_data["phone"],
                request=request,
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
        body = {**issued.__dict__, "required": phone_verification.is_required()}
        return Response(IssuedCodeSerializer(body).data, status=status.HTTP_201_CREATED)
