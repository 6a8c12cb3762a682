"""The README's demo command on the embedded default (SQLite), served by gunicorn.

Also proves the SQLite guard: simultaneous bookings of one slot make one appointment.
"""

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests

from clinic_instance.demo_network import GUNICORN, OPEN_DATA_SAMPLE, demo_practitioners

ROOT = Path(__file__).resolve().parent.parent
TODAY = datetime.now(ZoneInfo("Europe/Paris")).date()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def demo_environment() -> dict[str, str]:
    environment = {**os.environ, "DEBUG": "true", "OPENRDV_ROLE": "clinic", "STAFF_TWO_FACTOR_REQUIRED": "false"}
    for name in ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL"):
        environment.pop(name, None)
    return environment


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    """The demo's first clinic instance, prepared by `manage.py demo --no-serve`, under gunicorn as the demo runs it."""
    data_dir = tmp_path_factory.mktemp("demo")
    base_port = free_port()
    prepared = subprocess.run(
        [sys.executable, "manage.py", "demo", "--no-serve", "--data-dir", str(data_dir), "--port", str(base_port)],
        cwd=ROOT, env=demo_environment(), capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    database = data_dir / "tilleuls.sqlite3"
    environment = {**demo_environment(), "DATABASE_URL": f"sqlite:///{database}"}
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}", *GUNICORN],
        cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                requests.get(f"{url}/api/v1/practitioners/", timeout=10)
                break
            except requests.RequestException:
                time.sleep(0.2)
        yield {"url": url, "database": database, "output": prepared.stdout, "base_port": base_port}
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_demo_prints_where_to_go(demo_server):
    port = demo_server["base_port"]
    for url in (f"http://127.0.0.1:{port}/", f"http://127.0.0.1:{port + 1}/", f"http://127.0.0.1:{port + 2}/"):
        assert url in demo_server["output"]


def test_the_demo_has_several_specialties_with_visit_reasons(demo_server):
    practitioners = requests.get(f"{demo_server['url']}/api/v1/practitioners/", timeout=10).json()
    assert len(practitioners) >= 3
    assert len({p["specialty"] for p in practitioners}) >= 3
    assert all(p["visit_reasons"] for p in practitioners)


def test_the_demo_has_an_absence_some_bookings_and_free_slots_in_the_coming_weeks(demo_server):
    database = sqlite3.connect(demo_server["database"])
    assert database.execute("SELECT count(*) FROM clinic_instance_scheduleexception WHERE kind='absence'").fetchone()[0]
    assert database.execute("SELECT count(*) FROM clinic_instance_appointment WHERE status='booked'").fetchone()[0] > 20
    # One record per demo patient, and one look-alike for the workspace to flag and merge.
    assert database.execute("SELECT count(*) FROM clinic_instance_patient").fetchone()[0] <= 21
    assert database.execute("SELECT count(*) FROM clinic_instance_patient WHERE first_name='Jeane'").fetchone()[0] == 1
    for practitioner in requests.get(f"{demo_server['url']}/api/v1/practitioners/", timeout=10).json():
        reason = practitioner["visit_reasons"][0]
        slots = requests.get(
            f"{demo_server['url']}/api/v1/slots/",
            params={"practitioner": practitioner["id"], "visit_reason": reason["id"],
                    "from": TODAY, "to": TODAY + timedelta(days=20)},
            timeout=10,
        ).json()["slots"]  # fmt: skip
        assert slots, practitioner["name"]


def test_the_demo_secretary_signs_in_to_the_workspace(demo_server):
    session = requests.Session()
    url = demo_server["url"]
    session.get(f"{url}/workspace/login/", timeout=10)
    response = session.post(
        f"{url}/workspace/login/",
        data={
            "username": "secretariat",
            "password": "openrdv-demo-admin",
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
        headers={"Referer": f"{url}/workspace/login/"},
        timeout=10,
    )
    assert response.url == f"{url}/workspace/agenda/"
    assert response.status_code == 200


def test_the_demo_booking_page_answers(demo_server):
    home = requests.get(demo_server["url"] + "/", timeout=10)
    assert home.status_code == 200
    assert "Prendre rendez-vous" in home.text


def test_simultaneous_bookings_of_one_slot_on_sqlite_make_one_appointment(demo_server):
    url = demo_server["url"]
    practitioner = next(p for p in requests.get(f"{url}/api/v1/practitioners/", timeout=10).json())
    reason = next(r for r in practitioner["visit_reasons"] if r["patients"] == "all")
    slots = requests.get(
        f"{url}/api/v1/slots/",
        params={"practitioner": practitioner["id"], "visit_reason": reason["id"],
                "from": TODAY + timedelta(days=7), "to": TODAY + timedelta(days=21)},
        timeout=10,
    ).json()["slots"]  # fmt: skip
    start = slots[0]["start"]
    clients = 12
    barrier = threading.Barrier(clients)
    codes: list[int] = []

    def book(index: int) -> None:
        body = {
            "practitioner": practitioner["id"],
            "visit_reason": reason["id"],
            "start": start,
            "patient": {"first_name": f"P{index}", "last_name": "Test", "birth_date": "1990-01-01",
                        "phone": f"+3361234{index:04d}"},
        }  # fmt: skip
        barrier.wait()
        codes.append(requests.post(f"{url}/api/v1/appointments/", json=body, timeout=30).status_code)

    threads = [threading.Thread(target=book, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(codes) == [201] + [409] * (clients - 1)


def test_a_sqlite_write_lock_held_too_long_answers_busy(demo_server):
    url = demo_server["url"]
    practitioner = requests.get(f"{url}/api/v1/practitioners/", timeout=10).json()[-1]
    reason = next(r for r in practitioner["visit_reasons"] if r["patients"] == "all")
    start = requests.get(
        f"{url}/api/v1/slots/",
        params={"practitioner": practitioner["id"], "visit_reason": reason["id"],
                "from": TODAY + timedelta(days=7), "to": TODAY + timedelta(days=21)},
        timeout=10,
    ).json()["slots"][0]["start"]  # fmt: skip
    body = {
        "practitioner": practitioner["id"],
        "visit_reason": reason["id"],
        "start": start,
        "patient": {"first_name": "Lou", "last_name": "Test", "birth_date": "1990-01-01", "phone": "+33612349999"},
    }
    holder = sqlite3.connect(demo_server["database"], isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        response = requests.post(f"{url}/api/v1/appointments/", json=body, timeout=30)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert requests.post(f"{url}/api/v1/appointments/", json=body, timeout=30).status_code == 201


@pytest.fixture(scope="module")
def demo_network(tmp_path_factory):
    """`manage.py demo` as a patient's machine runs it: the whole network, until stopped."""
    base_port = free_port()
    data_dir = tmp_path_factory.mktemp("network")
    command = [sys.executable, "manage.py", "demo", "--data-dir", str(data_dir), "--port", str(base_port)]
    # Into a file, not a pipe nobody reads: the servers' access logs would fill it and block them.
    output = (data_dir / "demo.log").open("wb")
    demo = subprocess.Popen(command, cwd=ROOT, env=demo_environment(), stdout=output, stderr=subprocess.STDOUT)
    directory = f"http://127.0.0.1:{base_port}"
    started = time.monotonic()
    try:
        # Only "Ready": the tests below search right after it, as a visitor who read the addresses would.
        deadline = started + 240
        while time.monotonic() < deadline and "Ready:" not in (data_dir / "demo.log").read_text():
            assert demo.poll() is None, (data_dir / "demo.log").read_text()[-3000:]
            time.sleep(0.2)
        ready_after_s = time.monotonic() - started
        yield {
            "demo": demo,
            "directory": directory,
            "clinics": [f"http://127.0.0.1:{base_port + i}" for i in (1, 2)],
            "data_dir": data_dir,
            "ready_after_s": ready_after_s,
        }
    finally:
        if demo.poll() is None:
            demo.terminate()
            demo.wait(timeout=60)
        output.close()


def search_all(directory: str, **params) -> list[dict]:
    """Every result of a directory search, page after page."""
    results, page = [], 1
    while True:
        found = requests.get(f"{directory}/api/v1/search/", params={**params, "page": page}, timeout=10).json()
        results += found["results"]
        if not found["results"] or len(results) >= found["count"]:
            return results
        page += 1


def online(results: list[dict]) -> set[str]:
    return {result["name"] for result in results if result["booking"]["kind"] == "online"}


def test_right_after_ready_each_demo_town_finds_its_practitioners(demo_network):
    """The addresses and "Ready" come only once a search answers (they used to come ~20 s before any profile)."""
    directory = demo_network["directory"]
    output = (demo_network["data_dir"] / "demo.log").read_text()
    assert output.index(f"Directory (search, profiles): {directory}/") < output.index("Ready:")
    print(f"demo ready after {demo_network['ready_after_s']:.1f} s")  # the measure, shown with -s
    for town, practice in (("Nantes", "chenes"), ("Rennes", "tilleuls")):
        found = requests.get(f"{directory}/api/v1/search/", params={"place": town, "radius_km": 10}, timeout=10)
        assert online(found.json()["results"]) == demo_practitioners(practice), town


def test_the_readmes_example_search_finds_the_demo_cardiologist(demo_network):
    found = requests.get(f"{demo_network['directory']}/api/v1/search/", params={"q": "cardiologe"}, timeout=10)
    assert [result["name"] for result in found.json()["results"]] == ["Dr Élise Roussel"]


def test_the_demo_network_federates_two_instances_into_the_directory(demo_network):
    directory, (tilleuls, chenes) = demo_network["directory"], demo_network["clinics"]
    # Both clinics' 9 practitioners book online; the 24 profiles of the synthetic open-data sample are call-to-book.
    results = search_all(directory, place="Nantes", radius_km=200)
    assert len(online(results)) == 9 and len(results) == 9 + 24
    nantes = requests.get(f"{directory}/api/v1/search/", params={"place": "Nantes", "radius_km": 10}, timeout=10)
    claire = requests.get(f"{directory}/api/v1/search/", params={"q": "Claire Martin"}, timeout=10).json()["results"]
    assert online(nantes.json()["results"]) >= {"Dr Antoine Garnier", "Dr Camille Faure"}
    hand_off = requests.get(claire[0]["booking"]["url"], allow_redirects=False, timeout=10)
    assert hand_off.headers["Location"].startswith(f"{tilleuls}/book/")
    next_slot = requests.get(f"{chenes}/api/v1/practitioners/1/next-slot/", headers={"Origin": directory}, timeout=10)
    assert next_slot.json()["start"] and next_slot.headers["Access-Control-Allow-Origin"] == directory


def test_the_demo_directory_shows_call_to_book_profiles_from_the_synthetic_sample(demo_network):
    directory = demo_network["directory"]
    for town in ("Rennes", "Nantes"):
        results = search_all(directory, place=town, radius_km=10)
        call_to_book = [result for result in results if result["booking"]["kind"] == "phone"]
        assert call_to_book and all("Exemple-" in result["name"] for result in call_to_book), town
    page = requests.get(f"{directory}/", params={"place": "Rennes"}, timeout=10)
    assert page.status_code == 200 and "Exemple-Argile" in page.text
    assert "synthetic" in OPEN_DATA_SAMPLE.with_name("README.md").read_text().lower()


def all_at_once(count: int, request) -> list[object]:
    """`request(index)` from `count` threads released together; a status code or the exception's name each."""
    barrier = threading.Barrier(count)
    answers: list[object] = [None] * count

    def run(index: int) -> None:
        barrier.wait()
        try:
            answers[index] = request(index).status_code
        except requests.RequestException as error:
            answers[index] = type(error).__name__

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_a_hundred_simultaneous_visitors_of_the_demo_instance_all_get_answers(demo_network):
    tilleuls = demo_network["clinics"][0]
    practitioner = requests.get(f"{tilleuls}/api/v1/practitioners/", timeout=10).json()[0]
    reason = practitioner["visit_reasons"][0]
    slots = {"practitioner": practitioner["id"], "visit_reason": reason["id"], "from": TODAY,
             "to": TODAY + timedelta(days=14)}  # fmt: skip
    answers = all_at_once(
        100,
        lambda i: (
            requests.get(f"{tilleuls}/api/v1/slots/", params=slots, timeout=60)
            if i % 2
            else requests.get(f"{tilleuls}/book/{practitioner['id']}/", timeout=60)
        ),
    )
    assert answers == [200] * 100


def test_thirty_simultaneous_bookings_of_one_demo_slot_give_one_201_and_29_conflicts(demo_network):
    tilleuls = demo_network["clinics"][0]
    practitioner = requests.get(f"{tilleuls}/api/v1/practitioners/", timeout=10).json()[1]
    reason = next(r for r in practitioner["visit_reasons"] if r["patients"] == "all")
    start = requests.get(
        f"{tilleuls}/api/v1/slots/",
        params={"practitioner": practitioner["id"], "visit_reason": reason["id"],
                "from": TODAY + timedelta(days=7), "to": TODAY + timedelta(days=21)},
        timeout=10,
    ).json()["slots"][0]["start"]  # fmt: skip

    def book(index: int) -> requests.Response:
        patient = {"first_name": f"P{index}", "last_name": "Rush", "birth_date": "1990-01-01",
                   "phone": f"+3361235{index:04d}"}  # fmt: skip
        body = {"practitioner": practitioner["id"], "visit_reason": reason["id"], "start": start, "patient": patient}
        return requests.post(f"{tilleuls}/api/v1/appointments/", json=body, timeout=60)

    assert sorted(all_at_once(30, book), key=str) == [201] + [409] * 29


def test_the_demo_writes_its_messages_to_patients_into_files(demo_network):
    tilleuls = demo_network["clinics"][0]
    practitioner = requests.get(f"{tilleuls}/api/v1/practitioners/", timeout=10).json()[0]
    reason = next(r for r in practitioner["visit_reasons"] if r["patients"] == "all")
    start = requests.get(
        f"{tilleuls}/api/v1/slots/",
        params={"practitioner": practitioner["id"], "visit_reason": reason["id"],
                "from": TODAY + timedelta(days=3), "to": TODAY + timedelta(days=20)},
        timeout=10,
    ).json()["slots"][0]["start"]  # fmt: skip
    patient = {"first_name": "Lou", "last_name": "Demo", "birth_date": "1990-01-01", "phone": "+33687654321",
               "email": "lou@example.org"}  # fmt: skip
    booked = requests.post(
        f"{tilleuls}/api/v1/appointments/",
        json={"practitioner": practitioner["id"], "visit_reason": reason["id"], "start": start, "patient": patient},
        timeout=30,
    )
    assert booked.status_code == 201
    # The e-mail, and the SMS whatever the hour: the demo clinics have no quiet hours.
    mail_dir = demo_network["data_dir"] / "mail" / "tilleuls"
    sms_dir = demo_network["data_dir"] / "sms" / "tilleuls"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        written = [path.read_text() for path in mail_dir.glob("*.log")] if mail_dir.exists() else []
        texted = [path.read_text() for path in sms_dir.rglob("*") if path.is_file()] if sms_dir.exists() else []
        if any("To: lou@example.org" in text and "text/calendar" in text for text in written) and any(
            "+33687654321" in text for text in texted
        ):
            break
        time.sleep(0.5)
    else:
        pytest.fail("no confirmation e-mail and SMS were written by the demo's send_messages loop")


def test_stopping_the_demo_stops_every_server(demo_network):
    demo = demo_network["demo"]
    demo.send_signal(signal.SIGTERM)
    demo.wait(timeout=60)
    time.sleep(1)
    for url in (demo_network["directory"], *demo_network["clinics"]):
        with pytest.raises(requests.ConnectionError):
            requests.get(url, timeout=5)
