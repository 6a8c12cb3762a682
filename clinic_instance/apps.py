from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClinicInstanceConfig(AppConfig):
    name = "clinic_instance"
    verbose_name = _("Clinic")

    def ready(self) -> None:
        from . import checks, publication_signals  # noqa: F401 - registers the checks, connects the receivers
        from .workspace import lockouts  # noqa: F401 - tells the administrators of a locked account
