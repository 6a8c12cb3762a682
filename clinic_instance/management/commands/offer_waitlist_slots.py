"""manage.py offer_waitlist_slots [--loop SECONDS]: offer free slots to the waiting list.

Celery does this in production (beat every minute, and a wake-up when time
frees up); this is the same step for operators and for a machine without a broker.
"""

import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from ...waitlist import offer_free_slots


class Command(BaseCommand):
    help = "End expired holds and offer free slots to waiting patients (once, or every --loop seconds)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--loop", type=float, metavar="SECONDS", help="keep offering, every SECONDS")

    def handle(self, *args, loop: float | None, **options) -> None:
        while True:
            made = offer_free_slots(timezone.now())
            if made or not loop:
                self.stdout.write(f"{made} offers made.")
            if not loop:
                return
            time.sleep(max(loop, 0.1))
