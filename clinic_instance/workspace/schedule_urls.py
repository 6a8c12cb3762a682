"""The schedule area's addresses (placeholder until the area is built)."""

from django.urls import path

from .auth_views import placeholder

urlpatterns = [
    path("absences/", placeholder, name="absences"),
    path("practitioners/", placeholder, name="practitioners"),
]
