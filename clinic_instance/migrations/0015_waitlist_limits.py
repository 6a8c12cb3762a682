"""Joins of the waiting list counted per client network (issue 17: a flood of joins from one address)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('clinic_instance', '0014_message_cap'),
    ]

    operations = [
        migrations.CreateModel(
            name='WaitlistJoin',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('network_digest', models.CharField(max_length=64)),
                ('created_at', models.DateTimeField()),
            ],
            options={
                'verbose_name': 'waiting-list join',
                'verbose_name_plural': 'waiting-list joins',
                'indexes': [models.Index(fields=['network_digest', 'created_at'], name='waitlist_join_network')],
            },
        ),
    ]
