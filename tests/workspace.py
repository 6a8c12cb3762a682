"""Staff accounts for the workspace tests, and signing them in without the login pages."""

import time

from django.contrib.auth import get_user_model
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinic_instance.models import StaffMember
from clinic_instance.workspace import sessions

PASSWORD = "correct horse battery staple"


def staff_user(name: str, role: str = "secretary", *, practitioner=None, agendas=(), authenticator: bool = True):
    """A staff account with a confirmed authenticator (its codes: current_code(user))."""
    user = get_user_model().objects.create_user(name, f"{name}@tilleuls.example", PASSWORD)
    member = StaffMember.objects.create(user=user, role=role, practitioner=practitioner)
    member.agendas.set(agendas)
    if authenticator:
        TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    return user


def current_code(user, offset_steps: int = 0) -> str:
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset_steps)
    return f"{code:06d}"


def sign_in(client, user) -> None:
    """What the login pages leave in the session: logged in, second factor verified, this generation."""
    client.force_login(user)
    session = client.session
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        session["otp_device_id"] = device.persistent_id
    member = StaffMember.objects.filter(user=user).first()
    session[sessions.GENERATION_KEY] = member.session_generation if member else 0
    session[sessions.LAST_ACTIVITY_KEY] = int(time.time())
    session.save()


def browser_sign_in(page, live_server, user) -> None:
    """Give the browser a signed-in staff session (the login pages have their own browser test)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        store["otp_device_id"] = device.persistent_id
    member = StaffMember.objects.filter(user=user).first()
    store[sessions.GENERATION_KEY] = member.session_generation if member else 0
    store[sessions.LAST_ACTIVITY_KEY] = int(time.time())
    store.create()
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": store.session_key, "url": live_server.url}]
    )
