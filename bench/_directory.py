"""Shared by the directory benchmarks: the bench database, the directory role's environment, gunicorn.

Nothing here touches a database other than `openrdv_directory_bench`, or listens anywhere but 127.0.0.1.
"""

import json
import os
import subprocess

import _common
from _common import Gunicorn

DB_NAME = "openrdv_directory_bench"
DATABASE_URL = f"postgres://openrdv@127.0.0.1:5432/{DB_NAME}"
CONNINFO = f"host=127.0.0.1 port=5432 user=openrdv dbname={DB_NAME}"
READY_PATH = "/api/v1/specialties/?q=car"  # cheap, and 200 only once Django answers


def directory_env() -> dict[str, str]:
    env = dict(os.environ)
    for name in ("DJANGO_SETTINGS_MODULE", "OPENRDV_ROLE", "REDIS_URL", "SECRET_KEY_FILE", "DATABASE_URL_FILE"):
        env.pop(name, None)
    env.update(
        {
            # As in production (DEBUG off), but for TLS, which a benchmark on loopback does without.
            "DEBUG": "false",
            "SECRET_KEY": "openrdv-directory-benchmark-only-" + "x" * 32,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "false",
            "DATABASE_URL": DATABASE_URL,
            "OPENRDV_ROLE": "directory",
            "DJANGO_SETTINGS_MODULE": "config.settings.directory",
            "DIRECTORY_SEARCH_BACKEND": "postgres",
            # The shared cache production requires (deploy check openrdv.E002), in a database no test uses.
            "REDIS_URL": _common.BENCH_REDIS_URL,
            "TIME_ZONE": "Europe/Paris",
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def psql(sql: str, database: str = "postgres", timeout: float = 120, user: str = "openrdv") -> str:
    """Run SQL (as openrdv unless told); returns psql's unaligned, tuples-only output."""
    done = subprocess.run(
        ["psql", "-X", "-v", "ON_ERROR_STOP=1", "-qAt", "-h", "127.0.0.1", "-U", user, "-d", database, "-c", sql],
        check=True,
        timeout=timeout,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip()


def database_exists() -> bool:
    return psql(f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}'") == "1"


def read_marker() -> dict:
    """What the generator wrote on the database when it finished ({} if nothing usable)."""
    if not database_exists():
        return {}
    text = psql(f"SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '{DB_NAME}'")
    try:
        marker = json.loads(text) if text else {}
    except ValueError:
        return {}
    return marker if isinstance(marker, dict) else {}


def write_marker(marker: dict) -> None:
    text = json.dumps(marker, sort_keys=True).replace("'", "''")
    psql(f"COMMENT ON DATABASE {DB_NAME} IS '{text}'")


def migrate() -> None:
    _common.migrate(directory_env(), timeout=1800)


def setup_django() -> None:
    _common.setup_django(directory_env())


def directory_gunicorn(workers: int, threads: int) -> Gunicorn:
    return Gunicorn(workers=workers, threads=threads, env=directory_env(), probe_path=READY_PATH)
