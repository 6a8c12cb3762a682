"""manage.py import_annuaire_sante PATH: bootstrap the directory from the Annuaire Santé open extract.

PATH is a PS_LibreAcces_Personne_activite_*.txt file or the zip it is published in. The rules are in
directory/open_data.py. Output is counts only: never a name, a phone number or an e-mail address.
"""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from directory.open_data import ExtractFormatError, import_extract, open_extract

BAR_WIDTH = 30


def _plain(text: str) -> str:
    return text  # not the red of error messages


class ProgressBar:
    """One line on a terminal, redrawn in place: bytes read out of the file's size, and rows done."""

    def __init__(self, out, total_bytes: int) -> None:
        self.out = out
        self.total = max(total_bytes, 1)
        self.drawn = False

    def show(self, rows: int, bytes_read: int) -> None:
        share = min(bytes_read / self.total, 1.0)
        filled = round(share * BAR_WIDTH)
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        self.out.write(f"\r[{bar}] {share:6.1%}  {rows:,} rows", style_func=_plain, ending="")
        self.out.flush()
        self.drawn = True

    def finish(self) -> None:
        if self.drawn:
            self.out.write("", style_func=_plain)  # end the line


class Command(BaseCommand):
    help = (
        "Import practitioners from the Annuaire Santé open extract (PS_LibreAcces_Personne_activite_*.txt, "
        "or its zip). Idempotent: re-running updates imported profiles and never duplicates them."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the extract (.txt, UTF-8, '|'-separated) or the zip holding it")
        parser.add_argument("--batch-size", type=int, default=5000, help="profiles written per transaction")
        parser.add_argument("--dry-run", action="store_true", help="read and count, write nothing")

    def handle(self, *args, path: str, batch_size: int, dry_run: bool, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        if not Path(path).is_file():
            raise CommandError(f"No such file: {path}")
        started = time.monotonic()
        bar = None
        try:
            with open_extract(path) as (stream, total_bytes):
                if self.stderr.isatty():
                    bar = ProgressBar(self.stderr, total_bytes)
                report = import_extract(
                    stream, batch_size=batch_size, dry_run=dry_run, on_progress=bar.show if bar else None
                )
        except ExtractFormatError as error:
            raise CommandError(f"{path}: {error}") from None
        finally:
            if bar:
                bar.finish()
        elapsed = time.monotonic() - started
        verb = "Would import" if dry_run else "Imported"
        self.stdout.write(
            f"{verb} {report.rows:,} rows in {elapsed:.1f} s: {report.created:,} created, {report.updated:,} updated, "
            f"{report.unchanged:,} unchanged, {report.skipped_total:,} rows skipped."
        )
        for reason, count in sorted(report.skipped.items()):
            self.stdout.write(f"  skipped, {reason.replace('_', ' ')}: {count:,}")
        if dry_run:
            self.stdout.write("Dry run: nothing was written.")
