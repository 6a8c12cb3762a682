"""Manage-link tokens are no longer stored in clear.

Each existing appointment gets a fresh link id (its later messages carry the new, derived link) and keeps the
SHA-256 digest of its old token, so that the links already in patients' hands keep working. The clear tokens are
then dropped. Not reversible: the clear tokens are gone by design.
"""

import hashlib
import secrets

from django.db import migrations, models

import clinic_instance.models.appointments


def keep_digests_and_give_link_ids(apps, schema_editor):
    Appointment = apps.get_model("clinic_instance", "Appointment")
    batch = []
    for appointment in Appointment.objects.only("pk", "manage_token").iterator(chunk_size=1000):
        appointment.legacy_token_digest = hashlib.sha256(appointment.manage_token.encode()).hexdigest()
        appointment.manage_link_id = secrets.token_urlsafe(16)
        batch.append(appointment)
        if len(batch) == 1000:
            Appointment.objects.bulk_update(batch, ["legacy_token_digest", "manage_link_id"])
            batch = []
    Appointment.objects.bulk_update(batch, ["legacy_token_digest", "manage_link_id"])


class Migration(migrations.Migration):
    dependencies = [
        ("clinic_instance", "0012_message_not_sent_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="appointment",
            name="legacy_token_digest",
            field=models.CharField(blank=True, editable=False, max_length=64, null=True, unique=True),
        ),
        migrations.AddField(
            model_name="appointment",
            name="manage_link_id",
            field=models.CharField(editable=False, max_length=22, null=True),
        ),
        migrations.RunPython(keep_digests_and_give_link_ids, elidable=False),
        migrations.AlterField(
            model_name="appointment",
            name="manage_link_id",
            field=models.CharField(
                default=clinic_instance.models.appointments.new_manage_link_id,
                editable=False,
                max_length=22,
                unique=True,
            ),
        ),
        migrations.RemoveField(model_name="appointment", name="manage_token"),
    ]
