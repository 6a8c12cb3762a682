"""Signed requests: what is accepted, and every way a request is refused (each with its reason)."""

from datetime import UTC, datetime, timedelta

import pytest

from federation.keys import KeyStore
from federation.replay import MemoryReplayStore
from federation.signing import SignatureRejected, sign_request, verify_request

NOW = datetime(2027, 1, 10, 9, 0, tzinfo=UTC)
URL = "https://annuaire.example.fr/federation/v1/profiles/"
BODY = b'{"type": "profile", "ref": "p-1", "version": 3}'


@pytest.fixture
def keys(tmp_path):
    store = KeyStore(tmp_path)
    store.create(NOW - timedelta(days=1))
    return store


def signed(keys, *, method="POST", url=URL, body=BODY, now=NOW) -> list[tuple[str, str]]:
    key, private_key = keys.current(NOW)
    headers = sign_request(method, url, body, key_id=key.key_id, private_key=private_key, now=now)
    return [("Content-Type", "application/json"), *headers.items()]


def verify(keys, headers, *, method="POST", url=URL, body=BODY, now=NOW, replay_store=None, find_key=None):
    published = {key.key_id: key for key in keys.public_keys()}
    return verify_request(
        method,
        url,
        headers,
        body,
        find_key=find_key or published.get,
        replay_store=replay_store or MemoryReplayStore(),
        now=now,
    )


def rejected(keys, headers, **kwargs) -> str:
    with pytest.raises(SignatureRejected) as caught:
        verify(keys, headers, **kwargs)
    return caught.value.reason


def test_a_signed_request_is_accepted_and_names_its_key(keys):
    verified = verify(keys, signed(keys))
    assert verified.key_id == keys.current(NOW)[0].key_id
    assert verified.created == NOW


def test_the_signature_covers_method_target_authority_and_digest(keys):
    headers = dict(signed(keys))
    assert headers["Content-Digest"].startswith("sha-256=:")
    signature_input = headers["Signature-Input"]
    assert signature_input.startswith('openrdv=("@method" "@target-uri" "@authority" "content-digest")')
    for parameter in ("created=", "expires=", "keyid=", 'alg="ed25519"', "nonce=", 'tag="openrdv-federation"'):
        assert parameter in signature_input


def test_a_replayed_request_is_refused(keys):
    store, headers = MemoryReplayStore(), signed(keys)
    verify(keys, headers, replay_store=store)
    assert rejected(keys, headers, replay_store=store) == "replayed"


def test_a_body_swapped_after_signing_is_refused(keys):
    assert rejected(keys, signed(keys), body=BODY.replace(b"p-1", b"p-2")) == "digest_mismatch"


def test_a_digest_recomputed_for_the_swapped_body_breaks_the_signature(keys):
    from http_message_signatures import ContentDigest

    swapped = BODY.replace(b"p-1", b"p-2")
    headers = [(n, ContentDigest.create(swapped) if n == "Content-Digest" else v) for n, v in signed(keys)]
    assert rejected(keys, headers, body=swapped) == "bad_signature"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"method": "PUT"}, "bad_signature"),
        ({"url": URL + "?extra=1"}, "bad_signature"),
        ({"url": URL.replace("annuaire.example.fr", "annuaire.example.org")}, "bad_signature"),
    ],
)
def test_another_method_target_or_host_breaks_the_signature(keys, change, reason):
    assert rejected(keys, signed(keys), **change) == reason


def test_a_signature_from_another_key_is_forged(keys, tmp_path):
    forger = KeyStore(tmp_path / "forger")
    forger_key = forger.create(NOW)
    _, forger_private = forger.current(NOW)
    genuine_id = keys.current(NOW)[0].key_id
    headers = sign_request("POST", URL, BODY, key_id=genuine_id, private_key=forger_private, now=NOW)
    assert forger_key.key_id != genuine_id
    assert rejected(keys, list(headers.items())) == "bad_signature"


def test_a_flipped_signature_byte_is_refused(keys):
    headers = dict(signed(keys))
    value = headers["Signature"]
    headers["Signature"] = value[:12] + ("A" if value[12] != "A" else "B") + value[13:]
    assert rejected(keys, list(headers.items())) == "bad_signature"


@pytest.mark.parametrize(
    ("signed_at", "reason"),
    [
        (NOW - timedelta(minutes=10), "expired"),
        (NOW + timedelta(minutes=2), "from_the_future"),
    ],
)
def test_a_request_outside_the_time_window_is_refused(keys, signed_at, reason):
    assert rejected(keys, signed(keys, now=signed_at)) == reason


def test_a_little_clock_skew_is_tolerated(keys):
    verify(keys, signed(keys, now=NOW + timedelta(seconds=20)))
    verify(keys, signed(keys, now=NOW - timedelta(minutes=5, seconds=20)))


def test_unknown_revoked_and_retired_keys_are_refused(keys):
    headers = signed(keys)
    assert rejected(keys, headers, find_key=lambda key_id: None) == "unknown_key"
    key = keys.current(NOW)[0]
    keys.rotate(NOW - timedelta(days=1) + timedelta(hours=1), grace=timedelta(hours=1))
    assert rejected(keys, headers) == "key_expired"  # its grace period ended before NOW
    keys.revoke(key.key_id)
    assert rejected(keys, headers) == "key_revoked"


@pytest.mark.parametrize(
    ("mangle", "reason"),
    [
        (lambda h: [(n, v) for n, v in h if n != "Signature"], "missing_signature"),
        (lambda h: [(n, v) for n, v in h if n != "Content-Digest"], "missing_digest"),
        (lambda h: [(n, v.replace("openrdv=", "other=")) for n, v in h], "missing_signature"),
        (lambda h: [(n, "openrdv=((((" if n == "Signature-Input" else v) for n, v in h], "malformed_signature"),
        (lambda h: [(n, v.replace('alg="ed25519"', 'alg="hmac-sha256"')) for n, v in h], "unsupported_algorithm"),
        (lambda h: [(n, v.replace(' "content-digest"', "")) for n, v in h], "components_missing"),
        (lambda h: [(n, v + ";x" * 3000 if n == "Signature" else v) for n, v in h], "malformed_signature"),
        (lambda h: [(n, "sha-256=:AAAA:" if n == "Content-Digest" else v) for n, v in h], "digest_mismatch"),
    ],
)
def test_malformed_headers_are_refused_with_their_reason(keys, mangle, reason):
    assert rejected(keys, mangle(signed(keys))) == reason


def test_created_far_outside_any_date_is_malformed_not_a_crash(keys):
    headers = [
        (n, v.replace("created=", "created=9999999999999").replace("expires=", "expires=1")) for n, v in signed(keys)
    ]
    assert rejected(keys, headers) in {"malformed_signature", "from_the_future", "expired"}


def test_a_key_signing_before_its_validity_is_refused_beyond_the_clock_skew(tmp_path):
    store = KeyStore(tmp_path)
    store.create(NOW)
    verify(store, signed(store, now=NOW - timedelta(seconds=20)), now=NOW)  # skew: accepted
    early = signed(store, now=NOW - timedelta(minutes=2))
    assert rejected(store, early, now=NOW - timedelta(minutes=2)) == "key_expired"
