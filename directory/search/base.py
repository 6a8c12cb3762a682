"""The search contract every backend fulfils."""

import math
from dataclasses import dataclass, field

PAGE_SIZE = 20
# Counts and facets are exact up to this many matches; past it a search says "more than",
# and pages stop there (as Meilisearch's default maxTotalHits).
COUNT_LIMIT = 1_000
MAX_RADIUS_KM = 200.0
EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class SearchQuery:
    text: str = ""
    specialty: str = ""  # a Specialty code
    latitude: float | None = None
    longitude: float | None = None
    radius_km: float = 20.0
    postcode: str = ""  # exact postcode, when the place was given as one without coordinates
    languages: tuple[str, ...] = ()
    new_patients: bool | None = None
    teleconsultation: bool | None = None
    sector: str = ""
    wheelchair_accessible: bool | None = None
    page: int = 1
    page_size: int = PAGE_SIZE

    @property
    def has_position(self) -> bool:
        return self.latitude is not None and self.longitude is not None


@dataclass(frozen=True)
class SearchResult:
    profile_id: int
    distance_km: float | None = None


@dataclass(frozen=True)
class SearchPage:
    count: int  # exact, or COUNT_LIMIT when there are more (count_exact False)
    results: list[SearchResult]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)  # may be empty past COUNT_LIMIT
    count_exact: bool = True


class SearchBackend:
    """Index published profiles and answer queries; ids refer to directory.Profile."""

    def index(self, profile_ids: list[int]) -> None:
        """(Re)index these profiles; unpublished or deleted ones leave the index."""
        raise NotImplementedError

    def search(self, query: SearchQuery) -> SearchPage:
        raise NotImplementedError

    def clear(self) -> None:
        raise NotImplementedError


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def bounding_box(latitude: float, longitude: float, radius_km: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) around a point: a cheap, indexable pre-filter."""
    dlat = math.degrees(radius_km / EARTH_RADIUS_KM)
    dlon = math.degrees(radius_km / (EARTH_RADIUS_KM * max(math.cos(math.radians(latitude)), 0.01)))
    return latitude - dlat, latitude + dlat, longitude - dlon, longitude + dlon
