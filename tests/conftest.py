import os
import socket
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from django.core.servers import basehttp
from django.utils import translation

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # sync Playwright beside live_server

# Django's test server listens with a backlog of 10; the concurrency tests open 24 connections
# at once, and a loaded machine then refuses some (production runs gunicorn: 2048).
basehttp.WSGIServer.request_queue_size = 64


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def inbox(settings):
    """A real SMTP server in the test process; Django's SMTP backend sends to it."""
    handler = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    yield handler
    controller.stop()


@pytest.fixture(autouse=True)
def _fresh_process_state():
    """Reset what a test leaves in the process: the active language (LocaleMiddleware leaves a
    request's language in the thread) and the memory of a broker that just failed and the kept connection (wakeups.send_soon)."""
    yield
    from clinic_instance import wakeups

    translation.deactivate()
    wakeups._broker_failed_at = float("-inf")
    wakeups.drop_kept_connection()
