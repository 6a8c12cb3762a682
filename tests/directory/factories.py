"""Directory profiles in a few lines. Places: Rennes, Cesson-Sévigné (6 km), Saint-Malo (65 km), Paris."""

from directory.models import Profile, Specialty
from directory.specialties import ENGLISH, SPECIALTIES

RENNES = (48.1113, -1.6800)
CESSON = (48.1211, -1.6031)
SAINT_MALO = (48.6493, -2.0257)
PARIS = (48.8566, 2.3522)


def specialty(code: str) -> Specialty:
    """From the vocabulary (tests cannot rely on the data migration's rows surviving a flush)."""
    row = next(row for row in SPECIALTIES if row[0] == code)
    label_en, synonyms_en = ENGLISH[code]
    found, _ = Specialty.objects.get_or_create(
        code=code,
        defaults={
            "label": row[1], "profession": row[2], "synonyms": row[3], "annuaire_codes": row[4],
            "label_en": label_en, "synonyms_en": synonyms_en,
        },
    )  # fmt: skip
    return found


def make_profile(first_name: str, last_name: str, specialty_code: str, place=RENNES, **fields) -> Profile:
    city, postcode = {
        RENNES: ("Rennes", "35000"),
        CESSON: ("Cesson-Sévigné", "35510"),
        SAINT_MALO: ("Saint-Malo", "35400"),
        PARIS: ("Paris", "75011"),
    }.get(place, ("", ""))
    defaults = {"title": "Dr", "city": city, "postcode": postcode, "latitude": place[0], "longitude": place[1]}
    return Profile.objects.create(
        first_name=first_name, last_name=last_name, specialty=specialty(specialty_code), **{**defaults, **fields}
    )
