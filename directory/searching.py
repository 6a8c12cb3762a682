"""One search, from request parameters to profiles: shared by the API and the pages."""

from dataclasses import dataclass

from rest_framework import serializers

from . import gazetteer
from .models import Profile
from .search import SearchPage, SearchQuery, get_backend
from .search.base import COUNT_LIMIT, MAX_RADIUS_KM, PAGE_SIZE

DEFAULT_RADIUS_KM = 20.0
MAX_PAGE = COUNT_LIMIT // PAGE_SIZE
# What a result shows (name, specialty, address, booking): nothing more is read.
RESULT_FIELDS = (
    "title", "first_name", "last_name", "specialty__code", "specialty__label", "practice_name", "address",
    "postcode", "city", "phone", "accepts_new_patients", "booking_url", "instance",
)  # fmt: skip


class SearchParams(serializers.Serializer):
    """The query string of a search (`/api/v1/search/` and the search page)."""

    q = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    specialty = serializers.SlugField(required=False, allow_blank=True, max_length=60, default="")
    place = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    lat = serializers.FloatField(required=False, min_value=-90, max_value=90)
    lon = serializers.FloatField(required=False, min_value=-180, max_value=180)
    radius_km = serializers.FloatField(required=False, min_value=1, max_value=MAX_RADIUS_KM, default=DEFAULT_RADIUS_KM)
    language = serializers.ListField(
        child=serializers.RegexField(r"^[a-z]{2}$"), required=False, max_length=5, default=list
    )
    new_patients = serializers.BooleanField(required=False, allow_null=True, default=None)
    teleconsultation = serializers.BooleanField(required=False, allow_null=True, default=None)
    accessible = serializers.BooleanField(required=False, allow_null=True, default=None)
    sector = serializers.ChoiceField(choices=["", "1", "2", "3"], required=False, default="")
    page = serializers.IntegerField(required=False, min_value=1, max_value=MAX_PAGE, default=1)

    def to_internal_value(self, data):
        if hasattr(data, "getlist"):  # a QueryDict: keep repeated ?language=, drop empty form fields
            data = {key: data.get(key) for key in data if data.get(key) != ""}
            data["language"] = [code for code in self.initial_data.getlist("language") if code]
        return super().to_internal_value(data)

    def validate(self, attrs):
        if ("lat" in attrs) != ("lon" in attrs):
            raise serializers.ValidationError({"lon" if "lat" in attrs else "lat": ["Give both lat and lon."]})
        if attrs["place"] and "lat" not in attrs and not gazetteer.find_place(attrs["place"]):
            raise serializers.ValidationError({"place": ["Unknown place: give a French postcode or town."]})
        return attrs


@dataclass(frozen=True)
class SearchOutcome:
    page: SearchPage
    profiles: list[Profile]  # in result order
    distances: dict[int, float | None]
    place: gazetteer.Commune | None


def run_search(params: dict) -> SearchOutcome:
    """Resolve the place, ask the configured backend, load the profiles of the page."""
    place = None
    latitude, longitude = params.get("lat"), params.get("lon")
    if latitude is None and params["place"]:
        place = gazetteer.find_place(params["place"])[0]
        latitude, longitude = place.latitude, place.longitude
    query = SearchQuery(
        text=params["q"],
        specialty=params["specialty"],
        latitude=latitude,
        longitude=longitude,
        radius_km=params["radius_km"],
        languages=tuple(params["language"]),
        new_patients=params["new_patients"],
        teleconsultation=params["teleconsultation"],
        wheelchair_accessible=params["accessible"],
        sector=params["sector"],
        page=params["page"],
    )
    page = get_backend().search(query)
    ids = [result.profile_id for result in page.results]
    by_id = Profile.objects.select_related("specialty").only(*RESULT_FIELDS).order_by().in_bulk(ids)
    return SearchOutcome(
        page=page,
        profiles=[by_id[pk] for pk in ids if pk in by_id],
        distances={result.profile_id: result.distance_km for result in page.results},
        place=place,
    )
