"""System checks of the clinic role (`manage.py check --deploy` runs them)."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.urls, deploy=True)
def messages_have_a_public_address(app_configs, **kwargs) -> list[Warning]:
    """Messages are written without a request: their links need OPENRDV_BASE_URL."""
    if settings.OPENRDV_BASE_URL:
        return []
    return [
        Warning(
            "OPENRDV_BASE_URL is not set: the links in messages to patients (manage links, "
            "waiting-list offers) would point to http://127.0.0.1.",
            hint="Set it to this server's public address, e.g. https://rdv.example.fr.",
            id="openrdv.W001",
        )
    ]
