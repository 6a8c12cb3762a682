"""manage.py federation_deliver [--loop SECONDS]: send queued profile documents to directories.

Celery does this in production (a task after each change, and beat for retries);
this is the same step for operators and for a machine without a broker.
"""

import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from ...publication import deliver_due


class Command(BaseCommand):
    help = "Send the profile documents waiting for directories (once, or every --loop seconds until stopped)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--loop", type=float, metavar="SECONDS", help="keep delivering, every SECONDS")

    def handle(self, *args, loop: float | None, **options) -> None:
        while True:
            report = deliver_due(now=timezone.now())
            if report.delivered or report.failed or not loop:
                self.stdout.write(
                    f"{report.delivered} delivered, {report.superseded} superseded, {report.failed} failed."
                )
            if not loop:
                return
            time.sleep(max(loop, 0.1))
