"""The next free slot, read by directories' pages from the patient's browser (PROTOCOL.md §7)."""

from clinic_instance.cross_origin import forget_origins
from clinic_instance.models import DirectoryRegistration, VisitReason
from tests.factories import make_appointment, make_reason, paris


def next_slot(client, practitioner, **headers):
    return client.get(f"/api/v1/practitioners/{practitioner.pk}/next-slot/", headers=headers)


def test_the_first_slot_a_new_patient_can_book_online(client, now, alice, consultation):
    make_reason(alice, "Suivi", 15, patients=VisitReason.Patients.KNOWN)  # earlier slots would not count
    make_appointment(alice, consultation, paris(2027, 3, 1, 9, 0))
    answer = next_slot(client, alice).json()
    assert answer["start"] == "2027-03-01T09:20:00+01:00"
    assert answer["visit_reason"] == {"id": consultation.pk, "name": "Consultation"}
    assert answer["booking_url"] == f"http://testserver/book/{alice.pk}/?reason={consultation.pk}"


def test_nothing_free_is_null_not_an_error(client, now, alice):
    make_reason(alice, "Consultation", 20, online_bookable=False)
    assert next_slot(client, alice).json()["start"] is None


def test_an_unknown_or_inactive_practitioner_is_404(client, now, alice, consultation):
    assert client.get("/api/v1/practitioners/999999/next-slot/").status_code == 404
    alice.is_active = False
    alice.save()
    assert next_slot(client, alice).status_code == 404


def test_only_registered_directories_may_read_it_from_a_browser(client, now, alice, consultation):
    forget_origins()
    DirectoryRegistration.objects.create(base_url="https://annuaire.example.fr", name="Annuaire")
    allowed = next_slot(client, alice, origin="https://annuaire.example.fr")
    assert allowed["Access-Control-Allow-Origin"] == "https://annuaire.example.fr"
    assert "Origin" in allowed["Vary"] and "Access-Control-Allow-Credentials" not in allowed
    other = next_slot(client, alice, origin="https://evil.example")
    assert "Access-Control-Allow-Origin" not in other
    slots = client.get(
        "/api/v1/slots/",
        {"practitioner": alice.pk, "visit_reason": consultation.pk, "from": "2027-03-01", "to": "2027-03-02"},
        headers={"origin": "https://annuaire.example.fr"},
    )
    assert slots["Access-Control-Allow-Origin"] == "https://annuaire.example.fr"
    forget_origins()
