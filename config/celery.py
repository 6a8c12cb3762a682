"""The Celery application: `celery -A config worker` (role from OPENRDV_ROLE).

The queue only wakes workers up; anything that must happen exactly once is a
database row that a task claims (see the notifications and federation outboxes).

Production runs one worker process (deploy/systemd/openrdv-worker@.service):
`--pool threads`, since every task waits on the network (SMTP, Twilio, a
directory) far longer than it computes, and `--scheduler-thread`, beat as a
thread of that process. Celery's own `-B` forks beat into an interpreter of its
own, and prefork one per pool slot: each a full copy of Django that a small
practice's server pays for in memory (bench/stack_memory.py). For the same
reason the worker resolves links without loading the views (see below).
"""

import os

from celery import Celery, bootsteps
from celery.signals import celeryd_init
from click import Option

from config.role import use_role_settings

use_role_settings()
# Django's system checks run with `manage.py migrate` at every install and upgrade (deploy/install.sh), not
# at every start of a worker, where they would run before celeryd_init and load every view (see below).
os.environ.setdefault("CELERY_SKIP_CHECKS", "true")

app = Celery("openrdv")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@celeryd_init.connect
def resolve_links_without_the_views(**kwargs) -> None:
    """A worker builds links (in messages, alerts, profile documents) but serves no page: it resolves
    them against the role's WORKER_URLCONF (clinic_instance/link_urls.py), which names the same
    routes without importing every view. Sent once, when a `celery worker` starts."""
    from django.conf import settings
    from django.urls import clear_url_caches

    worker_urlconf = getattr(settings, "WORKER_URLCONF", None)
    if worker_urlconf:
        settings.ROOT_URLCONF = worker_urlconf
        clear_url_caches()


class SchedulerThread(bootsteps.StartStopStep):
    """Celery beat in a thread of the worker (`--scheduler-thread`), reading `--schedule` as `-B` does.

    The scheduler only wakes once a second to queue the periodic tasks, which the
    worker then runs like any other: it needs no interpreter of its own.
    """

    label = "Scheduler thread"
    conditional = True

    def __init__(self, worker, scheduler_thread: bool = False, **options) -> None:
        self.enabled = scheduler_thread
        super().__init__(worker, **options)

    def create(self, worker):
        from celery.beat import EmbeddedService

        return EmbeddedService(
            worker.app, thread=True, schedule_filename=worker.schedule_filename, scheduler_cls=worker.scheduler
        )


app.user_options["worker"].add(
    Option(
        ("--scheduler-thread",),
        is_flag=True,
        default=False,
        help="Run beat (the periodic tasks' scheduler) as a thread of this worker rather than a process (-B).",
    )
)
app.steps["worker"].add(SchedulerThread)
