"""Practitioner accounts: sign up with an e-mail address, proven by a signed link."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core import signing
from django.core.mail import send_mail
from django.utils.translation import gettext as _

VERIFICATION_SALT = "directory.email-verification"
VERIFICATION_MAX_AGE_SECONDS = 3 * 24 * 3600


class VerificationFailed(Exception):
    pass


def register_practitioner(*, email: str, password: str, first_name: str, last_name: str) -> AbstractBaseUser:
    """An inactive account until its e-mail address is verified; the e-mail is the username.

    Signing up again before verifying (a lost or expired link) replaces the unverified account.
    The caller checks that no *active* account uses the address.
    """
    User = get_user_model()
    user = User.objects.filter(username=email.lower(), is_active=False).first() or User(
        username=email.lower(), email=email.lower(), is_active=False
    )
    user.first_name, user.last_name = first_name, last_name
    user.set_password(password)
    user.save()
    return user


def verification_token(user: AbstractBaseUser) -> str:
    # The hashed password changes nothing here; the e-mail does: a token is for one address.
    return signing.dumps({"user": user.pk, "email": user.email}, salt=VERIFICATION_SALT)


def verify_email(token: str) -> AbstractBaseUser:
    """Activate the account of a valid, unexpired token; idempotent for an active one."""
    try:
        data = signing.loads(token, salt=VERIFICATION_SALT, max_age=VERIFICATION_MAX_AGE_SECONDS)
    except signing.BadSignature:
        raise VerificationFailed from None
    user = get_user_model().objects.filter(pk=data.get("user"), email=data.get("email")).first()
    if user is None:
        raise VerificationFailed
    if not user.is_active:
        user.is_active = True
        user.save(update_fields=["is_active"])
    return user


def send_verification_email(user: AbstractBaseUser, *, verify_url: str) -> None:
    send_mail(
        subject=_("Confirm your e-mail address for the OpenRDV directory"),
        message=_(
            "Hello,\n\nTo confirm your e-mail address and activate your practitioner account, open this link "
            "within 3 days:\n\n%(url)s\n\nIf you did not sign up, ignore this message."
        )
        % {"url": verify_url},
        from_email=None,
        recipient_list=[user.email],
    )
