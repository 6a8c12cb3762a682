"""The audit trail is append-only in the database itself, not only in the model (PostgreSQL trigger)."""

from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction

from clinic_instance import audit
from clinic_instance.models import AuditEntry
from tests.workspace import staff_user

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only")


@pytest.fixture
def entry(now, clinic):
    anne = staff_user("anne", "admin")
    return audit.record(None, audit.Action.VIEW, audit.ObjectType.PATIENT, actor=anne, object_id=7, patient_id=7)


def raw(sql: str, params=()) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_raw_sql_cannot_change_or_delete_an_entry(entry):
    with pytest.raises(DatabaseError, match="append-only"):
        raw("UPDATE clinic_instance_auditentry SET detail = 'forged' WHERE id = %s", [entry.pk])
    with pytest.raises(DatabaseError, match="append-only"):
        raw("UPDATE clinic_instance_auditentry SET actor_id = NULL, actor_label = 'nobody' WHERE id = %s", [entry.pk])
    with pytest.raises(DatabaseError, match="append-only"):
        raw("DELETE FROM clinic_instance_auditentry WHERE id = %s", [entry.pk])
    # Nor through the ORM's bulk paths.
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(detail="forged")
    with pytest.raises(ValueError):
        entry.delete()
    entry.refresh_from_db()
    assert entry.detail == "" and entry.actor_label == "anne"


def test_the_retention_purge_may_still_delete_old_entries(entry, clinic, now):
    assert audit.purge_expired(now + timedelta(days=clinic.audit_retention_days - 1)) == 0
    assert audit.purge_expired(now + timedelta(days=clinic.audit_retention_days + 1)) == 1
    assert not AuditEntry.objects.exists()


def test_deleting_a_staff_account_keeps_its_entries_with_its_name(entry):
    entry.actor.delete()
    entry.refresh_from_db()
    assert entry.actor is None and entry.actor_label == "anne" and entry.patient_id == 7
