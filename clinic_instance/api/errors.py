"""How the APIs answer a refused booking: 400 naming the field when there is one, 429 past a limit, 503 when busy."""

from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.response import Response

from ..booking import BookingError
from ..waitlist_limits import TooManyJoins


def booking_error_response(error: BookingError) -> Response:
    if isinstance(error, TooManyJoins):
        return Response(
            {"detail": error.message, "code": error.code},
            status=status.HTTP_429_TOO_MANY_REQUESTS,
            headers={"Retry-After": str(error.retry_after)},
        )
    if error.field:
        return Response({error.field: [error.message], "code": error.code}, status=status.HTTP_400_BAD_REQUEST)
    return Response({"detail": error.message, "code": error.code}, status=status.HTTP_400_BAD_REQUEST)


def busy_response() -> Response:
    """The agenda stayed locked too long (booking.AgendaBusy): retrying is safe."""
    return Response(
        {"detail": _("Booking is busy right now; please try again."), "code": "busy"},
        status=status.HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Retry-After": "1"},
    )
