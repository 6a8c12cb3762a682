from tests.clinic_instance.conftest import alice, clinic, consultation, now  # noqa: F401
from tests.directory.conftest import directory_urls  # noqa: F401
