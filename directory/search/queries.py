"""The structured filters of a search, as an ORM queryset (the `simple` backend's first step)."""

from django.db.models import QuerySet

from ..models import Profile, Specialty
from .base import MAX_RADIUS_KM, SearchQuery, bounding_box


def structured_filter(query: SearchQuery) -> QuerySet[Profile]:
    """Published profiles matching every filter but the words and languages (JSON lists: not on SQLite)."""
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
    return profiles
