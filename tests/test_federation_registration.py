"""A clinic instance registers with a directory: both as real servers, each with its own keys."""

import json
import sqlite3

import pytest
import requests
from django.utils import timezone

from federation.keys import KeyStore
from federation.signing import sign_request

from .network import Node, start_all, stop_all


@pytest.fixture(scope="module")
def network(tmp_path_factory):
    base = tmp_path_factory.mktemp("network")
    nodes = {
        "directory": Node("directory", base / "directory", "Annuaire de test"),
        "tilleuls": Node("clinic", base / "tilleuls", "Maison de santé des Tilleuls"),
        "impostor": Node("clinic", base / "impostor", "Impostor"),
    }
    try:
        start_all(list(nodes.values()))
        yield nodes
    finally:
        stop_all(list(nodes.values()))


def instances(directory: Node) -> dict[str, tuple[str, str, int]]:
    rows = sqlite3.connect(directory.database).execute(
        "SELECT base_url, name, status, (SELECT count(*) FROM directory_instancekey k WHERE k.instance_id = i.id)"
        " FROM directory_instance i"
    )
    return {base_url: (name, status, keys) for base_url, name, status, keys in rows}


def signed_post(url: str, payload: dict, key_dir) -> requests.Response:
    body = json.dumps(payload).encode()
    key, private_key = KeyStore(key_dir).current(timezone.now())
    headers = sign_request("POST", url, body, key_id=key.key_id, private_key=private_key, now=timezone.now())
    return requests.post(url, data=body, headers={**headers, "Content-Type": "application/json"}, timeout=10)


def test_an_instance_registers_and_waits_for_a_moderator(network):
    directory, tilleuls = network["directory"], network["tilleuls"]
    done = tilleuls.manage("federation_register", directory.url)
    assert f"Registered with Annuaire de test ({directory.url}): pending." in done.stdout
    assert "moderators must now approve" in done.stdout
    assert instances(directory)[tilleuls.url] == ("Maison de santé des Tilleuls", "pending", 1)
    again = tilleuls.manage("federation_register", directory.url)  # idempotent
    assert "pending" in again.stdout
    row = sqlite3.connect(tilleuls.database).execute(
        "SELECT base_url, name, status FROM clinic_instance_directoryregistration"
    )
    assert list(row) == [(directory.url, "Annuaire de test", "pending")]


def test_an_instance_cannot_register_another_ones_address(network):
    directory, tilleuls, impostor = network["directory"], network["tilleuls"], network["impostor"]
    register = f"{directory.url}/federation/v1/instances/"
    # Signed by the impostor's own key, claiming the Tilleuls' base URL: that key is not published there.
    answer = signed_post(register, {"base_url": tilleuls.url}, impostor.key_dir)
    assert answer.status_code == 502 and answer.json()["error"] == "discovery_failed"
    assert impostor.url not in instances(directory)


def test_unsigned_replayed_and_tampered_registrations_are_refused(network):
    directory, tilleuls = network["directory"], network["tilleuls"]
    register = f"{directory.url}/federation/v1/instances/"
    unsigned = requests.post(register, json={"base_url": tilleuls.url}, timeout=10)
    assert (unsigned.status_code, unsigned.json()["error"]) == (401, "missing_signature")

    body = json.dumps({"base_url": tilleuls.url}).encode()
    key, private_key = KeyStore(tilleuls.key_dir).current(timezone.now())
    headers = {
        **sign_request("POST", register, body, key_id=key.key_id, private_key=private_key, now=timezone.now()),
        "Content-Type": "application/json",
    }
    assert requests.post(register, data=body, headers=headers, timeout=10).status_code == 202
    replay = requests.post(register, data=body, headers=headers, timeout=10)
    assert (replay.status_code, replay.json()["error"]) == (401, "replayed")
    tampered = requests.post(register, data=body.replace(b"}", b" }"), headers=headers, timeout=10)
    assert (tampered.status_code, tampered.json()["error"]) == (401, "digest_mismatch")


def test_a_directory_and_a_dead_address_get_the_same_answer(network):
    directory = network["directory"]
    register = f"{directory.url}/federation/v1/instances/"
    answer = signed_post(register, {"base_url": directory.url}, directory.key_dir)
    dead = signed_post(register, {"base_url": "http://127.0.0.1:9"}, directory.key_dir)
    # Not an oracle of what listens where (tests/directory/test_instance_registration.py): one answer.
    assert (answer.status_code, answer.json()["error"]) == (502, "discovery_failed")
    assert (answer.status_code, answer.content) == (dead.status_code, dead.content)
    bad = signed_post(register, {"base_url": "javascript:alert(1)"}, directory.key_dir)
    assert (bad.status_code, bad.json()["error"]) == (400, "base_url")


def test_registering_with_something_that_is_not_a_directory_fails_clearly(network):
    tilleuls, impostor = network["tilleuls"], network["impostor"]
    failed = tilleuls.manage("federation_register", impostor.url, check=False)
    assert failed.returncode != 0 and "not a directory" in failed.stderr
    unreachable = tilleuls.manage("federation_register", "http://127.0.0.1:9", check=False)
    assert unreachable.returncode == 1 and "CommandError" in unreachable.stderr, unreachable.stderr
    assert "Traceback" not in unreachable.stderr


def test_after_a_key_rotation_the_directory_knows_the_new_key(network):
    directory, tilleuls = network["directory"], network["tilleuls"]
    tilleuls.manage("federation_register", directory.url)
    rotated = tilleuls.manage("federation_keys", "--rotate")
    assert f"{directory.url} knows the new key." in rotated.stdout
    assert instances(directory)[tilleuls.url][2] == 2  # the new key, and the old one in its grace period
    register = f"{directory.url}/federation/v1/instances/"
    assert signed_post(register, {"base_url": tilleuls.url}, tilleuls.key_dir).status_code == 202  # new key
