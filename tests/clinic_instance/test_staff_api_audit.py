"""The audit trail through the staff API: administrators only, the page's filters, paginated, constant queries."""

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clinic_instance import audit
from clinic_instance.models import AuditEntry
from tests.factories import make_patient, paris
from tests.workspace import sign_in, staff_user

API = "/api/v1/staff/audit/"
INJECTION = "'; DELETE FROM clinic_instance_auditentry; --"


@pytest.fixture
def sarah(alice):
    return staff_user("sarah", "secretary", agendas=[alice])


@pytest.fixture
def boss(db):
    return staff_user("boss", "admin")


@pytest.fixture
def admin_api(client, boss, now):
    sign_in(client, boss)
    return client


def entries(actor, count: int, action=AuditEntry.Action.VIEW, patient=None) -> None:
    for _number in range(count):
        audit.record(None, action, AuditEntry.ObjectType.PATIENT, actor=actor, patient_id=patient, object_id=patient)


def test_an_administrator_reads_the_trail_newest_first_a_page_at_a_time(admin_api, sarah):
    entries(sarah, 60)
    first = admin_api.get(API)
    assert first.status_code == 200
    body = first.json()
    assert body["count"] == 60 and len(body["results"]) == 50 and body["next"]
    ids = [entry["id"] for entry in body["results"]]
    assert ids == sorted(ids, reverse=True)
    assert body["results"][0]["actor_label"] == "sarah" and body["results"][0]["action"] == "view"
    second = admin_api.get(API, {"page": 2}).json()
    assert len(second["results"]) == 10 and second["next"] is None
    assert len(admin_api.get(API, {"page_size": 500}).json()["results"]) == 60
    assert admin_api.get(API, {"page": 99}).status_code == 404


def test_it_filters_as_the_audit_page(admin_api, sarah, boss):
    paul = make_patient()
    entries(sarah, 3, patient=paul.pk)
    entries(sarah, 2, action=AuditEntry.Action.EXPORT)
    with time_machine.travel(paris(2027, 2, 10, 12, 0), tick=False):
        entries(boss, 1, action=AuditEntry.Action.ERASE)

    def count(**filters) -> int:
        response = admin_api.get(API, filters)
        assert response.status_code == 200
        return response.json()["count"]

    assert count() == 6
    assert count(actor=sarah.pk) == 5
    assert count(action="export") == 2
    assert count(object_type="patient", patient=paul.pk) == 3
    assert count(date_from="2027-02-10", date_to="2027-02-10") == 1
    assert count(date_from="2027-03-01") == 5
    assert count(action="") == 6  # an empty filter is no filter


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        ({"action": INJECTION}, "action"),
        ({"object_type": "patients"}, "object_type"),
        ({"actor": "1 OR 1=1"}, "actor"),
        ({"patient": "1 OR 1=1"}, "patient"),
        ({"patient": str(2**70)}, "patient"),
        ({"date_from": "yesterday"}, "date_from"),
        ({"date_from": "2027-03-02", "date_to": "2027-03-01"}, "date_to"),
    ],
)
def test_bad_filters_are_refused_naming_the_field(admin_api, sarah, filters, field):
    entries(sarah, 1)
    response = admin_api.get(API, filters)
    assert response.status_code == 400 and field in response.json()
    assert AuditEntry.objects.count() == 1


def test_a_page_costs_the_same_queries_whatever_its_size(admin_api, sarah, boss):
    entries(sarah, 2)
    with CaptureQueriesContext(connection) as few:
        assert admin_api.get(API, {"action": "view"}).status_code == 200
    entries(sarah, 80)
    entries(boss, 20)
    with CaptureQueriesContext(connection) as many:
        assert len(admin_api.get(API, {"action": "view"}).json()["results"]) == 50
    assert len(many) == len(few)


def test_the_trail_is_for_administrators_only(client, alice, sarah, now):
    entries(sarah, 1)
    doctor = staff_user("alice", "practitioner", practitioner=alice)
    for user in (sarah, doctor):
        sign_in(client, user)
        assert client.get(API).status_code == 403


def test_it_is_read_only(admin_api):
    assert admin_api.post(API, "{}", content_type="application/json").status_code == 405
    assert admin_api.delete(API).status_code == 405
    assert admin_api.put(API, "{}", content_type="application/json").status_code == 405


def test_anonymous_callers_get_401(client, db):
    response = client.get(API)
    assert response.status_code == 401 and response.headers["WWW-Authenticate"]


def test_the_openapi_schema_describes_the_workspace_operations(client, db):
    schema = client.get("/api/schema/", headers={"Accept": "application/json"}).content.decode()
    for path in ("/api/v1/staff/absences/", "/api/v1/staff/absences/{absence_id}/",
                 "/api/v1/staff/patients/{patient_id}/merge/", "/api/v1/staff/patients/{patient_id}/export/",
                 "/api/v1/staff/patients/{patient_id}/erase/", "/api/v1/staff/practitioners/{practitioner_id}/schedule/",
                 "/api/v1/staff/practitioners/{practitioner_id}/visit-reasons/{reason_id}/", "/api/v1/staff/audit/"):  # fmt: skip
        assert path in schema
