"""Which numbers may receive our SMS: French mobiles, at home and overseas.

Every backend checks the destination before sending (base.BaseSmsBackend.send):
a text to a premium-rate or foreign number costs the clinic money and is the
usual shape of SMS-pumping fraud, and landlines cannot receive SMS in France.
"""

import phonenumbers
from phonenumbers import PhoneNumberType

from .errors import PermanentSmsError

ALLOWED_REGIONS = frozenset({"FR", "GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF", "NC", "PF", "WF"})
"""France and its overseas departments and territories (ISO 3166 codes as phonenumbers names them):
Guadeloupe, Martinique, French Guiana, Réunion, Mayotte, Saint-Pierre-and-Miquelon,
Saint-Barthélemy, Saint-Martin, New Caledonia, French Polynesia, Wallis-and-Futuna."""

RECEIVES_SMS = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})
"""Number types that can receive a text. Fixed lines, toll-free, shared-cost and premium-rate numbers cannot
(or must not: a premium destination is billed to us)."""


class RefusedDestination(PermanentSmsError):
    """The number is malformed, outside ALLOWED_REGIONS, or of a type that cannot receive SMS."""


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
    if region not in ALLOWED_REGIONS:
        raise RefusedDestination(f"destination region {region} is not allowed")
    kind = phonenumbers.number_type(number)
    if kind not in RECEIVES_SMS:
        raise RefusedDestination(f"a {PhoneNumberType.to_string(kind)} number cannot receive SMS")
