"""Sign-in lockouts count under the address the middleware decided, never under a forwarded header.

django-axes would otherwise read X-Forwarded-For itself (django-ipware): a guesser could name a new
address on every try and never be locked, or name a colleague's address to lock them out.
"""

import pytest
from axes.models import AccessAttempt
from django.test import Client

from tests.workspace import PASSWORD, staff_user

pytestmark = pytest.mark.django_db


def password_step(client, password=PASSWORD, **headers):
    return client.post("/workspace/login/", {"username": "sarah", "password": password}, **headers)


def test_a_forged_forwarded_address_neither_evades_nor_moves_a_lockout(clinic, settings):
    staff_user("sarah", "secretary")
    attacker, colleague = Client(REMOTE_ADDR="203.0.113.66"), Client(REMOTE_ADDR="198.51.100.20")
    for n in range(settings.AXES_FAILURE_LIMIT):
        forged = "198.51.100.20" if n % 2 else f"192.0.2.{n}"  # new addresses, and the colleague's
        password_step(attacker, password="guess", HTTP_X_FORWARDED_FOR=forged, HTTP_X_REAL_IP=forged)
    assert password_step(attacker, HTTP_X_FORWARDED_FOR="192.0.2.99").status_code == 429  # not evaded
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.66"}
    assert password_step(colleague).status_code == 302  # not moved onto the address it named
