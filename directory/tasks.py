"""Celery tasks of the directory."""

from celery import shared_task
from django.utils import timezone

from .instance_feeds import pull_all


@shared_task
def pull_feeds() -> int:
    """Read every approved instance's feed (beat, every few minutes): returns how many were read without error."""
    return sum(not report.error for report in pull_all(now=timezone.now()).values())
