"""Fixtures of the browser tests: an English-speaking browser and a clinic with free slots every day."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from clinic_instance.models import Clinic, Practitioner, VisitReason
from tests.factories import PARIS, make_clinic, make_practitioner, make_reason

CLINIC_PHONE = "+33123456789"


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # English pages by default (Accept-Language: en-US); a test may override with
    # @pytest.mark.browser_context_args(locale=..., viewport=..., java_script_enabled=...).
    return {**browser_context_args, "locale": "en-US"}


@pytest.fixture(autouse=True)
def _short_playwright_timeouts(page):
    # A broken page should fail in seconds, not after Playwright's 30 s default.
    page.set_default_timeout(10_000)
    page.set_default_navigation_timeout(15_000)


@dataclass
class Agenda:
    clinic: Clinic
    practitioner: Practitioner
    reason: VisitReason


@pytest.fixture
def agenda(live_server) -> Agenda:
    """Dr Alice Durand, free 8:00-20:00 every day of the week, 20-minute consultations.

    A 30-minute minimum notice keeps the first slot shown far enough ahead that it
    cannot slip into the past between the page being shown and the form being sent.
    """
    clinic = make_clinic(minimum_notice_minutes=30, phone=CLINIC_PHONE)
    practitioner = make_practitioner(weekdays=range(7), ranges=((time(8), time(20)),))
    reason = make_reason(practitioner, "Consultation", minutes=20)
    return Agenda(clinic, practitioner, reason)


def paris_in_days(days: int, hour: int, minute: int = 0) -> datetime:
    """A time `days` local days from today, at hour:minute in Paris."""
    day = timezone.now().astimezone(PARIS).date() + timedelta(days=days)
    return datetime.combine(day, time(hour, minute), PARIS)
