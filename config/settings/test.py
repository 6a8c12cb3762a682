"""The test suite: the clinic role on the real PostgreSQL (see .ci/run)."""

import os

os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("DATABASE_URL", "postgres://openrdv@127.0.0.1:5432/openrdv")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")

from .clinic import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
