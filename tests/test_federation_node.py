"""Each role as a federation node: its keys command and its discovery document."""

from io import StringIO

import pytest
from django.core.management import call_command

from federation.documents import parse_discovery
from federation.keys import KeyStore

pytestmark = pytest.mark.django_db  # the instance's command re-registers after a rotation


@pytest.fixture
def key_dir(settings, tmp_path):
    settings.FEDERATION_KEY_DIR = tmp_path / "keys"
    return settings.FEDERATION_KEY_DIR


def keys_command(*args: str) -> str:
    out = StringIO()
    call_command("federation_keys", *args, stdout=out)
    return out.getvalue()


def test_the_first_run_creates_a_key_and_the_next_ones_only_list_it(key_dir):
    first = keys_command()
    assert "Created key ed25519-" in first and "current" in first
    assert "Created" not in keys_command()
    assert len(KeyStore(key_dir).public_keys()) == 1


def test_rotation_and_revocation_from_the_command_line(key_dir):
    keys_command()
    old = KeyStore(key_dir).public_keys()[0].key_id
    rotated = keys_command("--rotate", "--grace-days", "3")
    assert f"{old}  valid until" in rotated and "current" in rotated
    assert f"{old}  revoked" in keys_command("--revoke", old)


def test_revoking_an_unknown_key_is_a_clear_error(key_dir):
    from django.core.management import CommandError

    keys_command()
    with pytest.raises(CommandError, match="no key"):
        keys_command("--revoke", "ed25519-nope")


@pytest.mark.parametrize(("urls", "role", "endpoint"), [("clinic_instance.urls", "clinic", "slots"),
                                                         ("directory.urls", "directory", "search")])  # fmt: skip
def test_each_role_publishes_who_it_is_and_its_usable_keys(client, settings, key_dir, urls, role, endpoint):
    settings.ROOT_URLCONF = urls
    settings.OPENRDV_BASE_URL = "https://node.example"
    settings.OPENRDV_SERVER_NAME = "Node"
    keys_command()
    keys_command("--rotate", "--grace-days", "0")  # the first key is retired at once
    response = client.get("/.well-known/openrdv")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    discovery = parse_discovery(response.json(), fetched_from="https://node.example")
    assert (discovery.role, discovery.name, discovery.base_url) == (role, "Node", "https://node.example")
    current = [key for key in KeyStore(key_dir).public_keys() if key.not_after is None]
    assert list(discovery.keys) == current  # the retired key is no longer offered
    assert discovery.endpoints[endpoint].startswith("https://node.example/")
    assert not response.cookies


def test_without_a_configured_base_url_the_request_host_is_used(client, settings, key_dir):
    settings.ROOT_URLCONF = "clinic_instance.urls"
    keys_command()
    document = client.get("/.well-known/openrdv").json()
    assert document["base_url"] == "http://testserver"


def test_registering_without_a_public_address_is_a_clear_error(settings, key_dir):
    from django.core.management import CommandError

    settings.OPENRDV_BASE_URL = ""
    with pytest.raises(CommandError, match="OPENRDV_BASE_URL"):
        call_command("federation_register", "https://annuaire.example.fr")
