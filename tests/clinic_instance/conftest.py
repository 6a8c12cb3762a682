import pytest
import time_machine

from tests.factories import make_clinic, make_practitioner, make_reason, paris

NOW = paris(2027, 3, 1, 8, 0)  # a Monday morning


@pytest.fixture
def now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def clinic(db):
    return make_clinic()


@pytest.fixture
def alice(clinic):
    """Dr Alice Durand, general practitioner: weekdays 09:00-12:00 and 14:00-18:00."""
    return make_practitioner("Alice", "Durand", "Médecin généraliste")


@pytest.fixture
def consultation(alice):
    return make_reason(alice, "Consultation", 20)


@pytest.fixture
def bob(clinic):
    """Dr Bob Martin, dermatologist, who works with none of Alice's visit reasons."""
    return make_practitioner("Bob", "Martin", "Dermatologue")
