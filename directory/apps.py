from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    name = "directory"
    verbose_name = _("Directory")

    def ready(self) -> None:
        from .search.words import forget_vocabulary

        def forget(**kwargs) -> None:
            forget_vocabulary()

        # This process at once (other processes within words.VOCABULARY_TTL_S); `flush` sends post_migrate.
        for signal in (post_save, post_delete):
            signal.connect(forget, sender="directory.Specialty", weak=False, dispatch_uid=f"vocabulary-{id(signal)}")
        post_migrate.connect(forget, weak=False, dispatch_uid="vocabulary-post-migrate")
