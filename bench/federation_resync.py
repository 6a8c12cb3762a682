"""A directory reads the feeds of 1,000 clinic instances (10 profiles each) from scratch: how long.

    .venv/bin/python bench/federation_resync.py [--instances 1000] [--profiles 10]

A simulator process serves `--instances` clinic instances on one loopback port, each under its
own base URL (`http://127.0.0.1:PORT/i/0001`...) with its own Ed25519 key, discovery document and
signed-read feed of `--profiles` profile documents (the feed checks the directory's signature).
The directory is the real one, on PostgreSQL (`openrdv_bench_fed_resync`, dropped and
recreated, migrated with the directory role), its instances approved and known by their keys.
Timed: `directory.instance_feeds.pull_all()` in this process, i.e. every signed request, every
document validated and applied (profiles created, words learnt, positions from the gazetteer).
Target: <= 2 minutes for 1,000 x 10. Exits 1 if it is missed or a profile is missing.
"""

import argparse
import json
import os
import subprocess
import sys
import time as clock
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from tempfile import TemporaryDirectory

from _common import ROOT, VENV_BIN, free_port, interrupt_on_signals

TARGET_S = 120.0
DB_NAME = "openrdv_bench_fed_resync"
SPECIALTIES = ["medecine-generale", "dermatologie", "pediatrie", "cardiologie", "ophtalmologie", "psychologie"]
TOWNS = [("35000", "Rennes"), ("44000", "Nantes"), ("69001", "Lyon"), ("13001", "Marseille"), ("59000", "Lille")]


def simulator(port: int, instances: int, profiles: int, key_dir: Path, directory_keys: Path) -> None:
    """The simulated instances (run as a child process: `--simulate`)."""
    from federation.documents import discovery_document
    from federation.keys import KeyStore, PublicKey
    from federation.replay import MemoryReplayStore
    from federation.signing import SignatureRejected, verify_request

    base = f"http://127.0.0.1:{port}"
    now = datetime.now(UTC)
    stores = {}
    for number in range(1, instances + 1):
        store = KeyStore(key_dir / f"{number:04d}")
        if not store.public_keys():
            store.create(now)
        stores[f"{number:04d}"] = store
    reader = {key.key_id: key for key in (PublicKey.from_document(d) for d in json.loads(directory_keys.read_text()))}
    replay = MemoryReplayStore()

    def feed(name: str) -> dict:
        town = TOWNS[int(name) % len(TOWNS)]
        items = [
            {"type": "profile", "ref": f"p-{n}", "version": 1, "updated_at": now.isoformat(),
             "title": "Dr", "first_name": "Claire", "last_name": f"Martin{name}x{n}",
             "specialty": SPECIALTIES[(int(name) + n) % len(SPECIALTIES)], "languages": ["fr"], "sector": "1",
             "practice": {"name": f"Cabinet {name}", "address": f"{n} rue de la Paix", "postcode": town[0],
                          "city": town[1], "phone": "+33299000000"},
             "booking_url": f"{base}/i/{name}/book/{n}/",
             "availability_url": f"{base}/i/{name}/api/v1/practitioners/{n}/next-slot/"}
            for n in range(1, profiles + 1)
        ]  # fmt: skip
        return {"items": items, "next": None, "cursor": profiles}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = self.path.split("/")
            name = parts[2] if len(parts) > 2 and parts[1] == "i" else ""
            if name not in stores:
                return self.answer(404, {"error": "no such instance"})
            if parts[3:5] == [".well-known", "openrdv"]:
                document = discovery_document(
                    role="clinic", name=f"Cabinet {name}", base_url=f"{base}/i/{name}",
                    keys=stores[name].public_keys(), endpoints={"feed": f"{base}/i/{name}/federation/v1/feed/"},
                )  # fmt: skip
                return self.answer(200, document)
            try:
                verify_request(
                    "GET", base + self.path, list(self.headers.items()), b"",
                    find_key=reader.get, replay_store=replay, now=datetime.now(UTC),
                )  # fmt: skip
            except SignatureRejected as error:
                return self.answer(401, {"error": error.reason})
            return self.answer(200, feed(name))

        def answer(self, status: int, document: dict) -> None:
            body = json.dumps(document).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            """Quiet."""

    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--instances", type=int, default=1000)
    parser.add_argument("--profiles", type=int, default=10)
    parser.add_argument(
        "--simulate", nargs=4, metavar=("PORT", "INSTANCES", "KEYS", "DIRECTORY_KEYS"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.simulate:
        port, instances, key_dir, directory_keys = args.simulate
        simulator(int(port), int(instances), args.profiles, Path(key_dir), Path(directory_keys))
        return 0
    instances, profiles = max(1, min(args.instances, 5000)), max(1, min(args.profiles, 100))
    interrupt_on_signals()
    with TemporaryDirectory(prefix="openrdv-resync-") as temporary:
        return run(Path(temporary), instances, profiles)


def run(temporary: Path, instances: int, profiles: int) -> int:
    for sql in (f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)", f"CREATE DATABASE {DB_NAME}"):
        subprocess.run(
            ["psql", "-X", "-q", "-h", "127.0.0.1", "-U", "openrdv", "-d", "postgres", "-c", sql], check=True
        )
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "REDIS_URL")},
        "OPENRDV_ROLE": "directory", "DEBUG": "true", "DIRECTORY_SEARCH_BACKEND": "postgres", "LOG_LEVEL": "ERROR",
        "DATABASE_URL": f"postgres://openrdv@127.0.0.1:5432/{DB_NAME}", "FEDERATION_ALLOW_PRIVATE_ADDRESSES": "true",
        "FEDERATION_KEY_DIR": str(temporary / "directory-keys"), "OPENRDV_BASE_URL": "http://127.0.0.1:1",
    }  # fmt: skip
    subprocess.run([str(VENV_BIN / "python"), "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    subprocess.run([str(VENV_BIN / "python"), "manage.py", "federation_keys"], cwd=ROOT, env=env, check=True)
    os.environ.clear()
    os.environ.update(env)
    from config.role import use_role_settings

    use_role_settings()
    import django

    django.setup()
    from django.utils import timezone

    from config.federation_node import key_store
    from directory.instance_feeds import pull_all
    from directory.models import Instance, InstanceKey, Profile

    directory_keys = temporary / "directory-keys.json"
    directory_keys.write_text(json.dumps([key.to_document() for key in key_store().public_keys()]))
    port = free_port()
    started = clock.perf_counter()
    sim = subprocess.Popen(
        [str(VENV_BIN / "python"), __file__, "--profiles", str(profiles), "--simulate", str(port), str(instances),
         str(temporary / "instance-keys"), str(directory_keys)],
        cwd=ROOT, env=env,
    )  # fmt: skip
    try:
        from config.federation_node import fetch_discovery

        deadline = clock.monotonic() + 300
        base = f"http://127.0.0.1:{port}/i"
        while True:
            try:
                fetch_discovery(f"{base}/{instances:04d}")
                break
            except Exception:
                if clock.monotonic() > deadline:
                    raise
                clock.sleep(0.5)
        rows = []
        for number in range(1, instances + 1):
            discovery = fetch_discovery(f"{base}/{number:04d}")
            rows.append((Instance(base_url=discovery.base_url, name=discovery.name, status=Instance.Status.APPROVED),
                         discovery.keys))  # fmt: skip
        Instance.objects.bulk_create([instance for instance, _keys in rows])
        InstanceKey.objects.bulk_create(
            InstanceKey(instance=instance, key_id=key.key_id, document=key.to_document())
            for instance, keys in rows for key in keys
        )  # fmt: skip
        print(f"{instances:,} simulated instances ready and approved in {clock.perf_counter() - started:.1f} s")
        began = clock.perf_counter()
        reports = pull_all(now=timezone.now())
        elapsed = clock.perf_counter() - began
    finally:
        sim.terminate()
        sim.wait(timeout=30)
    errors = [f"{url}: {report.error}" for url, report in reports.items() if report.error]
    applied = sum(report.applied for report in reports.values())
    stored = Profile.objects.filter(status=Profile.Status.PUBLISHED).exclude(instance_ref="").count()
    print(
        f"Full resync of {instances:,} instances x {profiles} profiles: {elapsed:.1f} s "
        f"({applied:,} documents applied, {applied / elapsed:,.0f}/s); profiles listed: {stored:,}; errors: {len(errors)}"
    )
    for line in errors[:5]:
        print("  " + line)
    ok = elapsed <= TARGET_S and stored == instances * profiles and not errors
    print(f"{'OK' if ok else 'FAIL'}: target <= {TARGET_S:.0f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
