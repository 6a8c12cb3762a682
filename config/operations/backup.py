"""Taking a backup: the database, the federation keys and the environment file in one encrypted archive.

The archive is a tar inside one AES-GCM message (sealing.py); its manifest lists the SHA-256 of every
member, the code version and each app's latest migration, so restore.py can check it before touching
anything and bring an older backup up to date with `migrate`.
"""

import hashlib
import io
import json
import os
import subprocess
import tarfile
import tempfile
import tomllib
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.migrations.recorder import MigrationRecorder

from . import database_dump, sealing
from .rotation import backups_to_keep

SUFFIX = ".openrdv-backup"
_STAMP = "%Y%m%dT%H%M%SZ"


def read_passphrase() -> bytes:
    """The passphrase from BACKUP_PASSPHRASE_FILE; in DEBUG only, a fixed development one without it."""
    name = settings.BACKUP_PASSPHRASE_FILE
    if not name:
        if settings.DEBUG:
            return b"openrdv-development-backups"
        raise ImproperlyConfigured(
            "BACKUP_PASSPHRASE_FILE is not set: backups are encrypted and need a passphrase file (mode 0600)."
        )
    try:
        passphrase = Path(name).read_bytes().strip()
    except OSError as error:
        raise ImproperlyConfigured(f"BACKUP_PASSPHRASE_FILE: cannot read {name}: {error}") from None
    if not passphrase:
        raise ImproperlyConfigured(f"BACKUP_PASSPHRASE_FILE: {name} is empty.")
    return passphrase


def code_version() -> str:
    try:
        described = subprocess.run(
            ["git", "describe", "--always", "--dirty"],  # noqa: S607
            cwd=settings.BASE_DIR, capture_output=True, text=True, check=True, timeout=10,
        )  # fmt: skip
        return described.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    # An installed server has a copy of the code without .git (deploy/install.sh rsyncs it) and
    # the project is not installed as a package: its pyproject.toml still names the release.
    try:
        return metadata.version("openrdv")
    except metadata.PackageNotFoundError:
        with open(Path(settings.BASE_DIR) / "pyproject.toml", "rb") as project:
            return str(tomllib.load(project)["project"]["version"])


def latest_migrations() -> dict[str, str]:
    latest: dict[str, str] = {}
    for app, name in MigrationRecorder.Migration.objects.order_by("applied", "id").values_list("app", "name"):
        latest[app] = name
    return latest


def _members(work: Path) -> dict[str, bytes]:
    members: dict[str, bytes] = {}
    dump_file = work / "database"
    database_dump.dump(into=dump_file)
    members["database.sqlite3" if database_dump.is_sqlite() else "database.pgdump"] = dump_file.read_bytes()
    key_dir = Path(settings.FEDERATION_KEY_DIR)
    if key_dir.is_dir():
        for path in sorted(key_dir.rglob("*")):
            if path.is_file():
                members[f"federation-keys/{path.relative_to(key_dir)}"] = path.read_bytes()
    if settings.OPENRDV_ENV_FILE and Path(settings.OPENRDV_ENV_FILE).is_file():
        members["environment"] = Path(settings.OPENRDV_ENV_FILE).read_bytes()
    return members


def _tar(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(content), 0o600
            archive.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def make_backup(*, to: Path, now: datetime) -> Path:
    """Write one archive into `to` (mode 0600) and return its path. Writes to a temporary name
    first, so a crash leaves no half archive that rotation would count as a backup."""
    to.mkdir(parents=True, exist_ok=True, mode=0o700)
    passphrase = read_passphrase()
    with tempfile.TemporaryDirectory() as work:
        members = _members(Path(work))
    manifest = {
        "format": 1,
        "role": settings.OPENRDV_ROLE,
        "taken_at": now.astimezone(UTC).isoformat(),
        "code_version": code_version(),
        "migrations": latest_migrations(),
        "files": {name: hashlib.sha256(content).hexdigest() for name, content in members.items()},
    }
    members["manifest.json"] = json.dumps(manifest, indent=2).encode()
    target = to / f"openrdv-{settings.OPENRDV_ROLE}-{now.astimezone(UTC):{_STAMP}}{SUFFIX}"
    partial = target.with_name(target.name + ".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(sealing.seal(plaintext=_tar(members), passphrase=passphrase))
    partial.replace(target)
    return target


def taken_at(path: Path) -> datetime | None:
    try:
        return datetime.strptime(path.name.removesuffix(SUFFIX).rsplit("-", 1)[1], _STAMP).replace(tzinfo=UTC)
    except (IndexError, ValueError):
        return None


def prune(*, directory: Path) -> list[Path]:
    """Delete the archives rotation does not keep; return them. Files of other names are left alone."""
    archives = {path: taken_at(path) for path in directory.glob(f"*{SUFFIX}")}
    dated = {path: moment for path, moment in archives.items() if moment is not None}
    keep = backups_to_keep(taken=dated.values())
    removed = [path for path, moment in sorted(dated.items()) if moment not in keep]
    for path in removed:
        path.unlink()
    return removed


def copy_to_remote(*, archive: Path, remote: str) -> None:
    """rsync the archive to the operator's target (user@host:/path or a local folder); raises on failure."""
    subprocess.run(  # noqa: S603
        ["rsync", "--times", "--chmod=F600", "--", str(archive), remote.rstrip("/") + "/"],  # noqa: S607
        check=True, capture_output=True, text=True, timeout=3600,
    )  # fmt: skip
