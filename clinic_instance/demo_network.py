"""The demo network: a directory and two clinic instances on this machine, federated for real.

Each node is its own process with its own SQLite database, keys and address
(under var/demo/ by default); the instances register with the directory and
publish their practitioners through the protocol, over HTTP. Beside each
instance, `federation_deliver --loop`, `send_messages --loop` and
`offer_waitlist_slots --loop` stand in for its Celery worker; messages to
patients are written to files under the data folder (mail/, sms/).
"""

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

from django.conf import settings

ADMIN = ("admin", "openrdv-demo-admin")


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
            "DJANGO_RUNSERVER_HIDE_WARNING": "true",
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
    """Databases, keys, demo practices and admin accounts; what exists is kept."""
    for node in network:
        node.data_dir.mkdir(parents=True, exist_ok=True)
        node.manage("migrate", "--noinput", "-v", "0")
        node.manage("federation_keys")
        node.manage("createsuperuser", "--noinput", "--username", ADMIN[0], "--email", "", check=False)
        if node.role == "clinic":
            seeded = node.manage("seed_demo", "--practice", node.name, "--staff-password", ADMIN[1])
            write(f"{node.title}: {seeded.stdout.strip()}")


def serve(network: list[DemoNode], write) -> None:
    """Start every node, federate them, and run until interrupted; then stop everything."""
    processes = []
    signal.signal(signal.SIGTERM, _interrupt)  # stopped by a service manager: stop the nodes too
    try:
        for node in network:
            processes.append(node.spawn("runserver", f"127.0.0.1:{node.port}", "--noreload"))
        for node in network:
            _wait_for(node)
        directory, *clinics = network
        for clinic in clinics:
            done = clinic.manage("federation_register", directory.url, check=False)
            write((done.stdout or done.stderr).strip().splitlines()[0])
            processes.append(clinic.spawn("federation_deliver", "--loop", "1"))
            processes.append(clinic.spawn("send_messages", "--loop", "5"))
            processes.append(clinic.spawn("offer_waitlist_slots", "--loop", "15"))
        write("The network is up; Ctrl-C stops it.")
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
                process.wait(timeout=10)
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
    raise RuntimeError(f"{node.title} did not start on {node.url}")
