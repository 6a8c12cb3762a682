import pytest


@pytest.fixture
def directory_urls(settings):
    """Serve the directory role's URLs (the test settings install both roles' apps)."""
    settings.ROOT_URLCONF = "directory.urls"
