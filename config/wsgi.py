"""WSGI entry point for gunicorn: `gunicorn config.wsgi` (role from OPENRDV_ROLE).

Production runs it with `--preload` (deploy/systemd/openrdv-web@.service): gunicorn's
master imports this module once and forks its workers from it, so whatever is
loaded here is one copy shared by all of them, as long as no worker writes to it.
Hence the warm-up below, and the frozen collector.
"""

import gc

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver
from django.utils import translation

from config.role import use_role_settings

use_role_settings()
application = get_wsgi_application()


def load_what_the_first_request_would() -> None:
    """Import every view (through the URL patterns) and read the translation catalogs now.

    Left to the first request, each worker would load its own copy (about 40 MB here, and
    a second of that request's time); loaded before the fork, the workers share one.
    Touches neither the database nor Redis: no connection may cross the fork.
    """
    get_resolver().url_patterns  # noqa: B018 - the property imports the URL modules and their views
    for language in ("fr", "en"):
        with translation.override(language):
            translation.gettext("Book")


load_what_the_first_request_would()

# Everything loaded so far lives as long as the worker: keep it out of the
# collector's full passes, which otherwise cost ~60 ms every few requests (and,
# after a fork, would write to every shared page they scan).
gc.freeze()
# A request allocates tens of thousands of short-lived objects (a 28-day slots answer: ~800 slots,
# ~2,000 timestamps), almost none in cycles. With the default threshold (700) the collector ran ~6
# times per slots request and made its slowest tenth (slots_http p95 33-48 ms -> 25-27 ms here).
# Collecting every 50,000 allocations keeps cyclic garbage bounded to a few megabytes.
gc.set_threshold(50_000, 20, 100)
