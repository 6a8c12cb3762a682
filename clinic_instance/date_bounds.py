"""The dates any page or API accepts: years 1900 to 2100.

Python's dates end at year 9999 and begin at year 1: a week, a range or a time-zone conversion near either end
raises OverflowError (a 500). Bounding every date parameter to 1900-2100 when it is parsed keeps all later
arithmetic (a week ahead, a 90-day horizon, an offset of ±14 hours) far from those limits. Birth dates and
booking dates have their own, tighter rules on top (patient_details, booking).
"""

from datetime import date, datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

EARLIEST = date(1900, 1, 1)
LATEST = date(2100, 12, 31)
OUT_OF_BOUNDS = _("Enter a date between 1900 and 2100.")


def validate_within_bounds(value: date | datetime) -> None:
    """A validator for form and serializer fields (DRF turns Django's ValidationError into a 400 on the field)."""
    day = value.date() if isinstance(value, datetime) else value
    if not EARLIEST <= day <= LATEST:
        raise ValidationError(OUT_OF_BOUNDS, code="date_out_of_bounds")


def parse_day(raw: str | None) -> date | None:
    """An ISO date from a query string, or None if it is missing, malformed or out of bounds."""
    try:
        day = date.fromisoformat(raw) if raw else None
    except ValueError:
        return None
    return day if day is not None and EARLIEST <= day <= LATEST else None


def parse_moment(raw: str) -> datetime | None:
    """An ISO 8601 date-time, or None if malformed or out of bounds: checked before any time-zone conversion."""
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return moment if EARLIEST <= moment.date() <= LATEST else None


class BoundedDateField(forms.DateField):
    default_validators = [validate_within_bounds]
