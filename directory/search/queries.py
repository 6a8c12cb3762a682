"""ORM pieces shared by the database-backed backends: filters, distance, facets."""

from django.db.models import Count, F, FloatField, QuerySet, Value
from django.db.models.functions import ASin, Cos, Power, Radians, Sin, Sqrt

from ..models import Profile, Specialty
from .base import EARTH_RADIUS_KM, MAX_RADIUS_KM, SearchQuery, bounding_box


def structured_filter(query: SearchQuery, *, filter_languages: bool) -> QuerySet[Profile]:
    """Published profiles matching every filter but the words (and languages, if asked not to)."""
    profiles = Profile.objects.filter(status=Profile.Status.PUBLISHED)
    if query.specialty:
        # The id, resolved apart, keeps the search on the covering (specialty_id, position) index.
        specialty_id = Specialty.objects.filter(code=query.specialty).values_list("pk", flat=True).first()
        profiles = profiles.filter(specialty_id=specialty_id) if specialty_id else profiles.none()
    if query.has_position:
        min_lat, max_lat, min_lon, max_lon = bounding_box(
            query.latitude, query.longitude, min(query.radius_km, MAX_RADIUS_KM)
        )
        profiles = profiles.filter(
            latitude__gte=min_lat, latitude__lte=max_lat, longitude__gte=min_lon, longitude__lte=max_lon
        )
    elif query.postcode:
        profiles = profiles.filter(postcode=query.postcode)
    if query.new_patients is not None:
        profiles = profiles.filter(accepts_new_patients=query.new_patients)
    if query.teleconsultation is not None:
        profiles = profiles.filter(teleconsultation=query.teleconsultation)
    if query.wheelchair_accessible is not None:
        profiles = profiles.filter(wheelchair_accessible=query.wheelchair_accessible)
    if query.sector:
        profiles = profiles.filter(sector=query.sector)
    if filter_languages:
        for language in query.languages:
            profiles = profiles.filter(languages__contains=[language])
    return profiles


def with_distance(profiles: QuerySet[Profile], query: SearchQuery) -> QuerySet[Profile]:
    """Annotate `distance` (km, haversine) and keep those inside the radius."""
    lat, lon = Radians(F("latitude")), Radians(F("longitude"))
    origin_lat = Radians(Value(query.latitude, output_field=FloatField()))
    origin_lon = Radians(Value(query.longitude, output_field=FloatField()))
    half_chord = Power(Sin((lat - origin_lat) / 2), 2) + Cos(lat) * Cos(origin_lat) * Power(
        Sin((lon - origin_lon) / 2), 2
    )
    distance = 2 * EARTH_RADIUS_KM * ASin(Sqrt(half_chord))
    return profiles.annotate(distance=distance).filter(distance__lte=min(query.radius_km, MAX_RADIUS_KM))


FACETED = ("specialty_id", "sector", "accepts_new_patients", "teleconsultation", "wheelchair_accessible")


def count_and_facets(profiles: QuerySet[Profile]) -> tuple[int, dict[str, dict[str, int]]]:
    """The result's size and its counts per specialty, sector and yes/no filter, in one query.

    One GROUP BY over the combinations (a few hundred at most) instead of a
    query per facet: each of those re-ran the whole search.
    """
    codes = dict(Specialty.objects.values_list("pk", "code"))
    facets: dict[str, dict[str, int]] = {name: {} for name in ("specialty", "sector", *FACETED[2:])}
    total = 0
    for row in profiles.order_by().values(*FACETED).annotate(n=Count("pk")):
        n = row["n"]
        total += n
        _add(facets["specialty"], codes.get(row["specialty_id"], ""), n)
        if row["sector"]:
            _add(facets["sector"], row["sector"], n)
        for name in FACETED[2:]:
            _add(facets[name], str(row[name]).lower(), n)
    return total, facets


def _add(counts: dict[str, int], key: str, n: int) -> None:
    counts[key] = counts.get(key, 0) + n
