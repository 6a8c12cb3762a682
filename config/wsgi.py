"""WSGI entry point for gunicorn: `gunicorn config.wsgi` (role from OPENRDV_ROLE)."""

import gc

from django.core.wsgi import get_wsgi_application

from config.role import use_role_settings

use_role_settings()
application = get_wsgi_application()

# Everything loaded so far lives as long as the worker: keep it out of the
# collector's full passes, which otherwise cost ~60 ms every few requests.
gc.freeze()
