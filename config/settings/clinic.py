"""A clinic instance: agendas, patients and appointments, on the clinic's own machine."""

from .base import *  # noqa: F403
from .base import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "clinic_instance"]
ROOT_URLCONF = "clinic_instance.urls"
OPENRDV_ROLE = "clinic"
