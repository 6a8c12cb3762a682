"""Template filters for showing stored values the way French patients read them."""

import phonenumbers
from django import template

register = template.Library()


@register.filter
def phone_display(e164: str) -> str:
    """+33299000000 → 02 99 00 00 00; foreign numbers in international format."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if number.country_code == 33
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, style)
