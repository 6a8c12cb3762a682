"""Real servers on loopback for federation tests: each node its own process, database, keys and address."""

import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
NODE_REDIS_URL = "redis://127.0.0.1:6379/14"  # the nodes' shared cache (replay store), apart from the tests' db 15


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Node:
    """A directory or a clinic instance: migrated, with keys, served by gunicorn once started."""

    role: str
    directory: Path
    name: str
    extra_env: dict = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def database(self) -> Path:
        return self.directory / f"{self.role}.sqlite3"

    @property
    def key_dir(self) -> Path:
        return self.directory / "keys"

    @property
    def env(self) -> dict[str, str]:
        environment = {
            **os.environ,
            "OPENRDV_ROLE": self.role,
            "DEBUG": "true",
            "DATABASE_URL": f"sqlite:///{self.database}",
            "REDIS_URL": NODE_REDIS_URL,
            "OPENRDV_BASE_URL": self.url,
            "OPENRDV_SERVER_NAME": self.name,
            "FEDERATION_KEY_DIR": str(self.key_dir),
            "FEDERATION_ALLOW_PRIVATE_ADDRESSES": "true",
            "LOG_LEVEL": "WARNING",
            **self.extra_env,
        }
        for name in ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"):
            environment.pop(name, None)
        return environment

    def manage(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=120, check=check,
        )  # fmt: skip

    def shell(self, code: str) -> str:
        """Run Python in the node's Django (`manage.py shell -c`); returns what it printed."""
        done = self.manage("shell", "-c", code, check=False)
        if done.returncode:
            raise AssertionError(f"{self.name}: {code}\n{done.stderr}")
        return done.stdout

    def start(self) -> "Node":
        if not self.database.exists():
            self.directory.mkdir(parents=True, exist_ok=True)
            self.manage("migrate", "--noinput")
            self.manage("federation_keys")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{self.port}",
             "--workers", "1", "--threads", "4", "--worker-class", "gthread"],
            cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.url}/.well-known/openrdv", timeout=5).status_code == 200:
                    return self
            except requests.RequestException:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.role} node did not start on {self.url}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
            self.process = None


def start_all(nodes: list[Node]) -> None:
    """Migrate and start several nodes at once (each is its own process)."""
    with ThreadPoolExecutor(max_workers=len(nodes)) as pool:
        list(pool.map(Node.start, nodes))


def stop_all(nodes: list[Node]) -> None:
    for node in nodes:
        node.stop()
