"""The directory's public JSON API: search, and autocomplete of specialties and places."""

from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from . import gazetteer
from .models import Profile, specialties_by_label
from .search.base import COUNT_LIMIT
from .searching import Result, SearchParams, run_search
from .text import fold


class BookingSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["online", "phone"])
    url = serializers.URLField(required=False)
    phone = serializers.CharField(required=False)


class SearchResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    specialty = serializers.CharField()
    address = serializers.CharField()
    distance_km = serializers.FloatField(allow_null=True)
    booking = BookingSerializer()


class SearchResponseSerializer(serializers.Serializer):
    count = serializers.IntegerField(
        help_text=f"Exact up to {COUNT_LIMIT}; past it {COUNT_LIMIT} and count_exact false."
    )
    count_exact = serializers.BooleanField(help_text=f"False when more than {COUNT_LIMIT} practitioners match.")
    results = SearchResultSerializer(many=True)
    facets = serializers.DictField(
        child=serializers.DictField(child=serializers.IntegerField()),
        help_text="Matches per value of each filter; may be left empty when count_exact is false.",
    )


class SpecialtySuggestionSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()


class PlaceSuggestionSerializer(serializers.Serializer):
    name = serializers.CharField()
    postcodes = serializers.ListField(child=serializers.CharField())
    department = serializers.CharField()


def booking_of(profile: Profile | Result, request) -> dict:
    if profile.books_online:
        return {"kind": "online", "url": request.build_absolute_uri(reverse("go", args=[profile.pk]))}
    return {"kind": "phone", "phone": profile.phone}


def address_of(profile: Profile | Result) -> str:
    town = " ".join(part for part in (profile.postcode, profile.city) if part)
    return ", ".join(part for part in (profile.practice_name, profile.address, town) if part)


class SearchView(APIView):
    @extend_schema(parameters=[SearchParams], responses={200: SearchResponseSerializer})
    def get(self, request):
        """Practitioners by words, specialty, place (postcode, town, or lat/lon with a radius) and filters."""
        params = SearchParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        outcome = run_search(params.validated_data)
        results = [
            {
                "id": result.pk,
                "name": result.display_name,
                "specialty": result.specialty_label,
                "address": address_of(result),
                "distance_km": result.distance_km,
                "booking": booking_of(result, request),
            }
            for result in outcome.results
        ]
        page = outcome.page
        return Response(
            {"count": page.count, "count_exact": page.count_exact, "results": results, "facets": page.facets}
        )


class SpecialtySuggestionView(APIView):
    @extend_schema(parameters=[OpenApiParameter("q", str)], responses={200: SpecialtySuggestionSerializer(many=True)})
    def get(self, request):
        """Specialties whose label or synonyms, French or English, start with the typed words.

        Labels are in the address's language (English at /en/).
        """
        typed = fold(request.query_params.get("q", ""))[:60]
        matches = []
        for specialty in specialties_by_label():
            words = " " + fold(f"{specialty.label} {specialty.synonyms} {specialty.label_en} {specialty.synonyms_en}")
            if f" {typed}" in words:  # the typed words start a word of the label or a synonym
                matches.append({"code": specialty.code, "label": specialty.shown_label})
        return Response(matches[:10])


class PlaceSuggestionView(APIView):
    @extend_schema(parameters=[OpenApiParameter("q", str)], responses={200: PlaceSuggestionSerializer(many=True)})
    def get(self, request):
        """Towns by name or postcode prefix, largest first."""
        typed = request.query_params.get("q", "")[:60]
        return Response(
            [
                {"name": commune.name, "postcodes": list(commune.postcodes), "department": commune.department}
                for commune in gazetteer.suggest_places(typed)
            ]
            if typed.strip()
            else []
        )
