from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClinicInstanceConfig(AppConfig):
    name = "clinic_instance"
    verbose_name = _("Clinic")

    def ready(self) -> None:
        from . import publication_signals  # noqa: F401 - connects the receivers
