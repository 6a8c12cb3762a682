"""Which numbers may receive our SMS: mobiles in the regions of settings.SMS_ALLOWED_REGIONS.

Every backend checks the destination before sending (base.BaseSmsBackend.send):
a text to a premium-rate or foreign number costs the clinic money and is the
usual shape of SMS-pumping fraud, and landlines cannot receive SMS in France.
"""

import phonenumbers
from django.conf import settings
from phonenumbers import PhoneNumberType

from .errors import PermanentSmsError

RECEIVES_SMS = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})
"""Number types that can receive a text. Fixed lines, toll-free, shared-cost and premium-rate numbers cannot
(or must not: a premium destination is billed to us)."""


class RefusedDestination(PermanentSmsError):
    """The number is malformed, outside settings.SMS_ALLOWED_REGIONS, or of a type that cannot receive SMS."""


def check_destination(phone: str) -> None:
    """Raise RefusedDestination unless `phone` is a valid E.164 mobile number in an allowed region.

    The reason names the region or the number type, never the number itself.
    """
    try:
        number = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        raise RefusedDestination("malformed number") from None
    if phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) != phone:
        raise RefusedDestination("not in E.164 form")
    if not phonenumbers.is_valid_number(number):
        raise RefusedDestination("not a valid number")
    region = phonenumbers.region_code_for_number(number)
    if region not in settings.SMS_ALLOWED_REGIONS:  # read at each call: config/settings/clinic.py parses it
        raise RefusedDestination(f"destination region {region} is not allowed")
    kind = phonenumbers.number_type(number)
    if kind not in RECEIVES_SMS:
        raise RefusedDestination(f"a {PhoneNumberType.to_string(kind)} number cannot receive SMS")
