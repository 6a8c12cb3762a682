"""The Celery application: `celery -A config worker` (role from OPENRDV_ROLE).

The queue only wakes workers up; anything that must happen exactly once is a
database row that a task claims (see the notifications and federation outboxes).
"""

from celery import Celery

from config.role import use_role_settings

use_role_settings()

app = Celery("openrdv")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
