"""`manage.py restore ARCHIVE [--yes] [--env-file PATH]`: verify, restore, migrate."""

import subprocess
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from config.operations.restore import RestoreRefused, restore_backup


class Command(BaseCommand):
    help = "Restore a backup made by `manage.py backup` into the configured database, after checking it."

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)
        parser.add_argument("--yes", "--replace", dest="replace", action="store_true",
                            help="replace a database that already holds data")  # fmt: skip
        parser.add_argument("--env-file", type=Path, help="write the backed-up environment file here (mode 0600)")

    def handle(self, *args, archive: Path, replace: bool, env_file: Path | None, **options):
        try:
            manifest = restore_backup(archive=archive, replace=replace, env_file=env_file)
        except (RestoreRefused, ImproperlyConfigured) as error:
            raise CommandError(f"Restore refused, nothing was changed: {error}") from None
        except subprocess.CalledProcessError as error:
            raise CommandError(f"pg_restore failed: {error.stderr}") from None
        self.stdout.write(f"Restored the backup of {manifest['taken_at']} (code {manifest['code_version']}).")
