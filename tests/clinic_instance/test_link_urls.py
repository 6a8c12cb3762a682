"""The worker's URLconf (clinic_instance/link_urls.py): the same links as the web's, without a view."""

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.urls import resolve
from django.utils import timezone

from clinic_instance import booking, message_cap, patient_messages, publication, waitlist
from clinic_instance.models import Appointment, Clinic, OutgoingMessage
from clinic_instance.sms.twilio import status_callback_url
from tests.factories import (
    make_appointment,
    make_clinic,
    make_patient,
    make_practitioner,
    make_reason,
    paris,
    patient_json,
)

ROOT = Path(__file__).resolve().parent.parent.parent
TOKEN = "Abc-_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGH"

pytestmark = pytest.mark.django_db


def links_the_worker_makes(clinic: Clinic, appointment, practitioner) -> dict[str, str]:
    """Every link the worker's tasks write, made by the functions the tasks call."""
    document = publication.document_of(practitioner, clinic, version=1, now=timezone.now())
    message = SimpleNamespace(channel="sms", recipient="+33612345678", patient_id=appointment.patient_id)
    _subject, alert = message_cap._alert_text(message, clinic)
    patient_link, outbox_link = (line.split(": ", 1)[1] for line in alert.splitlines() if "https://" in line)
    return {
        "manage": patient_messages.manage_url(appointment),
        "waitlist-offer": waitlist.offer_url(SimpleNamespace(token=TOKEN)),
        "practitioner": document["booking_url"],
        "api-next-slot": document["availability_url"],
        "sms:twilio-status": status_callback_url(),
        "workspace:patient": patient_link,
        "workspace:message-outbox": outbox_link,
    }


def test_every_link_the_worker_makes_is_one_the_web_serves(settings):
    settings.OPENRDV_BASE_URL = "https://rdv.example.org"
    clinic = make_clinic()
    practitioner = make_practitioner(specialty_code="medecine-generale")
    appointment = make_appointment(practitioner, make_reason(practitioner), paris(2027, 3, 1, 9))

    settings.ROOT_URLCONF = "clinic_instance.urls"
    by_the_web = links_the_worker_makes(clinic, appointment, practitioner)
    settings.ROOT_URLCONF = "clinic_instance.link_urls"
    by_the_worker = links_the_worker_makes(clinic, appointment, practitioner)
    assert by_the_worker == by_the_web

    settings.ROOT_URLCONF = "clinic_instance.urls"
    for name, link in by_the_web.items():
        path = link.removeprefix("https://rdv.example.org").split("?")[0]
        match = resolve(path)
        assert match.view_name == name, (name, path)
        assert match.func.__module__ != "clinic_instance.link_urls"  # a real view serves it


def test_the_worker_s_urlconf_names_only_routes_the_web_serves_the_same_way(settings):
    from clinic_instance import link_urls

    names = {
        "manage": [TOKEN],
        "waitlist-offer": [TOKEN],
        "practitioner": [7],
        "api-next-slot": [7],
        "sms:twilio-status": [],
        "workspace:patient": [7],
        "workspace:message-outbox": [],
    }
    from django.urls import get_resolver, reverse

    worker_names = {
        name if not namespace else f"{namespace}:{name}"
        for namespace, patterns in [
            ("", link_urls.urlpatterns),
            *[
                (entry.namespace or "", entry.url_patterns)
                for entry in link_urls.urlpatterns
                if hasattr(entry, "url_patterns")
            ],
        ]
        for name in [getattr(pattern, "name", None) for pattern in patterns]
        if name
    }
    assert worker_names == set(names)
    for name, args in names.items():
        assert reverse(name, args=args, urlconf="clinic_instance.link_urls") == reverse(
            name, args=args, urlconf="clinic_instance.urls"
        )
    assert get_resolver("clinic_instance.link_urls").resolve(reverse("manage", args=[TOKEN])).func is (
        link_urls.served_by_the_web
    )


def test_a_started_worker_resolves_links_without_importing_a_single_view(tmp_path):
    """What config/celery.py does when `celery worker` starts (celeryd_init), in a process of its own."""
    script = """
import sys
import django
django.setup()
from celery.signals import celeryd_init
import config.celery
celeryd_init.send(sender="openrdv-test")
from clinic_instance import dispatch, message_cap, patient_messages, publication, tasks, waitlist
from clinic_instance.sms.twilio import status_callback_url
from django.urls import reverse
print(reverse("manage", args=[sys.argv[1]]))
print(" ".join(sorted(m for m in sys.modules if m.startswith(("clinic_instance", "config", "rest_framework", "drf_spectacular"))
      and ("views" in m or m.endswith("urls")))))
"""
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    result = subprocess.run(
        [sys.executable, "-c", script, TOKEN], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    link, modules = result.stdout.splitlines()
    assert link == f"/appointment/{TOKEN}/"
    assert modules == "clinic_instance.link_urls"


def test_a_waitlist_offer_made_by_the_worker_links_to_the_offer_page(settings, client, alice, consultation, now):
    """The worker's own path end to end: its sweep offers a freed slot under the worker's URLconf, and
    the link in the message opens the offer page under the web's."""
    settings.OPENRDV_BASE_URL = "https://rdv.example.org"
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    tuesday = paris(2027, 3, 2, 9)
    taken = make_appointment(alice, consultation, tuesday, make_patient("Zoé", phone="+33611111111"))
    joined = client.post(
        "/api/v1/waitlist/",
        json.dumps(
            {
                "practitioner": alice.pk,
                "visit_reason": consultation.pk,
                "weekdays": [1],
                "earliest": "09:00",
                "latest": "09:00",
                "until": "2027-03-02",
                "patient": patient_json(),
            }
        ),
        content_type="application/json",
    )
    assert joined.status_code == 201, joined.content
    booking.cancel_appointment(appointment=taken, now=now, by=Appointment.CancelledBy.CLINIC)

    settings.ROOT_URLCONF = "clinic_instance.link_urls"
    assert waitlist.offer_free_slots(now) == 1
    bodies = OutgoingMessage.objects.filter(kind="waitlist_offer").values_list("body", flat=True)
    links = {word for body in bodies for word in body.split() if word.startswith("https://rdv.example.org/")}
    assert len(links) == 1, bodies

    settings.ROOT_URLCONF = "clinic_instance.urls"
    response = client.get(links.pop().removeprefix("https://rdv.example.org"))
    assert response.status_code == 200
    assert "09:00" in response.content.decode() or "9:00" in response.content.decode()
