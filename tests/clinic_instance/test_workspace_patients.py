"""The patient pages of the workspace: search, record, corrections, merge, export and erasure, as attacks too.

Personas: Anne administers the clinic; Sarah is Dr Alice's secretary; Dr Bob
sees his own agenda. Paul Petit sees both doctors; "Paul Peti" is his duplicate.
"""

import json
from datetime import date

import pytest
from django.test import Client

from clinic_instance.models import Appointment, AuditEntry, Clinic, Patient
from tests.factories import make_appointment, make_patient, make_reason, paris
from tests.workspace import sign_in, staff_user

INJECTIONS = [
    "'; DROP TABLE clinic_instance_patient; --",
    "<script>alert('x')</script>",
    "Robert%' OR '1'='1",
    "\\x00 ${7*7} {{ 7*7 }}",
]


@pytest.fixture
def client():
    """An English-speaking browser (the clinic's default language is French)."""
    return Client(headers={"accept-language": "en"})


@pytest.fixture
def paul(db):
    return make_patient("Paul", "Petit", email="")


@pytest.fixture
def visits(now, alice, bob, consultation, paul):
    dermatology = make_reason(bob, "Dermatologie", 30)
    return {
        "missed": make_appointment(alice, consultation, paris(2027, 2, 1, 9), paul, status="no_show"),
        "tomorrow": make_appointment(alice, consultation, paris(2027, 3, 2, 9), paul),
        "bob": make_appointment(bob, dermatology, paris(2027, 3, 8, 10), paul),
    }


@pytest.fixture
def anne(client, clinic, now):
    user = staff_user("anne", "admin")
    sign_in(client, user)
    return user


@pytest.fixture
def sarah(client, alice, now):
    user = staff_user("sarah", "secretary", agendas=[alice])
    sign_in(client, user)
    return user


def contact(**overrides) -> dict:
    return {
        "first_name": "Paul",
        "last_name": "Petit",
        "birth_date": "1980-05-17",
        "phone": "06 12 34 56 78",
        "email": "",
        **overrides,
    }


def test_every_page_sends_anonymous_visitors_to_the_login(client, paul):
    for url in [
        "/workspace/patients/",
        f"/workspace/patients/{paul.pk}/",
        f"/workspace/patients/{paul.pk}/edit/",
        f"/workspace/patients/{paul.pk}/merge/?duplicate=1",
        f"/workspace/patients/{paul.pk}/export.json",
        f"/workspace/patients/{paul.pk}/erase/",
        "/workspace/audit/",
        "/workspace/data-retention/",
    ]:
        for response in (client.get(url), client.post(url)):
            assert response.status_code == 302 and "next=" in response["Location"], url
    assert Patient.objects.filter(pk=paul.pk, erased_at__isnull=True).exists()


def test_search_lists_matches_with_the_duplicate_flag(client, sarah, paul, now):
    make_patient("Paul", "Peti")
    response = client.get("/workspace/patients/", {"q": "petit 17/05/1980"})
    assert response.status_code == 200
    page = response.content.decode()
    assert f'href="/workspace/patients/{paul.pk}/"' in page and "06 12 34 56 78" in page
    assert "possible duplicate" in page
    # Every patient listed was read; the query (it may hold a name) is not kept.
    entries = AuditEntry.objects.filter(action="view", object_type="patient")
    assert {entry.patient_id for entry in entries} == set(Patient.objects.values_list("pk", flat=True))
    assert all(entry.detail == "search result" and entry.actor_label == "sarah" for entry in entries)


def test_search_survives_injection_strings_and_refuses_oversized_ones(client, sarah, paul, now):
    for query in INJECTIONS:
        response = client.get("/workspace/patients/", {"q": query})
        assert response.status_code in (200, 400), query
        assert "<script>alert" not in response.content.decode()
    assert client.get("/workspace/patients/", {"q": "Petit\x00"}).status_code == 400
    response = client.get("/workspace/patients/", {"q": "a" * 101})
    assert response.status_code == 400 and "Name, birth date or phone:" in response.content.decode()
    assert Patient.objects.count() == 1


def test_the_record_shows_only_the_appointments_of_visible_agendas(client, sarah, paul, visits):
    response = client.get(f"/workspace/patients/{paul.pk}/")
    assert response.status_code == 200 and response["Cache-Control"] == "no-store, private"
    page = response.content.decode()
    assert f'href="/workspace/appointments/{visits["tomorrow"].pk}/"' in page
    assert f'href="/workspace/appointments/{visits["missed"].pk}/"' in page
    assert f"/workspace/appointments/{visits['bob'].pk}/" not in page and "Dermatologie" not in page
    assert response.context["record"].no_shows == 1
    entry = AuditEntry.objects.get(action="view")
    assert (entry.patient_id, entry.actor_label, entry.ip_address, entry.detail) == (paul.pk, "sarah", "127.0.0.1", "")
    assert "Export (GDPR" not in page  # administrators only


def test_a_missing_and_an_erased_patient_answer_the_same_404(client, sarah, paul, now):
    erased = make_patient("Old", "Record", phone="", erased_at=now)
    responses = [client.get(f"/workspace/patients/{pk}/") for pk in (erased.pk, 987_654, 99_999_999_999_999_999_999)]
    assert {r.status_code for r in responses} == {404}
    assert responses[0].content == responses[1].content
    for suffix in ("edit/", "merge/?duplicate=1"):
        assert client.post(f"/workspace/patients/{erased.pk}/{suffix}", contact()).status_code == 404
    assert client.get(f"/workspace/patients/{paul.pk}/merge/?duplicate={erased.pk}").status_code == 404
    assert client.get(f"/workspace/patients/{paul.pk}/merge/?duplicate=abc").status_code == 404


def test_staff_correct_contact_details(client, sarah, paul):
    response = client.post(f"/workspace/patients/{paul.pk}/edit/", contact(phone="07 81 22 33 44", email="p@x.org"))
    assert response.status_code == 302 and response["Location"] == f"/workspace/patients/{paul.pk}/"
    paul.refresh_from_db()
    assert (paul.phone, paul.email) == ("+33781223344", "p@x.org")
    entry = AuditEntry.objects.get(action="update")
    assert entry.detail == "phone, email" and entry.patient_id == paul.pk
    assert client.get(f"/workspace/patients/{paul.pk}/edit/").status_code == 405


@pytest.mark.parametrize(
    ("field", "value", "label"),
    [
        ("first_name", "P" * 101, "First name"),
        ("last_name", "", "Last name"),
        ("phone", "12", "Phone"),
        ("phone", "0" * 40, "Phone"),
        ("email", "x" * 250 + "@example.org", "E-mail"),
        ("birth_date", "2099-01-01", "Birth date"),
        ("birth_date", "17/05/1980'; --", "Birth date"),
        ("first_name", "Paul\x01", "First name"),
    ],
)
def test_bad_details_name_the_field_and_change_nothing(client, sarah, paul, field, value, label):
    before = Patient.objects.filter(pk=paul.pk).values().get()
    response = client.post(f"/workspace/patients/{paul.pk}/edit/", contact(**{field: value}))
    assert response.status_code == 400
    assert f"{label}: " in response.content.decode()
    assert Patient.objects.filter(pk=paul.pk).values().get() == before
    assert not AuditEntry.objects.filter(action="update").exists()


def test_injection_strings_in_names_are_stored_as_text_and_shown_escaped(client, sarah, paul):
    for name in INJECTIONS[:3]:
        response = client.post(f"/workspace/patients/{paul.pk}/edit/", contact(last_name=name))
        assert response.status_code == 302
        paul.refresh_from_db()
        assert paul.last_name == name
        page = client.get(f"/workspace/patients/{paul.pk}/").content.decode()
        assert "<script>alert" not in page
    assert Patient.objects.count() == 1


def test_an_administrator_merges_a_duplicate_after_confirming(client, anne, paul, visits, alice, consultation):
    twin = make_patient("Paul", "Peti", phone="+33699999999", email="paul@example.org", birth_date=date(1980, 5, 17))
    moved = make_appointment(alice, consultation, paris(2027, 3, 3, 9), twin)
    page = client.get(f"/workspace/patients/{paul.pk}/").content.decode()
    assert f"/workspace/patients/{paul.pk}/merge/?duplicate={twin.pk}" in page

    confirm = client.get(f"/workspace/patients/{paul.pk}/merge/", {"duplicate": twin.pk})
    assert confirm.status_code == 200 and "PETI Paul" in confirm.content.decode()
    assert Patient.objects.filter(pk=twin.pk).exists()  # a GET changes nothing

    response = client.post(f"/workspace/patients/{paul.pk}/merge/", {"duplicate": twin.pk})
    assert response.status_code == 302 and response["Location"] == f"/workspace/patients/{paul.pk}/"
    assert not Patient.objects.filter(pk=twin.pk).exists()
    assert Appointment.objects.get(pk=moved.pk).patient_id == paul.pk
    paul.refresh_from_db()
    assert paul.email == "paul@example.org"
    assert AuditEntry.objects.filter(action="merge", patient_id=paul.pk, actor_label="anne").exists()


def test_merging_a_record_into_itself_is_refused(client, anne, paul):
    response = client.post(f"/workspace/patients/{paul.pk}/merge/", {"duplicate": paul.pk}, follow=True)
    assert "cannot be merged into itself" in response.content.decode()
    assert Patient.objects.filter(pk=paul.pk).exists() and not AuditEntry.objects.filter(action="merge").exists()


def test_a_secretary_cannot_merge_records_with_appointments_outside_her_agendas(client, sarah, paul, visits):
    twin = make_patient("Paul", "Peti")
    assert client.get(f"/workspace/patients/{twin.pk}/merge/", {"duplicate": paul.pk}).status_code == 403
    assert client.post(f"/workspace/patients/{twin.pk}/merge/", {"duplicate": paul.pk}).status_code == 403
    assert Patient.objects.filter(pk=paul.pk).exists() and Appointment.objects.filter(patient=paul).count() == 3


def test_an_administrator_exports_a_patient_as_a_json_download(client, anne, paul, visits):
    response = client.get(f"/workspace/patients/{paul.pk}/export.json")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == f'attachment; filename="patient-{paul.pk}.json"'
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["patient"]["last_name"] == "Petit" and len(data["appointments"]) == 3
    assert AuditEntry.objects.filter(action="export", patient_id=paul.pk, actor_label="anne").exists()


def test_only_administrators_export_erase_and_set_retention(client, sarah, paul, visits):
    assert client.get(f"/workspace/patients/{paul.pk}/export.json").status_code == 403
    assert client.get(f"/workspace/patients/{paul.pk}/erase/").status_code == 403
    assert client.post(f"/workspace/patients/{paul.pk}/erase/").status_code == 403
    assert client.get("/workspace/audit/").status_code == 403
    assert client.get("/workspace/data-retention/").status_code == 403
    assert client.post("/workspace/data-retention/", {"patient_retention_years": 1}).status_code == 403
    assert client.post("/workspace/data-retention/purge/").status_code == 403
    paul.refresh_from_db()
    assert paul.erased_at is None and not AuditEntry.objects.filter(action__in=["export", "erase"]).exists()


def test_an_administrator_erases_a_patient_after_confirming(client, anne, paul, visits, now):
    confirm = client.get(f"/workspace/patients/{paul.pk}/erase/")
    assert confirm.status_code == 200 and "PETIT Paul" in confirm.content.decode()
    paul.refresh_from_db()
    assert paul.erased_at is None

    response = client.post(f"/workspace/patients/{paul.pk}/erase/")
    assert response.status_code == 302 and response["Location"] == "/workspace/patients/"
    paul.refresh_from_db()
    assert paul.erased_at == now and paul.last_name != "Petit"
    assert Appointment.objects.filter(patient=paul).count() == 3
    assert client.get(f"/workspace/patients/{paul.pk}/").status_code == 404
    assert client.get(f"/workspace/patients/{paul.pk}/export.json").status_code == 404
    assert AuditEntry.objects.get(action="erase").actor_label == "anne"


def test_an_administrator_sets_the_retention_periods_and_purges_now(client, anne, clinic):
    page = client.get("/workspace/data-retention/").content.decode()
    assert "Patients with no appointment for this long" in page  # the help texts
    response = client.post("/workspace/data-retention/", {"patient_retention_years": 5, "audit_retention_days": 90})
    assert response.status_code == 302
    clinic = Clinic.load()
    assert (clinic.patient_retention_years, clinic.audit_retention_days) == (5, 90)
    assert AuditEntry.objects.filter(action="update", object_type="clinic").exists()

    bad = client.post("/workspace/data-retention/", {"patient_retention_years": 0, "audit_retention_days": 10**9})
    assert bad.status_code == 400
    assert "patient data kept (years): " in bad.content.decode().lower()
    assert Clinic.load().patient_retention_years == 5

    assert client.get("/workspace/data-retention/purge/").status_code == 405
    done = client.post("/workspace/data-retention/purge/", follow=True)
    assert "0 patients erased, 0 audit entries deleted" in done.content.decode()
    assert AuditEntry.objects.get(action="purge").actor_label == "anne"


def test_the_birth_date_field_reads_iso_dates_in_french_too(sarah, paul):
    french = Client(headers={"accept-language": "fr"})
    sign_in(french, sarah)
    page = french.get(f"/workspace/patients/{paul.pk}/").content.decode()
    assert 'type="date" name="birth_date" value="1980-05-17"' in page
    assert french.post(f"/workspace/patients/{paul.pk}/edit/", contact(birth_date="17/05/1981")).status_code == 302
    paul.refresh_from_db()
    assert paul.birth_date == date(1981, 5, 17)


def test_the_look_alikes_a_record_shows_are_reads_too(client, sarah, paul, now):
    look_alike = make_patient("Paul", "Peti", phone="+33698765432")
    client.get(f"/workspace/patients/{paul.pk}/")
    assert sorted(AuditEntry.objects.values_list("patient_id", "detail")) == sorted(
        [(paul.pk, ""), (look_alike.pk, "search result")]
    )


def test_staff_may_record_a_landline_for_a_patient_without_a_mobile(client, sarah, paul):
    # Patients type a mobile (their SMS go there); a secretary may record the number the clinic can call.
    response = client.post(f"/workspace/patients/{paul.pk}/edit/", contact(phone="02 99 12 34 56"))
    assert response.status_code == 302
    paul.refresh_from_db()
    assert paul.phone == "+33299123456"


def test_every_page_of_the_workspace_writes_a_phone_one_way(client, anne, paul, visits):
    """06 12 34 56 78 for reading, +33612345678 only inside tel: links (was three formats)."""
    pages = [
        "/workspace/patients/?q=Petit",
        f"/workspace/patients/{paul.pk}/",
        f"/workspace/appointments/{visits['tomorrow'].pk}/",
    ]
    for url in pages:
        page = client.get(url).content.decode()
        assert "06 12 34 56 78" in page, url
        assert "+33612345678" not in page.replace('href="tel:+33612345678"', ""), url
