"""/healthz answers without touching anything; /readyz names the dependency that fails."""

from datetime import timedelta

import pytest
from django.db import connections

from clinic_instance.models import OutgoingMessage
from config.operations import health
from tests.network import free_port
from tests.redis_server import RedisServer


def ready(client):
    response = client.get("/readyz")
    return response.status_code, response.json()


def test_liveness_answers_ok_without_touching_the_database(client):
    response = client.get("/healthz")  # no django_db mark: any query would raise
    assert (response.status_code, response.content) == (200, b"ok")


@pytest.mark.django_db
def test_a_healthy_instance_is_ready_and_names_each_check_and_nothing_else(client, now):
    status, body = ready(client)
    assert status == 200
    assert body == {
        "status": "ok",
        "checks": {"database": "ok", "redis": "ok", "message_outbox": "ok", "federation_delivery": "ok"},
    }


@pytest.mark.django_db
def test_readiness_fails_while_postgresql_is_unreachable_and_recovers(client, now, monkeypatch):
    unreachable = connections.create_connection("default")
    unreachable.settings_dict = {
        **unreachable.settings_dict,
        "HOST": "127.0.0.1",
        "PORT": free_port(),  # nothing listens there
        "OPTIONS": {"connect_timeout": 2},
    }
    monkeypatch.setattr(health, "connections", {"default": unreachable})
    status, body = ready(client)
    assert status == 503
    assert body["status"] == "fail"
    assert body["checks"]["database"] == "fail"
    assert body["checks"]["message_outbox"] == "fail"  # unknowable without the database
    monkeypatch.undo()
    assert ready(client)[0] == 200


@pytest.mark.django_db
def test_readiness_fails_while_redis_is_down_and_recovers_when_it_is_back(client, now, settings, tmp_path):
    with RedisServer(tmp_path / "redis") as server:
        settings.REDIS_URL = server.url
        assert ready(client)[0] == 200
        server.kill()
        status, body = ready(client)
        assert status == 503
        assert body["checks"] == {**body["checks"], "redis": "fail", "database": "ok"}
        server.start()
        assert ready(client)[0] == 200


@pytest.mark.django_db
def test_an_old_unsent_message_makes_the_instance_not_ready(client, now, clinic):
    def queue(due_at):
        return OutgoingMessage.objects.create(
            channel="sms", kind="reminder", recipient="+33612345678", body="-", dedupe_key=str(due_at), due_at=due_at
        )

    queue(now - timedelta(minutes=10))  # late, within the bound
    assert ready(client)[0] == 200
    old = queue(now - timedelta(minutes=16))
    status, body = ready(client)
    assert (status, body["checks"]["message_outbox"]) == (503, "fail")
    OutgoingMessage.objects.filter(pk=old.pk).update(status="sent", sent_at=now)
    assert ready(client)[0] == 200


@pytest.mark.django_db
def test_a_directory_with_an_overdue_feed_is_not_ready(client, now, settings):
    from directory.models import Instance

    settings.ROOT_URLCONF = "directory.urls"
    settings.OPERATIONS_LAG_CHECKS = {"federation_pull": "directory.feed_lag.pulls_within_lag"}
    settings.OPERATIONS_GAUGES = "directory.feed_lag.gauges"
    instance = Instance.objects.create(base_url="https://rdv.example.fr", name="A", status="approved")
    Instance.objects.filter(pk=instance.pk).update(feed_read_at=now - timedelta(minutes=5))
    assert ready(client) == (
        200,
        {"status": "ok", "checks": {"database": "ok", "redis": "ok", "federation_pull": "ok"}},
    )
    Instance.objects.filter(pk=instance.pk).update(feed_read_at=now - timedelta(minutes=20))
    assert ready(client)[1]["checks"]["federation_pull"] == "fail"


@pytest.mark.django_db
def test_the_health_endpoints_are_not_in_the_api_schema(client, clinic):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert not [path for path in schema["paths"] if path.strip("/") in {"healthz", "readyz", "metrics"}]
    assert any(path.startswith("/api/v1/") for path in schema["paths"])
