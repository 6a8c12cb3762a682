"""The network from a patient's side: a directory and a clinic instance as real servers, in chromium.

The directory's page reads the next free slot from the instance in the patient's
browser; booking it on the instance moves it; an instance that does not answer
leaves the phone number.
"""

import re

import pytest
import requests
from playwright.sync_api import expect

from tests.network import Node, start_all, stop_all

pytestmark = pytest.mark.browser

SETUP = """
from datetime import time
from clinic_instance.models import Clinic, Practitioner, VisitReason, WeeklyRange
clinic = Clinic.load()
clinic.name, clinic.address, clinic.postcode, clinic.city = "Maison de santé des Tilleuls", "3 rue des Lilas", "35000", "Rennes"
clinic.phone, clinic.minimum_notice_minutes = "+33299000001", 60
clinic.save()
claire = Practitioner.objects.create(first_name="Claire", last_name="Martin", specialty="Généraliste",
                                     specialty_code="medecine-generale", rpps="10101234567")
for weekday in range(7):
    WeeklyRange.objects.create(practitioner=claire, weekday=weekday, start_time=time(0), end_time=time(23, 40))
reason = VisitReason.objects.create(name="Consultation", duration_minutes=20)
reason.practitioners.add(claire)
print(claire.pk, reason.pk)
"""


@pytest.fixture(scope="module")
def network(tmp_path_factory):
    base = tmp_path_factory.mktemp("journey")
    tilleuls = Node("clinic", base / "tilleuls", "Tilleuls")
    directory = Node(
        "directory", base / "directory", "Annuaire", extra_env={"DIRECTORY_INSTANCE_ALLOWLIST": tilleuls.url}
    )
    try:
        start_all([directory, tilleuls])
        practitioner_id, reason_id = map(int, tilleuls.shell(SETUP).splitlines()[-1].split())
        tilleuls.manage("federation_register", directory.url)
        assert tilleuls.manage("federation_deliver").stdout.startswith("1 delivered")
        yield {"directory": directory, "tilleuls": tilleuls, "practitioner": practitioner_id, "reason": reason_id}
    finally:
        stop_all([directory, tilleuls])


def next_free_start(network) -> str:
    answer = requests.get(
        f"{network['tilleuls'].url}/api/v1/practitioners/{network['practitioner']}/next-slot/", timeout=10
    )
    return answer.json()["start"]


def test_a_patient_sees_the_next_free_slot_books_it_and_sees_it_go(network, page):
    directory, tilleuls = network["directory"], network["tilleuls"]
    page.goto(f"{directory.url}/en/?q=martin&place=Rennes")
    next_slot = page.locator(".next-slot")
    expect(next_slot).to_have_attribute("data-state", "free")
    expect(next_slot).to_contain_text("Next free slot:")
    shown = next_slot.inner_text()

    page.get_by_role("link", name="Book online").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(tilleuls.url)}/book/{network['practitioner']}/"))

    start = next_free_start(network)
    booked = requests.post(
        f"{tilleuls.url}/api/v1/appointments/",
        json={"practitioner": network["practitioner"], "visit_reason": network["reason"], "start": start,
              "patient": {"first_name": "Paul", "last_name": "Petit", "birth_date": "1980-01-01",
                          "phone": "+33612345678", "email": "paul@example.org"}},
        timeout=10,
    )  # fmt: skip
    assert booked.status_code == 201, booked.text
    assert next_free_start(network) > start
    page.goto(f"{directory.url}/en/?q=martin&place=Rennes")
    expect(page.locator(".next-slot")).to_have_attribute("data-state", "free")
    assert page.locator(".next-slot").inner_text() != shown  # the booked slot is gone


def test_an_instance_that_does_not_answer_leaves_the_phone_number(network, page):
    directory, tilleuls = network["directory"], network["tilleuls"]
    tilleuls.stop()
    try:
        page.goto(f"{directory.url}/en/?q=martin&place=Rennes")
        next_slot = page.locator(".next-slot")
        expect(next_slot).to_have_attribute("data-state", "unreachable")
        expect(next_slot).to_contain_text("Online booking cannot be reached right now: call 02 99 00 00 01.")
    finally:
        tilleuls.start()


def test_the_directory_page_talks_to_no_one_else(network, page):
    directory, tilleuls = network["directory"], network["tilleuls"]
    hosts = set()
    page.on("request", lambda request: hosts.add(re.match(r"^https?://[^/]+", request.url)[0]))
    page.goto(f"{directory.url}/en/?q=martin&place=Rennes")
    expect(page.locator(".next-slot")).to_have_attribute("data-state", "free")
    assert hosts == {directory.url, tilleuls.url}
