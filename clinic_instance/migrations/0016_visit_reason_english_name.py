"""An optional English name of each visit reason, shown to patients reading in English (issue 17)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("clinic_instance", "0015_waitlist_limits")]

    operations = [
        migrations.AddField(
            model_name="visitreason",
            name="name_en",
            field=models.CharField(
                blank=True,
                help_text="Shown to patients reading in English.",
                max_length=120,
                verbose_name="name in English",
            ),
        ),
    ]
