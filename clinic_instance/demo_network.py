"""The demo network: a directory and two clinic instances on this machine, federated for real.

Each node is served by gunicorn (gthread workers, as in production) with its own
SQLite database, keys and address (under var/demo/ by default); the instances
register with the directory and publish their practitioners through the
protocol, over HTTP. Beside each instance, `federation_deliver --loop`,
`send_messages --loop` and `offer_waitlist_slots --loop` stand in for its
Celery worker, so the demo needs no Redis; messages to patients are written to
files under the data folder (mail/, sms/). The directory also holds "call to
book" profiles imported from a synthetic Annuaire Santé sample (OPEN_DATA_SAMPLE).
"""

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.error import URLError
from urllib.parse import urlencode
from urllib.request import urlopen

from django.conf import settings

from .demo_data import PRACTICES

ADMIN = ("admin", "openrdv-demo-admin")
READY_TIMEOUT_S = 120
OPEN_DATA_SAMPLE = Path(__file__).with_name("demo_open_data") / "PS_LibreAcces_Personne_activite_synthetic.txt"
# 2 workers x 8 threads answer 16 requests at once; the others wait in the worker's queue or the listen backlog
# (not refused): a burst of 100 visitors gets 100 answers. SQLite takes one writer at a time anyway.
GUNICORN = (
    "--worker-class", "gthread", "--workers", "2", "--threads", "8", "--backlog", "2048",
    "--timeout", "60", "--graceful-timeout", "5", "--no-control-socket", "--log-level", "warning",
)  # fmt: skip


class NetworkNotReady(RuntimeError):
    """A node did not start, or the directory never listed a demo practitioner."""


@dataclass(frozen=True)
class DemoNode:
    name: str
    role: str
    title: str
    port: int
    data_dir: Path
    allowlist: str = ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        environment = {
            **os.environ,
            "OPENRDV_ROLE": self.role,
            "DEBUG": "true",
            "DATABASE_URL": f"sqlite:///{self.data_dir / f'{self.name}.sqlite3'}",
            "OPENRDV_BASE_URL": self.url,
            "OPENRDV_SERVER_NAME": self.title,
            "FEDERATION_KEY_DIR": str(self.data_dir / "keys" / self.name),
            "FEDERATION_ALLOW_PRIVATE_ADDRESSES": "true",
            "DIRECTORY_INSTANCE_ALLOWLIST": self.allowlist,
            "DJANGO_SUPERUSER_PASSWORD": ADMIN[1],
            # Demo accounts sign in with a password alone; production asks for an authenticator's code.
            "STAFF_TWO_FACTOR_REQUIRED": "false",
            # Messages to patients land in files under the data folder (no SMTP server, no Twilio).
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(self.data_dir / "mail" / self.name),
            "SMS_BACKEND": "clinic_instance.sms.file.SmsBackend",
            "SMS_FILE_PATH": str(self.data_dir / "sms" / self.name),
        }
        # The role picks the settings; no broker in the demo (delivery loops instead).
        for name in ("DJANGO_SETTINGS_MODULE", "REDIS_URL", "DATABASE_URL_FILE", "DJANGO_ALLOW_ASYNC_UNSAFE"):
            environment.pop(name, None)
        return environment

    def manage(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(  # noqa: S603 - our own manage.py, arguments from this module
            [sys.executable, "manage.py", *args],
            cwd=settings.BASE_DIR, env=self.env(), capture_output=True, text=True, check=check,
        )  # fmt: skip

    def spawn(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen(  # noqa: S603 - as above
            [sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env=self.env(), stdout=subprocess.DEVNULL
        )

    def serve(self) -> subprocess.Popen:
        """The node under gunicorn, as production serves it; errors go to the demo's output, access logs nowhere."""
        return subprocess.Popen(  # noqa: S603 - gunicorn from this virtualenv, arguments from this module
            [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{self.port}", *GUNICORN],
            cwd=settings.BASE_DIR, env=self.env(), stdout=subprocess.DEVNULL,
        )  # fmt: skip


def nodes(data_dir: Path, base_port: int) -> list[DemoNode]:
    clinics = [
        DemoNode("tilleuls", "clinic", "Maison de santé des Tilleuls", base_port + 1, data_dir),
        DemoNode("chenes", "clinic", "Cabinet des Chênes", base_port + 2, data_dir),
    ]
    directory = DemoNode(
        "directory", "directory", "Annuaire OpenRDV (démo)", base_port, data_dir,
        allowlist=",".join(clinic.url for clinic in clinics),
    )  # fmt: skip
    return [directory, *clinics]


def prepare(network: list[DemoNode], write) -> None:
    """Databases, keys, demo practices and admin accounts; what exists is kept.

    The nodes share nothing (each its own SQLite file and keys), so they are prepared side by side.
    """
    with ThreadPoolExecutor(max_workers=len(network)) as pool:
        for said in pool.map(_prepare_node, network):
            if said:
                write(said)


def _prepare_node(node: DemoNode) -> str:
    node.data_dir.mkdir(parents=True, exist_ok=True)
    node.manage("migrate", "--noinput", "-v", "0")
    node.manage("federation_keys")
    node.manage("createsuperuser", "--noinput", "--username", ADMIN[0], "--email", "", check=False)
    if node.role != "clinic":
        imported = node.manage("import_annuaire_sante", str(OPEN_DATA_SAMPLE))
        return f"{node.title}: {imported.stdout.strip().splitlines()[0]} (synthetic open-data sample, call to book)"
    seeded = node.manage("seed_demo", "--practice", node.name, "--staff-password", ADMIN[1])
    return f"{node.title}: {seeded.stdout.strip()}"


def demo_practitioners(practice: str) -> set[str]:
    """The names the directory shows for a demo practice's practitioners ('Dr Claire Martin')."""
    return {
        " ".join(part for part in (title, first, last) if part)
        for title, first, last, *_ in PRACTICES[practice]["practitioners"]
    }


def serve(network: list[DemoNode], write, on_ready: Callable[[], None]) -> None:
    """Start every node, federate them, call `on_ready` once the directory finds every demo practitioner
    in its town, and run until interrupted; then stop everything.

    Raises NetworkNotReady (after stopping the nodes) if that does not happen within READY_TIMEOUT_S.
    """
    processes = []
    signal.signal(signal.SIGTERM, _interrupt)  # stopped by a service manager: stop the nodes too
    try:
        for node in network:
            processes.append(node.serve())
        for node in network:
            _wait_for(node)
        directory, *clinics = network
        for clinic in clinics:
            done = clinic.manage("federation_register", directory.url, check=False)
            write((done.stdout or done.stderr).strip().splitlines()[0])
            processes.append(clinic.spawn("federation_deliver", "--loop", "1"))
            processes.append(clinic.spawn("send_messages", "--loop", "5"))
            processes.append(clinic.spawn("offer_waitlist_slots", "--loop", "15"))
        for clinic in clinics:
            _wait_until_listed(directory, clinic, processes)
        on_ready()
        while all(process.poll() is None for process in processes):
            time.sleep(0.5)
        write("A process of the network stopped; stopping the others.")
    except KeyboardInterrupt:
        write("\nStopping the network.")
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def _wait_for(node: DemoNode, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with urlopen(f"{node.url}/.well-known/openrdv", timeout=5):  # noqa: S310 - our own loopback node
                return
        except (URLError, OSError):
            time.sleep(0.2)
    raise NetworkNotReady(f"{node.title} did not start on {node.url}")


def _wait_until_listed(directory: DemoNode, clinic: DemoNode, processes: list[subprocess.Popen]) -> None:
    """Poll the directory's public search, as a patient would, for the clinic's town until it lists them all."""
    expected = demo_practitioners(clinic.name)
    city = PRACTICES[clinic.name]["clinic"]["city"]
    query = urlencode({"place": city, "radius_km": 10})
    deadline = time.monotonic() + READY_TIMEOUT_S
    found: set[str] = set()
    while time.monotonic() < deadline:
        if any(process.poll() is not None for process in processes):
            raise NetworkNotReady("A process of the demo network stopped before the network was ready.")
        try:
            with urlopen(f"{directory.url}/api/v1/search/?{query}", timeout=10) as answer:  # noqa: S310 - loopback
                found = {result["name"] for result in json.load(answer)["results"]}
        except (URLError, OSError, ValueError, KeyError):
            found = set()
        if expected <= found:
            return
        time.sleep(0.5)
    missing = ", ".join(sorted(expected - found))
    raise NetworkNotReady(
        f"The directory ({directory.url}) does not list {clinic.title}'s practitioners in {city} ({missing});"
        f" is {clinic.url} registered and approved? See the output above."
    )
