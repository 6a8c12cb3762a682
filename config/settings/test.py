"""The test suite, on the real PostgreSQL (see .ci/run).

One test database serves both roles: the clinic role's settings plus the
directory app, whose tests switch ROOT_URLCONF (tests/directory/conftest.py).
That the directory role alone installs no clinic model is tested by migrating
it in its own process (tests/test_layout.py).
"""

import os
from datetime import timedelta

os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("DATABASE_URL", "postgres://openrdv@127.0.0.1:5432/openrdv")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("PHONE_VERIFICATION", "false")  # like the demo; tests of verification turn it on

from .clinic import *  # noqa: F403
from .clinic import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "directory"]  # the clinic role already has django.contrib.postgres
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
DIRECTORY_SEARCH_BACKEND = "postgres"
MEILISEARCH_URL = os.environ.get("MEILISEARCH_URL", "")
MEILISEARCH_API_KEY = os.environ.get("MEILISEARCH_API_KEY", "")
DIRECTORY_INSTANCE_ALLOWLIST = []
FEDERATION_ALLOW_PRIVATE_ADDRESSES = True  # peers are on loopback in the tests
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "practitioner-account"
LOGOUT_REDIRECT_URL = "search"
FEED_PULL_MAX_LAG = timedelta(minutes=15)  # the directory's readiness (config/settings/directory.py)
