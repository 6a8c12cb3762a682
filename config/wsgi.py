"""WSGI entry point for gunicorn: `gunicorn config.wsgi` (role from OPENRDV_ROLE)."""

from django.core.wsgi import get_wsgi_application

from config.role import use_role_settings

use_role_settings()
application = get_wsgi_application()
