"""manage.py purge_expired_data: the nightly GDPR purge, by hand (Celery beat runs it in production).

Prints counts only: never a name.
"""

from django.core.management.base import BaseCommand
from django.utils import timezone

from ...gdpr import purge_expired


class Command(BaseCommand):
    help = "Erase patients past the clinic's retention period and delete expired audit entries."

    def handle(self, *args, **options) -> None:
        report = purge_expired(timezone.now())
        self.stdout.write(
            f"{report.patients_erased} patients erased, {report.audit_entries_deleted} audit entries deleted."
        )
