from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    name = "config.operations"
    label = "operations"
    verbose_name = _("Operations")

    def ready(self) -> None:
        from config.postgres_timestamps import use_c_timestamp_loader

        connection_created.connect(use_c_timestamp_loader, dispatch_uid="openrdv-c-timestamp-loader")
