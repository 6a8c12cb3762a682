"""manage.py prune_search_words: forget search words no published profile bears any more.

For the PostgreSQL search backend, whose dictionary of words only grows as
profiles are saved. Run it daily (cron or a systemd timer); it prints a count.
"""

from django.core.management.base import BaseCommand
from django.db import connection

from directory.search.words import prune_dictionary


class Command(BaseCommand):
    help = "Forget search words that no published profile bears any more (PostgreSQL search backend)."

    def handle(self, *args, **options) -> None:
        if connection.vendor != "postgresql":
            self.stdout.write("Nothing to prune: the search dictionary exists on PostgreSQL only.")
            return
        self.stdout.write(f"{prune_dictionary():,} words forgotten.")
