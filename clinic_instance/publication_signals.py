"""What queues profile documents: saving a practitioner or the practice, deleting a practitioner.

The outbox rows are written in the saving transaction; after it commits, a
delivery is asked of Celery when there is a broker (beat retries anyway;
without a broker, `manage.py federation_deliver`).
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from .cross_origin import forget_origins
from .models import Clinic, DirectoryRegistration, Practitioner
from .publication import is_public, publish, publish_everything, tombstones_for_deleted, was_published
from .wakeups import DELIVER_PROFILES, wake_on_commit


@receiver(post_save, sender=Practitioner, dispatch_uid="publish-practitioner")
def practitioner_saved(sender, instance: Practitioner, raw: bool = False, **kwargs) -> None:
    if raw or not (is_public(instance) or was_published(instance)):
        return
    if publish([instance.pk], now=timezone.now()):
        wake_on_commit(DELIVER_PROFILES)


@receiver(post_delete, sender=Practitioner, dispatch_uid="unpublish-practitioner")
def practitioner_deleted(sender, instance: Practitioner, **kwargs) -> None:
    if was_published(instance):
        tombstones_for_deleted(instance, now=timezone.now())
        wake_on_commit(DELIVER_PROFILES)


@receiver(post_save, sender=Clinic, dispatch_uid="publish-practice")
def practice_saved(sender, instance: Clinic, raw: bool = False, **kwargs) -> None:
    if raw:
        return
    if publish_everything(now=timezone.now()):
        wake_on_commit(DELIVER_PROFILES)


@receiver(post_save, sender=DirectoryRegistration, dispatch_uid="directory-origins")
def registration_saved(sender, **kwargs) -> None:
    forget_origins()  # which pages may read the availability (this process now, the others within a minute)
