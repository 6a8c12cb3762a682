"""/metrics: the library's format, counts that move with bookings, and nobody outside may read it."""

import json
import os
import subprocess
import sys
from datetime import date
from ipaddress import ip_network

import pytest
from prometheus_client.parser import text_string_to_metric_families

from clinic_instance.booking import SlotTaken
from clinic_instance.dispatch import dispatch_due
from clinic_instance.models import OutgoingMessage
from clinic_instance.patient_details import PatientDetails
from clinic_instance.sms import PermanentSmsError
from clinic_instance.staff_booking import book_by_phone
from tests.clinic_instance.test_api import booking_body
from tests.clinic_instance.test_dispatch import one_sms
from tests.dispatch_support import ScriptedSmsBackend
from tests.factories import paris
from tests.network import ROOT

pytestmark = pytest.mark.django_db
OUTSIDER = "203.0.113.9"
TUESDAY_9 = paris(2027, 3, 2, 9, 0)
TOKEN = "s3cret-scraper-token-for-the-tests"


def samples(client, **extra) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", **extra)
    assert response.status_code == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def value(found: dict, name: str, **labels) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


def book(client, alice, consultation, **patient):
    body = json.dumps(booking_body(alice, consultation, **patient))
    return client.post("/api/v1/appointments/", body, content_type="application/json")


def test_a_loopback_client_reads_metrics_that_the_library_parses(client, now, clinic):
    found = samples(client)
    assert value(found, "openrdv_outbox_backlog") == 0
    assert ("openrdv_federation_undelivered", ()) in found


def test_bookings_and_refused_bookings_are_counted(client, now, alice, consultation):
    before = samples(client)
    assert book(client, alice, consultation).status_code == 201
    assert book(client, alice, consultation, first_name="Zoé").status_code == 409
    after = samples(client)
    made, taken = "openrdv_bookings_total", "openrdv_booking_refusals_total"
    assert value(after, made, channel="online") == value(before, made, channel="online") + 1
    assert value(after, taken, channel="online", reason="slot_taken") == (
        value(before, taken, channel="online", reason="slot_taken") + 1
    )
    assert value(after, "openrdv_outbox_backlog") >= 1  # the confirmation, due now


def test_bookings_by_phone_and_their_refusals_count_as_staff(client, now, alice, consultation):
    patient = PatientDetails("Paul", "Petit", date(1980, 1, 2), "+33612345678")
    before = samples(client)
    book_by_phone(practitioner=alice, visit_reason=consultation, start=TUESDAY_9, patient=patient, now=now)
    with pytest.raises(SlotTaken):
        book_by_phone(practitioner=alice, visit_reason=consultation, start=TUESDAY_9, patient=patient, now=now)
    after = samples(client)
    made, taken = "openrdv_bookings_total", "openrdv_booking_refusals_total"
    assert value(after, made, channel="staff") == value(before, made, channel="staff") + 1
    assert value(after, taken, channel="staff", reason="slot_taken") == (
        value(before, taken, channel="staff", reason="slot_taken") + 1
    )


def test_a_message_that_fails_is_counted(client, now, clinic, settings):
    settings.SMS_BACKEND = "tests.dispatch_support.ScriptedSmsBackend"
    ScriptedSmsBackend.script, ScriptedSmsBackend.calls = [PermanentSmsError("Twilio 21211: invalid To number")], 0
    before = value(samples(client), "openrdv_outbox_failures_total", channel="sms")
    one_sms(now)
    dispatch_due("w1", now=now)
    assert OutgoingMessage.objects.get().status == "failed"
    assert value(samples(client), "openrdv_outbox_failures_total", channel="sms") == before + 1


def test_a_client_from_outside_gets_a_404(client, clinic):
    assert client.get("/metrics", REMOTE_ADDR=OUTSIDER).status_code == 404


def test_an_outside_client_forwarded_by_the_trusted_proxy_gets_a_404(client, clinic, settings):
    settings.TRUSTED_PROXIES = (ip_network("127.0.0.1/32"),)
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=OUTSIDER)
    assert response.status_code == 404


def test_a_forwarded_client_gets_a_404_even_when_the_proxy_is_not_trusted(client, clinic, settings):
    settings.TRUSTED_PROXIES = ()  # misconfigured: everyone forwarded by nginx would be 127.0.0.1
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=OUTSIDER)
    assert response.status_code == 404


def test_the_token_opens_the_metrics_and_a_wrong_one_does_not(client, clinic, settings):
    settings.METRICS_TOKEN = TOKEN
    assert client.get("/metrics", REMOTE_ADDR=OUTSIDER, HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR=OUTSIDER, HTTP_AUTHORIZATION=f"Bearer {TOKEN}x").status_code == 404
    assert client.get("/metrics", REMOTE_ADDR=OUTSIDER, HTTP_AUTHORIZATION="Bearer ").status_code == 404


def test_without_a_token_set_an_empty_bearer_opens_nothing(client, clinic, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", REMOTE_ADDR=OUTSIDER, HTTP_AUTHORIZATION="Bearer ").status_code == 404


INCREMENT = (
    "import django; django.setup(); from config.operations import metrics; "
    "metrics.booking_made(channel='online'); metrics.booking_made(channel='online')"
)


def test_counts_from_several_processes_add_up_in_multiprocess_mode(tmp_path):
    """What gunicorn's workers and Celery's count, each in its own process, a scrape sums."""
    environment = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for _process in range(3):
        subprocess.run([sys.executable, "-c", INCREMENT], cwd=ROOT, env=environment, check=True, timeout=60)
    scrape = (
        "import django; django.setup(); from django.utils import timezone; "
        "from config.operations import metrics; "
        "import sys; sys.stdout.write(metrics.exposition(now=timezone.now()).decode())"
    )
    done = subprocess.run(
        [sys.executable, "-c", scrape],
        cwd=ROOT,
        env=environment,
        check=True,
        timeout=60,
        capture_output=True,
        text=True,
    )
    found = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(done.stdout)
        for s in family.samples
    }
    assert value(found, "openrdv_bookings_total", channel="online") == 6


def test_directory_searches_are_timed(client, settings, directory_urls):
    settings.OPERATIONS_GAUGES = "directory.feed_lag.gauges"
    searches = "openrdv_directory_search_seconds_count"
    before = value(samples(client), searches)
    assert client.get("/api/v1/search/?q=Durand").status_code == 200
    after = samples(client)
    assert value(after, searches) == before + 1
    assert value(after, "openrdv_federation_pulls_overdue") == 0
