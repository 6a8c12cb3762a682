"""Keys: generated, published with validity, rotated with a grace period, revoked."""

import os
import stat
from datetime import UTC, datetime, timedelta

import pytest

from federation.keys import KeyStore, PublicKey, UnusableKey, key_id_of

NOW = datetime(2027, 1, 10, 9, 0, tzinfo=UTC)


def test_a_first_key_is_current_and_its_private_half_is_a_private_file(tmp_path):
    store = KeyStore(tmp_path / "keys")
    key = store.create(NOW)
    current, private_key = store.current(NOW)
    assert current == key and key.key_id == key_id_of(key.raw)
    pem = tmp_path / "keys" / f"{key.key_id}.pem"
    assert stat.S_IMODE(os.stat(pem).st_mode) == 0o600
    assert b"PRIVATE KEY" in pem.read_bytes()
    assert private_key.public_key().public_bytes_raw() == key.raw


def test_with_a_passphrase_the_private_key_is_encrypted(tmp_path):
    store = KeyStore(tmp_path, passphrase="correct horse battery staple")
    key = store.create(NOW)
    assert b"ENCRYPTED PRIVATE KEY" in (tmp_path / f"{key.key_id}.pem").read_bytes()
    assert store.current(NOW)[0] == key
    with pytest.raises(UnusableKey):
        KeyStore(tmp_path, passphrase="wrong").current(NOW)


def test_rotation_keeps_the_old_key_usable_for_the_grace_period_only(tmp_path):
    store = KeyStore(tmp_path)
    old = store.create(NOW)
    new = store.rotate(NOW + timedelta(days=30), grace=timedelta(days=7))
    assert store.current(NOW + timedelta(days=30))[0].key_id == new.key_id
    old_now = next(key for key in store.public_keys() if key.key_id == old.key_id)
    assert old_now.usable_at(NOW + timedelta(days=36))
    assert not old_now.usable_at(NOW + timedelta(days=38))


def test_a_revoked_key_is_unusable_at_once_and_its_private_file_is_gone(tmp_path):
    store = KeyStore(tmp_path)
    old = store.create(NOW)
    store.rotate(NOW, grace=timedelta(days=7))
    store.revoke(old.key_id)
    revoked = next(key for key in store.public_keys() if key.key_id == old.key_id)
    assert revoked.revoked and not revoked.usable_at(NOW)
    assert not (tmp_path / f"{old.key_id}.pem").exists()


def test_without_a_key_signing_is_refused_with_a_hint(tmp_path):
    with pytest.raises(UnusableKey, match="key set-up"):
        KeyStore(tmp_path).current(NOW)


def test_a_published_key_round_trips_and_a_forged_id_is_refused(tmp_path):
    key = KeyStore(tmp_path).create(NOW)
    document = key.to_document()
    assert PublicKey.from_document(document) == key
    with pytest.raises(UnusableKey, match="id"):
        PublicKey.from_document({**document, "id": "ed25519-somebody-else"})
    with pytest.raises(UnusableKey, match="algorithm"):
        PublicKey.from_document({**document, "alg": "rsa"})
    with pytest.raises(UnusableKey):
        PublicKey.from_document({**document, "public_key": "AAAA"})
