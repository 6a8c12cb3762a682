"""`manage.py backup [--to DIR]`: one encrypted archive, then rotation, then the optional remote copy."""

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from config.operations.backup import copy_to_remote, make_backup, prune


class Command(BaseCommand):
    help = "Back up the database, the federation keys and the environment file, encrypted; keep 7 daily, 4 weekly."

    def add_arguments(self, parser):
        parser.add_argument("--to", type=Path, help="folder for the archive (default: BACKUP_DIR)")

    def handle(self, *args, to: Path | None, **options):
        folder = to or Path(settings.BACKUP_DIR)
        try:
            archive = make_backup(to=folder, now=timezone.now())
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Backup written: {archive}")
        for removed in prune(directory=folder):
            self.stdout.write(f"Rotated out: {removed.name}")
        if settings.BACKUP_REMOTE:
            try:
                copy_to_remote(archive=archive, remote=settings.BACKUP_REMOTE)
            except Exception as error:
                detail = getattr(error, "stderr", "") or error
                raise CommandError(
                    f"The local backup is kept, but the copy to BACKUP_REMOTE failed: {detail}"
                ) from None
            self.stdout.write(f"Copied to {settings.BACKUP_REMOTE}")
