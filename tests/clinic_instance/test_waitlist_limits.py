"""The waiting list against floods (issue 17): joins per network and per phone, held slots per practitioner.

The attack: a script posted 664 entries with distinct phones from one address in 20 seconds, and
the next sweep held 431 free slots for them, each texting and e-mailing a number it chose.
"""

import json
import re
import threading
from datetime import date, time, timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.utils import translation

from clinic_instance import booking, gdpr, waitlist, waitlist_limits
from clinic_instance.models import OutgoingMessage, WaitlistEntry, WaitlistJoin, WaitlistOffer
from clinic_instance.patient_details import PatientDetails
from clinic_instance.waitlist import Preferences
from config.reverse_proxy import parse_networks
from tests.factories import make_reason, paris, patient_json

JOIN = "/api/v1/waitlist/"
ATTACKER = "203.0.113.66"
# Weekdays 09:00-17:00 for a week: Dr Durand and Dr Martin have dozens of free slots in it.
WEEK = Preferences(weekdays=0b11111, earliest=time(9), latest=time(17), until=date(2027, 3, 8))


def phone(index: int) -> str:
    return f"+336100000{index:02d}"


def person(index: int, first_name: str = "Paul") -> PatientDetails:
    return PatientDetails(
        first_name=first_name, last_name="Petit", birth_date=date(1980, 5, 17), phone=phone(index), email=""
    )


def join(practitioner, reason, who, now, address="198.51.100.1"):
    return waitlist.join(
        practitioner=practitioner, visit_reason=reason, patient=who, preferences=WEEK, now=now, address=address
    )


def join_body(practitioner, reason, index: int, **patient) -> dict:
    return {
        "practitioner": practitioner.pk,
        "visit_reason": reason.pk,
        "weekdays": [0, 1, 2, 3, 4],
        "earliest": "09:00",
        "latest": "17:00",
        "until": "2027-03-08",
        "patient": patient_json(phone=phone(index), **patient),
    }


def post(client, body, **headers):
    return client.post(JOIN, json.dumps(body), content_type="application/json", **headers)


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def attacker(db):
    return Client(REMOTE_ADDR=ATTACKER, HTTP_ACCEPT_LANGUAGE="en")


# Per network.


def test_a_flood_of_distinct_phones_from_one_address_is_429_after_the_limit(attacker, alice, consultation, now):
    for index in range(5):
        assert post(attacker, join_body(alice, consultation, index)).status_code == 201
    refused = post(attacker, join_body(alice, consultation, 5))
    assert refused.status_code == 429
    assert refused.json() == {
        "detail": "Too many waiting-list requests came from your connection; please try again in an hour or call "
        "the clinic.",
        "code": "too_many_joins",
    }
    assert refused["Retry-After"] == "3601"
    assert WaitlistEntry.objects.count() == 5
    neighbour = Client(REMOTE_ADDR="198.51.100.20", HTTP_ACCEPT_LANGUAGE="en")
    assert post(neighbour, join_body(alice, consultation, 6)).status_code == 201


def test_a_forged_x_forwarded_for_from_an_untrusted_peer_does_not_escape(attacker, settings, alice, consultation, now):
    settings.TRUSTED_PROXIES = parse_networks("TRUSTED_PROXIES", ["127.0.0.1"])
    for index in range(6):
        response = post(attacker, join_body(alice, consultation, index), HTTP_X_FORWARDED_FOR=f"192.0.2.{index}")
    assert response.status_code == 429 and WaitlistEntry.objects.count() == 5
    # Behind the trusted proxy, each patient it names is counted apart.
    proxy = Client(REMOTE_ADDR="127.0.0.1", HTTP_ACCEPT_LANGUAGE="en")
    assert post(proxy, join_body(alice, consultation, 9), HTTP_X_FORWARDED_FOR="192.0.2.9").status_code == 201


def test_changing_address_within_an_ipv6_subscribers_64_does_not_escape(alice, consultation, now):
    for index in range(6):
        client = Client(REMOTE_ADDR=f"2001:db8:1:2::{index + 1:x}", HTTP_ACCEPT_LANGUAGE="en")
        response = post(client, join_body(alice, consultation, index))
    assert response.status_code == 429 and WaitlistEntry.objects.count() == 5


def test_the_networks_room_comes_back_an_hour_after_its_joins(settings, alice, consultation, now):
    settings.WAITLIST_JOINS_PER_NETWORK_PER_HOUR = 2
    join(alice, consultation, person(0), now)
    join(alice, consultation, person(1), now + timedelta(minutes=20))
    with pytest.raises(waitlist_limits.TooManyJoins) as refused:
        join(alice, consultation, person(2), now + timedelta(minutes=30))
    assert refused.value.retry_after == 30 * 60 + 1
    join(alice, consultation, person(2), now + timedelta(minutes=60, seconds=1))
    assert WaitlistEntry.objects.count() == 3


def test_updating_an_entry_or_a_refused_join_is_not_counted(settings, alice, consultation, now):
    settings.WAITLIST_JOINS_PER_NETWORK_PER_HOUR = 1
    with pytest.raises(booking.BookingError):
        waitlist.join(
            practitioner=alice,
            visit_reason=consultation,
            patient=person(0),
            preferences=Preferences(weekdays=1, earliest=time(9), latest=time(10), until=date(2020, 1, 1)),
            now=now,
            address=ATTACKER,
        )
    assert not WaitlistJoin.objects.exists()
    join(alice, consultation, person(0), now, address=ATTACKER)
    assert WaitlistJoin.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_simultaneous_joins_from_one_network_cannot_all_pass_the_limit(settings, alice, consultation):
    settings.WAITLIST_JOINS_PER_NETWORK_PER_HOUR = 3
    now, results, barrier = paris(2027, 3, 1, 8), [], threading.Barrier(8)

    def flood(index):
        barrier.wait()
        try:
            join(alice, consultation, person(index), now, address=ATTACKER)
            results.append("joined")
        except waitlist_limits.TooManyJoins:
            results.append("refused")
        finally:
            connection.close()

    with time_machine.travel(now, tick=False):
        threads = [threading.Thread(target=flood, args=(index,)) for index in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(results) == ["joined"] * 3 + ["refused"] * 5
    assert WaitlistEntry.objects.count() == 3


def test_the_nightly_purge_forgets_the_joins_the_counts_no_longer_need(alice, consultation, now):
    join(alice, consultation, person(0), now)
    join(alice, consultation, person(1), now + timedelta(minutes=30))
    gdpr.purge_expired(now + timedelta(minutes=70))
    assert list(WaitlistJoin.objects.values_list("created_at", flat=True)) == [now + timedelta(minutes=30)]


# Per phone, whatever the name typed with it.


def test_one_phone_waits_twice_at_most_with_one_practitioner(alice, consultation, bob, now):
    join(alice, consultation, person(0, "Paul"), now)
    join(alice, make_reason(alice, "Vaccin"), person(0, "Lucie"), now)
    with pytest.raises(booking.BookingError) as refused:
        join(alice, make_reason(alice, "Suivi"), person(0, "Jules"), now)
    assert refused.value.code == "too_many_entries_with_practitioner"
    assert refused.value.message == "This phone number is already on 2 waiting lists of Dr Alice Durand."
    join(bob, make_reason(bob, "Consultation"), person(0, "Jules"), now)  # another practitioner
    assert WaitlistEntry.objects.count() == 3


def test_one_phone_waits_on_three_lists_of_the_clinic_at_most(alice, consultation, bob, now):
    join(alice, consultation, person(0, "Paul"), now)
    join(bob, make_reason(bob, "Consultation"), person(0, "Lucie"), now)
    join(bob, make_reason(bob, "Suivi"), person(0, "Jules"), now)
    with pytest.raises(booking.BookingError) as refused:
        join(alice, make_reason(alice, "Vaccin"), person(0, "Léa"), now)
    assert refused.value.code == "too_many_entries"


def test_an_entry_that_stopped_waiting_leaves_room_for_the_phone(alice, consultation, now):
    first = join(alice, consultation, person(0, "Paul"), now)
    join(alice, make_reason(alice, "Vaccin"), person(0, "Lucie"), now)
    waitlist.leave(first, now=now)
    join(alice, make_reason(alice, "Suivi"), person(0, "Jules"), now)


def test_the_api_refuses_a_third_entry_of_one_phone_with_a_practitioner(client, alice, consultation, now):
    assert post(client, join_body(alice, consultation, 0, first_name="Paul")).status_code == 201
    assert post(client, join_body(alice, make_reason(alice, "Vaccin"), 0, first_name="Lucie")).status_code == 201
    refused = post(client, join_body(alice, make_reason(alice, "Suivi"), 0, first_name="Jules"))
    assert refused.status_code == 400 and refused.json()["code"] == "too_many_entries_with_practitioner"
    assert WaitlistEntry.objects.count() == 2


# The page.


def page_form(index: int, **change) -> dict:
    return {
        "weekdays": ["0", "1", "2", "3", "4"],
        "earliest": "09:00",
        "latest": "17:00",
        "until": "2027-03-08",
        "first_name": "Lucie",
        "last_name": "Petit",
        "birth_date": "1980-05-17",
        "phone": phone(index),
        "email": "lucie@example.org",
        **change,
    }


def test_the_page_past_the_networks_limit_says_why_in_french_and_keeps_what_was_typed(
    settings, alice, consultation, now
):
    settings.WAITLIST_JOINS_PER_NETWORK_PER_HOUR = 1
    visitor = Client(REMOTE_ADDR=ATTACKER, HTTP_ACCEPT_LANGUAGE="fr")
    url = f"/book/{alice.pk}/{consultation.pk}/waitlist/"
    assert visitor.post(url, page_form(0)).status_code == 302
    refused = visitor.post(url, page_form(1, first_name="Léa"))
    assert refused.status_code == 429 and refused["Retry-After"] == "3601"
    page = refused.content.decode()
    assert "Trop de demandes de liste d’attente sont venues de votre connexion" in page
    assert 'value="Léa"' in page and 'value="lucie@example.org"' in page
    assert WaitlistEntry.objects.count() == 1


def test_the_page_refuses_a_third_entry_of_one_phone_with_a_practitioner(client, alice, consultation, now):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    for name in ("Vaccin", "Suivi"):
        reason = make_reason(alice, name)
        assert client.post(f"/book/{alice.pk}/{reason.pk}/waitlist/", page_form(0)).status_code == 302
    refused = client.post(f"/book/{alice.pk}/{consultation.pk}/waitlist/", page_form(0, first_name="Jules"))
    assert refused.status_code == 400
    assert "already on 2 waiting lists of Dr Alice Durand" in refused.content.decode()
    assert 'value="Jules"' in refused.content.decode()


# The code step.


def sent_code() -> str:
    body = OutgoingMessage.objects.filter(kind="verification").latest("pk").body
    return re.search(r"\b(\d{6})\b", body).group(1)


def test_a_join_refused_past_the_limit_does_not_spend_the_patients_code(settings, clinic, alice, consultation, now):
    settings.WAITLIST_JOINS_PER_NETWORK_PER_HOUR = 0
    clinic.phone_verification = True
    clinic.save()
    token = post_code(phone(0))
    body = {**join_body(alice, consultation, 0), "verification": {"token": token, "code": sent_code()}}
    assert post(Client(), body).status_code == 429
    settings.WAITLIST_JOINS_PER_NETWORK_PER_HOUR = 5
    assert post(Client(), body).status_code == 201


def post_code(number: str) -> str:
    issued = Client().post("/api/v1/phone-verifications/", {"phone": number}, content_type="application/json")
    assert issued.status_code == 201, issued.content
    return issued.json()["token"]


def test_without_phone_verification_joining_asks_for_no_code_and_sends_none(client, alice, consultation, now):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert client.post(f"/book/{alice.pk}/{consultation.pk}/waitlist/", page_form(0)).status_code == 302
    assert post(client, join_body(alice, make_reason(alice, "Vaccin"), 1)).status_code == 201
    assert not OutgoingMessage.objects.filter(kind="verification").exists()
    assert WaitlistEntry.objects.count() == 2


# Held slots per practitioner.


@pytest.fixture
def flood(alice, consultation, bob, now):
    """Thirty entries waiting for Dr Durand and ten for Dr Martin, each from its own phone and network."""
    dermatology = make_reason(bob, "Dermatologie")
    for index in range(40):
        practitioner, reason = (alice, consultation) if index < 30 else (bob, dermatology)
        join(practitioner, reason, person(index), now, address=f"198.51.100.{index}")


def offers_per_practitioner() -> dict[str, int]:
    held = WaitlistOffer.objects.filter(status="offered")
    return {name: held.filter(practitioner__last_name=name).count() for name in ("Durand", "Martin")}


def test_one_sweep_against_a_flood_holds_at_most_the_cap_per_practitioner(flood, now):
    assert waitlist.offer_free_slots(now) == 6
    assert offers_per_practitioner() == {"Durand": 3, "Martin": 3}
    assert OutgoingMessage.objects.filter(kind="waitlist_offer").count() == 6  # one SMS each (no e-mail given)
    assert waitlist.offer_free_slots(now + timedelta(minutes=1)) == 0  # the rest wait


def test_without_the_cap_the_same_flood_holds_a_slot_per_entry(flood, settings, now):
    settings.WAITLIST_OFFERS_HELD_PER_PRACTITIONER = 1000
    assert waitlist.offer_free_slots(now) == 40


def test_an_answered_or_ended_hold_makes_room_for_the_next_offer(flood, now):
    waitlist.offer_free_slots(now)
    waitlist.decline(WaitlistOffer.objects.filter(practitioner__last_name="Durand").first(), now=now)
    assert waitlist.offer_free_slots(now + timedelta(minutes=1)) == 1
    assert offers_per_practitioner() == {"Durand": 3, "Martin": 3}
    later = now + timedelta(minutes=31)  # the holds ended: three more each
    assert waitlist.offer_free_slots(later) == 6
    assert offers_per_practitioner() == {"Durand": 3, "Martin": 3}


def test_the_cap_counts_the_holds_of_all_the_practitioners_reasons(alice, consultation, now):
    vaccine = make_reason(alice, "Vaccin")
    for index in range(4):
        join(alice, consultation if index % 2 else vaccine, person(index), now, address=f"198.51.100.{index}")
    assert waitlist.offer_free_slots(now) == 3
