"""The directory: public practitioner profiles only, never an appointment or a patient."""

from .base import *  # noqa: F403
from .base import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "directory"]
ROOT_URLCONF = "directory.urls"
OPENRDV_ROLE = "directory"
