from django.core.management.base import BaseCommand
from django.utils import timezone

from clinic_instance.demo_data import PRACTICES, create_demo_clinic, create_demo_staff
from clinic_instance.models import Appointment, Clinic, Practitioner


class Command(BaseCommand):
    help = "Fill an empty clinic instance with a realistic demo practice (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--practice", choices=sorted(PRACTICES), default="tilleuls")
        parser.add_argument(
            "--staff-password", default="", help="also create the demo's workspace accounts with this password"
        )

    def handle(self, *args, practice: str, staff_password: str, **options):
        create_demo_clinic(now=timezone.now(), practice=practice)
        if staff_password:
            create_demo_staff(staff_password)
        self.stdout.write(
            f"Demo clinic: {Practitioner.objects.count()} practitioners, {Appointment.objects.count()} appointments;"
            f" {sms_hours(Clinic.load())}."
        )


def sms_hours(clinic: Clinic) -> str:
    """Said aloud because quiet hours hold SMS and waiting-list offers silently (kept data may still have them)."""
    start, end = clinic.quiet_hours_start, clinic.quiet_hours_end
    if start is None or end is None or start == end:  # as dispatch.quiet_hours_end reads them
        return "SMS and waiting-list offers at any hour (no quiet hours)"
    return f"SMS and waiting-list offers held from {start:%H:%M} to {end:%H:%M} (quiet hours, set in the admin)"
