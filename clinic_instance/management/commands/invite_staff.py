"""manage.py invite_staff: invite someone to the workspace (the way to create the first administrator)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.urls import reverse
from django.utils import timezone

from config.federation_node import base_url

from ...models import Practitioner, StaffMember
from ...staff_accounts import invite, send_invitation


class Command(BaseCommand):
    help = "Invite someone to the staff workspace by e-mail, and print the invitation link (valid 7 days)."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--role", choices=[role for role, _label in StaffMember.Role.choices], default="admin")
        parser.add_argument("--practitioner", type=int, help="the practitioner's id, for the practitioner role")
        parser.add_argument("--no-email", action="store_true", help="only print the link")

    def handle(self, *args, email: str, role: str, practitioner: int | None, no_email: bool, **options):
        try:
            validate_email(email)
        except ValidationError as error:
            raise CommandError(f"Not an e-mail address: {email!r}") from error
        chosen = None
        if role == StaffMember.Role.PRACTITIONER:
            chosen = Practitioner.objects.filter(pk=practitioner).first() if practitioner else None
            if chosen is None:
                raise CommandError("The practitioner role needs --practitioner ID (see the admin's practitioners).")
        invitation, token = invite(
            email=email, role=role, practitioner=chosen, agendas=[], invited_by=None, now=timezone.now()
        )
        link = base_url().rstrip("/") + reverse("workspace:invitation", args=[token])
        if not no_email:
            send_invitation(invitation, link)
        self.stdout.write(link)
