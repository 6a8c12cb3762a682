from tests.clinic_instance.conftest import alice, clinic, consultation, now  # noqa: F401
