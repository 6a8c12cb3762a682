"""The audit trail is append-only in the database itself, not only in the model (PostgreSQL trigger)."""

from datetime import timedelta
from unittest import mock

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory

from clinic_instance import audit
from clinic_instance.models import AuditEntry
from tests.factories import make_appointment, paris
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


def test_agenda_reads_are_written_alike_on_both_paths(alice, consultation, now):
    """PostgreSQL's one-statement insert and the portable bulk_create write the same entries."""
    shown = [make_appointment(alice, consultation, paris(2027, 3, 2, 9 + hour, 0)) for hour in range(3)]
    request = RequestFactory().get("/workspace/agenda/", REMOTE_ADDR="192.0.2.7")
    request.user = staff_user("sarah", "secretary", agendas=[alice])

    def written(path):
        rows = AuditEntry.objects.filter(id__in=path).order_by("object_id")
        return [
            (e.actor_label, e.action, e.object_type, e.object_id, e.patient_id, e.practitioner_id, e.ip_address,
             e.detail, e.at)
            for e in rows
        ]  # fmt: skip

    assert audit.record_appointments_read(request, shown, detail="agenda 2027-03-02") == 3
    first = set(AuditEntry.objects.values_list("id", flat=True))
    with mock.patch.object(audit.connection, "vendor", "sqlite"):
        assert audit.record_appointments_read(request, shown, detail="agenda 2027-03-02") == 3
    second = set(AuditEntry.objects.values_list("id", flat=True)) - first
    assert written(first) == written(second)
    assert written(first)[0] == (
        "sarah", "view", "appointment", shown[0].pk, shown[0].patient_id, alice.pk, "192.0.2.7", "agenda 2027-03-02",
        now,
    )  # fmt: skip
    assert audit.record_appointments_read(request, [], detail="nothing") == 0
