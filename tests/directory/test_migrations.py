"""The directory's data migrations, run on the real database from the state before them."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE_KEY_ROWS = [("directory", "0010_instance_feed")]


def key(key_id: str) -> dict:
    return {"id": key_id, "alg": "ed25519", "public_key": "x", "not_before": "2027-01-01T00:00:00Z"}


@pytest.mark.django_db(transaction=True)
def test_keys_listed_by_two_instances_go_to_the_approved_one():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE_KEY_ROWS)
    Instance = executor.loader.project_state(BEFORE_KEY_ROWS).apps.get_model("directory", "Instance")
    fake = Instance.objects.create(base_url="https://fake.example", name="Fake", keys=[key("b"), key("f")])
    genuine = Instance.objects.create(
        base_url="https://b.example", name="B", status="approved", keys=[key("b"), key("b2")]
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    from directory.models import InstanceKey

    held = dict(InstanceKey.objects.values_list("key_id", "instance_id"))
    assert held == {"b": genuine.pk, "b2": genuine.pk, "f": fake.pk}
