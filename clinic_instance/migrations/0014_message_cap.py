"""A cap on the messages queued to one recipient in 24 hours (issue 17): the clinic's setting, the CAPPED
status of the rows held back beyond it, and the index its count reads (clinic_instance/message_cap.py)."""

import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('clinic_instance', '0013_hashed_manage_tokens'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='outgoingmessage',
            name='message_status_valid',
        ),
        migrations.RemoveIndex(
            model_name='outgoingmessage',
            name='message_not_sent',
        ),
        migrations.AddField(
            model_name='clinic',
            name='messages_per_recipient_per_day',
            field=models.PositiveSmallIntegerField(default=20, help_text='At most this many SMS to one phone, or e-mails to one address, are queued in 24 hours; further ones are held back for the administrators, who are alerted (a guard against floods of bookings).', validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(1000)], verbose_name='messages per recipient per day'),
        ),
        migrations.AlterField(
            model_name='outgoingmessage',
            name='status',
            field=models.CharField(choices=[('pending', 'waiting'), ('claimed', 'claimed by a worker'), ('sending', 'being sent'), ('sent', 'sent'), ('failed', 'failed'), ('unknown', 'interrupted while sending (not retried)'), ('cancelled', 'not needed any more'), ('capped', 'held back: too many messages to this recipient in 24 hours')], default='pending', max_length=9, verbose_name='status'),
        ),
        migrations.AddIndex(
            model_name='outgoingmessage',
            index=models.Index(condition=models.Q(('status__in', ['failed', 'unknown', 'capped'])), fields=['created_at'], name='message_not_sent'),
        ),
        migrations.AddIndex(
            model_name='outgoingmessage',
            index=models.Index(fields=['recipient', 'created_at'], name='message_recipient_recent'),
        ),
        migrations.AddConstraint(
            model_name='outgoingmessage',
            constraint=models.CheckConstraint(condition=models.Q(('status__in', ['pending', 'claimed', 'sending', 'sent', 'failed', 'unknown', 'cancelled', 'capped'])), name='message_status_valid'),
        ),
    ]
