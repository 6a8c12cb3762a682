"""The addresses the background worker writes into messages, alerts and profile documents.

Building a link needs its route, not its view. Resolved against clinic_instance.urls,
the worker's first link imported every view module (DRF, the workspace and its forms:
about 27 MB of the worker's memory, bench/stack_memory.py) for pages it never serves.
So the worker resolves against this URLconf (config/celery.py). Each route is defined
here once and the real URLconfs serve these very strings; tests/clinic_instance/
test_link_urls.py reverses every name under both and runs the worker's tasks under this one.
"""

from django.http import Http404, HttpRequest
from django.urls import include, path, register_converter

from .manage_links import ManageTokenConverter

# Registered here, the one URLconf module both the web (through clinic_instance.urls) and the worker import.
register_converter(ManageTokenConverter, "manage_token")

MANAGE = "appointment/<manage_token:token>/"
WAITLIST_OFFER = "waitlist/offer/<manage_token:token>/"
PRACTITIONER = "book/<int:practitioner_id>/"
API = "api/v1/"
NEXT_SLOT = "practitioners/<int:practitioner_id>/next-slot/"  # under API
SMS = "sms/"
TWILIO_STATUS = "twilio/status/"  # under SMS
WORKSPACE = "workspace/"
PATIENT = "patients/<int:patient_id>/"  # under WORKSPACE
MESSAGE_OUTBOX = "messages/outbox/"  # under WORKSPACE


def served_by_the_web(request: HttpRequest, **kwargs) -> None:
    """Never called: the worker answers no request; gunicorn serves these routes with their views."""
    raise Http404


urlpatterns = [
    path(MANAGE, served_by_the_web, name="manage"),
    path(WAITLIST_OFFER, served_by_the_web, name="waitlist-offer"),
    path(PRACTITIONER, served_by_the_web, name="practitioner"),
    path(API, include([path(NEXT_SLOT, served_by_the_web, name="api-next-slot")])),
    path(SMS, include(([path(TWILIO_STATUS, served_by_the_web, name="twilio-status")], "sms"))),
    path(
        WORKSPACE,
        include(
            (
                [
                    path(PATIENT, served_by_the_web, name="patient"),
                    path(MESSAGE_OUTBOX, served_by_the_web, name="message-outbox"),
                ],
                "workspace",
            )
        ),
    ),
]
