"""WSGI entry point for gunicorn: `gunicorn config.wsgi` (role from OPENRDV_ROLE)."""

import gc

from django.core.wsgi import get_wsgi_application

from config.role import use_role_settings

use_role_settings()
application = get_wsgi_application()

# Everything loaded so far lives as long as the worker: keep it out of the
# collector's full passes, which otherwise cost ~60 ms every few requests.
gc.freeze()
# A request allocates tens of thousands of short-lived objects (a 28-day slots answer: ~800 slots,
# ~2,000 timestamps), almost none in cycles. With the default threshold (700) the collector ran ~6
# times per slots request and made its slowest tenth (slots_http p95 33-48 ms -> 25-27 ms here).
# Collecting every 50,000 allocations keeps cyclic garbage bounded to a few megabytes.
gc.set_threshold(50_000, 20, 100)
