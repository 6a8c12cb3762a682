"""A private redis-server for fault tests: killed and restarted at will, never the shared one on 6379.

with RedisServer(tmp_path) as server:   # started on a free port, stopped at the end whatever happens
    server.url                          # redis://127.0.0.1:<port>/0
    server.freeze()                     # SIGSTOP: it accepts connections but never answers
    server.kill()                       # SIGKILL: everything it held is lost (no persistence)
    server.start()                      # again, on the same port, empty
"""

import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import redis

from tests.network import free_port

REDIS_SERVER = "/usr/bin/redis-server"


@dataclass
class RedisServer:
    directory: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        """Start it and wait until it answers PING."""
        assert self.process is None, "already running"
        self.directory.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.directory), "--logfile", str(self.directory / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5, socket_timeout=0.5)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                client.ping()
                return self
            except redis.ConnectionError:
                time.sleep(0.05)
            finally:
                client.close()
        self.kill()
        raise RuntimeError(f"redis-server did not start on port {self.port}; see {self.directory / 'redis.log'}")

    def freeze(self) -> None:
        """Stop it answering (SIGSTOP), as a hung server: the kernel still accepts connections."""
        assert self.process is not None, "not running"
        self.process.send_signal(signal.SIGSTOP)

    def kill(self) -> None:
        """Stop it at once, as a crash would (SIGKILL, frozen or not): what it held is gone."""
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
            self.process = None

    def __enter__(self) -> "RedisServer":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.kill()
