"""What a patient types when booking, checked the same way by the API and the pages."""

from dataclasses import dataclass
from datetime import date

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

NAME_MAX_LENGTH = 100
EMAIL_MAX_LENGTH = 254
OLDEST_AGE_YEARS = 130


@dataclass(frozen=True)
class PatientDetails:
    first_name: str
    last_name: str
    birth_date: date
    phone: str  # E.164
    email: str = ""


def normalize_phone(raw: str, region: str = "FR") -> str:
    """A phone number in E.164 (+33612345678), accepting national formats for `region`."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        raise ValidationError(_("Enter a valid phone number, e.g. 06 12 34 56 78 or +33 6 12 34 56 78.")) from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_("Enter a valid phone number, e.g. 06 12 34 56 78 or +33 6 12 34 56 78."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_birth_date(value: date, today: date) -> None:
    if value > today:
        raise ValidationError(_("A birth date cannot be in the future."))
    if value.year < today.year - OLDEST_AGE_YEARS:
        raise ValidationError(_("Enter a valid birth date."))


def clean_name(value: str) -> str:
    """Trim and refuse control characters, which have no place in a name."""
    value = " ".join(value.split())
    if not value:
        raise ValidationError(_("This field is required."))
    if any(ord(character) < 32 for character in value):
        raise ValidationError(_("Enter a valid name."))
    return value
