"""Bringing a backup back: check everything first, then the database, the keys, the env file, and migrate.

Nothing is written before the archive has decrypted and every member matched its manifest hash,
so a tampered or truncated archive or a wrong passphrase changes nothing.
"""

import hashlib
import io
import json
import os
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.management import call_command

from . import database_dump, sealing
from .backup import read_passphrase


class RestoreRefused(Exception):
    """The restore would be unsafe; nothing was changed."""


@dataclass(frozen=True)
class OpenedBackup:
    manifest: dict
    members: dict[str, bytes]


def open_backup(*, archive: Path, passphrase: bytes) -> OpenedBackup:
    try:
        sealed = archive.read_bytes()
    except OSError as error:
        raise RestoreRefused(f"cannot read {archive}: {error.strerror}") from None
    try:
        plain = sealing.unseal(sealed=sealed, passphrase=passphrase)
    except sealing.SealError as error:
        raise RestoreRefused(str(error)) from None
    with tarfile.open(fileobj=io.BytesIO(plain), mode="r") as tar:
        members = {info.name: tar.extractfile(info).read() for info in tar.getmembers() if info.isfile()}
    manifest = json.loads(members.pop("manifest.json"))
    if set(manifest["files"]) != set(members):
        raise RestoreRefused("the archive's files do not match its manifest")
    for name, digest in manifest["files"].items():
        if hashlib.sha256(members[name]).hexdigest() != digest:
            raise RestoreRefused(f"{name} does not match its SHA-256 in the manifest")
    if manifest["role"] != settings.OPENRDV_ROLE:
        raise RestoreRefused(f"this is a backup of a {manifest['role']} and this server is a {settings.OPENRDV_ROLE}")
    return OpenedBackup(manifest=manifest, members=members)


def _write_private(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(content)
    os.chmod(path, 0o600)


def restore_backup(*, archive: Path, replace: bool, env_file: Path | None = None) -> dict:
    """Restore `archive` into the configured database and key folder; return its manifest.

    Refuses a database that holds anyone's work unless `replace`. The env file is written only
    where the operator names it: it holds secrets that may not suit this machine as they are.
    """
    opened = open_backup(archive=archive, passphrase=read_passphrase())
    if not replace and database_dump.holds_data():
        raise RestoreRefused("the database is not empty; pass --yes to replace what it holds")
    dump_name = next(name for name in opened.members if name.startswith("database."))
    if (dump_name == "database.sqlite3") != database_dump.is_sqlite():
        raise RestoreRefused("the backup's database engine differs from this server's (PostgreSQL vs SQLite)")
    with tempfile.TemporaryDirectory() as work:
        dump_file = Path(work) / dump_name
        dump_file.write_bytes(opened.members[dump_name])
        database_dump.restore(dump_file=dump_file)
    key_dir = Path(settings.FEDERATION_KEY_DIR)
    for name, content in opened.members.items():
        if name.startswith("federation-keys/"):
            relative = Path(name.removeprefix("federation-keys/"))
            if relative.is_absolute() or ".." in relative.parts:
                continue  # the manifest is authenticated, but a path outside the folder is never written
            _write_private(key_dir / relative, content)
    if env_file is not None and "environment" in opened.members:
        _write_private(env_file, opened.members["environment"])
    call_command("migrate", "--noinput", verbosity=0)
    return opened.manifest
