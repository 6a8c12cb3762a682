"""The directory's vocabulary is the protocol's (federation/specialties.py); migrations import it from here."""

from federation.specialties import ENGLISH, SPECIALTIES

__all__ = ["ENGLISH", "SPECIALTIES"]
