"""manage.py federation_pull: read the approved instances' profile feeds (beat does it every few minutes)."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from ...instance_feeds import pull_all


class Command(BaseCommand):
    help = "Read every approved clinic instance's profile feed and apply what pushes missed."

    def handle(self, *args, **options) -> None:
        for base_url, report in pull_all(now=timezone.now()).items():
            outcome = f"error: {report.error}" if report.error else "ok"
            self.stdout.write(
                f"{base_url}: {report.applied} applied, {report.unchanged} unchanged, {report.refused} refused ({outcome})"
            )
