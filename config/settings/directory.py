"""The directory: public practitioner profiles only, never an appointment or a patient."""

from .base import *  # noqa: F403
from .base import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "django.contrib.postgres", "directory"]
ROOT_URLCONF = "directory.urls"
OPENRDV_ROLE = "directory"

# Search: PostgreSQL (full text + trigram) in production, the simple backend on
# the embedded SQLite default, Meilisearch for national scale.
from config import env  # noqa: E402

from .base import DATABASES  # noqa: E402

DIRECTORY_SEARCH_BACKEND = env.string(
    "DIRECTORY_SEARCH_BACKEND", "postgres" if DATABASES["default"]["ENGINE"].endswith("postgresql") else "simple"
)
MEILISEARCH_URL = env.string("MEILISEARCH_URL", "")
MEILISEARCH_API_KEY = env.string("MEILISEARCH_API_KEY", "")

# Clinic instances approved as soon as they register (base URLs, comma-separated); others wait for a moderator.
DIRECTORY_INSTANCE_ALLOWLIST = env.string_list("DIRECTORY_INSTANCE_ALLOWLIST", [])

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "practitioner-account"
LOGOUT_REDIRECT_URL = "search"

# Approved instances' profile feeds are read every 5 minutes (the worker's scheduler thread, config/celery.py).
CELERY_BEAT_SCHEDULE = {"pull-instance-feeds": {"task": "directory.tasks.pull_feeds", "schedule": 300.0}}

# Readiness (config/operations/health.py): an approved instance whose feed was not read for this long (three
# missed pulls) makes the directory "not ready".
from datetime import timedelta  # noqa: E402

FEED_PULL_MAX_LAG = timedelta(minutes=env.integer("FEED_PULL_MAX_LAG_MINUTES", 15))
OPERATIONS_LAG_CHECKS = {"federation_pull": "directory.feed_lag.pulls_within_lag"}
OPERATIONS_GAUGES = "directory.feed_lag.gauges"
