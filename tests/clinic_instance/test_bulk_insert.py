"""insert_returning_pks: the outbox's one-statement insert behaves as bulk_create does."""

import pytest
from django.db import IntegrityError, transaction

from clinic_instance.models import OutgoingMessage
from config.bulk_insert import insert_returning_pks
from tests.factories import make_appointment, paris


def message(appointment, key, **fields):
    defaults = {"channel": "sms", "kind": "reminder", "recipient": "+33612345678", "body": "Rappel"}
    return OutgoingMessage(
        appointment=appointment, patient=appointment.patient, dedupe_key=key, **{**defaults, **fields}
    )


def test_each_instance_gets_its_own_row_with_defaults_and_auto_now(alice, consultation, now):
    appointment = make_appointment(alice, consultation, paris(2027, 3, 2, 9, 0))
    messages = [message(appointment, "a"), message(appointment, "b", channel="email", recipient="p@example.org")]

    insert_returning_pks(messages)

    assert all(m.pk and not m._state.adding for m in messages)
    for sent in messages:
        stored = OutgoingMessage.objects.get(pk=sent.pk)
        assert (stored.dedupe_key, stored.channel, stored.recipient) == (sent.dedupe_key, sent.channel, sent.recipient)
        assert stored.status == OutgoingMessage.Status.PENDING and stored.attempts == 0  # the fields' defaults
        assert stored.created_at == now == stored.due_at  # auto_now_add and default=timezone.now
        assert stored.appointment_id == appointment.pk and stored.patient_id == appointment.patient_id


def test_a_taken_key_inserts_none_of_the_rows(alice, consultation, now):
    appointment = make_appointment(alice, consultation, paris(2027, 3, 2, 9, 0))
    insert_returning_pks([message(appointment, "taken")])
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_returning_pks([message(appointment, "fresh"), message(appointment, "taken")])
    assert list(OutgoingMessage.objects.values_list("dedupe_key", flat=True)) == ["taken"]


def test_nothing_to_insert_runs_no_query(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        insert_returning_pks([])
