"""manage.py send_messages [--loop SECONDS]: send the messages to patients that are due.

Celery does this in production (beat every minute, and a wake-up after each
booking); this is the same step for operators and for a machine without a broker.
Any number of these may run at once: each message is sent once.
"""

import time

from django.core.management.base import BaseCommand

from ...dispatch import dispatch_due, worker_name


class Command(BaseCommand):
    help = "Send the SMS and e-mails due to patients (once, or every --loop seconds until stopped)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--loop", type=float, metavar="SECONDS", help="keep sending, every SECONDS")
        parser.add_argument("--batch", type=int, default=100, help="messages claimed at a time (default 100)")

    def handle(self, *args, loop: float | None, batch: int, **options) -> None:
        worker = worker_name()
        while True:
            sent = dispatch_due(worker, limit=max(1, batch))
            if sent or not loop:
                self.stdout.write(f"{sent} sent.")
            if not loop:
                return
            time.sleep(max(loop, 0.1))
