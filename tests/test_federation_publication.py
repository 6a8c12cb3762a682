"""Profiles published by clinic instances to a directory, as three real servers: push, edit, removal, outage."""

import json
import sqlite3

import pytest
import requests
from django.utils import timezone

from federation.keys import KeyStore
from federation.signing import sign_request

from .network import Node, start_all, stop_all

SETUP = """
from clinic_instance.models import Clinic, Practitioner
clinic = Clinic.load()
clinic.name, clinic.address, clinic.postcode, clinic.city = "Maison de santé {name}", "3 rue des Lilas", "35000", "Rennes"
clinic.phone = "+33299000001"
clinic.save()
Practitioner.objects.create(first_name="Claire", last_name="Martin", specialty="Généraliste",
    specialty_code="medecine-generale", rpps="{rpps}", languages=["fr", "en"], sector="1")
Practitioner.objects.create(first_name="Paul", last_name="Roux", specialty="Secrétariat")  # no directory specialty
"""


@pytest.fixture(scope="module")
def network(tmp_path_factory):
    base = tmp_path_factory.mktemp("publication")
    tilleuls = Node("clinic", base / "tilleuls", "Tilleuls")
    chenes = Node("clinic", base / "chenes", "Chênes")
    waiting = Node("clinic", base / "waiting", "Waiting")
    directory = Node(
        "directory", base / "directory", "Annuaire",
        extra_env={"DIRECTORY_INSTANCE_ALLOWLIST": f"{tilleuls.url},{chenes.url}"},
    )  # fmt: skip
    nodes = {"directory": directory, "tilleuls": tilleuls, "chenes": chenes, "waiting": waiting}
    try:
        start_all(list(nodes.values()))
        tilleuls.shell(SETUP.format(name="des Tilleuls", rpps="10101234567"))
        chenes.shell(SETUP.format(name="des Chênes", rpps="10107654321"))
        for clinic in (tilleuls, chenes, waiting):
            clinic.manage("federation_register", directory.url)
        yield nodes
    finally:
        stop_all(list(nodes.values()))


def profiles(directory: Node) -> dict[str, dict]:
    connection = sqlite3.connect(directory.database)
    connection.row_factory = sqlite3.Row
    rows = connection.execute(
        "SELECT p.*, i.base_url AS instance_url FROM directory_profile p JOIN directory_instance i ON i.id = p.instance_id"
    )
    return {f"{row['instance_url']}#{row['instance_ref']}": dict(row) for row in rows}


def deliver(node: Node) -> str:
    return node.manage("federation_deliver").stdout.strip()


def signed_put(node: Node, url: str, document: dict) -> requests.Response:
    body = json.dumps(document).encode()
    key, private_key = KeyStore(node.key_dir).current(timezone.now())
    headers = sign_request("PUT", url, body, key_id=key.key_id, private_key=private_key, now=timezone.now())
    return requests.put(url, data=body, headers={**headers, "Content-Type": "application/json"}, timeout=10)


def test_registered_instances_publish_their_public_practitioners(network):
    directory, tilleuls = network["directory"], network["tilleuls"]
    assert deliver(tilleuls).startswith("1 delivered")
    found = profiles(directory)[f"{tilleuls.url}#p-1"]
    assert (found["first_name"], found["last_name"], found["status"], found["rpps"]) == (
        "Claire", "Martin", "published", "10101234567",
    )  # fmt: skip
    assert found["booking_url"] == f"{tilleuls.url}/book/1/"
    assert found["practice_name"] == "Maison de santé des Tilleuls" and found["latitude"]  # placed by its postcode
    assert not any(key.endswith("#p-2") for key in profiles(directory))  # no directory specialty: not published


def test_patients_find_it_and_book_online_through_the_hand_off(network):
    directory, tilleuls = network["directory"], network["tilleuls"]
    deliver(tilleuls)
    results = requests.get(f"{directory.url}/api/v1/search/", params={"q": "martin", "place": "Rennes"}, timeout=10)
    [claire] = [r for r in results.json()["results"] if r["booking"]["kind"] == "online" and "Claire" in r["name"]]
    hand_off = requests.get(claire["booking"]["url"], allow_redirects=False, timeout=10)
    assert (hand_off.status_code, hand_off.headers["Location"]) == (302, f"{tilleuls.url}/book/1/")
    assert requests.get(hand_off.headers["Location"], timeout=10).status_code == 200


def test_edits_and_removals_follow_and_old_versions_change_nothing(network):
    directory, tilleuls = network["directory"], network["tilleuls"]
    deliver(tilleuls)
    tilleuls.shell("from clinic_instance.models import Practitioner as P; p = P.objects.get(pk=1); "
                   "p.last_name = 'Martin-Leroy'; p.accepts_new_patients = False; p.save()")  # fmt: skip
    assert deliver(tilleuls).startswith("1 delivered")
    found = profiles(directory)[f"{tilleuls.url}#p-1"]
    assert (found["last_name"], found["accepts_new_patients"]) == ("Martin-Leroy", 0)
    old = signed_put(tilleuls, f"{directory.url}/federation/v1/profiles/p-1",
                     {"type": "tombstone", "ref": "p-1", "version": 1})  # fmt: skip
    assert old.json() == {"outcome": "unchanged"}
    tilleuls.shell("from clinic_instance.models import Practitioner as P; P.objects.filter(pk=1).first().delete()")
    assert deliver(tilleuls).startswith("1 delivered")
    assert f"{tilleuls.url}#p-1" not in profiles(directory)


def test_a_directory_down_for_a_while_gets_everything_once_back(network):
    directory, chenes = network["directory"], network["chenes"]
    deliver(chenes)
    directory.stop()
    chenes.shell("from clinic_instance.models import Practitioner as P; p = P.objects.get(pk=1); "
                 "p.first_name = 'Claire-Anne'; p.save(); p.sector = '2'; p.save()")  # fmt: skip
    assert deliver(chenes) == "0 delivered, 1 superseded, 1 failed."  # only the newest version is sent
    directory.start()
    # Time passes: the retry is due (the backoff doubled from 20 s).
    chenes.shell("from django.utils import timezone; from clinic_instance.models import OutboxMessage as O; "
                 "O.objects.filter(delivered_at=None).update(next_attempt_at=timezone.now())")  # fmt: skip
    report = deliver(chenes)
    assert "1 delivered" in report and "0 failed" in report
    found = profiles(directory)[f"{chenes.url}#p-1"]
    assert (found["first_name"], found["sector"]) == ("Claire-Anne", "2")


def test_an_instance_cannot_take_another_ones_practitioner_nor_publish_before_approval(network):
    directory, chenes, waiting = network["directory"], network["chenes"], network["waiting"]
    deliver(network["tilleuls"])
    document = {"type": "profile", "ref": "p-9", "version": 1, "updated_at": "2027-01-10T09:00:00Z",
                "first_name": "Claire", "last_name": "Martin", "rpps": "10107654321", "specialty": "medecine-generale",
                "booking_url": f"{waiting.url}/book/9/"}  # fmt: skip
    answer = signed_put(waiting, f"{directory.url}/federation/v1/profiles/p-9", document)
    assert (answer.status_code, answer.json()["error"]) == (403, "instance_not_approved")
    stolen = {**document, "booking_url": f"{chenes.url}/book/9/"}
    deliver(chenes)
    # Tilleuls' key, Chênes' practitioner (RPPS): refused, Chênes' profile untouched.
    tilleuls = network["tilleuls"]
    taken = signed_put(tilleuls, f"{directory.url}/federation/v1/profiles/p-9",
                       {**stolen, "booking_url": f"{tilleuls.url}/book/9/"})  # fmt: skip
    assert (taken.status_code, taken.json()["error"]) == (409, "rpps_taken")
    elsewhere = signed_put(tilleuls, f"{directory.url}/federation/v1/profiles/p-9", stolen)
    assert (elsewhere.status_code, elsewhere.json()["field"]) == (400, "booking_url")


def test_patient_like_fields_are_dropped_and_text_is_escaped_on_the_page(network):
    directory, tilleuls = network["directory"], network["tilleuls"]
    document = {"type": "profile", "ref": "p-77", "version": 1, "updated_at": "2027-01-10T09:00:00Z",
                "first_name": "<script>alert(1)</script>", "last_name": "Lenoir", "specialty": "pediatrie",
                "booking_url": f"{tilleuls.url}/book/77/", "practice": {"postcode": "35000", "city": "Rennes"},
                "patients": [{"name": "Jean Dupont", "birth_date": "1980-01-01"}]}  # fmt: skip
    answer = signed_put(tilleuls, f"{directory.url}/federation/v1/profiles/p-77", document)
    assert answer.json() == {"outcome": "created"}
    found = profiles(directory)[f"{tilleuls.url}#p-77"]
    assert "Jean Dupont" not in json.dumps(found, default=str)
    page = requests.get(f"{directory.url}/p/{found['id']}/", timeout=10).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page


def signed_get(node: Node, url: str) -> requests.Response:
    key, private_key = KeyStore(node.key_dir).current(timezone.now())
    headers = sign_request("GET", url, b"", key_id=key.key_id, private_key=private_key, now=timezone.now())
    return requests.get(url, headers=headers, timeout=10)


def test_what_a_push_missed_the_feed_repairs(network):
    directory, tilleuls = network["directory"], network["tilleuls"]
    tilleuls.shell("from clinic_instance.models import Practitioner as P; "
                   "P.objects.create(first_name='Zoé', last_name='Quenardière', specialty='Pédiatre', "
                   "specialty_code='pediatrie')")  # fmt: skip
    directory.stop()
    assert "1 failed" in deliver(tilleuls)
    directory.start()
    assert not [p for p in profiles(directory).values() if p["last_name"] == "Quenardière"]
    pulled = directory.manage("federation_pull").stdout
    assert f"{tilleuls.url}: " in pulled and "(ok)" in pulled
    [zoe] = [p for p in profiles(directory).values() if p["last_name"] == "Quenardière"]
    assert zoe["status"] == "published" and zoe["booking_url"].startswith(f"{tilleuls.url}/book/")
    again = directory.manage("federation_pull").stdout
    assert f"{tilleuls.url}: 0 applied" in again  # the cursor moved on (and what is re-read changes nothing)


def test_only_registered_directories_read_the_feed(network):
    directory, tilleuls, chenes = network["directory"], network["tilleuls"], network["chenes"]
    feed = f"{tilleuls.url}/federation/v1/feed/?since=0"
    assert requests.get(feed, timeout=10).json()["error"] == "missing_signature"
    assert signed_get(chenes, feed).json()["error"] == "unknown_key"  # another instance
    read = signed_get(directory, feed)
    assert read.status_code == 200 and {item["type"] for item in read.json()["items"]} <= {"profile", "tombstone"}
    key, private_key = KeyStore(directory.key_dir).current(timezone.now())
    headers = sign_request("GET", feed, b"", key_id=key.key_id, private_key=private_key, now=timezone.now())
    unchanged = requests.get(feed, headers={**headers, "If-None-Match": read.headers["ETag"]}, timeout=10)
    assert unchanged.status_code == 304
    assert signed_get(directory, f"{tilleuls.url}/federation/v1/feed/?since=-1").status_code == 400
