"""Documents from instances applied to the directory: who may take which profile (PROTOCOL.md §6)."""

from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model

from directory.federated_profiles import DocumentRefused, apply
from directory.models import Instance, Profile
from federation.documents import Practice, ProfileDocument, Tombstone

from .factories import RENNES, make_profile

NOW = datetime(2027, 1, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def tilleuls(db):
    return Instance.objects.create(base_url="https://rdv.tilleuls.example", name="Tilleuls", status="approved")


@pytest.fixture
def chenes(db):
    return Instance.objects.create(base_url="https://rdv.chenes.example", name="Chênes", status="approved")


def document(instance: Instance, ref: str = "p-1", version: int = 1, rpps: str = "10101234567", **fields):
    values = {
        "ref": ref, "version": version, "updated_at": NOW, "first_name": "Claire", "last_name": "Martin",
        "specialty": "dermatologie", "booking_url": f"{instance.base_url}/book/1/", "rpps": rpps,
        "practice": Practice(postcode="35000", city="Rennes", phone="+33299000001"),
    }  # fmt: skip
    return ProfileDocument(**{**values, **fields})


def test_an_open_data_profile_is_taken_over_and_books_online(tilleuls):
    imported = make_profile("Claire", "Martin", "medecine-generale", RENNES, rpps="10101234567", source="import")
    applied = apply(tilleuls, document(tilleuls))
    assert (applied.outcome, applied.profile_id) == ("created", imported.pk)
    imported.refresh_from_db()
    assert imported.books_online and imported.instance_ref == "p-1" and imported.specialty.code == "dermatologie"
    assert apply(tilleuls, Tombstone("p-1", 2)).outcome == "removed"
    imported.refresh_from_db()  # the practitioner is still found, with "call to book"
    assert (imported.status, imported.books_online, imported.instance_ref) == ("published", False, "")


def test_another_instance_cannot_take_a_practitioner_already_published(tilleuls, chenes):
    apply(tilleuls, document(tilleuls))
    with pytest.raises(DocumentRefused) as refused:
        apply(chenes, document(chenes, ref="p-7"))
    assert (refused.value.status, refused.value.error) == (409, "rpps_taken")
    assert Profile.objects.get(rpps="10101234567").instance == tilleuls


def test_a_practitioner_managed_profile_links_only_to_the_instance_they_chose(tilleuls, chenes):
    owner = get_user_model().objects.create_user("claire@example.org", "claire@example.org", "x" * 16)
    managed = make_profile("Claire", "Martin", "dermatologie", RENNES, rpps="10101234567", owner=owner,
                           source="practitioner")  # fmt: skip
    with pytest.raises(DocumentRefused) as refused:
        apply(tilleuls, document(tilleuls))
    assert refused.value.error == "not_chosen_by_practitioner"
    managed.instance = chenes  # the practitioner says: I book at the Chênes
    managed.save()
    assert apply(chenes, document(chenes)).outcome == "created"
    managed.refresh_from_db()
    assert managed.owner == owner and managed.instance_ref == "p-1" and managed.books_online


def test_versions_only_grow_and_a_pending_instance_publishes_nothing(tilleuls):
    apply(tilleuls, document(tilleuls, version=5))
    assert apply(tilleuls, document(tilleuls, version=4, last_name="Old")).outcome == "unchanged"
    assert Profile.objects.get(instance_ref="p-1").last_name == "Martin"
    tilleuls.status = Instance.Status.PENDING
    tilleuls.save()
    with pytest.raises(DocumentRefused) as refused:
        apply(tilleuls, document(tilleuls, version=6))
    assert (refused.value.status, refused.value.error) == (403, "instance_not_approved")


def test_an_unknown_specialty_is_refused_with_the_field(tilleuls):
    with pytest.raises(DocumentRefused) as refused:
        apply(tilleuls, document(tilleuls, specialty="astrologie"))
    assert (refused.value.status, refused.value.error) == (400, "specialty")
