"""Liveness and readiness of a node, for load balancers, upgrades and monitoring.

Liveness touches nothing: the process answers. Readiness asks each dependency once, with short
timeouts, and names each check with its state only: the answer is public, so it carries no count,
no address and no error text a stranger could use.
"""

from collections.abc import Callable
from datetime import datetime

import redis
from django.conf import settings
from django.db import DatabaseError, connections
from django.utils.module_loading import import_string

TIMEOUT_SECONDS = 2


def database_is_up(*, now: datetime) -> bool:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except DatabaseError:
        return False


def redis_is_up(*, now: datetime) -> bool:
    """The cache and broker at REDIS_URL answers PING; a node without one (the demo) needs none."""
    if not settings.REDIS_URL:
        return True
    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=TIMEOUT_SECONDS, socket_timeout=TIMEOUT_SECONDS
    )
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


def _lag_check(path: str) -> Callable[..., bool]:
    check = import_string(path)

    def within_bounds(*, now: datetime) -> bool:
        try:
            return check(now=now)
        except DatabaseError:
            return False

    return within_bounds


def readiness(*, now: datetime) -> dict[str, bool]:
    """Each check's name and whether it passes: the database, Redis, then the role's lags."""
    results = {"database": database_is_up(now=now), "redis": redis_is_up(now=now)}
    for name, path in settings.OPERATIONS_LAG_CHECKS.items():
        # Without the database a lag cannot be read: it is reported failing, not waited for.
        results[name] = results["database"] and _lag_check(path)(now=now)
    return results
