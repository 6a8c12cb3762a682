"""One search, from request parameters to profiles: shared by the API and the pages."""

from dataclasses import dataclass

from django.db import connection
from rest_framework import serializers

from config.operations import metrics

from . import gazetteer
from .models import display_name_of, label_in
from .search import SearchPage, SearchQuery, get_backend
from .search.base import COUNT_LIMIT, MAX_RADIUS_KM, PAGE_SIZE

DEFAULT_RADIUS_KM = 20.0
MAX_PAGE = COUNT_LIMIT // PAGE_SIZE


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
class Result:
    """What a search result shows of a profile, and nothing more.

    Read with one plain query: building 20 models (and their specialties) through
    the ORM cost more CPU than the database spent finding them (bench/README.md).
    """

    pk: int
    display_name: str
    specialty_label: str  # in the page's language
    practice_name: str
    address: str
    postcode: str
    city: str
    phone: str
    accepts_new_patients: bool
    books_online: bool
    availability_url: str
    distance_km: float | None


RESULT_SQL = (
    "SELECT p.id, p.title, p.first_name, p.last_name, s.label, s.label_en, p.practice_name, p.address, p.postcode, "
    "p.city, p.phone, p.accepts_new_patients, p.booking_url <> '' AND p.instance_id IS NOT NULL, p.availability_url "
    "FROM directory_profile p JOIN directory_specialty s ON s.id = p.specialty_id WHERE p.id IN ({})"
)


def load_results(page: SearchPage) -> list[Result]:
    """The page's profiles, in its order; one gone since the search (deleted) is left out."""
    if not page.results:
        return []
    ids = [result.profile_id for result in page.results]
    with connection.cursor() as cursor:
        cursor.execute(RESULT_SQL.format(", ".join(["%s"] * len(ids))), ids)
        rows = {row[0]: row for row in cursor.fetchall()}
    loaded = []
    for result in page.results:
        if row := rows.get(result.profile_id):
            pk, title, first_name, last_name, label, label_en, *shown, books_online, availability_url = row
            name, specialty = display_name_of(title, first_name, last_name), label_in(label, label_en)
            loaded.append(Result(pk, name, specialty, *shown, bool(books_online), availability_url, result.distance_km))
    return loaded


@dataclass(frozen=True)
class SearchOutcome:
    page: SearchPage
    results: list[Result]  # in the page's order
    place: gazetteer.Commune | None


@metrics.SEARCH_LATENCY.time()
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
    return SearchOutcome(page=page, results=load_results(page), place=place)
