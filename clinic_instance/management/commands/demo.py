import os

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

DEMO_ADMIN = ("admin", "openrdv-demo-admin")


class Command(BaseCommand):
    help = "Run the local demo: a clinic instance with demo data on http://127.0.0.1:8001/."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8001)
        parser.add_argument("--no-serve", action="store_true", help="Prepare the database and stop.")

    def handle(self, *args, port, no_serve, **options):
        if not settings.DEBUG:
            raise CommandError("The demo runs with DEBUG=true (never on a production instance).")
        call_command("migrate", verbosity=0)
        call_command("seed_demo", stdout=self.stdout)
        users = get_user_model().objects
        if not users.filter(username=DEMO_ADMIN[0]).exists():
            users.create_superuser(DEMO_ADMIN[0], "", DEMO_ADMIN[1])
        self.stdout.write(
            f"\nClinic booking page: http://127.0.0.1:{port}/\n"
            f"Clinic admin:        http://127.0.0.1:{port}/admin/  ({DEMO_ADMIN[0]} / {DEMO_ADMIN[1]})\n"
            f"API schema:          http://127.0.0.1:{port}/api/schema/\n"
            f"Database:            {settings.DATABASES['default']['NAME']}\n"
        )
        if not no_serve:
            os.environ.setdefault("DJANGO_RUNSERVER_HIDE_WARNING", "true")
            call_command("runserver", f"127.0.0.1:{port}", use_reloader=False)
