"""What a patient types when booking, checked the same way by the API and the pages."""

from dataclasses import dataclass
from datetime import date

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .sms.numbers import RECEIVES_SMS

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


def normalize_mobile_phone(raw: str, region: str = "FR") -> str:
    """normalize_phone, refusing a number that cannot receive a text (a landline, a premium-rate number).

    For what patients type: their confirmation, reminders and codes go by SMS. A valid foreign mobile is
    accepted here; whether an SMS may go to its country is sms.numbers.check_destination's decision (settings'
    SMS_ALLOWED_REGIONS). Staff forms keep normalize_phone: a secretary may record the landline of a patient who
    has no mobile, since the clinic calls it.
    """
    phone = normalize_phone(raw, region)
    if phonenumbers.number_type(phonenumbers.parse(phone)) not in RECEIVES_SMS:
        raise ValidationError(_("Enter a mobile phone number: SMS cannot be sent to a landline."))
    return phone


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
