"""How both APIs answer a refused booking: 400 naming the field when there is one."""

from rest_framework import status
from rest_framework.response import Response

from ..booking import BookingError


def booking_error_response(error: BookingError) -> Response:
    if error.field:
        return Response({error.field: [error.message], "code": error.code}, status=status.HTTP_400_BAD_REQUEST)
    return Response({"detail": error.message, "code": error.code}, status=status.HTTP_400_BAD_REQUEST)
