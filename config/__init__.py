"""Settings, URL wiring and process entry points shared by both roles.

The Celery app is loaded with Django (the usual pattern), so that tasks sent
from web processes use its broker settings.
"""

from .celery import app as celery_app

__all__ = ["celery_app"]
