"""Documents from peers: kept only as the protocol defines them."""

from datetime import UTC, datetime

import pytest

from federation.documents import (
    InvalidDocument,
    ProfileDocument,
    Tombstone,
    discovery_document,
    is_under,
    normalize_base_url,
    parse_discovery,
    parse_profile_document,
)
from federation.keys import KeyStore

BASE = "https://rdv.tilleuls.example"


def profile(**changes) -> dict:
    document = {
        "type": "profile",
        "ref": "p-12",
        "version": 3,
        "updated_at": "2027-01-10T09:00:00Z",
        "title": "Dr",
        "first_name": "Claire",
        "last_name": "Martin",
        "rpps": "10101234567",
        "specialty": "medecine-generale",
        "languages": ["fr", "en"],
        "sector": "1",
        "accepts_new_patients": True,
        "teleconsultation": False,
        "wheelchair_accessible": True,
        "practice": {"name": "Maison de santé des Tilleuls", "address": "3 rue des Tilleuls", "postcode": "35000",
                     "city": "Rennes", "latitude": 48.11, "longitude": -1.68, "phone": "+33299000001"},
        "booking_url": f"{BASE}/book/12/",
    }  # fmt: skip
    document.update(changes)
    return document


def test_a_profile_document_is_read_whole():
    parsed = parse_profile_document(profile(), base_url=BASE)
    assert isinstance(parsed, ProfileDocument)
    assert (parsed.ref, parsed.version, parsed.last_name, parsed.languages) == ("p-12", 3, "Martin", ("fr", "en"))
    assert parsed.updated_at == datetime(2027, 1, 10, 9, 0, tzinfo=UTC)
    assert parsed.practice.city == "Rennes" and parsed.practice.phone == "+33299000001"
    assert parsed.dropped == ()
    assert parse_profile_document(
        profile(availability_url=f"{BASE}/api/v1/practitioners/12/next-slot/"), base_url=BASE
    ).availability_url.endswith("/12/next-slot/")


def test_patient_like_and_unknown_fields_are_dropped_and_reported():
    parsed = parse_profile_document(
        profile(patient={"name": "Jean Dupont", "birth_date": "1980-01-01"}, appointments=[{"start": "..."}],
                practice={"city": "Rennes", "patient_phone": "+33600000000"}),
        base_url=BASE,
    )  # fmt: skip
    assert parsed.dropped == ("appointments", "patient", "practice.patient_phone")
    assert not hasattr(parsed, "patient")


def test_text_stays_text_and_control_characters_go():
    parsed = parse_profile_document(profile(last_name="<script>alert(1)</script>\x00\n Martin"), base_url=BASE)
    assert parsed.last_name == "<script>alert(1)</script> Martin"  # escaped wherever it is shown


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"booking_url": "https://evil.example/book/12/"}, "booking_url"),
        ({"booking_url": "https://rdv.tilleuls.example.evil.example/"}, "booking_url"),
        ({"booking_url": "javascript:alert(1)"}, "booking_url"),
        ({"availability_url": "https://evil.example/next-slot/"}, "availability_url"),
        ({"ref": "../../etc"}, "ref"),
        ({"ref": "x" * 65}, "ref"),
        ({"version": 0}, "version"),
        ({"version": "3"}, "version"),
        ({"version": True}, "version"),
        ({"type": "appointment"}, "type"),
        ({"specialty": "<b>"}, "specialty"),
        ({"rpps": "123"}, "rpps"),
        ({"languages": ["english"]}, "languages"),
        ({"sector": "9"}, "sector"),
        ({"accepts_new_patients": "yes"}, "accepts_new_patients"),
        ({"last_name": ""}, "last_name"),
        ({"last_name": "x" * 101}, "last_name"),
        ({"last_name": 42}, "last_name"),
        ({"updated_at": "yesterday"}, "updated_at"),
        ({"updated_at": "2027-01-10T09:00:00"}, "updated_at"),
        ({"practice": {"phone": "02 99 00 00 01"}}, "practice.phone"),
        ({"practice": {"latitude": 48.1}}, "practice.latitude"),
        ({"practice": {"latitude": 95.0, "longitude": 0.0}}, "practice.latitude"),
        ({"practice": {"latitude": True, "longitude": 0.0}}, "practice.latitude"),
        ({"practice": "Rennes"}, "practice"),
    ],
)
def test_bad_fields_are_refused_with_their_name(changes, field):
    with pytest.raises(InvalidDocument) as caught:
        parse_profile_document(profile(**changes), base_url=BASE)
    assert caught.value.field == field


def test_a_tombstone_needs_only_its_ref_and_version():
    assert parse_profile_document({"type": "tombstone", "ref": "p-12", "version": 4}, base_url=BASE) == Tombstone(
        "p-12", 4
    )


def test_urls_under_a_base_url():
    assert is_under(f"{BASE}/book/12/", BASE)
    assert is_under(BASE, BASE)
    assert not is_under("https://rdv.tilleuls.example:8443/book/", BASE)
    assert not is_under("http://rdv.tilleuls.example/book/", BASE)
    assert is_under("https://example.org/clinic/book/1/", "https://example.org/clinic")
    assert not is_under("https://example.org/clinicother/", "https://example.org/clinic")
    assert normalize_base_url("HTTPS://Rdv.Tilleuls.Example/") == BASE
    for bad in ("ftp://x", "https://user:pw@x.example", "https:///nohost", "https://x.example/?q=1"):
        with pytest.raises(InvalidDocument):
            normalize_base_url(bad)


def test_a_discovery_document_round_trips_and_must_describe_where_it_came_from(tmp_path):
    key = KeyStore(tmp_path).create(datetime(2027, 1, 1, tzinfo=UTC))
    document = discovery_document(
        role="clinic", name="Tilleuls", base_url=BASE, keys=[key],
        endpoints={"feed": f"{BASE}/federation/v1/feed/"},
    )  # fmt: skip
    parsed = parse_discovery(document, fetched_from=BASE + "/")
    assert (parsed.role, parsed.name, parsed.keys) == ("clinic", "Tilleuls", (key,))
    with pytest.raises(InvalidDocument, match="base_url"):
        parse_discovery(document, fetched_from="https://other.example")
    with pytest.raises(InvalidDocument, match=r"endpoints\.feed"):
        parse_discovery({**document, "endpoints": {"feed": "http://10.0.0.1/feed"}}, fetched_from=BASE)
    with pytest.raises(InvalidDocument, match="openrdv"):
        parse_discovery({**document, "openrdv": "99"}, fetched_from=BASE)
    with pytest.raises(InvalidDocument, match="keys"):
        parse_discovery({**document, "keys": []}, fetched_from=BASE)
