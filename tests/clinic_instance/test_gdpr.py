"""GDPR: a patient's export, erasure with anonymised appointments kept, and the retention purge."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.test import RequestFactory

from clinic_instance import audit, tasks
from clinic_instance.gdpr import ERASED_BIRTH_DATE, erase_patient, export_patient, purge_expired
from clinic_instance.models import Appointment, AuditEntry, Patient
from tests.factories import make_appointment, make_patient, paris
from tests.workspace import staff_user

NAMES = ("Paul", "Petit", "+33612345678", "paul@example.org")


@pytest.fixture
def paul(now, alice, consultation):
    paul = make_patient("Paul", "Petit")
    make_appointment(
        alice, consultation, paris(2027, 2, 1, 9), paul, status="cancelled", cancelled_at=now,
        cancelled_by="patient", cancellation_reason="Mal de dos, je ne peux pas venir",
    )  # fmt: skip
    make_appointment(
        alice, consultation, paris(2027, 2, 22, 9), paul, status="done", staff_note="Allergic to penicillin"
    )
    make_appointment(
        alice, consultation, paris(2027, 3, 2, 9), paul, idempotency_key="key-1", request_fingerprint="f" * 64
    )
    return paul


def admin_request(user):
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.7")
    request.user = user
    return request


def test_the_export_holds_identity_appointments_notes_and_the_audit_entries(paul, now):
    anne = staff_user("anne", "admin")
    audit.record_patient(admin_request(anne), audit.Action.VIEW, paul)

    export = json.loads(json.dumps(export_patient(paul, now=now)))  # serialisable as it is

    assert export["patient"] == {
        "id": paul.pk, "first_name": "Paul", "last_name": "Petit", "birth_date": "1980-05-17",
        "phone": "+33612345678", "email": "paul@example.org",
        "created_at": now.isoformat(), "updated_at": now.isoformat(),
    }  # fmt: skip
    assert [a["status"] for a in export["appointments"]] == ["cancelled", "done", "booked"]
    first = export["appointments"][0]
    assert first["start"] == paris(2027, 2, 1, 9).isoformat()
    assert first["practitioner"]["name"] == "Alice Durand" and first["visit_reason"] == "Consultation"
    assert first["source"] == "online" and first["cancelled_by"] == "patient" and first["cancelled_at"]
    assert first["cancellation_reason"].startswith("Mal de dos") and first["created_at"]
    assert export["appointments"][1]["staff_note"] == "Allergic to penicillin"
    assert export["audit_trail"] == [
        {"at": now.isoformat(), "who": "anne", "what": "view", "object": "patient", "object_id": paul.pk,
         "from": "192.0.2.7", "detail": ""},
    ]  # fmt: skip


def test_erasure_anonymises_the_patient_and_keeps_the_appointments_for_statistics(client, paul, now):
    before = {a.pk: a for a in paul.appointments.all()}
    old_tokens = [a.manage_token for a in before.values()]
    assert client.get(f"/appointment/{old_tokens[2]}/").status_code == 200

    assert erase_patient(paul, now=now, request=admin_request(staff_user("anne", "admin")))

    paul.refresh_from_db()
    row = json.dumps({f.name: str(getattr(paul, f.name)) for f in Patient._meta.fields})
    appointments = list(Appointment.objects.filter(patient=paul).values())
    assert not any(value in row or value in str(appointments) for value in NAMES)
    assert "penicillin" not in str(appointments) and "Mal de dos" not in str(appointments)
    assert paul.erased_at == now and paul.birth_date == ERASED_BIRTH_DATE and paul.phone == paul.email == ""
    after = {a["id"]: a for a in appointments}
    assert set(after) == set(before)  # kept, with their dates, practitioner, reason
    for pk, appointment in before.items():
        assert after[pk]["start"] == appointment.start and after[pk]["visit_reason_id"] == appointment.visit_reason_id
        assert after[pk]["idempotency_key"] is None and after[pk]["request_fingerprint"] == ""
        assert after[pk]["manage_link_id"] != appointment.manage_link_id
    assert [a["status"] for a in sorted(appointments, key=lambda a: a["start"])] == ["cancelled", "done", "cancelled"]
    tomorrow = Appointment.objects.get(start=paris(2027, 3, 2, 9))
    assert tomorrow.cancelled_by == "clinic" and tomorrow.cancelled_at == now and tomorrow.updated_at == now
    for token in old_tokens:  # the patient's old links are dead
        assert client.get(f"/appointment/{token}/").status_code == 404
    entry = AuditEntry.objects.get(action="erase")
    assert entry.patient_id == paul.pk and entry.actor_label == "anne" and "Petit" not in entry.detail
    assert not erase_patient(paul, now=now)  # idempotent


@pytest.fixture
def timeline(alice, consultation):
    """Three patients seen in 2020, 2023 and 2020-and-2027; the clinic keeps data three years."""
    with time_machine.travel(paris(2020, 1, 10, 9), tick=False):
        old = make_patient("Olga", "Ancienne", phone="+33611111111")
        make_appointment(alice, consultation, paris(2020, 1, 15, 9), old, status="done")
        never_seen = make_patient("Nina", "Jamais", phone="+33622222222")
        returning = make_patient("Rémi", "Revient", phone="+33633333333")
        make_appointment(alice, consultation, paris(2020, 1, 16, 9), returning, status="done")
        make_appointment(alice, consultation, paris(2027, 6, 1, 9), returning)
        AuditEntry.objects.create(actor_label="anne", action="view", object_type="patient", patient_id=old.pk)
    with time_machine.travel(paris(2026, 12, 1, 9), tick=False):
        recent = make_patient("Rose", "Recente", phone="+33644444444")
        make_appointment(alice, consultation, paris(2026, 12, 5, 9), recent, status="done")
        AuditEntry.objects.create(actor_label="anne", action="view", object_type="patient", patient_id=recent.pk)
    return {"old": old, "never_seen": never_seen, "returning": returning, "recent": recent}


def test_the_purge_erases_expired_patients_and_old_audit_entries(timeline, clinic):
    with time_machine.travel(paris(2027, 3, 1, 3), tick=False) as traveller:
        report = purge_expired(paris(2027, 3, 1, 3))
        assert (report.patients_erased, report.audit_entries_deleted) == (2, 1)
        erased = set(Patient.objects.filter(erased_at__isnull=False).values_list("pk", flat=True))
        assert erased == {timeline["old"].pk, timeline["never_seen"].pk}
        assert list(AuditEntry.objects.filter(action="view").values_list("patient_id", flat=True)) == [
            timeline["recent"].pk
        ]
        purge = AuditEntry.objects.get(action="purge")
        assert purge.detail == "2 patients erased, 1 audit entries deleted" and purge.actor is None
        # The next night: nothing more to do.
        traveller.shift(timedelta(days=1))
        assert purge_expired(paris(2027, 3, 2, 3)).patients_erased == 0


def test_the_purge_follows_the_clinics_retention_period(timeline, clinic):
    clinic.patient_retention_years = 10
    clinic.save()
    assert purge_expired(paris(2027, 3, 1, 3)).patients_erased == 0


def test_the_task_and_the_command_purge_and_print_counts_only(timeline, clinic, capsys):
    with time_machine.travel(paris(2027, 3, 1, 3), tick=False):
        assert tasks.purge_expired_data() == {"patients_erased": 2, "audit_entries_deleted": 1}
        call_command("purge_expired_data")
    output = capsys.readouterr().out
    assert output == "0 patients erased, 0 audit entries deleted.\n"
