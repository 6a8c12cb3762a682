"""Timestamps read through psycopg's C loader (config/postgres_timestamps.py) are what Django's own loader gives."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from clinic_instance.models import Appointment
from config.postgres_timestamps import TIMESTAMPTZ_OID, utc_c_loader
from tests.factories import make_appointment, make_practitioner, make_reason

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


def test_connections_decode_timestamptz_with_the_c_loader():
    from psycopg.pq import Format

    connection.ensure_connection()
    loader = connection.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
    assert loader is utc_c_loader()
    with connection.cursor() as cursor:  # Django's check before each cursor keeps it (no Python loader again)
        assert cursor.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT) is loader


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2027, 3, 28, 1, 59, 59, 999999, tzinfo=UTC),  # the last microsecond before Paris springs forward
        datetime(2027, 10, 31, 0, 30, tzinfo=UTC),  # 02:30 Paris, the first of the two (autumn)
        datetime(2027, 10, 31, 1, 30, tzinfo=UTC),  # 02:30 Paris, the second
        datetime(1900, 1, 1, tzinfo=UTC),
        datetime(2100, 12, 31, 23, 59, tzinfo=UTC),
    ],
)
def test_read_back_exactly_as_stored_aware_in_utc(moment):
    practitioner = make_practitioner()
    appointment = make_appointment(practitioner, make_reason(practitioner), moment)
    stored = Appointment.objects.values_list("start", "end").get(pk=appointment.pk)
    assert stored == (moment, moment + timedelta(minutes=20))
    assert stored[0].tzinfo is UTC
    with connection.cursor() as cursor:  # a raw cursor too, as the slot engine's queries see it
        cursor.execute("SELECT %s::timestamptz", [moment.astimezone(PARIS)])
        (raw,) = cursor.fetchone()
    assert raw == moment and raw.tzinfo is UTC
