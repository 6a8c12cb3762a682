from django.core.management.base import BaseCommand
from django.utils import timezone

from clinic_instance.demo_data import PRACTICES, create_demo_clinic, create_demo_staff
from clinic_instance.models import Appointment, Practitioner


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
            f"Demo clinic: {Practitioner.objects.count()} practitioners, {Appointment.objects.count()} appointments."
        )
