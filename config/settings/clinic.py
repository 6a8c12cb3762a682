"""A clinic instance: agendas, patients and appointments, on the clinic's own machine."""

from .base import *  # noqa: F403
from .base import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "clinic_instance"]
ROOT_URLCONF = "clinic_instance.urls"
OPENRDV_ROLE = "clinic"

# Profile documents waiting for a directory are retried by beat (`celery -A config worker -B`).
CELERY_BEAT_SCHEDULE = {
    "deliver-profiles-to-directories": {"task": "clinic_instance.tasks.deliver_outbox", "schedule": 10.0},
}
