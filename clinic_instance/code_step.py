"""The patient pages' verification step: send a code, ask for it, and carry the form across.

A page whose form needs a verified phone (booking, joining the waiting list)
calls verified_attempt() once its form is valid. It gets the verified attempt,
or the response to return: the code page, with every field of the form kept
in hidden inputs, or the form again with why no code could be sent.
"""

from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from config.template_format import phone_display

from . import phone_verification
from .audit import client_address
from .models import PhoneVerification
from .patient_messages import current_language

TOKEN_FIELD = "verification_token"  # noqa: S105 - a form field's name


def verified_attempt(
    request: HttpRequest, *, form: Form, phone: str, form_template: str, context: dict
) -> PhoneVerification | HttpResponse:
    """The verified attempt behind the posted token and code, or the page to show instead."""
    now = timezone.now()
    token = request.POST.get(TOKEN_FIELD, "")[:64]
    page = {**context, "form": form, "phone_display": phone_display(phone), "action": request.path}
    if not token or "resend" in request.POST:
        try:
            issued = phone_verification.send_code(
                phone=phone, address=client_address(request), now=now, language=current_language()
            )
        except phone_verification.VerificationError as error:
            if error.field == "phone" and not isinstance(error, phone_verification.TooManyCodes):
                form.add_error("phone", error.message)
            else:
                page["booking_error"] = error.message
            return render(request, form_template, page, status=error.status)
        resent = "resend" in request.POST
        return render(request, "clinic_instance/verify_phone.html", {**page, "token": issued.token, "resent": resent})
    try:
        return phone_verification.check_code(token=token, code=request.POST.get("code", "")[:12], phone=phone, now=now)
    except phone_verification.VerificationError as error:
        dead = error.code != "wrong_code"
        return render(
            request,
            "clinic_instance/verify_phone.html",
            {**page, "token": "" if dead else token, "code_error": error.message, "dead": dead},
            status=400,
        )
