"""Twilio's webhooks: delivery reports and inbound messages (STOP / START).

They are exempt from CSRF because Twilio cannot hold a CSRF token; instead every
request must carry Twilio's signature (X-Twilio-Signature, HMAC of the public
URL and the POST parameters with TWILIO_AUTH_TOKEN). An unsigned or forged
request gets 403 before anything reads the database. Any signed request gets a
2xx answer, even for a message we don't know: Twilio retries the others.
"""

import logging
import re

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from .sms.delivery_reports import record_delivery_status
from .sms.opt_outs import START_KEYWORDS, STOP_KEYWORDS, keyword, opt_in, opt_out

logger = logging.getLogger(__name__)
E164 = re.compile(r"\+[1-9][0-9]{6,14}")


def signed_by_twilio(request: HttpRequest) -> bool:
    """Whether the request carries Twilio's valid signature for the URL Twilio called.

    Behind a proxy the request's own host may differ from the public one, so the
    URL is rebuilt from OPENRDV_BASE_URL when it is set.
    """
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature or not settings.TWILIO_AUTH_TOKEN:  # an empty token would make signatures forgeable
        return False
    if settings.OPENRDV_BASE_URL:
        url = settings.OPENRDV_BASE_URL.rstrip("/") + request.get_full_path()
    else:
        url = request.build_absolute_uri()
    return RequestValidator(settings.TWILIO_AUTH_TOKEN).validate(url, request.POST, signature)


@csrf_exempt
@require_POST
def status_callback(request: HttpRequest) -> HttpResponse:
    """A delivery report for a message we sent (its StatusCallback)."""
    if not signed_by_twilio(request):
        return HttpResponseForbidden()
    sid, status = request.POST.get("MessageSid", ""), request.POST.get("MessageStatus", "")
    recorded = record_delivery_status(
        provider_id=sid,
        status=status,
        error_code=request.POST.get("ErrorCode", ""),
        reference=request.GET.get("ref", "")[:40],  # in the URL Twilio signed
    )
    logger.info("Twilio status %s for %s (%s)", status[:20], sid[:64], "recorded" if recorded else "ignored")
    return HttpResponse()


@csrf_exempt
@require_POST
def inbound_message(request: HttpRequest) -> HttpResponse:
    """A text a patient sent to our number: STOP opts the number out, START back in; others are ignored."""
    if not signed_by_twilio(request):
        return HttpResponseForbidden()
    phone, word = request.POST.get("From", ""), keyword(request.POST.get("Body", ""))
    sid = request.POST.get("MessageSid", "")[:64]
    if E164.fullmatch(phone):
        if word in STOP_KEYWORDS:
            cancelled = opt_out(phone)
            logger.info("inbound %s: opt-out, %d waiting SMS cancelled", sid, cancelled)
        elif word in START_KEYWORDS:
            opt_in(phone)
            logger.info("inbound %s: opt-in", sid)
    return HttpResponse(str(MessagingResponse()), content_type="text/xml")
