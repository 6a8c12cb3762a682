"""manage.py federation_register DIRECTORY_URL: publish this instance's practitioners in a directory."""

from django.core.management.base import BaseCommand, CommandError

from federation.documents import InvalidDocument
from federation.fetch import FetchRefused
from federation.keys import UnusableKey

from ...directory_registration import RegistrationFailed, register_with


class Command(BaseCommand):
    help = "Register this clinic instance with a directory (signed request; the directory may ask a moderator)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("directory_url", help="the directory's base URL, e.g. https://annuaire.example.fr")

    def handle(self, *args, directory_url: str, **options) -> None:
        try:
            registration = register_with(directory_url)
        except (RegistrationFailed, FetchRefused, InvalidDocument, UnusableKey) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Registered with {registration.name} ({registration.base_url}): {registration.status}.")
        if registration.status == registration.Status.PENDING:
            self.stdout.write("The directory's moderators must now approve this instance.")
